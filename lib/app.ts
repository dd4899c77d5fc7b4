import * as path from 'path';
import * as fs from 'fs';
import { ApiObject, App as Cdk8sApp, Chart, IResolver, Names } from 'cdk8s';
import { renderComposeFiles } from './compose/render';
import { Environment } from './environments/environment';
import { Pipeline } from './environments/pipeline';
import { assertPeers } from './peers';
import { BAKE_FILE, renderBakeFile } from './images/bake';
import { DeferredStringResolver } from './images/deferred';
import { checkPinIntegrity } from './lock/pin-integrity';
import { Image } from './images/image';
import { checkExternalDigests, checkLockedDigests } from './lock/require-digests';
import { OutputShapeError, outputShapeProblem, writeTreeAtomically } from './outputs/atomic-write';
import { documentText, joinDocuments, stringifyDocuments } from './outputs/yaml';
import { checkPipelineParity, recordParityDeclarations } from './parity/parity';
import { installRefusalHandler } from './cli/refusal';
import { checkDockerfile, checkIgnoreFile } from './policy/dockerfile-rules';
import { ValidationError } from './policy/errors';
import { hasLoneSurrogate } from './policy/names';
import { CREDENTIAL_FILES_RULE } from './policy/image-rules';
import { checkManifests } from './policy/manifest-rules';
import { addWarning } from './policy/annotations';
import { applyExemptionsTo } from './policy/policy';
import { objectDigest } from './policy/schema/result-cache';
import { saveSchemaCaches } from './policy/schema/validate';
import { Workload } from './workloads/workload';
import { EXEMPTION_PREFIX, Finding, formatFinding } from './policy/rules';
import { DETECTOR_DESCRIPTIONS, findSecretTokens, maskSecret, SECRET_RULE, secretFix } from './policy/secrets';
import { checkImageUsage } from './workloads/image-usage';

/** Props for {@link App}. */
export interface AppProps {
  /**
   * The folder prodpath writes: `images/`, and one folder per environment. Relative to the
   * working directory (the app root, where `cdk8s synth` runs).
   * @default 'dist'
   */
  readonly outdir?: string;
  /**
   * Where a plain cdk8s copy of the manifests goes, for the `cdk8s synth` CLI's listing and
   * validation plugins. The CLI empties this folder before it runs the app, which is why
   * prodpath does not write its own output there.
   * @default - $CDK8S_OUTDIR when the cdk8s CLI runs the app; otherwise no copy is written
   */
  readonly cdk8sOutdir?: string;
  /**
   * Print a summary line after synthesis, and a line per environment while a long synthesis
   * runs (see `progressAfterMs`). Both go to stderr, which the `cdk8s synth` CLI passes
   * through (it captures the app's stdout).
   * @default true
   */
  readonly printSummary?: boolean;
  /**
   * How long `synth()` runs quietly before it prints a progress line for each environment it
   * renders. Only with `printSummary`.
   * @default 2000
   */
  readonly progressAfterMs?: number;
  /**
   * cdk8s resolvers, run on every value of every object before it is rendered (the first that
   * calls `context.replaceValue` wins), as with cdk8s's own App. prodpath's checks see the
   * resolved values. As in cdk8s, JSON patches apply after resolvers, so the values prodpath
   * adds with patches (ConfigMap data, seccomp and capabilities) are not passed to them.
   * @default - no resolvers
   */
  readonly resolvers?: IResolver[];
  /**
   * Not supported: prodpath writes one file per environment and pipeline
   * (`<env>/<pipeline>.k8s.yaml`, listed by the environment's `kustomization.yaml`), which
   * `prodpath check`, `diff` and `promote` read. Passing it is an error.
   */
  readonly yamlOutputType?: never;
  /**
   * Not supported: prodpath's manifest files are always `.k8s.yaml`, which its kustomizations and
   * commands rely on. Passing it is an error.
   */
  readonly outputFileExtension?: never;
  /**
   * Not supported: cdk8s would write `construct-metadata.json` next to its own copy of the
   * manifests, not into `outdir`. Passing it is an error.
   */
  readonly recordConstructMetadata?: never;
  /**
   * When the app runs as a script (`node main.ts`, `cdk8s synth`), print a refused synth as
   * one block of findings and exit 1, instead of Node's stack trace and object dump
   * (`PRODPATH_DEBUG=1` adds the stack). Never active while another handler of uncaught
   * exceptions is installed, such as a test runner's.
   * @default true
   */
  readonly reportRefusals?: boolean;
}

/**
 * Thrown by `render()` when constructs report problems of their own (`node.addValidation`):
 * every problem with its construct path.
 */
export class ConstructProblemsError extends Error {
  constructor(public readonly problems: readonly { readonly path: string; readonly message: string }[]) {
    super(`prodpath found ${problems.length} problem(s):\n${problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n')}`);
    this.name = 'ConstructProblemsError';
  }
}

/** The cdk8s App options prodpath refuses, and why. */
const REFUSED_APP_PROPS: Record<string, { readonly rule: string; readonly fix: string }> = {
  yamlOutputType: {
    rule: 'prodpath writes one file per environment and pipeline (dist/<env>/<pipeline>.k8s.yaml, listed by the environment\'s kustomization.yaml), which `prodpath check`, `diff` and `promote` read, so cdk8s\'s other file layouts do not apply',
    fix: 'remove yamlOutputType; `kubectl kustomize dist/<env>` prints an environment as one stream of YAML',
  },
  outputFileExtension: {
    rule: 'prodpath names its manifest files <pipeline>.k8s.yaml, and its kustomizations and commands rely on that name',
    fix: 'remove outputFileExtension',
  },
  recordConstructMetadata: {
    rule: 'cdk8s would write construct-metadata.json next to the plain cdk8s copy of the manifests, not into prodpath\'s outdir; prodpath records the construct path of each finding in its errors instead',
    fix: 'remove recordConstructMetadata',
  },
};

/**
 * Thrown by `synth()` and `render()` when the synthesized output breaks the policy (schema
 * validity, Pod Security "restricted", production rules, Dockerfile rules). Nothing is
 * written. `findings` lists every error, each with its construct path, object and rule.
 */
export class PolicyError extends Error {
  constructor(public readonly findings: readonly Finding[]) {
    super(`prodpath: the synthesized output breaks ${findings.length} policy rule(s); nothing was written:\n${findings.map((f) => `  - ${formatFinding(f)}`).join('\n')}`);
    this.name = 'PolicyError';
  }
}

/** The header line of every generated YAML file. */
export const GENERATED_HEADER = '# Generated by prodpath. Do not edit: change the source and run `cdk8s synth`.';

/**
 * The root of a prodpath application: a cdk8s App whose `synth()` checks everything first,
 * then writes all of `outdir` at once (image build contexts, manifests per environment),
 * so a synth that fails leaves the previous output untouched.
 */
export class App extends Cdk8sApp {
  /** The folder prodpath writes. */
  public readonly distDir: string;
  private readonly copyForCli?: string;
  private readonly printSummary: boolean;
  private readonly progressAfterMs: number;
  /** Set by `synth()` while it renders: prints a progress line once the synth has run long enough. */
  private progress?: (message: string) => void;
  private lastWarnings: Finding[] = [];
  /** The YAML of each environment chart from the last render, for the cdk8s CLI's copy. */
  private chartYaml = new Map<Chart, string>();

  constructor(props: AppProps = {}) {
    const copyForCli = props.cdk8sOutdir ?? process.env.CDK8S_OUTDIR;
    // prodpath's own resolver first: it fills in the image references decided at synth (lib/images/deferred.ts).
    super({ outdir: copyForCli ?? '.cdk8s.out', resolvers: [new DeferredStringResolver(), ...(props.resolvers ?? [])] });
    for (const [field, why] of Object.entries(REFUSED_APP_PROPS)) {
      const value = (props as Record<string, unknown>)[field];
      if (value !== undefined) {
        throw new ValidationError('<app>', { field, value, ...why });
      }
    }
    // A second copy or an unsupported version of cdk8s fails later, deep in cdk8s: say so now.
    assertPeers(process.cwd());
    this.distDir = props.outdir ?? 'dist';
    this.copyForCli = copyForCli;
    this.printSummary = props.printSummary ?? true;
    this.progressAfterMs = props.progressAfterMs ?? 2000;
    if (props.reportRefusals ?? true) {
      installRefusalHandler();
    }
  }

  /** The pipelines of this app. */
  public get pipelines(): Pipeline[] {
    return this.node.findAll().filter(Pipeline.isPipeline) as Pipeline[];
  }

  /**
   * The policy warnings of the last `render()` or `synth()`. Each is also recorded on its
   * construct as metadata of type `aws:cdk:warning` (as AWS CDK's `Annotations.addWarning` does),
   * and printed by `synth()`.
   */
  public get warnings(): readonly Finding[] {
    return this.lastWarnings;
  }

  /**
   * Checks every construct, renders every output file in memory and checks the result
   * against the policy (schema, Pod Security, production and Dockerfile rules), without
   * writing. Throws a {@link ValidationError} on bad input and a {@link PolicyError} when the
   * output breaks a rule; warnings are kept in {@link App.warnings}.
   * @returns file contents keyed by path relative to `outdir`
   */
  public render(): Map<string, string> {
    const constructs = this.node.findAll();
    const problems = constructs.flatMap((c) => c.node.validate().map((message) => ({ path: c.node.path || '<app>', message })));
    if (problems.length > 0) {
      throw new ConstructProblemsError(problems);
    }
    // prodpath writes the environments' manifests only: an object elsewhere would be lost.
    const stray = constructs.find((c): c is ApiObject => c instanceof ApiObject && !Environment.isEnvironment(Chart.of(c)));
    if (stray !== undefined) {
      const chart = Chart.of(stray);
      if (chart.node.scopes.some((s) => Environment.isEnvironment(s))) {
        // cdk8s renders an object with its closest chart, not with the environment around it.
        throw new ValidationError(chart, {
          field: 'construct type',
          value: 'Chart',
          rule: 'a Chart inside an environment is not rendered into that environment\'s manifests, so its objects would be lost',
          fix: 'create its constructs directly in the environment, or group them in a plain Construct instead of a Chart',
        });
      }
      throw new ValidationError(stray, {
        field: 'scope',
        value: Chart.of(stray).node.path || '<app>',
        rule: `${stray.kind} ${stray.name} is not inside an environment, and prodpath writes only the environments' manifests, so it would be lost`,
        fix: 'create it in the callback of pipeline.define((env) => { ... }), under the environment',
      });
    }
    // One walk of the construct tree (38,000 constructs at 1,000 services x 3 environments, about
    // 30 ms a walk) for what render needs of it, instead of one per use.
    const pipelines = constructs.filter(Pipeline.isPipeline) as Pipeline[];
    applyExemptionsTo(constructs.filter((c): c is ApiObject => c instanceof ApiObject));
    // Parity records its declarations as annotations, so before anything is rendered.
    pipelines.forEach(recordParityDeclarations);
    const findings: Finding[] = [];
    const files = new Map<string, string>();
    const owners = new Map<string, string>();
    const add = (rel: string, content: string, owner: string) => {
      const before = owners.get(rel);
      if (before !== undefined) {
        throw new ValidationError(owner, {
          field: 'output file',
          value: rel,
          rule: `${before} writes the same file, and one would overwrite the other`,
          fix: 'give the two images or pipelines different names',
        });
      }
      // Manifests are checked object by object (within-cluster-limits); other files here.
      if (!rel.endsWith('.k8s.yaml') && hasLoneSurrogate(content)) {
        throw new ValidationError(owner, {
          field: 'output file',
          value: rel,
          rule: 'a value written to this file holds a lone UTF-16 surrogate, which is not valid Unicode and would be written as a replacement character',
          fix: 'write the character whole (both halves of the surrogate pair), or remove it',
        });
      }
      owners.set(rel, owner);
      files.set(rel, content);
    };

    const chartYaml = new Map<Chart, string>();
    const rendered = new Map<Environment, any[]>();
    const envFiles = new Map<string, string[]>();
    const objectOwners = new Map<string, string>();
    for (const pipeline of pipelines) {
      for (const image of pipeline.images) {
        for (const [rel, content] of Object.entries(image.renderFiles())) {
          add(rel, content, image.node.path);
        }
        const ctx = { constructPath: image.node.path, expectedUser: `${image.user.uid}:${image.user.gid}`, exemptions: image.exemptions };
        findings.push(...checkDockerfile(image.dockerfile, ctx), ...checkIgnoreFile(image.ignoreFile, ctx));
        if (image.exemptions[CREDENTIAL_FILES_RULE.id] === undefined) {
          for (const problem of image.credentialProblems) {
            findings.push({ rule: CREDENTIAL_FILES_RULE, severity: 'error', message: `build context ${image.context}: ${problem.reason}`, fix: problem.fix, where: problem.subject, constructPath: image.node.path });
          }
        }
      }
      for (const env of pipeline.environments) {
        const constructPaths = checkObjectCollisions(env, objectOwners);
        const docs = env.toJson();
        rendered.set(env, docs);
        // Each object's text as written: the schema check keeps its results by it (result-cache.ts).
        const texts = docs.map(documentText);
        findings.push(...checkManifests(docs.map((object, i) => ({ object, constructPath: constructPaths.get(objectKey(object)), textDigest: objectDigest(texts[i]) })), { production: env.production, kubernetes: env.kubernetesMinors }));
        const rel = `${env.name}/${pipeline.name}.k8s.yaml`;
        const yaml = joinDocuments(texts);
        chartYaml.set(env, yaml);
        add(rel, `${GENERATED_HEADER}\n${yaml}`, env.node.path);
        this.progress?.(`rendered and checked ${pipeline.name} in ${env.name}: ${docs.length} objects`);
        envFiles.set(env.name, [...(envFiles.get(env.name) ?? []), `${pipeline.name}.k8s.yaml`]);
      }
      findings.push(...checkPipelineParity(pipeline, (env) => rendered.get(env)!));
      // An HTTP HEALTHCHECK in an image that only workers run (issue 14).
      findings.push(...checkImageUsage(pipeline));
    }
    const images = pipelines.flatMap((p) => p.images);
    if (images.length > 0) {
      add(BAKE_FILE, renderBakeFile(images, this.distDir), this.node.path || '<app>');
    }
    findings.push(...pipelines.flatMap(checkLockedDigests));
    findings.push(...pipelines.flatMap(checkPinIntegrity));
    // External images (postgres:16-bookworm) in production: pinned by digest, per requireDigests.
    findings.push(...pipelines.flatMap((p) => checkExternalDigests(p, p.environments.flatMap((env) => env.node.findAll()
      .filter((c): c is Workload => Workload.isWorkload(c) && c.container.image === undefined)
      .map((w) => ({ env: env.name, constructPath: w.node.path, reference: w.container.imageRef }))))));
    // <env>/compose.yaml and <env>/stack.yaml, from the same workloads (by default for dev only).
    const compose = renderComposeFiles(pipelines, this.distDir);
    compose.files.forEach((f) => add(f.path, f.content, f.owner));
    findings.push(...compose.findings);
    for (const [envName, resources] of envFiles) {
      const kustomization = { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: resources.sort() };
      add(`${envName}/kustomization.yaml`, `${GENERATED_HEADER}\n${stringifyDocuments(kustomization)}`, this.node.path || '<app>');
    }
    findings.push(...scanWrittenFiles(files, owners, [...rendered.values()].flat(), images, findings));
    const errors = findings.filter((f) => f.severity === 'error');
    if (errors.length > 0) {
      throw new PolicyError(errors);
    }
    this.lastWarnings = findings.filter((f) => f.severity === 'warning');
    // Where cdk8s users look: on the construct the warning is about (the app when none is known).
    const byPath = new Map(constructs.map((c) => [c.node.path, c] as const));
    for (const warning of this.lastWarnings) {
      addWarning(byPath.get(warning.constructPath ?? '') ?? this, formatFinding(warning));
    }
    this.chartYaml = chartYaml;
    return files;
  }

  /**
   * Checks and renders everything, then replaces `outdir` in one step. Nothing is written
   * when a check fails.
   */
  public synth(): void {
    let files: Map<string, string>;
    if (this.printSummary) {
      const start = performance.now();
      this.progress = (message) => {
        if (performance.now() - start >= this.progressAfterMs) {
          process.stderr.write(`prodpath: ${message}\n`);
        }
      };
    }
    try {
      files = this.render();
    } finally {
      this.progress = undefined;
    }
    // Shape faults (dist/ a file or a link, a folder that cannot be replaced, the CLI's copy
    // folder a file) are found before the swap, so nothing is half done.
    const problem = outputShapeProblem(path.resolve(this.distDir));
    if (problem !== undefined) {
      throw new OutputShapeError(path.resolve(this.distDir), problem.rule, problem.fix);
    }
    if (this.copyForCli !== undefined && fs.existsSync(this.copyForCli) && !fs.lstatSync(this.copyForCli).isDirectory()) {
      throw new OutputShapeError(path.resolve(this.copyForCli), 'the folder for the cdk8s CLI\'s copy of the manifests is a file', `remove the file (${this.copyForCli}) and synth again`);
    }
    const written = writeTreeAtomically(this.distDir, files);
    // The validators' compiled code and the objects they found valid, for the next synth.
    saveSchemaCaches();
    if (this.copyForCli !== undefined) {
      this.writeCopyForCli(this.copyForCli);
    }
    for (const warning of this.lastWarnings) {
      process.stderr.write(`prodpath: warning: ${formatFinding(warning)}\n`);
    }
    if (this.printSummary) {
      const envs = new Set([...files.keys()].filter((f) => f.endsWith('.k8s.yaml')).map((f) => f.split('/')[0]));
      const images = this.pipelines.reduce((n, p) => n + p.images.length, 0);
      const where = `${path.relative(process.cwd(), path.resolve(this.distDir)) || '.'}/`;
      const what = `(${images} image(s); environments: ${[...envs].join(', ')})`;
      process.stderr.write(written ? `prodpath: wrote ${files.size} files to ${where} ${what}\n` : `prodpath: ${where} already holds these ${files.size} files, left as they were ${what}\n`);
    }
  }

  /**
   * The plain cdk8s copy for the `cdk8s synth` CLI: one `<chart>.k8s.yaml` per chart, named as
   * cdk8s's own `App.synth()` names them (`0000-` prefixes when charts depend on each other),
   * from the YAML already rendered instead of rendering every chart a second time.
   */
  private writeCopyForCli(outdir: string): void {
    fs.mkdirSync(outdir, { recursive: true });
    const charts = this.charts;
    const indexed = charts.some((c) => c.node.dependencies.some((d) => d instanceof Chart));
    charts.forEach((chart, i) => {
      const name = `${indexed ? `${String(i).padStart(4, '0')}-` : ''}${Names.toDnsLabel(chart)}`;
      const yaml = this.chartYaml.get(chart) ?? stringifyDocuments(...chart.toJson());
      fs.writeFileSync(path.join(outdir, `${name}${this.outputFileExtension}`), yaml);
    });
  }
}

/**
 * The last line of defence for secrets: every file about to be written (manifests, Dockerfiles,
 * image.json, docker-bake.json, Compose and Swarm files, kustomizations) is searched for secrets
 * by format (URL passwords, token formats, private keys, JWTs). It reports only when the
 * channel checks found no secret (they name the field; this names the file), and it skips
 * values whose objects or images are exempted from {@link SECRET_RULE}.
 */
function scanWrittenFiles(files: ReadonlyMap<string, string>, owners: ReadonlyMap<string, string>, objects: readonly any[], images: readonly Image[], findings: readonly Finding[]): Finding[] {
  if (findings.some((f) => f.rule.id === SECRET_RULE.id && f.severity === 'error')) {
    return [];
  }
  const allowed = new Set<string>();
  const allow = (text: string) => findSecretTokens(text).forEach((t) => allowed.add(t.text));
  for (const obj of objects) {
    if (typeof obj?.metadata?.annotations?.[`${EXEMPTION_PREFIX}${SECRET_RULE.id}`] === 'string') {
      stringLeaves(obj).forEach(allow);
    }
  }
  for (const image of images) {
    if (image.exemptions[SECRET_RULE.id] !== undefined) {
      allow(image.dockerfile);
      Object.values(image.buildArgs).forEach(allow);
    }
  }
  const out: Finding[] = [];
  for (const [rel, content] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const token = findSecretTokens(content).find((t) => !allowed.has(t.text));
    if (token !== undefined) {
      out.push({
        rule: SECRET_RULE,
        severity: 'error',
        message: `${rel} would contain a secret (${token.detector}: ${DETECTOR_DESCRIPTIONS[token.detector]}; value ${maskSecret(token.text, token.detector)})`,
        fix: secretFix('NAME'),
        file: rel,
        constructPath: owners.get(rel),
      });
    }
  }
  return out;
}

/** Every string inside a JSON value. */
function stringLeaves(value: unknown): string[] {
  if (typeof value === 'string') {
    return [value];
  }
  if (Array.isArray(value)) {
    return value.flatMap(stringLeaves);
  }
  if (typeof value === 'object' && value !== null) {
    return Object.values(value).flatMap(stringLeaves);
  }
  return [];
}

/** The identity of an object in a cluster: namespace, API group, kind and name. */
function objectKey(o: { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } }): string {
  const group = o.apiVersion?.includes('/') ? o.apiVersion.split('/')[0] : 'core';
  return `${o.metadata?.namespace ?? ''}/${group}/${o.kind}/${o.metadata?.name}`;
}

/**
 * Two objects of the same kind, namespace and name would replace each other in the cluster.
 * @returns the construct path of each object of the environment, by {@link objectKey}
 */
function checkObjectCollisions(env: Environment, owners: Map<string, string>): Map<string, string> {
  const paths = new Map<string, string>();
  for (const obj of env.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject)) {
    const ns = obj.metadata.namespace ?? '';
    const key = objectKey({ apiVersion: obj.apiVersion, kind: obj.kind, metadata: { name: obj.name, namespace: obj.metadata.namespace } });
    const owner = (obj.node.scope ?? obj).node.path;
    const before = owners.get(key);
    if (before !== undefined) {
      throw new ValidationError(obj.node.scope ?? obj, {
        field: 'name',
        value: `${obj.kind} ${ns ? `${ns}/` : ''}${obj.name}`,
        rule: `${before} already renders an object of that kind and name, and one would replace the other in the cluster`,
        fix: 'give one of the two another name (its `name` prop or construct id)',
      });
    }
    owners.set(key, owner);
    paths.set(key, owner);
  }
  return paths;
}
