import { IConstruct } from 'constructs';
import { ValidationError } from '../../policy/errors';
import { checkCommand, checkPort } from '../../policy/names';
import { DockerfileStage, execForm, renderDockerfile } from '../dockerfile';
import {
  argLines, BASE_IGNORE, checkBaseImage, checkBuildArgs, checkEnv, checkHealthCheck, checkPlatforms,
  checkUser, CommonRecipeOptions, DEFAULT_IMAGE_USER, envLine, healthCheckLine, RecipeBase, ImageHealthCheck,
  ImageUser, RenderedRecipe,
} from '../recipe-base';

/** A cache mount for a RUN step: the folder survives between builds but is not part of the image. */
export interface CacheMount {
  readonly type: 'cache';
  /** The absolute folder to mount, such as `/root/.cache/pip`. */
  readonly target: string;
  /**
   * The cache's id, to share it between steps.
   * @default - the target
   */
  readonly id?: string;
  /**
   * How concurrent builds share the cache.
   * @default 'shared'
   */
  readonly sharing?: 'shared' | 'private' | 'locked';
}

/** A secret mount for a RUN step: a file that exists during that step only, never in a layer. */
export interface SecretMount {
  readonly type: 'secret';
  /** The secret's id: the build passes it with `--secret id=<id>,src=<file>`. */
  readonly id: string;
  /**
   * Where the file appears.
   * @default - /run/secrets/<id>
   */
  readonly target?: string;
  /**
   * Fail the build when the secret is not given.
   * @default false
   */
  readonly required?: boolean;
}

/** A mount for a RUN step. */
export type RunMount = CacheMount | SecretMount;

/** One instruction of a custom stage. */
export type CustomStep =
  /** `WORKDIR <absolute path>`. */
  | { readonly workdir: string }
  /** `COPY [--from=<stage>] <sources...> <to>`; without `from`, sources are paths in the build context. */
  | { readonly copy: readonly string[]; readonly to: string; readonly from?: string }
  /** `RUN [--mount=...] <command>` (shell form, one line). */
  | { readonly run: string; readonly mounts?: readonly RunMount[] }
  /** `ENV NAME="value" ...` (names that look secret are refused). */
  | { readonly env: Readonly<Record<string, string>> }
  /** `ARG NAME[="default"]` (names that look secret are refused). */
  | { readonly arg: string; readonly default?: string }
  /** `EXPOSE <port>`. */
  | { readonly expose: number }
  /** `USER <uid>:<gid>` inside a build stage (the final stage's user is the recipe's `user`). */
  | { readonly user: ImageUser };

/** One stage of a custom Dockerfile. */
export interface CustomStage {
  /** The stage name: lowercase, unique, not `scratch` or `context`. */
  readonly name: string;
  /** A tagged base image (never `latest`), `scratch`, or the name of an earlier stage. */
  readonly from: string;
  /** The stage's instructions, in order. */
  readonly steps: readonly CustomStep[];
}

/** Options for `ImageRecipe.custom`. */
export interface CustomRecipeOptions extends CommonRecipeOptions {
  /** The stages, in order; the last is the image. */
  readonly stages: readonly CustomStage[];
  /** The final stage's command, in exec form (`CMD`). */
  readonly start: readonly string[];
  /**
   * The final stage's entrypoint, in exec form.
   * @default - none
   */
  readonly entrypoint?: readonly string[];
  /**
   * The port the app listens on (`EXPOSE`).
   * @default - none: the image serves no traffic
   */
  readonly port?: number;
  /**
   * The health check. A custom image says how it checks itself: a command, or an HTTP check
   * run with `httpProbe`.
   */
  readonly healthCheck: ImageHealthCheck;
  /**
   * For an HTTP health check: the command that fetches a URL and fails on an error status,
   * which the final image holds; the URL is appended (for example `["curl", "-fsS", "-o", "/dev/null"]`).
   * @default - an HTTP health check is refused
   */
  readonly httpProbe?: readonly string[];
}

const STAGE_NAME = /^[a-z][a-z0-9_.-]*$/;
const ARG_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SECRET_ID = /^[A-Za-z0-9_.-]+$/;
const SAFE_PATH = /^[^\s"'`$\\]+$/;

/** The custom recipe: see `ImageRecipe.custom`. */
export class CustomRecipe extends RecipeBase<CustomRecipeOptions> {
  public readonly kind = 'custom';

  public render(scope: IConstruct, _contextDir: string): RenderedRecipe {
    const o = this.options;
    const user = checkUser(scope, o.user ?? DEFAULT_IMAGE_USER);
    const start = checkCommand(scope, 'start', o.start, '["/app/server"]');
    const entrypoint = o.entrypoint === undefined ? undefined : checkCommand(scope, 'entrypoint', o.entrypoint, '["/usr/bin/tini", "--"]');
    const port = o.port === undefined ? undefined : checkPort(scope, 'port', o.port);
    if (o.healthCheck === undefined) {
      throw new ValidationError(scope, {
        field: 'healthCheck',
        value: undefined,
        rule: 'a custom image says how it checks its own health',
        fix: 'set healthCheck: { kind: "command", command: ["/app/server", "-healthcheck"] }, or { kind: "none" } for an image that does not run long',
      });
    }
    const health = checkHealthCheck(scope, o.healthCheck);
    let probe: readonly string[] | undefined;
    if (health.kind === 'http') {
      if (o.httpProbe === undefined) {
        throw new ValidationError(scope, {
          field: 'healthCheck',
          value: health,
          rule: 'an HTTP health check of a custom image needs httpProbe, the command in the image that fetches the URL',
          fix: 'set httpProbe: ["curl", "-fsS", "-o", "/dev/null"], or use a command health check',
        });
      }
      probe = checkCommand(scope, 'httpProbe', o.httpProbe, '["curl", "-fsS", "-o", "/dev/null"]');
    }
    const env = o.env ?? {};
    checkEnv(scope, env);
    const buildArgs = checkBuildArgs(scope, o.buildArgs);
    const platforms = checkPlatforms(scope, o.platforms);

    if (!Array.isArray(o.stages) || o.stages.length === 0) {
      throw new ValidationError(scope, {
        field: 'stages',
        value: o.stages,
        rule: 'a custom recipe has at least one stage',
        fix: 'use stages: [{ name: "runtime", from: "debian:bookworm-slim", steps: [...] }]',
      });
    }
    const names: string[] = [];
    const requiredFiles = new Set<string>();
    const stages: DockerfileStage[] = [];
    o.stages.forEach((stage, i) => {
      const at = `stages[${i}]`;
      const last = i === o.stages.length - 1;
      if (typeof stage?.name !== 'string' || !STAGE_NAME.test(stage.name) || ['scratch', 'context'].includes(stage.name) || names.includes(stage.name)) {
        throw new ValidationError(scope, {
          field: `${at}.name`,
          value: stage?.name,
          rule: names.includes(stage?.name) ? 'each stage needs its own name' : 'a stage name is lowercase letters, digits, \'-\', \'_\' or \'.\', starting with a letter, and not scratch or context',
          fix: 'use a name such as "build" or "runtime"',
        });
      }
      const from = stage.from === 'scratch' || names.includes(stage.from) ? stage.from : checkBaseImage(scope, `${at}.from`, stage.from);
      const instructions: string[] = [...argLines(buildArgs)];
      (stage.steps ?? ([] as readonly CustomStep[])).forEach((step: CustomStep, j: number) => {
        instructions.push(renderStep(scope, `${at}.steps[${j}]`, step, names, last, requiredFiles));
      });
      if (last) {
        instructions.push(...envLine([], env), `USER ${user.uid}:${user.gid}`);
        if (port !== undefined) {
          instructions.push(`EXPOSE ${port}`);
        }
        const healthLine = healthCheckLine(health, port, (url) => [...probe!, url]);
        if (healthLine) {
          instructions.push(healthLine);
        }
        if (entrypoint) {
          instructions.push(`ENTRYPOINT ${execForm(entrypoint)}`);
        }
        instructions.push(`CMD ${execForm(start)}`);
      }
      names.push(stage.name);
      stages.push({ name: stage.name, from, instructions });
    });

    return {
      dockerfile: renderDockerfile({
        header: 'Generated by prodpath from ImageRecipe.custom. Do not edit: change the recipe and run `cdk8s synth`.',
        stages,
      }),
      ignore: [...BASE_IGNORE, ...(o.ignore ?? [])],
      requiredFiles: [...requiredFiles].sort(),
      port,
      healthPath: health.kind === 'http' ? health.path : undefined,
      user,
      platforms,
      buildArgs,
    };
  }
}

function renderStep(scope: IConstruct, field: string, step: CustomStep, earlier: readonly string[], finalStage: boolean, requiredFiles: Set<string>): string {
  const bad = (rule: string, fix: string, value: unknown = step, key?: string): never => {
    throw new ValidationError(scope, { field: key === undefined ? field : `${field}.${key}`, value, rule, fix });
  };
  const absolute = (value: unknown, what: string, key: string): string => {
    if (typeof value !== 'string' || !value.startsWith('/') || !SAFE_PATH.test(value)) {
      bad(`${what} is an absolute path without spaces or quotes`, 'use a path such as "/app"', value, key);
    }
    return value as string;
  };
  if (typeof step !== 'object' || step === null) {
    return bad('a step is an object such as { run: "make" }', 'use { workdir }, { copy, to }, { run }, { env }, { arg }, { expose } or { user }');
  }
  if ('workdir' in step) {
    return `WORKDIR ${absolute(step.workdir, 'a WORKDIR', 'workdir')}`;
  }
  if ('copy' in step) {
    const sources = step.copy;
    if (!Array.isArray(sources) || sources.length === 0 || sources.some((s) => typeof s !== 'string' || s === '' || !SAFE_PATH.test(s))) {
      bad('copy lists one or more source paths without spaces or quotes', 'use { copy: ["package.json", "package-lock.json"], to: "./" }', sources, 'copy');
    }
    if (typeof step.to !== 'string' || step.to === '' || !SAFE_PATH.test(step.to)) {
      bad('copy needs a destination (`to`) without spaces or quotes', 'use to: "/app/"', step.to, 'to');
    }
    let fromFlag = '';
    if (step.from !== undefined) {
      if (!earlier.includes(step.from)) {
        checkBaseImage(scope, `${field}.from`, step.from);
      }
      fromFlag = `--from=${step.from} `;
    } else {
      for (const s of sources) {
        if (s.startsWith('/') || s.split('/').includes('..')) {
          bad('a source copied from the build context is a relative path inside it', 'use a path such as "src/" or "."', s, 'copy');
        }
        if (s !== '.' && s !== './' && !/[*?[]/.test(s)) {
          requiredFiles.add(s.replace(/^\.\//, '').replace(/\/+$/, ''));
        }
      }
    }
    return `COPY ${fromFlag}${[...sources, step.to].join(' ')}`;
  }
  if ('run' in step) {
    if (typeof step.run !== 'string' || step.run.trim() === '' || /[\r\n]/.test(step.run)) {
      bad('run is one non-empty line of shell', 'use { run: "make build" }', step.run, 'run');
    }
    const mounts = (step.mounts ?? []).map((m, k) => renderMount(scope, `${field}.mounts[${k}]`, m, (v, what) => absolute(v, what, `mounts[${k}].target`)));
    return `RUN ${[...mounts, step.run].join(' ')}`;
  }
  if ('env' in step) {
    checkEnv(scope, step.env, `${field}.env`);
    return envLine([], step.env)[0] ?? bad('env sets at least one variable', 'use { env: { LANG: "C.UTF-8" } }');
  }
  if ('arg' in step) {
    if (typeof step.arg !== 'string' || !ARG_NAME.test(step.arg)) {
      bad('an ARG name starts with a letter or \'_\' and holds only letters, digits and \'_\'', 'use { arg: "APP_VERSION" }', step.arg, 'arg');
    }
    if (step.default !== undefined && (typeof step.default !== 'string' || /[\r\n]/.test(step.default))) {
      bad('an ARG default is a string on one line', 'use { arg: "APP_VERSION", default: "1.0.0" }', step.default, 'default');
    }
    return step.default === undefined ? `ARG ${step.arg}` : `ARG ${step.arg}=${JSON.stringify(step.default)}`;
  }
  if ('expose' in step) {
    return `EXPOSE ${checkPort(scope, `${field}.expose`, step.expose)}`;
  }
  if ('user' in step) {
    if (finalStage) {
      bad('the final stage runs as the recipe\'s user (a numeric non-root user it sets at the end)', 'remove this step and set the recipe\'s user option', step.user, 'user');
    }
    const u = step.user;
    if (!u || !Number.isInteger(u.uid) || !Number.isInteger(u.gid) || u.uid < 0 || u.gid < 0) {
      bad('a build stage user is a numeric uid and gid', 'use { user: { uid: 10001, gid: 10001 } }', u, 'user');
    }
    return `USER ${u.uid}:${u.gid}`;
  }
  return bad('a step is one of { workdir }, { copy, to }, { run }, { env }, { arg }, { expose } or { user }', 'use { run: "make build" }');
}

function renderMount(scope: IConstruct, field: string, m: RunMount, absolute: (v: unknown, what: string) => string): string {
  if (m?.type === 'cache') {
    const parts = ['type=cache', `target=${absolute(m.target, 'a cache mount target')}`];
    if (m.id !== undefined) {
      if (typeof m.id !== 'string' || !SECRET_ID.test(m.id)) {
        throw new ValidationError(scope, { field: `${field}.id`, value: m.id, rule: 'a cache id holds only letters, digits, \'.\', \'_\' and \'-\'', fix: 'use an id such as "pip"' });
      }
      parts.push(`id=${m.id}`);
    }
    if (m.sharing !== undefined) {
      if (!['shared', 'private', 'locked'].includes(m.sharing)) {
        throw new ValidationError(scope, { field: `${field}.sharing`, value: m.sharing, rule: 'sharing is shared, private or locked', fix: 'use "locked" for package manager caches' });
      }
      parts.push(`sharing=${m.sharing}`);
    }
    return `--mount=${parts.join(',')}`;
  }
  if (m?.type === 'secret') {
    if (typeof m.id !== 'string' || !SECRET_ID.test(m.id)) {
      throw new ValidationError(scope, { field: `${field}.id`, value: m.id, rule: 'a secret id holds only letters, digits, \'.\', \'_\' and \'-\'', fix: 'use an id such as "npmrc"' });
    }
    const parts = ['type=secret', `id=${m.id}`];
    if (m.target !== undefined) {
      parts.push(`target=${absolute(m.target, 'a secret mount target')}`);
    }
    if (m.required) {
      parts.push('required=true');
    }
    return `--mount=${parts.join(',')}`;
  }
  throw new ValidationError(scope, {
    field,
    value: m,
    rule: 'a RUN mount is { type: "cache", target } or { type: "secret", id }',
    fix: 'use { type: "cache", target: "/root/.cache/pip" }',
  });
}
