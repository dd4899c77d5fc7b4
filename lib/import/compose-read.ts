/**
 * Reads a Compose file the way the Compose tooling does, for `prodpath import`: YAML with anchors
 * and merge keys, variable interpolation (from the given variables and the project's `.env`),
 * validation against the Compose specification's JSON schema (the copy dclint ships, which the
 * Compose writer's tests also use), `x-*` extension fields dropped, profiles, `env_file`, and the
 * short and long syntaxes of ports, volumes, `depends_on`, `build`, `environment` and
 * `healthcheck` normalized to one shape each.
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ValidateFunction } from 'ajv';
import { parseDocument } from 'yaml';
import { InterpolationError, interpolate, parseEnvFile } from './interpolate';

/** A refused Compose file: where, what, and the fix. Nothing is written when one is thrown. */
export class ImportError extends Error {
  constructor(public readonly where: string, public readonly problem: string, public readonly fix: string) {
    super(`${where}: ${problem}. Fix: ${fix}.`);
    this.name = 'ImportError';
  }
}

/** A published or exposed port. */
export interface ComposePort {
  readonly target: number;
  readonly published?: number;
  readonly hostIp?: string;
  readonly protocol: string;
}

/** A mount: a named volume, a bind mount of a host path, or a tmpfs. */
export interface ComposeVolume {
  readonly type: 'volume' | 'bind' | 'tmpfs' | 'other';
  readonly source?: string;
  readonly target: string;
  readonly readOnly: boolean;
}

/** A health check: the command (exec form, `CMD-SHELL` as `sh -c`), or disabled. */
export interface ComposeHealth {
  readonly command?: readonly string[];
  readonly disabled: boolean;
}

/** One service, normalized. */
export interface ComposeServiceSpec {
  readonly name: string;
  readonly image?: string;
  readonly build?: { readonly context: string; readonly dockerfile?: string; readonly args: Readonly<Record<string, string>> };
  readonly command?: readonly string[];
  readonly entrypoint?: readonly string[];
  readonly environment: Readonly<Record<string, string>>;
  readonly ports: readonly ComposePort[];
  readonly expose: readonly number[];
  readonly volumes: readonly ComposeVolume[];
  readonly dependsOn: Readonly<Record<string, string>>;
  readonly healthcheck?: ComposeHealth;
  readonly replicas?: number;
  readonly limits: { readonly cpus?: string; readonly memory?: string };
  readonly reservations: { readonly cpus?: string; readonly memory?: string };
  readonly restart?: string;
  /** The service's keys as written (after merges), for the flagged and ignored lists. */
  readonly raw: Readonly<Record<string, unknown>>;
}

/** A Compose project, read and normalized. */
export interface ComposeProject {
  /** The project name: `name:`, else the folder of the file. */
  readonly name: string;
  /** The folder of the Compose file; relative paths in it are resolved from here. */
  readonly dir: string;
  readonly services: readonly ComposeServiceSpec[];
  /** Services left out because none of their profiles is active, with their profiles. */
  readonly skipped: readonly { readonly name: string; readonly profiles: readonly string[] }[];
  /** Top-level named volumes. */
  readonly volumes: readonly string[];
}

/** Options for {@link readComposeFile}. */
export interface ReadComposeOptions {
  /**
   * The variables interpolation reads (the CLI passes the process environment); the project's
   * `.env` file fills in the ones not given.
   * @default {}
   */
  readonly variables?: Readonly<Record<string, string | undefined>>;
  /**
   * The active profiles: a service with `profiles` is imported when one of them is active.
   * @default []
   */
  readonly profiles?: readonly string[];
}

let validateSpec: ValidateFunction | undefined;

/** The Compose specification's JSON schema validator (the schema dclint ships). */
function composeValidator(): ValidateFunction {
  if (validateSpec === undefined) {
    const file = path.join(path.dirname(require.resolve('dclint/package.json')), 'schemas', 'compose.schema.json');
    const { $schema: _drop, ...schema } = JSON.parse(fs.readFileSync(file, 'utf8'));
    validateSpec = new Ajv({ strict: false, allErrors: true }).compile(schema);
  }
  return validateSpec;
}

/** Reads, interpolates, validates and normalizes a Compose file. Throws {@link ImportError}. */
export function readComposeFile(file: string, options: ReadComposeOptions = {}): ComposeProject {
  const shown = path.basename(file);
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
    throw new ImportError(file, 'the Compose file does not exist', 'give the path of your compose.yaml (or docker-compose.yml)');
  }
  const dir = path.dirname(path.resolve(file));
  const doc = parseDocument(fs.readFileSync(file, 'utf8'), { merge: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ImportError(shown, `is not valid YAML (${doc.errors[0].message.split('\n')[0]})`, 'fix the YAML syntax, or give the path of a Compose file');
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    throw new ImportError(shown, `cannot be read (${(e as Error).message})`, 'fix the YAML anchors and aliases');
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data) || !('services' in data)) {
    throw new ImportError(shown, 'is not a Compose file: it has no top-level "services" mapping', 'give the path of a Compose file (compose.yaml, docker-compose.yml) that lists services');
  }
  const dotEnv = path.join(dir, '.env');
  const variables = { ...(fs.existsSync(dotEnv) ? parseEnvFile(fs.readFileSync(dotEnv, 'utf8')) : {}), ...(options.variables ?? {}) };
  const interpolated = interpolateTree(data, variables, []) as Record<string, any>;

  // Extension fields (x-*) carry anchors for the rest of the file; Compose ignores them.
  const stripped = stripExtensions(interpolated) as Record<string, any>;
  const validate = composeValidator();
  if (!validate(stripped)) {
    const errors = (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${(e.params as any).additionalProperty})` : ''}`);
    throw new ImportError(shown, `is not a valid Compose file: ${errors.join('; ')}`, 'correct it against the Compose specification (`docker compose config` shows the same problems)');
  }
  if (typeof stripped.services !== 'object' || stripped.services === null || Object.keys(stripped.services).length === 0) {
    throw new ImportError(shown, 'lists no services', 'add at least one service');
  }
  const active = new Set(options.profiles ?? []);
  const services: ComposeServiceSpec[] = [];
  const skipped: { name: string; profiles: string[] }[] = [];
  for (const [name, raw] of Object.entries<Record<string, any>>(stripped.services).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const profiles: string[] = raw?.profiles ?? [];
    if (profiles.length > 0 && !profiles.some((p) => active.has(p))) {
      skipped.push({ name, profiles });
      continue;
    }
    services.push(normalizeService(name, raw ?? {}, dir));
  }
  const known = new Set(services.map((s) => s.name));
  for (const s of services) {
    for (const dep of Object.keys(s.dependsOn)) {
      if (!known.has(dep)) {
        const off = skipped.find((k) => k.name === dep);
        throw new ImportError(`services.${s.name}.depends_on`, off
          ? `"${dep}" is only in profile(s) ${off.profiles.join(', ')}, which are not active`
          : `"${dep}" is not a service of this file`, off ? `activate it with --profile ${off.profiles[0]}` : 'remove it, or add the service');
      }
    }
  }
  return {
    name: typeof stripped.name === 'string' ? stripped.name : path.basename(dir),
    dir,
    services,
    skipped,
    volumes: Object.keys(stripped.volumes ?? {}).sort(),
  };
}

function interpolateTree(node: unknown, vars: Readonly<Record<string, string | undefined>>, at: string[]): unknown {
  if (typeof node === 'string') {
    try {
      return interpolate(node, vars);
    } catch (e) {
      if (e instanceof InterpolationError) {
        const where = at[0] === 'services' && at.length > 1 ? `services.${at[1]} (${at.slice(2).join('.') || 'its definition'})` : at.join('.');
        throw new ImportError(where, e.required
          ? `the variable ${e.variable} is required: ${e.detail}`
          : `interpolation of "${node}" failed: ${e.detail}`,
        e.required || /not set/.test(e.detail)
          ? `set ${e.variable} in the environment or in the .env file next to the Compose file, or give a default: \${${e.variable}:-value}`
          : 'write it as ${NAME}, ${NAME:-default} or ${NAME?message}, and $$ for a literal $');
      }
      throw e;
    }
  }
  if (Array.isArray(node)) {
    return node.map((v, i) => interpolateTree(v, vars, [...at, String(i)]));
  }
  if (typeof node === 'object' && node !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      out[k] = interpolateTree(v, vars, [...at, k]);
    }
    return out;
  }
  return node;
}

function stripExtensions(node: unknown): unknown {
  if (Array.isArray(node)) {
    return node.map(stripExtensions);
  }
  if (typeof node === 'object' && node !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      if (!k.startsWith('x-')) {
        out[k] = stripExtensions(v);
      }
    }
    return out;
  }
  return node;
}

/** Splits a command string the way Compose does (shell-like words, quotes, no expansion). */
export function splitCommand(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let has = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === quote) {
        quote = undefined;
      } else if (c === '\\' && quote === '"' && i + 1 < s.length) {
        cur += s[++i];
      } else {
        cur += c;
      }
    } else if (c === '"' || c === '\'') {
      quote = c;
      has = true;
    } else if (/\s/.test(c)) {
      if (has) {
        out.push(cur);
        cur = '';
        has = false;
      }
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      has = true;
    } else {
      cur += c;
      has = true;
    }
  }
  if (has) {
    out.push(cur);
  }
  return out;
}

function commandOf(v: unknown): string[] | undefined {
  if (v === undefined || v === null) {
    return undefined;
  }
  return Array.isArray(v) ? v.map(String) : splitCommand(String(v));
}

function normalizeService(name: string, raw: Record<string, any>, dir: string): ComposeServiceSpec {
  const at = `services.${name}`;
  // env_file first, then environment on top (as Compose does).
  const environment: Record<string, string> = {};
  const envFiles = raw.env_file === undefined ? [] : Array.isArray(raw.env_file) ? raw.env_file : [raw.env_file];
  for (const entry of envFiles) {
    const file = typeof entry === 'string' ? entry : entry.path;
    const required = typeof entry === 'string' ? true : entry.required ?? true;
    const abs = path.resolve(dir, file);
    if (!fs.existsSync(abs)) {
      if (required) {
        throw new ImportError(`${at}.env_file`, `the file ${file} does not exist`, `create ${file} next to the Compose file, or mark it { path: ${JSON.stringify(file)}, required: false }`);
      }
      continue;
    }
    Object.assign(environment, parseEnvFile(fs.readFileSync(abs, 'utf8')));
  }
  if (Array.isArray(raw.environment)) {
    for (const item of raw.environment as string[]) {
      const eq = item.indexOf('=');
      if (eq > 0) {
        environment[item.slice(0, eq)] = item.slice(eq + 1);
      }
      // `- NAME` alone passes the shell's value through: nothing to carry over.
    }
  } else if (typeof raw.environment === 'object' && raw.environment !== null) {
    for (const [k, v] of Object.entries(raw.environment)) {
      if (v !== null && v !== undefined) {
        environment[k] = String(v);
      }
    }
  }

  const ports: ComposePort[] = [];
  for (const p of raw.ports ?? []) {
    ports.push(...parsePort(at, p));
  }
  const volumes: ComposeVolume[] = (raw.volumes ?? []).map((v: unknown) => parseVolume(v));
  const dependsOn: Record<string, string> = {};
  if (Array.isArray(raw.depends_on)) {
    for (const d of raw.depends_on) {
      dependsOn[d] = 'service_started';
    }
  } else if (typeof raw.depends_on === 'object' && raw.depends_on !== null) {
    for (const [d, v] of Object.entries<any>(raw.depends_on)) {
      dependsOn[d] = v?.condition ?? 'service_started';
    }
  }
  let healthcheck: ComposeHealth | undefined;
  if (raw.healthcheck !== undefined) {
    const test = raw.healthcheck.test;
    if (raw.healthcheck.disable === true || (Array.isArray(test) && test[0] === 'NONE')) {
      healthcheck = { disabled: true };
    } else if (Array.isArray(test) && test[0] === 'CMD') {
      healthcheck = { disabled: false, command: test.slice(1).map(String) };
    } else if (Array.isArray(test) && test[0] === 'CMD-SHELL') {
      healthcheck = { disabled: false, command: ['sh', '-c', test.slice(1).join(' ')] };
    } else if (typeof test === 'string') {
      healthcheck = { disabled: false, command: ['sh', '-c', test] };
    }
  }
  let build: ComposeServiceSpec['build'];
  if (raw.build !== undefined) {
    const b = typeof raw.build === 'string' ? { context: raw.build } : raw.build;
    const args: Record<string, string> = {};
    if (Array.isArray(b.args)) {
      for (const item of b.args as string[]) {
        const eq = item.indexOf('=');
        if (eq > 0) {
          args[item.slice(0, eq)] = item.slice(eq + 1);
        }
      }
    } else {
      for (const [k, v] of Object.entries(b.args ?? {})) {
        if (v !== null) {
          args[k] = String(v);
        }
      }
    }
    build = { context: b.context ?? '.', dockerfile: b.dockerfile, args };
  }
  const deploy = raw.deploy ?? {};
  const cpus = raw.cpus ?? deploy.resources?.limits?.cpus;
  return {
    name,
    image: raw.image,
    build,
    command: commandOf(raw.command),
    entrypoint: commandOf(raw.entrypoint),
    environment,
    ports,
    expose: (raw.expose ?? []).map((e: unknown) => Number(String(e).split('/')[0])),
    volumes,
    dependsOn,
    healthcheck,
    replicas: deploy.replicas ?? raw.scale,
    limits: { cpus: cpus === undefined ? undefined : String(cpus), memory: stringOrUndefined(raw.mem_limit ?? deploy.resources?.limits?.memory) },
    reservations: {
      cpus: stringOrUndefined(deploy.resources?.reservations?.cpus),
      memory: stringOrUndefined(raw.mem_reservation ?? deploy.resources?.reservations?.memory),
    },
    restart: raw.restart ?? deploy.restart_policy?.condition,
    raw,
  };
}

function stringOrUndefined(v: unknown): string | undefined {
  return v === undefined || v === null ? undefined : String(v);
}

/** Short (`"127.0.0.1:8080:80/tcp"`, `"3000"`, `"8000-8001:8000-8001"`) and long port syntax. */
function parsePort(at: string, p: unknown): ComposePort[] {
  if (typeof p === 'object' && p !== null) {
    const o = p as Record<string, any>;
    const published = o.published === undefined ? undefined : Number(String(o.published).split('-')[0]);
    return [{ target: Number(o.target), published, hostIp: o.host_ip, protocol: o.protocol ?? 'tcp' }];
  }
  const text = String(p);
  const [spec, protocol = 'tcp'] = text.split('/');
  // An IPv6 host IP is bracketed: [::1]:8080:80.
  const m = /^(?:(\[[^\]]+\]|[^:]+):)??(?:([\d-]*):)?([\d-]+)$/.exec(spec);
  if (!m) {
    throw new ImportError(`${at}.ports`, `"${text}" is not a port mapping`, 'use "8080:80", "127.0.0.1:8080:80" or the long syntax { target: 80, published: 8080 }');
  }
  const range = (r: string | undefined) => (r === undefined || r === '' ? undefined : r.split('-').map(Number));
  const targets = range(m[3])!;
  const published = range(m[2]);
  const out: ComposePort[] = [];
  const first = targets[0];
  const last = targets[targets.length - 1];
  for (let t = first; t <= last; t++) {
    const pub = published === undefined ? undefined : published[0] + (t - first);
    out.push({ target: t, published: pub, hostIp: m[1]?.replace(/^\[|\]$/g, ''), protocol });
  }
  return out;
}

/** Short (`"data:/var/lib/x:ro"`, `"./src:/app"`, `"/cache"`) and long volume syntax. */
function parseVolume(v: unknown): ComposeVolume {
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, any>;
    const type = ['volume', 'bind', 'tmpfs'].includes(o.type) ? o.type : 'other';
    return { type, source: o.source, target: o.target, readOnly: o.read_only === true };
  }
  const parts = String(v).split(':');
  if (parts.length === 1) {
    return { type: 'volume', target: parts[0], readOnly: false };
  }
  const [source, target, mode = ''] = parts;
  const bind = source.startsWith('.') || source.startsWith('/') || source.startsWith('~');
  return { type: bind ? 'bind' : 'volume', source, target, readOnly: mode.split(',').includes('ro') };
}
