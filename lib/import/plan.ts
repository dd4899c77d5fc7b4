/**
 * Decides what each Compose service becomes in a prodpath app: an image and its recipe, and a
 * workload (WebService, Worker, StatefulService, Postgres, MigrationJob) with its props; and
 * lists what has no prodpath equivalent, and why.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ComposeProject, ComposeServiceSpec, ImportError } from './compose-read';
import { importDockerfile, ImportedDockerfile } from './dockerfile-import';
import { isSecretValue, secretInCommand } from './secrets';

/** A Compose setting that is not carried over: where, what and why. */
export interface NotCarried {
  readonly service: string;
  readonly key: string;
  readonly why: string;
}

/** A value to print as TypeScript: a literal, or code as it is. */
export type Code = { readonly code: string } | string | number | boolean | readonly unknown[] | { readonly [k: string]: unknown } | undefined;

/** An image of the pipeline. */
export interface ImagePlan {
  readonly varName: string;
  readonly name: string;
  readonly recipe: 'node' | 'python' | 'go' | 'staticSite' | 'custom';
  readonly options: Readonly<Record<string, Code>>;
  readonly comments: readonly string[];
}

/** A workload of every environment. */
export interface WorkloadPlan {
  readonly varName: string;
  readonly service: string;
  readonly kind: 'WebService' | 'Worker' | 'StatefulService' | 'Postgres' | 'MigrationJob';
  readonly props: Readonly<Record<string, Code>>;
  readonly comments: readonly string[];
  /** References to other workloads' variables, to order the declarations. */
  readonly uses: readonly string[];
}

/** The whole generated app, before it is printed. */
export interface AppPlan {
  readonly appName: string;
  /** The app root relative to the generated file's folder (`.` when they are the same). */
  readonly images: readonly ImagePlan[];
  readonly workloads: readonly WorkloadPlan[];
  readonly hostPorts: Readonly<Record<string, number | false>>;
  readonly notCarried: readonly NotCarried[];
  readonly todos: readonly string[];
  /** `.secrets/dev/secrets.env` variable names the dev Compose file needs. */
  readonly devSecrets: readonly string[];
  readonly exemptions: readonly string[];
}

interface KnownImage {
  readonly kind: 'Postgres' | 'StatefulService';
  readonly port: number;
  readonly mountPath: string;
  readonly defaultTag: string;
  readonly readiness?: readonly string[];
}

/** Stateful images prodpath knows: their port, data folder, a pinned default tag and a readiness command. */
const KNOWN_IMAGES: Readonly<Record<string, KnownImage>> = {
  postgres: { kind: 'Postgres', port: 5432, mountPath: '/var/lib/postgresql/data', defaultTag: '16-bookworm' },
  redis: { kind: 'StatefulService', port: 6379, mountPath: '/data', defaultTag: '7-bookworm', readiness: ['redis-cli', 'ping'] },
  valkey: { kind: 'StatefulService', port: 6379, mountPath: '/data', defaultTag: '8-bookworm', readiness: ['valkey-cli', 'ping'] },
  mysql: { kind: 'StatefulService', port: 3306, mountPath: '/var/lib/mysql', defaultTag: '8.4', readiness: ['mysqladmin', 'ping', '--host=127.0.0.1'] },
  mariadb: { kind: 'StatefulService', port: 3306, mountPath: '/var/lib/mysql', defaultTag: '11.4', readiness: ['healthcheck.sh', '--connect'] },
  mongo: { kind: 'StatefulService', port: 27017, mountPath: '/data/db', defaultTag: '7.0', readiness: ['mongosh', '--quiet', '--eval', 'db.adminCommand("ping")'] },
  rabbitmq: { kind: 'StatefulService', port: 5672, mountPath: '/var/lib/rabbitmq', defaultTag: '3.13', readiness: ['rabbitmq-diagnostics', '-q', 'ping'] },
};

/** Compose keys with no safe prodpath equivalent, and why. */
const FLAGGED: Readonly<Record<string, string>> = {
  privileged: 'a privileged container can do anything the node can; Pod Security "restricted" forbids it',
  cap_add: 'added capabilities break Pod Security "restricted" (every container drops ALL)',
  devices: 'host devices tie the pod to one node and need privileges "restricted" forbids',
  network_mode: 'host or shared networking bypasses the NetworkPolicies; each workload gets its own network identity',
  pid: 'sharing the host\'s process namespace is forbidden by Pod Security "restricted"',
  ipc: 'sharing the host\'s IPC namespace is forbidden by Pod Security "restricted"',
  userns_mode: 'user namespace modes are not a pod setting prodpath controls',
  security_opt: 'prodpath sets the security options itself (no-new-privileges, seccomp RuntimeDefault)',
  sysctls: 'sysctls other than the safe set need node changes and are not carried over',
  user: 'every workload runs as its image\'s numeric non-root user (10001, or 10999 for databases)',
  volumes_from: 'pods do not share another container\'s volumes',
  extra_hosts: 'host name overrides are not carried over; use DNS or a Service',
  dns: 'DNS servers come from the cluster',
  cgroup_parent: 'cgroups are managed by the kubelet',
  ulimits: 'ulimits come from the container runtime\'s defaults',
  shm_size: 'the shared memory size is not carried over (Postgres gets a 256Mi /dev/shm)',
  external_links: 'links to containers outside the project have no equivalent; use connectsTo or egressTo',
};

/** Compose keys that are dropped because prodpath already does the same thing its own way. */
const IGNORED: Readonly<Record<string, string>> = {
  container_name: 'objects are named after the service',
  hostname: 'pods are reached by their Service name',
  links: 'services reach each other by name; connectsTo opens the network path',
  networks: 'each environment is one namespace, and NetworkPolicies follow connectsTo',
  restart: 'Deployments and StatefulSets always restart; one-off services become Jobs',
  labels: 'prodpath writes the recommended labels itself',
  logging: 'logs go to the cluster\'s log collector',
  read_only: 'every container already has a read-only root filesystem (with a /tmp emptyDir)',
  tmpfs: '/tmp is always writable (an emptyDir)',
  init: 'not carried over: make the app handle SIGTERM',
  stdin_open: 'no terminal in a pod',
  tty: 'no terminal in a pod',
  stop_signal: 'pods get SIGTERM',
  stop_grace_period: 'prodpath sets the grace period (30s, 60s for Postgres)',
  platform: 'images are built for linux/amd64 unless the recipe says otherwise',
  pull_policy: 'images are pulled by tag, or by digest once locked',
  working_dir: 'the image\'s WORKDIR is used',
  domainname: 'pods are reached by their Service name',
  mac_address: 'not a pod setting',
};

/** A single-quoted TypeScript string. */
function q(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, '\\\'')}'`;
}

const NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The name prodpath would use for a Compose service name it cannot take as is. */
export function sanitizeName(name: string): string {
  const s = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^(?=[^a-z])/, 'svc-').slice(0, 63).replace(/-+$/, '');
  return s === '' ? 'app' : s;
}

/** A TypeScript identifier for a name (`order-db` gives `orderDb`). */
export function identifier(name: string, suffix = ''): string {
  const parts = name.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const id = parts.map((p, i) => (i === 0 ? p : p[0].toUpperCase() + p.slice(1))).join('') + suffix;
  const safe = /^[0-9]/.test(id) ? `_${id}` : id;
  return ['new', 'env', 'app', 'pipeline', 'path', 'default', 'delete', 'class', 'function'].includes(safe) ? `${safe}Service` : safe;
}

/** `0.5` cpus gives `500m`; `512M` memory gives `512Mi`. */
function cpuQuantity(v: string): string {
  const n = Number(v);
  return Number.isFinite(n) ? `${Math.max(1, Math.round(n * 1000))}m` : v;
}
function memoryQuantity(v: string): string | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)i?b?$/i.exec(v.trim());
  if (!m) {
    return undefined;
  }
  const unit = m[2].toLowerCase();
  const n = Number(m[1]);
  const mi = unit === 'g' ? n * 1024 : unit === 't' ? n * 1024 * 1024 : unit === 'k' ? n / 1024 : unit === 'b' || unit === '' ? n / 1024 / 1024 : n;
  return `${Math.max(1, Math.ceil(mi))}Mi`;
}

function listsOnlyStaticFiles(dir: string): boolean {
  const staticExt = /\.(html?|css|js|mjs|map|json|txt|xml|svg|png|jpe?g|gif|webp|ico|woff2?|ttf|eot|pdf|webmanifest)$/i;
  const skip = (n: string) => n === '.git' || n === '.dockerignore' || n.startsWith('Dockerfile') || n === 'node_modules';
  let files = 0;
  const walk = (d: string): boolean => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (skip(e.name)) {
        continue;
      }
      if (e.isDirectory()) {
        if (!walk(path.join(d, e.name))) {
          return false;
        }
      } else {
        files += 1;
        if (!staticExt.test(e.name)) {
          return false;
        }
      }
    }
    return true;
  };
  return walk(dir) && files > 0 && fs.readdirSync(dir).some((n) => /^index\.html?$/i.test(n));
}

/** An HTTP path checked by a health command (`curl -f http://localhost:3000/healthz` gives `/healthz`). */
function httpPathOf(command: readonly string[] | undefined): string | undefined {
  const m = /https?:\/\/(?:localhost|127\.0\.0\.1|0\.0\.0\.0)(?::\d+)?(\/[^\s'"|;&)]*)?/.exec((command ?? []).join(' '));
  return m ? (m[1] ?? '/') : undefined;
}

interface Ctx {
  readonly project: ComposeProject;
  readonly notCarried: NotCarried[];
  readonly todos: string[];
  readonly devSecrets: Set<string>;
  /** Variables that hold the same secret value in several services: they share one Secret. */
  readonly shared: ReadonlySet<string>;
}

/** Secret variables set to one value in two or more services (a shared DATABASE_URL). */
function sharedSecrets(project: ComposeProject): Set<string> {
  const values = new Map<string, Set<string>>();
  const count = new Map<string, number>();
  for (const s of project.services) {
    for (const [k, v] of Object.entries(s.environment)) {
      if (isSecretValue(k, v)) {
        values.set(k, (values.get(k) ?? new Set()).add(v));
        count.set(k, (count.get(k) ?? 0) + 1);
      }
    }
  }
  return new Set([...values].filter(([k, vs]) => vs.size === 1 && count.get(k)! > 1).map(([k]) => k));
}

/** The Secret a variable is read from: `<service>-<variable>`, or `<variable>` when services share the value. */
function secretName(ctx: Ctx, service: string, variable: string, shareable = true): string {
  const base = variable.toLowerCase().replace(/_/g, '-');
  return (shareable && ctx.shared.has(variable) ? base : `${service}-${base}`).replace(/-+/g, '-');
}

function secretRef(ctx: Ctx, service: string, variable: string, shareable = true): Code {
  const name = secretName(ctx, service, variable, shareable);
  ctx.devSecrets.add(`${name.toUpperCase().replace(/-/g, '_')}_VALUE`);
  return { code: `SecretRef.fromSecretName(${q(name)}, 'value')` };
}

/** Splits a service's environment into config and secrets; drops what connectsTo provides. */
function splitEnvironment(ctx: Ctx, s: ComposeServiceSpec, provided: ReadonlySet<string>, reserved: ReadonlySet<string> = new Set()): { config: Record<string, string>; secrets: Record<string, Code>; comments: string[] } {
  const config: Record<string, string> = {};
  const secrets: Record<string, Code> = {};
  const comments: string[] = [];
  for (const [k, v] of Object.entries(s.environment).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (provided.has(k)) {
      comments.push(`${k} is set by connectsTo (the Compose value was ${JSON.stringify(isSecretValue(k, v) ? '(hidden)' : v)})`);
      continue;
    }
    if (reserved.has(k)) {
      continue;
    }
    if (isSecretValue(k, v)) {
      secrets[k] = secretRef(ctx, s.name, k);
      ctx.todos.push(`${s.name}: ${k} looked secret, so it is read from the Secret ${secretName(ctx, s.name, k)}: create it in each namespace (or use SecretRef.external), and put the dev value in .secrets/dev/secrets.env`);
    } else {
      config[k] = v;
    }
  }
  return { config, secrets, comments };
}

/** Compose service keys prodpath carries over. */
const MAPPED = new Set(['image', 'build', 'command', 'entrypoint', 'environment', 'env_file', 'ports', 'expose', 'volumes', 'depends_on',
  'healthcheck', 'deploy', 'scale', 'cpus', 'mem_limit', 'mem_reservation', 'profiles', 'secrets']);
const MAPPED_DEPLOY = new Set(['replicas', 'resources']);

function flagKeys(ctx: Ctx, s: ComposeServiceSpec): void {
  for (const key of Object.keys(s.raw.deploy ?? {}).sort()) {
    if (!MAPPED_DEPLOY.has(key)) {
      ctx.notCarried.push({ service: s.name, key: `deploy.${key}`, why: 'ignored: prodpath sets rollout, restart and placement itself (rollout, topology spread, disruption budgets)' });
    }
  }
  for (const key of Object.keys(s.raw).sort()) {
    if (!MAPPED.has(key) && !(key in FLAGGED) && !(key in IGNORED)) {
      ctx.notCarried.push({ service: s.name, key, why: 'no prodpath equivalent; not carried over' });
    }
    if (key in FLAGGED) {
      if ((key === 'privileged' || key === 'init') && s.raw[key] !== true) {
        continue;
      }
      if (key === 'network_mode' && !/^(host|container:|service:)/.test(String(s.raw[key]))) {
        continue;
      }
      if ((key === 'pid' || key === 'ipc') && s.raw[key] !== 'host') {
        continue;
      }
      ctx.notCarried.push({ service: s.name, key: `${key}: ${JSON.stringify(s.raw[key])}`, why: FLAGGED[key] });
    } else if (key in IGNORED) {
      ctx.notCarried.push({ service: s.name, key, why: `ignored: ${IGNORED[key]}` });
    }
  }
  for (const p of s.ports) {
    if (p.protocol !== 'tcp') {
      ctx.notCarried.push({ service: s.name, key: `ports: ${p.target}/${p.protocol}`, why: 'only TCP ports are carried over' });
    }
  }
  for (const v of s.volumes) {
    if (v.type === 'bind') {
      ctx.notCarried.push({ service: s.name, key: `volumes: ${v.source}:${v.target}`, why: 'a bind mount of a host path ties the pod to one node\'s files (hostPath is forbidden by "restricted"); bake the files into the image, or use a ConfigMap or secretFiles' });
    }
  }
  if (s.healthcheck?.command !== undefined && (s.raw.healthcheck as any)?.interval !== undefined) {
    ctx.notCarried.push({ service: s.name, key: 'healthcheck timing', why: 'ignored: prodpath sets probe periods, timeouts and thresholds per workload kind' });
  }
}

function resourcesOf(s: ComposeServiceSpec): Code {
  const cpu: Record<string, string> = {};
  const memory: Record<string, string> = {};
  const cpuRequest = s.reservations.cpus ?? s.limits.cpus;
  if (cpuRequest !== undefined) cpu.request = cpuQuantity(cpuRequest);
  if (s.limits.cpus !== undefined) cpu.limit = cpuQuantity(s.limits.cpus);
  const memLimit = s.limits.memory === undefined ? undefined : memoryQuantity(s.limits.memory);
  const memRequest = s.reservations.memory === undefined ? undefined : memoryQuantity(s.reservations.memory);
  if (memRequest ?? memLimit) memory.request = (memRequest ?? memLimit)!;
  if (memLimit !== undefined) memory.limit = memLimit;
  const out: Record<string, unknown> = {};
  if (Object.keys(cpu).length > 0) out.cpu = cpu;
  if (Object.keys(memory).length > 0) out.memory = memory;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Plans the app. Throws {@link ImportError} for what cannot be imported. */
export function planApp(project: ComposeProject, appName: string): AppPlan {
  const ctx: Ctx = { project, notCarried: [], todos: [], devSecrets: new Set(), shared: sharedSecrets(project) };

  for (const s of project.services) {
    if (!NAME.test(s.name)) {
      throw new ImportError(`services.${s.name}`, `"${s.name}" cannot be a Kubernetes name (lowercase letters, digits and "-", starting with a letter, at most 63 characters)`,
        `rename the service to "${sanitizeName(s.name)}" in the Compose file (and where depends_on names it)`);
    }
    if (s.image === undefined && s.build === undefined) {
      throw new ImportError(`services.${s.name}`, 'has neither image nor build', 'give the service an image: or a build: folder');
    }
  }

  // One-off services: something waits for them to complete.
  const oneOff = new Set<string>();
  for (const s of project.services) {
    for (const [dep, condition] of Object.entries(s.dependsOn)) {
      if (condition === 'service_completed_successfully') {
        oneOff.add(dep);
      }
    }
  }

  // Images: one per distinct build (context and Dockerfile).
  const images: ImagePlan[] = [];
  const imageOf = new Map<string, ImagePlan>();
  const imageStart = new Map<string, readonly string[] | undefined>();
  const builders = project.services.filter((x) => x.build !== undefined)
    .map((x, i) => ({ x, i, rank: (x.raw.profiles !== undefined ? 4 : 0) + (oneOff.has(x.name) ? 2 : 0) + (x.ports.length + x.expose.length > 0 ? 0 : 1) }))
    .sort((a, b) => a.rank - b.rank || a.i - b.i).map((e) => e.x);
  for (const s of builders) {
    const key = JSON.stringify([s.build!.context, s.build!.dockerfile ?? 'Dockerfile', s.build!.args]);
    const existing = images.find((i) => (i as any)._key === key);
    if (existing) {
      imageOf.set(s.name, existing);
      continue;
    }
    const image = planImage(ctx, s, oneOff.has(s.name));
    Object.defineProperty(image, '_key', { value: key });
    images.push(image);
    imageOf.set(s.name, image);
    imageStart.set(image.varName, (image.options.start as readonly string[] | undefined) ?? undefined);
  }

  // Kinds first, so connectsTo knows which targets can be connected to.
  const kinds = new Map<string, WorkloadPlan['kind']>();
  const known = new Map<string, KnownImage>();
  for (const s of project.services) {
    const repo = s.image?.split('@')[0].split(':')[0].split('/').pop();
    const k = s.build === undefined && repo !== undefined ? KNOWN_IMAGES[repo] : undefined;
    if (oneOff.has(s.name)) {
      kinds.set(s.name, 'MigrationJob');
    } else if (k !== undefined) {
      known.set(s.name, k);
      kinds.set(s.name, k.kind);
    } else if (s.ports.length > 0 || s.expose.length > 0 || imageOf.get(s.name)?.recipe === 'staticSite') {
      kinds.set(s.name, 'WebService');
    } else {
      kinds.set(s.name, 'Worker');
    }
  }
  const connectable = (n: string) => ['WebService', 'StatefulService', 'Postgres'].includes(kinds.get(n)!);

  const workloads: WorkloadPlan[] = [];
  const hostPorts: Record<string, number | false> = {};
  const exemptions: string[] = [];
  for (const s of project.services) {
    flagKeys(ctx, s);
    const kind = kinds.get(s.name)!;
    const varName = identifier(s.name);
    const props: Record<string, Code> = {};
    const comments: string[] = [];
    const uses: string[] = [];
    const image = imageOf.get(s.name);
    const k = known.get(s.name);
    const published = s.ports.find((p) => p.published !== undefined && p.protocol === 'tcp');
    const port = published?.target ?? s.ports[0]?.target ?? s.expose[0] ?? k?.port;

    // depends_on: connections to services with a port, migrations to wait for.
    const connectsTo: string[] = [];
    const waitFor: string[] = [];
    const provided = new Set<string>();
    for (const dep of Object.keys(s.dependsOn).sort()) {
      if (kinds.get(dep) === 'MigrationJob') {
        if (kind === 'MigrationJob' || kind === 'StatefulService' || kind === 'Postgres') {
          ctx.notCarried.push({ service: s.name, key: `depends_on: ${dep}`, why: 'only web services and workers wait for a migration' });
        } else {
          waitFor.push(identifier(dep));
        }
      } else if (connectable(dep)) {
        connectsTo.push(identifier(dep));
        const prefix = dep.toUpperCase().replace(/-/g, '_');
        for (const suffix of ['HOST', 'PORT', ...(kinds.get(dep) === 'Postgres' ? ['USER', 'DATABASE', 'PASSWORD'] : [])]) {
          provided.add(`${prefix}_${suffix}`);
        }
      } else {
        ctx.notCarried.push({ service: s.name, key: `depends_on: ${dep}`, why: `${dep} is a worker with no port: there is no connection to open, and pods do not start in order` });
      }
    }
    uses.push(...connectsTo, ...waitFor);

    for (const [field, args] of [['command', s.command], ['entrypoint', s.entrypoint]] as const) {
      const hit = args === undefined ? undefined : secretInCommand(args);
      if (hit !== undefined) {
        throw new ImportError(`services.${s.name}.${field}`, `${hit} carries a secret value on the command line, which would be written in plain text`,
          'read it from an environment variable in the Compose file (set from a secret), then import again');
      }
    }
    const secretFiles = secretFilesOf(ctx, s);

    // The image.
    let externalImage: Code | undefined;
    if (image !== undefined) {
      props.image = { code: image.varName };
      const start = imageStart.get(image.varName);
      const command = [...(s.entrypoint ?? []), ...(s.command ?? [])];
      if (command.length > 0 && JSON.stringify(command) !== JSON.stringify(start ?? null)) {
        props.command = command;
      }
    } else {
      const ref = s.image!;
      const [repoPart, tag] = ((): [string, string | undefined] => {
        const noDigest = ref.split('@')[0];
        const colon = noDigest.lastIndexOf(':');
        return colon > noDigest.lastIndexOf('/') ? [noDigest.slice(0, colon), noDigest.slice(colon + 1)] : [noDigest, undefined];
      })();
      let pinned = ref;
      if (tag === undefined || tag === 'latest') {
        const def = k?.defaultTag;
        if (def === undefined) {
          throw new ImportError(`services.${s.name}.image`, `"${ref}" has no tag (or "latest"), and prodpath runs images by an explicit tag`, `pin a tag in the Compose file, such as ${repoPart}:1.2.3`);
        }
        pinned = `${repoPart}:${def}`;
        ctx.todos.push(`${s.name}: the Compose file ran ${ref}; it is pinned to ${pinned}: check that this is the version you run`);
      }
      const uid = k !== undefined ? 10999 : 10001;
      externalImage = { code: `ExternalImage.of(${q(pinned)}, { user: { uid: ${uid}, gid: ${uid} }${port !== undefined ? `, port: ${port}` : ''} })` };
      if (k === undefined) {
        comments.push('TODO: check that the image runs as a numeric non-root user (10001 here) with a read-only root filesystem');
        ctx.todos.push(`${s.name}: ${pinned} runs as uid 10001 with a read-only root: check that the image supports it`);
      }
      if (s.command !== undefined || s.entrypoint !== undefined) {
        props.command = [...(s.entrypoint ?? []), ...(s.command ?? [])];
      }
    }

    if (kind !== 'MigrationJob' && kind !== 'Worker') {
      hostPorts[s.name] = published?.published ?? false;
    }
    const health = s.healthcheck?.disabled ? undefined : s.healthcheck?.command;

    if (kind === 'Postgres') {
      const reserved = new Set(['POSTGRES_PASSWORD', 'POSTGRES_USER', 'POSTGRES_DB', 'PGDATA']);
      const pass = s.environment.POSTGRES_PASSWORD;
      props.storage = { code: 'env.production ? \'10Gi\' : \'1Gi\'' };
      props.password = secretRef(ctx, s.name, 'POSTGRES_PASSWORD', false);
      if (pass === undefined) {
        ctx.todos.push(`${s.name}: the Compose file gave Postgres no POSTGRES_PASSWORD; prodpath reads it from the Secret ${s.name}-postgres-password`);
      } else {
        ctx.todos.push(`${s.name}: POSTGRES_PASSWORD is read from the Secret ${s.name}-postgres-password: create it in each namespace, and put the dev value in .secrets/dev/secrets.env`);
      }
      const ident = /^[a-z_][a-z0-9_]{0,62}$/;
      const user = s.environment.POSTGRES_USER;
      const db = s.environment.POSTGRES_DB ?? user;
      if (user !== undefined && ident.test(user)) props.user = user;
      if (db !== undefined && ident.test(db)) props.database = db;
      if (!s.image!.startsWith('postgres:16-bookworm')) {
        props.image = externalImage;
      }
      const { config, secrets } = splitEnvironment(ctx, s, new Set(), reserved);
      if (Object.keys(secrets).length > 0) {
        ctx.notCarried.push({ service: s.name, key: `environment: ${Object.keys(secrets).join(', ')}`, why: 'Postgres takes one password; other secret-looking settings are not carried over' });
      }
      if (Object.keys(config).length > 0) props.config = config;
      props.resources = resourcesOf(s);
      checkVolume(ctx, s, k!.mountPath);
      exemptions.push(varName);
      workloads.push({ varName, service: s.name, kind, props: ordered(props), comments, uses });
      continue;
    }

    const { config, secrets, comments: envComments } = splitEnvironment(ctx, s, provided);
    comments.push(...envComments);
    if (kind === 'StatefulService') {
      props.image = externalImage;
      props.port = port;
      props.storage = { code: `{ size: env.production ? '10Gi' : '1Gi', mountPath: ${q(checkVolume(ctx, s, k!.mountPath))} }` };
      props.readinessCommand = health ?? k!.readiness;
      exemptions.push(varName);
    } else if (kind === 'WebService') {
      props.image ??= externalImage;
      props.port = port;
      if (published !== undefined) {
        props.host = { code: `\`${s.name}.\${env.settings.domain}\`` };
      }
      const httpPath = httpPathOf(health) ?? (image !== undefined ? (image.options.healthCheck as any)?.path : undefined);
      if (httpPath !== undefined) {
        props.health = { path: httpPath };
      } else if (image === undefined || image.recipe !== 'staticSite') {
        comments.push('TODO: the Compose file has no HTTP health check; prodpath probes GET /healthz');
        ctx.todos.push(`${s.name}: no HTTP health check in the Compose file; the service is probed with GET /healthz: make the app answer it, or set health.path`);
      }
      if (image === undefined && project.services.some((o) => o.dependsOn[s.name] !== undefined)) {
        ctx.todos.push(`${s.name}: Compose cannot run an HTTP check of an image prodpath does not build, so synth warns (compose-no-equivalent) and its clients wait only until it has started`);
      }
      volumesNotCarried(ctx, s);
    } else if (kind === 'Worker') {
      props.image ??= externalImage;
      const imageHealth = image?.options.healthCheck as { kind: string; command?: readonly string[] } | undefined;
      if (health !== undefined) {
        props.health = { exec: health };
      } else if (imageHealth?.kind === 'command' && imageHealth.command !== undefined) {
        props.health = { exec: imageHealth.command };
      } else {
        props.health = { code: '{ exec: [\'true\'] }' };
        comments.push('TODO: the Compose file has no health check: give the worker a command that fails when it is stuck');
        ctx.todos.push(`${s.name}: no health check in the Compose file; the worker's check is a placeholder (exec: ["true"])`);
      }
      volumesNotCarried(ctx, s);
    } else {
      props.image ??= externalImage;
      const command = props.command ?? (image !== undefined ? imageStart.get(image.varName) : undefined);
      if (command === undefined) {
        throw new ImportError(`services.${s.name}`, 'runs once (other services wait for it to complete), but has no command', 'give it a command: in the Compose file');
      }
      props.command = command;
      props.waitCommand = command;
      comments.push('TODO: waitCommand must exit 0 once the schema is in place; it re-runs the (idempotent) migration here');
      ctx.todos.push(`${s.name}: a one-off service became a MigrationJob; its waitCommand re-runs the migration: give it a check that only waits`);
      volumesNotCarried(ctx, s);
    }
    if (Object.keys(config).length > 0) props.config = config;
    if (Object.keys(secrets).length > 0) props.secrets = secrets;
    if (secretFiles !== undefined) props.secretFiles = secretFiles;
    if (kind !== 'MigrationJob') props.resources = resourcesOf(s);
    if (s.replicas !== undefined && s.replicas !== 1 && (kind === 'WebService' || kind === 'Worker')) {
      props.replicas = { code: `env.is('dev') ? 1 : ${s.replicas}` };
    }
    if (connectsTo.length > 0) props.connectsTo = { code: `[${connectsTo.join(', ')}]` };
    if (waitFor.length > 0) props.waitFor = { code: `[${waitFor.join(', ')}]` };
    workloads.push({ varName, service: s.name, kind, props: ordered(props), comments, uses });
  }

  ctx.notCarried.sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0));
  const service = (t: string) => t.split(':')[0];
  ctx.todos.sort((a, b) => (service(a) < service(b) ? -1 : service(a) > service(b) ? 1 : 0));
  return {
    appName,
    images,
    workloads: orderWorkloads(workloads),
    hostPorts,
    notCarried: ctx.notCarried,
    todos: ctx.todos,
    devSecrets: [...ctx.devSecrets].sort(),
    exemptions,
  };
}

/** Compose `secrets:` of a service: files under /run/secrets, as secretFiles by reference. */
function secretFilesOf(ctx: Ctx, s: ComposeServiceSpec): Record<string, Code> | undefined {
  const list = (s.raw.secrets ?? []) as (string | { source: string; target?: string })[];
  if (list.length === 0) {
    return undefined;
  }
  const out: Record<string, Code> = {};
  for (const entry of list) {
    const source = typeof entry === 'string' ? entry : entry.source;
    const target = (typeof entry === 'string' ? undefined : entry.target) ?? source;
    const file = target.startsWith('/') ? target : `/run/secrets/${target}`;
    const name = sanitizeName(source);
    out[file] = { code: `SecretRef.fromSecretName(${q(name)}, 'value')` };
    ctx.todos.push(`${s.name}: the Compose secret ${source} is mounted at ${file} from the Secret ${name}: create it in each namespace, and put the dev value in .secrets/dev/${name}/value`);
  }
  return out;
}

/** The order props are printed in: what runs, where it listens, its checks, then settings and edges. */
const PROP_ORDER = ['image', 'port', 'host', 'command', 'waitCommand', 'storage', 'password', 'user', 'database', 'health', 'readinessCommand',
  'config', 'secrets', 'secretFiles', 'resources', 'replicas', 'connectsTo', 'waitFor'];

function ordered(props: Record<string, Code>): Record<string, Code> {
  const rank = (k: string) => (PROP_ORDER.includes(k) ? PROP_ORDER.indexOf(k) : PROP_ORDER.length);
  return Object.fromEntries(Object.entries(props).sort(([a], [b]) => rank(a) - rank(b)));
}

function checkVolume(ctx: Ctx, s: ComposeServiceSpec, defaultPath: string): string {
  const named = s.volumes.find((v) => v.type === 'volume');
  for (const v of s.volumes) {
    if (v !== named && v.type !== 'bind') {
      ctx.notCarried.push({ service: s.name, key: `volumes: ${v.target}`, why: 'a stateful service has one persistent volume' });
    }
  }
  if (named === undefined) {
    ctx.todos.push(`${s.name}: the Compose file kept its data in the container; prodpath gives it a persistent volume at ${defaultPath}`);
    return defaultPath;
  }
  return named.target;
}

function volumesNotCarried(ctx: Ctx, s: ComposeServiceSpec): void {
  for (const v of s.volumes) {
    if (v.type !== 'bind') {
      ctx.notCarried.push({ service: s.name, key: `volumes: ${v.source ?? '(anonymous)'}:${v.target}`,
        why: 'pods of a Deployment do not share a disk; keep state in a StatefulService, a database or object storage' });
    }
  }
}

/** Declarations in dependency order (targets before the workloads that use them), otherwise by name. */
function orderWorkloads(workloads: readonly WorkloadPlan[]): WorkloadPlan[] {
  const out: WorkloadPlan[] = [];
  const done = new Set<string>();
  const visit = (w: WorkloadPlan, stack: Set<string>) => {
    if (done.has(w.varName) || stack.has(w.varName)) {
      return;
    }
    stack.add(w.varName);
    for (const u of w.uses) {
      const dep = workloads.find((x) => x.varName === u);
      if (dep) visit(dep, stack);
    }
    done.add(w.varName);
    out.push(w);
  };
  for (const w of workloads) {
    visit(w, new Set());
  }
  return out;
}

function planImage(ctx: Ctx, s: ComposeServiceSpec, oneOff: boolean): ImagePlan {
  const dir = path.resolve(ctx.project.dir, s.build!.context);
  const source = path.relative(ctx.project.dir, dir).split(path.sep).join('/') || '.';
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new ImportError(`services.${s.name}.build`, `the build folder ${s.build!.context} does not exist (looked in ${dir})`,
      `create it, or point build.context at the folder with the Dockerfile and the source`);
  }
  if (/^(https?|git):|\.git$|^git@/.test(s.build!.context)) {
    throw new ImportError(`services.${s.name}.build`, `the build context ${s.build!.context} is a remote repository`, 'check it out and point build.context at the local folder');
  }
  const dockerfilePath = path.join(dir, s.build!.dockerfile ?? 'Dockerfile');
  const dockerfile: ImportedDockerfile | undefined = fs.existsSync(dockerfilePath) ? importDockerfile(fs.readFileSync(dockerfilePath, 'utf8')) : undefined;
  const has = (f: string) => fs.existsSync(path.join(dir, f));
  const published = s.ports.find((p) => p.published !== undefined) ?? s.ports[0];
  const port = published?.target ?? s.expose[0] ?? dockerfile?.port;
  const health = s.healthcheck?.disabled ? undefined : s.healthcheck?.command ?? dockerfile?.healthCommand;
  const httpPath = httpPathOf(health);
  const serves = port !== undefined;
  const healthCheck: Code = oneOff ? { kind: 'none' }
    : httpPath !== undefined && serves ? { kind: 'http', path: httpPath }
      : health !== undefined ? { kind: 'command', command: health }
        : serves ? undefined : { kind: 'none' };
  const comments: string[] = [];
  const options: Record<string, Code> = { source };
  const command = s.command ?? dockerfile?.start;
  const name = s.name;
  const varName = identifier(name, 'Image');
  if (Object.keys(s.build!.args).length > 0) {
    options.buildArgs = s.build!.args;
  }
  if (dockerfile !== undefined && !has('package.json') && !has('requirements.txt') && !has('pyproject.toml') && !has('go.mod') && !listsOnlyStaticFiles(dir)) {
    return customImage(ctx, s, dockerfile, options, healthCheck, port, varName);
  }
  if (has('package.json')) {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    const lock = ['package-lock.json', 'pnpm-lock.yaml', 'yarn.lock'].some(has);
    if (!lock && dockerfile !== undefined) {
      return customImage(ctx, s, dockerfile, options, healthCheck, port, varName);
    }
    if (!lock) {
      ctx.todos.push(`${s.name}: ${source} has no lockfile: run npm install there and commit package-lock.json (the Node recipe installs from it)`);
    }
    const start = command ?? (typeof pkg.main === 'string' ? ['node', pkg.main] : undefined);
    options.start = start ?? ['node', 'index.js'];
    if (start === undefined) {
      comments.push('TODO: the command that starts the app');
      ctx.todos.push(`${s.name}: no start command found (Compose command, Dockerfile CMD or package.json main): check start`);
    }
    if (typeof pkg.scripts?.build === 'string') {
      options.build = 'npm run build';
      comments.push('TODO: check buildOutput (default dist), the folder npm run build writes');
    }
    if (port !== undefined) options.port = port;
    if (healthCheck !== undefined) options.healthCheck = healthCheck;
    return { varName, name, recipe: 'node', options, comments };
  }
  if (has('requirements.txt') || has('pyproject.toml')) {
    const guess = ['app.py', 'main.py', 'worker.py', 'server.py'].find(has);
    options.start = command ?? (guess ? ['python', guess] : ['python', 'app.py']);
    if (command === undefined && guess === undefined) {
      comments.push('TODO: the command that starts the app');
      ctx.todos.push(`${s.name}: no start command found (Compose command or Dockerfile CMD): check start`);
    }
    if (port !== undefined) options.port = port;
    if (healthCheck !== undefined) options.healthCheck = healthCheck;
    return { varName, name, recipe: 'python', options, comments };
  }
  if (has('go.mod')) {
    if (port !== undefined) options.port = port;
    if (healthCheck !== undefined) options.healthCheck = healthCheck;
    if (s.command !== undefined) options.args = s.command;
    return { varName, name, recipe: 'go', options, comments };
  }
  if (listsOnlyStaticFiles(dir)) {
    if (port !== undefined) options.port = port;
    if (httpPath !== undefined) options.healthCheck = { kind: 'http', path: httpPath };
    return { varName, name, recipe: 'staticSite', options, comments };
  }
  throw new ImportError(`services.${s.name}.build`, `${source} has no Dockerfile, and prodpath recognizes no project in it (package.json, requirements.txt, pyproject.toml, go.mod, or static files with index.html)`,
    'add the Dockerfile the service is built with, or point build.context at the project folder');
}

function customImage(ctx: Ctx, s: ComposeServiceSpec, d: ImportedDockerfile, options: Record<string, Code>, healthCheck: Code, port: number | undefined, varName: string): ImagePlan {
  for (const what of d.dropped) {
    ctx.notCarried.push({ service: s.name, key: `Dockerfile: ${what.split(':')[0]}`, why: what.slice(what.indexOf(':') + 1).trim() || 'not carried over' });
  }
  const start = s.command ?? d.start;
  options.stages = d.stages as unknown as Code;
  options.start = start ?? ['sh', '-c', 'echo TODO'];
  if (d.entrypoint !== undefined) options.entrypoint = d.entrypoint;
  if (port !== undefined) options.port = port;
  const comments: string[] = ['translated from the existing Dockerfile; check each stage'];
  if (start === undefined) {
    comments.push('TODO: the command that starts the app');
    ctx.todos.push(`${s.name}: the Dockerfile has no CMD and Compose no command: set start`);
  }
  let hc = healthCheck as any;
  if (hc?.kind === 'http') {
    hc = d.healthCommand !== undefined ? { kind: 'command', command: d.healthCommand } : s.healthcheck?.command ? { kind: 'command', command: s.healthcheck.command } : undefined;
  }
  options.healthCheck = hc ?? { kind: 'none' };
  if (hc === undefined) {
    ctx.todos.push(`${s.name}: the custom image has no health check command: give it one (healthCheck: { kind: 'command', command: [...] })`);
  }
  ctx.todos.push(`${s.name}: the image is translated from its Dockerfile to ImageRecipe.custom; check the stages, and that it runs as uid 10001 with a read-only root`);
  return { varName, name: s.name, recipe: 'custom', options, comments };
}
