/**
 * Helpers for the Compose tests: render an app's Compose files, validate them against the
 * Compose specification's JSON schema (the copy dclint ships), and check a stack file against
 * what `docker stack deploy` accepts.
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ErrorObject } from 'ajv';
import { parse } from 'yaml';
import { App } from '../../lib';

let validateSpec: ((doc: unknown) => boolean) & { errors?: ErrorObject[] | null } | undefined;

/** The Compose specification's JSON schema, as the dclint package ships it. */
export function composeSpecSchema(): Record<string, unknown> {
  const file = path.join(path.dirname(require.resolve('dclint/package.json')), 'schemas', 'compose.schema.json');
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** The schema violations of a Compose document (empty when it is valid). */
export function specViolations(doc: unknown): string[] {
  if (validateSpec === undefined) {
    const { $schema: _drop, ...schema } = composeSpecSchema();
    validateSpec = new Ajv({ strict: false, allErrors: true }).compile(schema);
  }
  return validateSpec(doc) ? [] : (validateSpec.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

/**
 * What `docker stack deploy` accepts: docker/cli validates every stack file against its Compose
 * file format 3.x schema (3.13 when the file names no version), whose service and top-level keys
 * are listed here. It refuses `name`, `profiles`, a `depends_on` map and long-syntax ports with
 * `host_ip`; it ignores, with a warning, `build`, `restart` and `security_opt`.
 */
const STACK_TOP_LEVEL = ['version', 'services', 'networks', 'volumes', 'secrets', 'configs'];
const STACK_SERVICE_KEYS = [
  'deploy', 'cap_add', 'cap_drop', 'cgroup_parent', 'command', 'configs', 'container_name', 'credential_spec', 'devices',
  'dns', 'dns_search', 'domainname', 'entrypoint', 'env_file', 'environment', 'expose', 'external_links', 'extra_hosts',
  'healthcheck', 'hostname', 'image', 'init', 'ipc', 'isolation', 'labels', 'links', 'logging', 'mac_address',
  'network_mode', 'networks', 'pid', 'ports', 'privileged', 'read_only', 'secrets', 'shm_size', 'stdin_open',
  'stop_grace_period', 'stop_signal', 'sysctls', 'tmpfs', 'tty', 'ulimits', 'user', 'userns_mode', 'volumes', 'working_dir',
];
const STACK_DEPLOY_KEYS = ['mode', 'endpoint_mode', 'replicas', 'labels', 'rollback_config', 'update_config', 'resources', 'restart_policy', 'placement'];
const STACK_IGNORED = ['build', 'restart', 'security_opt'];

/** Why `docker stack deploy` would refuse (or warn about) a stack document; empty when it takes it as it is. */
export function stackViolations(doc: any): string[] {
  const out: string[] = [];
  for (const key of Object.keys(doc)) {
    if (!STACK_TOP_LEVEL.includes(key) && !key.startsWith('x-')) {
      out.push(`top-level ${key}`);
    }
  }
  for (const [name, s] of Object.entries<any>(doc.services ?? {})) {
    for (const key of Object.keys(s)) {
      if ((!STACK_SERVICE_KEYS.includes(key) || STACK_IGNORED.includes(key)) && !key.startsWith('x-')) {
        out.push(`services.${name}.${key}`);
      }
    }
    for (const key of Object.keys(s.deploy ?? {})) {
      if (!STACK_DEPLOY_KEYS.includes(key)) {
        out.push(`services.${name}.deploy.${key}`);
      }
    }
    if (s.depends_on !== undefined && !Array.isArray(s.depends_on)) {
      out.push(`services.${name}.depends_on must be a list`);
    }
    for (const p of s.ports ?? []) {
      if (typeof p === 'object' && 'host_ip' in p) {
        out.push(`services.${name}.ports host_ip`);
      }
    }
    for (const v of s.volumes ?? []) {
      if (typeof v === 'object' && v.tmpfs !== undefined && Object.keys(v.tmpfs).some((k) => k !== 'size')) {
        out.push(`services.${name}.volumes tmpfs options other than size`);
      }
    }
  }
  return out;
}

/** Renders an app and parses one Compose file (`compose.yaml` or `stack.yaml`) of an environment. */
export function composeDoc(app: App, env: string, file: 'compose.yaml' | 'stack.yaml' = 'compose.yaml'): any {
  const text = app.render().get(`${env}/${file}`);
  if (text === undefined) {
    throw new Error(`no ${env}/${file}`);
  }
  return parse(text);
}
