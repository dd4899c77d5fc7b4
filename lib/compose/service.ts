import * as path from 'path';
import { Environment } from '../environments/environment';
import { IMAGE_FILES } from '../images/image';
import { Finding } from '../policy/rules';
import { CountOrPercent, envPrefix, podsOf } from '../workloads/_checks';
import { CronTask } from '../workloads/cron-task';
import { MigrationJob } from '../workloads/migration-job';
import { parseQuantity } from '../workloads/resources';
import { StatefulService } from '../workloads/stateful-service';
import { Workload } from '../workloads/workload';
import { ComposeDeploy, ComposeDependency, ComposeHealthcheck, ComposeMount, ComposeResourceSpec, ComposeService, ComposeString } from './compose-file';
import { HOST_IP } from './host-ports';
import { LocalSecrets } from './local-secrets';
import { composeWarning } from './rules';

/** Which tool reads the file: `docker compose`/`podman-compose`, or `docker stack deploy` (Swarm). */
export type ComposeTarget = 'compose' | 'stack';

/** The Compose profile of CronTasks: not started by `up`, run by hand with `docker compose run --rm <name>`. */
export const JOBS_PROFILE = 'jobs';

/** The size of the tmpfs at /tmp, as the pods' emptyDir. */
const TMP_BYTES = 64 * 2 ** 20;

/** Everything one environment's services share. */
export interface ServiceContext {
  readonly env: Environment;
  /**
   * The folder relative paths in the files start from, absolute: the Compose file's folder, or
   * the app root when the output folder is outside it (see {@link projectDirectory}).
   */
  readonly pathBase: string;
  /** The output folder, absolute. */
  readonly distDir: string;
  /** `<env>/compose.yaml`, for messages. */
  readonly file: string;
  readonly network: string;
  readonly hostPorts: ReadonlyMap<string, number>;
  readonly volumes: ReadonlyMap<string, string>;
  readonly secrets: LocalSecrets;
  /** The health check of each service that has one, by workload name. */
  readonly health: ReadonlyMap<string, ComposeHealthcheck>;
  readonly findings: Finding[];
}

/**
 * The Compose health check of a workload, from its readiness check: a command runs as it is
 * (`CMD`); an HTTP check runs the image's own HEALTHCHECK (it probes the same path with a tool
 * the image has, where Compose has no HTTP check of its own); a TCP check has no equivalent.
 */
export function healthcheckOf(w: Workload, file: string, findings: Finding[], hasClients: boolean): ComposeHealthcheck | undefined {
  const r = w.readiness;
  if (r === undefined) {
    return undefined;
  }
  const timing = { interval: `${r.periodSeconds}s`, timeout: `${r.timeoutSeconds}s`, retries: r.failureThreshold, start_period: `${r.startupSeconds}s` };
  if (r.kind === 'exec') {
    return { test: ['CMD', ...r.command], ...timing };
  }
  const image = w.container.image;
  if (r.kind === 'http' && image !== undefined && hasHealthcheck(image.dockerfile)) {
    if (image.healthPath !== r.path || image.port !== r.port) {
      findings.push(composeWarning(w.node.path, file,
        `the readiness check GETs ${r.path} on port ${r.port}, but Compose runs the image's HEALTHCHECK, which checks ${image.healthPath ?? '(no path)'} on port ${image.port ?? '(none)'}`,
        `give the image recipe the same health path and port as the service (health: { path: "${r.path}" })`));
    }
    return timing;
  }
  if (!hasClients) {
    // Nothing waits for it: without a healthcheck it only counts as running when it has started.
    return undefined;
  }
  const what = r.kind === 'tcp' ? `a TCP check of port ${r.port}` : `an HTTP check of ${r.path} in an image prodpath did not build`;
  findings.push(composeWarning(w.node.path, file,
    `the readiness check is ${what}, which Compose cannot run: the service gets no healthcheck, and services that connect to it wait only until it has started`,
    'give the workload a readiness command (readinessCommand, or health: { exec: [...] }) to have Compose wait until it is ready'));
  return undefined;
}

/** Characters a POSIX shell leaves alone in a word. */
const SHELL_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** A word quoted for a POSIX shell. */
export function shellQuote(word: string): string {
  return SHELL_SAFE.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The Compose file's health check, as podman-compose reads it too: podman-compose 1.0.3 turns a
 * `CMD` list into one `/bin/sh -c` string by joining the words, so a word with a space or quote
 * would be split and run as something else. Such a command is written as `CMD-SHELL` with each
 * word quoted, which docker compose and podman-compose both run as the same words. (The stack
 * file keeps `CMD`: Swarm runs the words as they are, with no shell.)
 */
function forComposeTools(h: ComposeHealthcheck | undefined): ComposeHealthcheck | undefined {
  if (h?.test === undefined || h.test[0] !== 'CMD' || h.test.slice(1).every((w) => SHELL_SAFE.test(w))) {
    return h;
  }
  return { ...h, test: ['CMD-SHELL', h.test.slice(1).map(shellQuote).join(' ')] };
}

/** Whether a Dockerfile's last HEALTHCHECK instruction checks something (not `HEALTHCHECK NONE`). */
function hasHealthcheck(dockerfile: string): boolean {
  const lines = dockerfile.split('\n').filter((l) => /^HEALTHCHECK\s/i.test(l.trim()));
  return lines.length > 0 && !/^HEALTHCHECK\s+NONE\s*$/i.test(lines[lines.length - 1].trim());
}

/** One workload as a Compose service, for `docker compose` or for `docker stack deploy`. */
export function renderService(w: Workload, ctx: ServiceContext, target: ComposeTarget): ComposeService {
  const c = w.container;
  const image = c.image;
  const environment: Record<string, ComposeString> = { ...c.config };
  for (const v of c.env) {
    environment[v.name] = 'value' in v ? v.value : ctx.secrets.variable(v.secret, w.node.path);
  }
  // Connections point at the Kubernetes Service's DNS name; in Compose the service name resolves.
  for (const t of w.connections) {
    for (const v of t.connectionEnv(envPrefix(t.name))) {
      if ('value' in v && v.value === t.host) {
        environment[v.name] = t.name;
      }
    }
  }
  const mounts: ComposeMount[] = [{ type: 'tmpfs', target: '/tmp', tmpfs: { size: TMP_BYTES } }];
  if (w instanceof StatefulService) {
    mounts.push({ type: 'volume', source: ctx.volumes.get(w.name)!, target: w.storage.mountPath });
    for (const d of w.writableDirs) {
      mounts.push({ type: 'tmpfs', target: d.path, tmpfs: { size: Math.ceil(parseQuantity(d.sizeLimit)!) } });
    }
  }
  mounts.sort((a, b) => (a.target < b.target ? -1 : 1));
  const secretMounts = c.secretFiles.map((f) => ({ source: ctx.secrets.file(f.secret), target: f.path }));
  const hostPort = ctx.hostPorts.get(w.name);
  const containerPort = (w as Partial<StatefulService>).port;
  const job = w instanceof CronTask || w instanceof MigrationJob;

  const service: Record<string, unknown> = {
    image: target === 'compose' && image !== undefined ? image.taggedRef : c.imageRef,
    entrypoint: c.command,
    environment: Object.keys(environment).length > 0 ? environment : undefined,
    user: `${c.user.uid}:${c.user.gid}`,
    read_only: true,
    cap_drop: ['ALL'],
    volumes: mounts,
    secrets: secretMounts.length > 0 ? secretMounts : undefined,
    healthcheck: target === 'compose' ? forComposeTools(ctx.health.get(w.name)) : ctx.health.get(w.name),
    networks: [ctx.network],
    labels: { ...w.labels, ...cronLabels(w) },
    stop_grace_period: w.runSettings ? `${w.runSettings.terminationGracePeriodSeconds}s` : undefined,
    deploy: deployOf(w, target, ctx),
  };
  if (target === 'compose') {
    if (image !== undefined) {
      const dockerfile = path.resolve(ctx.distDir, 'images', image.imageName, IMAGE_FILES.dockerfile);
      service.build = {
        context: posix(path.relative(ctx.pathBase, image.contextDir)) || '.',
        dockerfile: posix(path.relative(image.contextDir, dockerfile)),
        args: Object.keys(image.buildArgs).length > 0 ? { ...image.buildArgs } : undefined,
      };
    }
    // Swarm ignores these (and warns): only the Compose file carries them.
    service.security_opt = ['no-new-privileges:true'];
    service.restart = job ? 'no' : 'always';
    service.ports = hostPort !== undefined && containerPort !== undefined ? [`${HOST_IP}:${hostPort}:${containerPort}`] : undefined;
    service.depends_on = dependenciesOf(w, ctx);
    service.profiles = w instanceof CronTask ? [JOBS_PROFILE] : undefined;
  }
  return service as unknown as ComposeService;
}

/** `depends_on`: healthy connection targets (started, when Compose cannot check them), completed migrations. */
function dependenciesOf(w: Workload, ctx: ServiceContext): Record<string, ComposeDependency> | undefined {
  const deps: Record<string, ComposeDependency> = {};
  for (const t of w.connections) {
    deps[t.name] = { condition: ctx.health.has(t.name) ? 'service_healthy' : 'service_started' };
  }
  for (const m of w.waitFor) {
    deps[m.name] = { condition: 'service_completed_successfully' };
  }
  return Object.keys(deps).length > 0 ? deps : undefined;
}

function cronLabels(w: Workload): Record<string, string> {
  if (!(w instanceof CronTask)) {
    return {};
  }
  return { 'prodpath.dev/schedule': w.schedule, ...(w.timeZone !== undefined ? { 'prodpath.dev/time-zone': w.timeZone } : {}) };
}

/** `deploy:`: replicas, resources, rolling updates and restarts, as Swarm reads them. */
function deployOf(w: Workload, target: ComposeTarget, ctx: ServiceContext): ComposeDeploy {
  const resources = resourcesOf(w);
  if (w instanceof MigrationJob) {
    // Compose waits for it to exit 0 (a restarting container never counts as completed); Swarm
    // has no ordering, so there it retries while the database comes up.
    return {
      resources,
      restart_policy: target === 'compose' ? { condition: 'none' } : { condition: 'on-failure', delay: '5s', max_attempts: w.backoffLimit },
    };
  }
  if (w instanceof CronTask) {
    // Swarm has no profiles: the service exists with no task; `docker service scale <stack>_<name>=1` runs it once.
    return { replicas: target === 'stack' ? 0 : undefined, resources, restart_policy: { condition: 'none' } };
  }
  const run = w.runSettings!;
  // A stateful service's volume is shared by all containers of the service: it runs one (see volumes.ts).
  let replicas = w instanceof StatefulService ? 1 : run.replicas;
  if (replicas === undefined) {
    replicas = run.autoscale!.min;
    // Both files run the minimum: warn once, with the Compose file.
    if (target === 'compose') {
      ctx.findings.push(composeWarning(w.node.path, ctx.file,
        `the workload autoscales from ${run.autoscale!.min} to ${run.autoscale!.max} pods, and Compose and Swarm have no autoscaler: the files run ${replicas}`,
        `the files run the autoscaler's minimum, autoscale.min (environment "${ctx.env.name}"): scale a running stack by hand with docker service scale, or turn the files off there (compose: false, swarm: false)`));
    }
  }
  const rollout = run.rollout;
  const update: ComposeDeploy['update_config'] = rollout === undefined
    // A stateful service replaces its one container: stop the old one first, it owns the data.
    ? { parallelism: 1, order: 'stop-first', failure_action: 'rollback' }
    : {
      parallelism: Math.max(1, podsOf((isZero(rollout.maxUnavailable) ? rollout.maxSurge : rollout.maxUnavailable) as CountOrPercent, replicas, 'up')),
      order: isZero(rollout.maxUnavailable) ? 'start-first' : 'stop-first',
      failure_action: 'rollback',
      monitor: rollout.minReadySeconds > 0 ? `${rollout.minReadySeconds}s` : undefined,
    };
  // A failed update rolls back at the same pace and in the same order; if the rollback fails too, it pauses for a human.
  const rollback: ComposeDeploy['rollback_config'] = { parallelism: update.parallelism, order: update.order, failure_action: 'pause', monitor: update.monitor };
  return { replicas, resources, restart_policy: { condition: 'any', delay: '5s' }, update_config: update, rollback_config: rollback };
}

function isZero(v: number | string): boolean {
  return v === 0 || v === '0%';
}

/** CPU and memory requests and limits in Compose units (cores as a decimal string, bytes with a binary suffix). */
function resourcesOf(w: Workload): ComposeDeploy['resources'] {
  const r = w.container.resources;
  const spec = (m: Record<string, string>): ComposeResourceSpec | undefined => {
    const out: { cpus?: string; memory?: string } = {};
    if (m.cpu !== undefined) {
      out.cpus = String(Math.round(parseQuantity(m.cpu)! * 1000) / 1000);
    }
    if (m.memory !== undefined) {
      out.memory = bytes(parseQuantity(m.memory)!);
    }
    return Object.keys(out).length > 0 ? out : undefined;
  };
  return { limits: spec(r.limits), reservations: spec(r.requests) };
}

/** Bytes as Docker's RAMInBytes reads them: `256M` is 256 MiB; anything else in plain bytes. */
function bytes(n: number): string {
  const whole = Math.ceil(n);
  for (const [suffix, factor] of [['G', 2 ** 30], ['M', 2 ** 20], ['K', 2 ** 10]] as const) {
    if (whole % factor === 0) {
      return `${whole / factor}${suffix}`;
    }
  }
  return `${whole}`;
}

function posix(p: string): string {
  return p.split(path.sep).join('/');
}
