import * as path from 'path';
import { Environment } from '../environments/environment';
import { Pipeline } from '../environments/pipeline';
import { Finding } from '../policy/rules';
import { StatefulService } from '../workloads/stateful-service';
import { WebService } from '../workloads/web-service';
import { Workload } from '../workloads/workload';
import { ComposeFile, ComposeHealthcheck, ComposeSecret, ComposeService } from './compose-file';
import { composeEnabled, resolveComposeSettings, swarmEnabled } from './compose-settings';
import { stringifyCompose } from './compose-yaml';
import { assignHostPorts, PortCandidate, PortReservations } from './host-ports';
import { LocalSecrets, SECRETS_ENV_FILE } from './local-secrets';
import { ComposeTarget, healthcheckOf, JOBS_PROFILE, renderService, ServiceContext } from './service';
import { assignVolumes } from './volumes';

/** The Compose file of an environment, for `docker compose` and `podman-compose`: `<env>/compose.yaml`. */
export const COMPOSE_FILE = 'compose.yaml';
/** The Swarm stack file of an environment, for `docker stack deploy`: `<env>/stack.yaml`. */
export const STACK_FILE = 'stack.yaml';

/**
 * The Compose file format version of stack files: 3.8 has `rollback_config` and is the newest
 * that `docker stack deploy` of Docker 20.10 (Debian's docker.io) and later all read.
 */
export const STACK_FORMAT_VERSION = '3.8';

/** The name of a file secret in a swarm: `<pipeline>-<env>_<secret>__<key>`, created with `docker secret create`. */
export function swarmSecretName(env: Environment, composeName: string): string {
  return `${env.pipelineName}-${env.name}_${composeName}`;
}

/** One rendered file. */
export interface ComposeOutput {
  /** Relative to the output folder. */
  readonly path: string;
  readonly content: string;
  /** The construct path that renders it. */
  readonly owner: string;
}

/** The Compose models of one environment, before they are written. */
export interface EnvironmentCompose {
  readonly compose: ComposeFile;
  readonly stack: ComposeFile;
  /** The variables `secrets.env` must set, and the secret files the folder must hold. */
  readonly secrets: { readonly secretsDir: string; readonly variables: readonly string[]; readonly files: readonly string[] };
  readonly findings: readonly Finding[];
}

/**
 * Renders `<env>/compose.yaml` and `<env>/stack.yaml` for every environment whose `compose`
 * setting asks for them (by default `dev`), from the environment's workloads: the same
 * definition the manifests come from. When several pipelines have Compose output for one
 * environment name, each gets its own pair, `<env>/<pipeline>.compose.yaml` and
 * `<env>/<pipeline>.stack.yaml` (one application, one Compose project), and their host ports
 * are chosen together so they can run side by side.
 * @param distDir the output folder (relative to the working directory, the app root, or absolute)
 */
export function renderComposeFiles(pipelines: readonly Pipeline[], distDir: string): { files: ComposeOutput[]; findings: Finding[] } {
  const files: ComposeOutput[] = [];
  const findings: Finding[] = [];
  const byName = new Map<string, Environment[]>();
  for (const pipeline of pipelines) {
    for (const env of pipeline.environments) {
      if (composeEnabled(env) || swarmEnabled(env)) {
        byName.set(env.name, [...(byName.get(env.name) ?? []), env]);
      }
    }
  }
  for (const [name, envs] of byName) {
    const reserved: PortReservations = new Map();
    const shared = envs.length > 1;
    for (const env of envs) {
      const prefix = shared ? `${env.pipelineName}.` : '';
      const composeFile = `${prefix}${COMPOSE_FILE}`;
      const stackFile = `${prefix}${STACK_FILE}`;
      const withCompose = composeEnabled(env);
      const rendered = renderEnvironmentCompose(env, distDir, { reserved, file: `${name}/${withCompose ? composeFile : stackFile}` });
      findings.push(...rendered.findings);
      // How to name the file from the app root; an output folder elsewhere is not named (it would be a machine's path).
      const run = projectDirectory(distDir) === undefined ? posix(path.relative(process.cwd(), path.resolve(distDir, name))) || '.' : `<output folder>/${name}`;
      if (withCompose) {
        files.push({ path: `${name}/${composeFile}`, content: stringifyCompose(rendered.compose, composeHeader(env, `${run}/${composeFile}`, rendered, distDir)), owner: env.node.path });
      }
      if (swarmEnabled(env)) {
        files.push({ path: `${name}/${stackFile}`, content: stringifyCompose(rendered.stack, stackHeader(env, `${run}/${stackFile}`, rendered)), owner: env.node.path });
      }
    }
  }
  return { files, findings };
}

/** Options for {@link renderEnvironmentCompose}. */
export interface EnvironmentComposeOptions {
  /** Host ports other Compose files of the same environment name have taken. @default - none */
  readonly reserved?: PortReservations;
  /** The Compose file's path in the output folder, for messages. @default '<env>/compose.yaml' */
  readonly file?: string;
}

/** The Compose and stack models of one environment. */
export function renderEnvironmentCompose(env: Environment, distDir: string, options: EnvironmentComposeOptions = {}): EnvironmentCompose {
  const settings = resolveComposeSettings(env, distDir);
  const workloads = env.node.findAll().filter((c): c is Workload => Workload.isWorkload(c))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const file = options.file ?? `${env.name}/${COMPOSE_FILE}`;
  const findings: Finding[] = [];

  const candidates: PortCandidate[] = workloads
    .filter((w): w is WebService | StatefulService => w instanceof WebService || w instanceof StatefulService)
    .map((w) => ({
      workload: w,
      containerPort: w.port,
      replicas: w instanceof StatefulService ? 1 : w.runSettings?.replicas ?? w.runSettings?.autoscale?.min ?? 1,
    }));
  // Only the Compose file publishes ports: an environment with a stack file alone publishes none, and hears nothing about them.
  const hostPorts = composeEnabled(env)
    ? assignHostPorts(env, candidates, settings.hostPorts, options.reserved ?? new Map(), file, findings)
    : new Map<string, number>();
  const volumes = assignVolumes(env, workloads.filter((w): w is StatefulService => w instanceof StatefulService), settings.volumes, file, findings);
  const health = new Map<string, ComposeHealthcheck>();
  const targets = new Set(workloads.flatMap((w) => w.connections.map((t) => t.name)));
  for (const w of workloads) {
    const h = healthcheckOf(w, file, findings, targets.has(w.name));
    if (h !== undefined) {
      health.set(w.name, h);
    }
  }
  const distAbs = path.resolve(distDir);
  const composeDir = path.resolve(distAbs, env.name);
  const pathBase = projectDirectory(distDir) === undefined ? composeDir : path.resolve('.');
  const secrets = new LocalSecrets(env, settings.secretsDir);
  const ctx: ServiceContext = {
    env, pathBase, distDir: distAbs, file, network: env.pipelineName, hostPorts, volumes, secrets, health, findings,
  };
  const build = (target: ComposeTarget): ComposeFile => {
    const services: Record<string, ComposeService> = {};
    for (const w of workloads) {
      services[w.name] = renderService(w, ctx, target);
    }
    const volumeNames = [...volumes.values()].sort();
    const secretFiles = secrets.fileSecrets;
    // Compose reads file secrets from the local secrets folder; a swarm has them already, created
    // with `docker secret create` (external), so no value is read from this machine at deploy.
    const secretOf = (name: string, file: string): ComposeSecret => (target === 'compose'
      ? { file: posix(path.relative(pathBase, path.resolve(settings.secretsDir, file))) }
      : { external: true, name: swarmSecretName(env, name) });
    return {
      version: target === 'stack' ? STACK_FORMAT_VERSION : undefined,
      name: target === 'compose' ? `${env.pipelineName}-${env.name}` : undefined,
      services,
      networks: { [env.pipelineName]: {} },
      volumes: volumeNames.length > 0 ? Object.fromEntries(volumeNames.map((v) => [v, {}])) : undefined,
      secrets: secretFiles.length > 0 ? Object.fromEntries(secretFiles.map((s) => [s.name, secretOf(s.name, s.path)])) : undefined,
    };
  };
  const compose = build('compose');
  const stack = build('stack');
  return {
    compose,
    stack,
    secrets: { secretsDir: settings.secretsDir, variables: secrets.variableNames, files: secrets.fileSecrets.map((s) => s.path) },
    findings,
  };
}

/**
 * Compose resolves relative paths from the Compose file's folder. When the output folder is
 * outside the app root (the working directory), paths from there to the sources would name the
 * machine's folders; the files then give paths from the app root instead, to be run with
 * `--project-directory .` from the app root (docker compose; podman-compose 1.0.3 cannot).
 * @returns '.' when the files need `--project-directory .`, else undefined
 */
export function projectDirectory(distDir: string): string | undefined {
  const rel = path.relative(process.cwd(), path.resolve(distDir));
  return rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel) ? '.' : undefined;
}

const GENERATED = 'Generated by prodpath. Do not edit: change the source and run `cdk8s synth`.';

function secretLines(r: EnvironmentCompose): string[] {
  const { secretsDir, variables, files } = r.secrets;
  if (variables.length === 0 && files.length === 0) {
    return ['No secrets: nothing to set up.'];
  }
  return [
    `Secret values stay on this machine, in ${secretsDir}/ (keep it out of git; prodpath never writes there):`,
    ...(variables.length > 0 ? [`  ${secretsDir}/${SECRETS_ENV_FILE}, one NAME=value line each: ${variables.join(', ')}`] : []),
    ...files.map((f) => `  ${secretsDir}/${f}, the value alone`),
  ];
}

function composeHeader(env: Environment, file: string, r: EnvironmentCompose, distDir: string): string[] {
  const pd = projectDirectory(distDir) === undefined ? '' : '--project-directory . ';
  const envFile = `${r.secrets.secretsDir}/${SECRETS_ENV_FILE}`;
  const jobs = Object.keys(r.compose.services).filter((n) => r.compose.services[n].profiles?.includes(JOBS_PROFILE));
  return [
    GENERATED,
    `Environment "${env.name}" of ${env.pipelineName}, for docker compose or podman-compose on one machine. From the app root:`,
    `  docker compose ${pd}--env-file ${envFile} -f ${file} up --build --wait`,
    `  (podman-compose: set -a; . ${envFile}; set +a; podman-compose -p ${env.pipelineName}-${env.name} -f ${file} up -d;`,
    '  podman-compose 1.0.3 starts in depends_on order but does not wait for health, and ignores profiles)',
    ...secretLines(r),
    ...(jobs.length > 0
      ? [`CronTasks have no Compose schedule: they are in the profile "${JOBS_PROFILE}", run one by hand with`,
        `  docker compose ${pd}--env-file ${envFile} -f ${file} run --rm ${jobs[0]}`]
      : []),
  ];
}

function stackHeader(env: Environment, file: string, r: EnvironmentCompose): string[] {
  const envFile = `${r.secrets.secretsDir}/${SECRETS_ENV_FILE}`;
  const jobs = Object.keys(r.stack.services).filter((n) => r.stack.services[n].deploy.replicas === 0);
  const stack = `${env.pipelineName}-${env.name}`;
  const { variables, files } = r.secrets;
  const deploy = variables.length > 0
    ? `  set -a; . ${envFile}; set +a; docker stack deploy -c ${file} ${stack}`
    : `  docker stack deploy -c ${file} ${stack}`;
  return [
    GENERATED,
    `Environment "${env.name}" of ${env.pipelineName} as a Docker Swarm stack (Compose file format ${STACK_FORMAT_VERSION}), from the app root:`,
    deploy,
    `  npx prodpath stack-wait ${stack}    (waits, bounded, until every service runs its replicas healthy)`,
    'Images are pulled from the registry (push them first). Swarm publishes no port on 127.0.0.1 only, so no port is published:',
    '  reach services from inside the stack, or add a published port to the stack yourself.',
    'Updates start each new task first and roll back by themselves when it does not become healthy.',
    ...(variables.length === 0 && files.length === 0 ? ['No secrets: nothing to set up.'] : []),
    ...(variables.length > 0
      ? [`Secret environment variables are read from the deploying shell (Swarm secrets are files only): ${variables.join(', ')}, from ${envFile}`]
      : []),
    ...(files.length > 0
      ? ['File secrets are external Swarm secrets; create each once in the swarm:',
        ...files.map((f) => `  docker secret create ${swarmSecretName(env, f.replace('/', '__'))} ${r.secrets.secretsDir}/${f}`)]
      : []),
    ...(jobs.length > 0 ? [`CronTasks run with 0 replicas; run one once: docker service scale ${env.pipelineName}-${env.name}_${jobs[0]}=1`] : []),
  ];
}

function posix(p: string): string {
  return p.split(path.sep).join('/');
}
