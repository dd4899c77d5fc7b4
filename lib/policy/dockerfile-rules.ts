/**
 * The Dockerfile policy: CHECKLISTS.md's rules for generated (and custom) Dockerfiles and
 * their ignore files, after hadolint and BuildKit's build checks. Parsed with dockerfile-ast.
 */
import { DockerfileParser, From, Instruction, JSONInstruction, PropertyInstruction } from 'dockerfile-ast';
import { CREDENTIAL_FILES_RULE, CREDENTIAL_PATTERNS } from './image-rules';
import { Finding, PolicyRule } from './rules';
import { detectSecret, DETECTOR_DESCRIPTIONS, findSecretTokens, isSecretName, maskSecret, SECRET_RULE, secretFix } from './secrets';

/** Every Dockerfile rule, by key. */
export const DOCKERFILE_RULES = {
  fromTag: { id: 'dockerfile-from-tag', rationale: 'a base image named by a tag other than latest builds the same image tomorrow', source: 'hadolint DL3006, DL3007' },
  stageNames: { id: 'dockerfile-stage-names', rationale: 'stage names are lowercase, unique, and not the reserved scratch or context', source: 'BuildKit build checks' },
  workdir: { id: 'dockerfile-absolute-workdir', rationale: 'a relative WORKDIR depends on the instructions before it', source: 'hadolint DL3000' },
  copyNotAdd: { id: 'dockerfile-copy-not-add', rationale: 'ADD fetches URLs and unpacks archives by surprise; COPY does only what it says', source: 'hadolint DL3020' },
  execForm: { id: 'dockerfile-exec-form', rationale: 'JSON-form CMD and ENTRYPOINT run the program as PID 1 so it receives signals', source: 'hadolint DL3025, BuildKit JSONArgsRecommended' },
  single: { id: 'dockerfile-single-cmd', rationale: 'only the last CMD, ENTRYPOINT or HEALTHCHECK of a stage counts; more are mistakes', source: 'hadolint DL4003, DL4004, DL3012' },
  user: { id: 'dockerfile-numeric-user', rationale: 'the final stage runs as a numeric non-root user and group (>= 10000) that the pod\'s runAsUser matches', source: 'hadolint DL3002, kube-score' },
  healthcheck: { id: 'dockerfile-healthcheck', rationale: 'an image that checks its own health works the same under Compose and Kubernetes probes', source: 'prodpath' },
  layerOrder: { id: 'dockerfile-dependencies-first', rationale: 'installing dependencies before copying the source lets a source-only change reuse the dependency layer', source: 'Docker build best practices' },
  apt: { id: 'dockerfile-apt-hygiene', rationale: 'apt-get install -y --no-install-recommends, then removing /var/lib/apt/lists, keeps images small and builds non-interactive', source: 'hadolint DL3014, DL3015, DL3009' },
  ignore: { id: 'dockerignore-essentials', rationale: 'the build context leaves out VCS data, local dependencies and env files', source: 'prodpath' },
} satisfies Record<string, PolicyRule>;

/** What to check a Dockerfile against. */
export interface DockerfileContext {
  /** The file name for findings. */
  readonly file?: string;
  /** The construct path for findings. */
  readonly constructPath?: string;
  /** The user the pods that run the image use, `uid:gid`; the final USER must equal it. */
  readonly expectedUser?: string;
  /**
   * Exemptions recorded for the image (`Policy.exempt(image, rule, reason)`, kept in image.json),
   * by rule id. Only exemptible rules (not the `dockerfile-*` ones) can be exempted.
   * @default {}
   */
  readonly exemptions?: Readonly<Record<string, string>>;
}

const INSTALL = /\b(npm (ci|install)|pnpm install|yarn (install)?|pip3? install|poetry install|go mod download|bundle install|composer install|cargo fetch)\b/;

/** Checks one Dockerfile's text. */
export function checkDockerfile(text: string, ctx: DockerfileContext = {}): Finding[] {
  const findings: Finding[] = [];
  const add = (rule: PolicyRule, ins: Instruction | undefined, message: string, fix: string) => {
    if ((rule.exemptible ?? true) && !rule.id.startsWith('docker') && typeof ctx.exemptions?.[rule.id] === 'string') {
      return;
    }
    const where = ins ? `line ${ins.getRange().start.line + 1}` : undefined;
    findings.push({ rule, severity: rule.severity ?? 'error', message, fix, where, file: ctx.file, constructPath: ctx.constructPath });
  };
  const R = DOCKERFILE_RULES;
  const dockerfile = DockerfileParser.parse(text);
  const stages: { from: From; instructions: Instruction[] }[] = [];
  for (const ins of dockerfile.getInstructions()) {
    if (ins instanceof From) {
      stages.push({ from: ins, instructions: [] });
    } else if (stages.length > 0) {
      stages[stages.length - 1].instructions.push(ins);
    }
    const keyword = ins.getKeyword();
    if (keyword === 'ADD') {
      add(R.copyNotAdd, ins, 'ADD is used', 'use COPY (and RUN curl or a build stage for remote files)');
    }
    if (keyword === 'ARG' || keyword === 'ENV') {
      // ARG and ENV values stay in the image and its history: refused by name (even without a value) and by value.
      const from = keyword === 'ENV' ? 'the recipe\'s env or an env step' : 'the recipe\'s buildArgs or an arg step; also written to image.json, docker-bake.json and Compose build args';
      for (const prop of (ins as PropertyInstruction).getProperties()) {
        const name = prop.getName();
        const value = prop.getValue() ?? '';
        const detector = isSecretName(name) && value === '' ? 'secret-name' : detectSecret(name, value);
        if (detector !== undefined) {
          const shown = value === '' ? 'no default, so it would be passed with --build-arg and stay in the image history' : `value ${maskSecret(value, detector)}`;
          add(SECRET_RULE, ins, `${keyword} ${name} (${from}) holds a secret (${detector}: ${DETECTOR_DESCRIPTIONS[detector]}; ${shown})`, `${secretFix(name)}; in an image, read a secret from a build secret mount (RUN --mount=type=secret,id=...) or pass it at run time`);
        }
      }
    } else {
      const token = findSecretTokens(ins.getTextContent())[0];
      if (token !== undefined) {
        add(SECRET_RULE, ins, `${keyword} holds a secret (${token.detector}: ${DETECTOR_DESCRIPTIONS[token.detector]}; value ${maskSecret(token.text, token.detector)})`, `${secretFix('NAME')}; in an image, read a secret from a build secret mount (RUN --mount=type=secret,id=...)`);
      }
    }
    if (keyword === 'RUN') {
      const cmd = ins.getArgumentsContent() ?? '';
      if (/\bapt-get\s+(-\S+\s+)*install\b/.test(cmd)
        && (!/(\s-y\b|\s--yes\b|\s-[a-z]*y)/.test(cmd) || !cmd.includes('--no-install-recommends') || !/rm -rf \/var\/lib\/apt\/lists/.test(cmd))) {
        add(R.apt, ins, 'apt-get install lacks -y, --no-install-recommends or the removal of /var/lib/apt/lists/*', 'use apt-get install -y --no-install-recommends ... && rm -rf /var/lib/apt/lists/* in the same RUN');
      }
    }
  }
  if (stages.length === 0) {
    add(R.fromTag, undefined, 'the Dockerfile has no FROM', 'start with FROM <image>:<tag>');
    return findings;
  }

  const names = new Set<string>();
  for (const { from, instructions } of stages) {
    const stage = from.getBuildStage();
    const image = from.getImageName() ?? '';
    const isStageRef = names.has(image);
    if (!isStageRef && image !== 'scratch') {
      const tag = from.getImageTag();
      const digest = from.getImageDigest();
      if ((tag === null || tag === 'latest') && digest === null) {
        add(R.fromTag, from, `FROM ${from.getImage()} has ${tag === 'latest' ? 'the tag latest' : 'no tag'}`, 'name a version tag, such as node:20-slim, optionally with @sha256:<digest>');
      }
    }
    if (stage !== null) {
      if (stage !== stage.toLowerCase() || ['scratch', 'context'].includes(stage.toLowerCase()) || names.has(stage)) {
        add(R.stageNames, from, `stage name ${JSON.stringify(stage)} is ${names.has(stage) ? 'used twice' : 'reserved or not lowercase'}`, 'use a unique lowercase name such as build or runtime');
      }
      names.add(stage);
    }
    let copiedSource: Instruction | undefined;
    const counts: Record<string, number> = { CMD: 0, ENTRYPOINT: 0, HEALTHCHECK: 0 };
    for (const ins of instructions) {
      const keyword = ins.getKeyword();
      const args = ins.getArgumentsContent() ?? '';
      if (keyword === 'WORKDIR' && !args.startsWith('/') && !args.startsWith('$')) {
        add(R.workdir, ins, `WORKDIR ${args} is relative`, 'use an absolute path such as /app');
      }
      if (keyword in counts) {
        counts[keyword] += 1;
        if (counts[keyword] === 2) {
          add(R.single, ins, `the stage has more than one ${keyword}`, `keep one ${keyword}`);
        }
      }
      if ((keyword === 'CMD' || keyword === 'ENTRYPOINT') && (ins as JSONInstruction).getOpeningBracket() === null) {
        add(R.execForm, ins, `${keyword} ${args} is in shell form`, `write it in JSON form: ${keyword} ["program", "arg"]`);
      }
      if (keyword === 'COPY' && !/--from=/.test(args) && /(^|\s)\.\/?\s+\S+$/.test(args)) {
        copiedSource = copiedSource ?? ins;
      }
      if (keyword === 'RUN' && copiedSource && INSTALL.test(args)) {
        add(R.layerOrder, ins, `dependencies are installed (${args.match(INSTALL)![0]}) after the whole source is copied (line ${copiedSource.getRange().start.line + 1})`, 'copy the dependency manifests and install them before COPY . .');
      }
    }
  }

  const final = stages[stages.length - 1];
  const users = final.instructions.filter((i) => i.getKeyword() === 'USER');
  const lastUser = users[users.length - 1];
  const user = lastUser?.getArgumentsContent() ?? undefined;
  const m = user ? /^(\d+):(\d+)$/.exec(user) : null;
  if (!m || Number(m[1]) < 10000 || Number(m[2]) < 10000) {
    add(R.user, lastUser ?? final.from, `the final stage runs as ${user === undefined ? 'root (no USER)' : `USER ${user}`}`, 'end with USER <uid>:<gid>, both numeric and at least 10000, such as USER 10001:10001');
  } else if (ctx.expectedUser !== undefined && user !== ctx.expectedUser) {
    add(R.user, lastUser, `the final USER ${user} differs from the pods' runAsUser:runAsGroup ${ctx.expectedUser}`, 'use the same numeric user in the image and the pod');
  }
  if (!final.instructions.some((i) => i.getKeyword() === 'HEALTHCHECK')) {
    add(R.healthcheck, final.from, 'the final stage has no HEALTHCHECK', 'add HEALTHCHECK CMD ["program", "args"] that exits 0 when the app is healthy');
  }
  return findings;
}

/** Patterns an ignore file must have (any one of each group). */
const IGNORE_ESSENTIALS: readonly { what: string; anyOf: readonly string[] }[] = [
  { what: '.git', anyOf: ['.git', '**/.git', '.git/'] },
  { what: 'node_modules', anyOf: ['node_modules', '**/node_modules', 'node_modules/'] },
  { what: 'env files', anyOf: ['.env', '**/.env', '*.env', '**/*.env', '**/.env*'] },
];

/**
 * Checks an ignore file for the essentials (VCS data, local dependencies, env files) and for
 * every credential pattern ({@link CREDENTIAL_PATTERNS}; exemptible per image under
 * `no-credential-files`). Synth also refuses `!` rules that bring a credential file back.
 */
export function checkIgnoreFile(text: string, ctx: DockerfileContext = {}): Finding[] {
  const patterns = new Set(text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#')));
  const findings: Finding[] = [];
  const missing = IGNORE_ESSENTIALS.filter((e) => !e.anyOf.some((p) => patterns.has(p))).map((e) => e.what);
  if (missing.length > 0) {
    const rule = DOCKERFILE_RULES.ignore;
    findings.push({ rule, severity: 'error', message: `the ignore file does not leave out ${missing.join(', ')}`, fix: `add ${missing.join(', ')} to the ignore rules`, file: ctx.file, constructPath: ctx.constructPath });
  }
  const credentials = CREDENTIAL_PATTERNS.filter((p) => !patterns.has(p));
  if (credentials.length > 0 && ctx.exemptions?.[CREDENTIAL_FILES_RULE.id] === undefined) {
    findings.push({
      rule: CREDENTIAL_FILES_RULE,
      severity: 'error',
      message: `the ignore file does not leave out the credential files ${credentials.join(', ')}`,
      fix: 'synthesize again (prodpath writes every credential pattern into each ignore file), or add them',
      file: ctx.file,
      constructPath: ctx.constructPath,
    });
  }
  return findings;
}
