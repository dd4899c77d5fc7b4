import * as path from 'path';
import { Environment } from '../environments/environment';
import { ComposeSettings } from '../environments/settings';
import { ValidationError } from '../policy/errors';

/** An environment's Compose settings, checked, with defaults filled in. */
export interface ResolvedComposeSettings {
  readonly hostPorts: Readonly<Record<string, number | false>>;
  readonly volumes: Readonly<Record<string, string>>;
  /** Relative to the app root, `/`-separated. */
  readonly secretsDir: string;
}

/** The environment that gets Compose output when no environment says: `dev`. */
export const DEFAULT_COMPOSE_ENVIRONMENT = 'dev';

/** Whether an environment gets `compose.yaml` and `stack.yaml`: its `compose` setting, by default only `dev`. */
export function composeEnabled(env: Environment): boolean {
  const setting = env.settings.compose;
  if (setting === undefined) {
    return env.name === DEFAULT_COMPOSE_ENVIRONMENT;
  }
  if (typeof setting === 'boolean') {
    return setting;
  }
  if (typeof setting !== 'object' || setting === null || Array.isArray(setting)) {
    throw new ValidationError(env, {
      field: `environments.${env.name}.compose`,
      value: setting,
      rule: 'compose is true, false or an object of Compose settings',
      fix: 'use compose: true, or compose: { hostPorts: { api: 18080 } }',
    });
  }
  return true;
}

/** Whether an environment gets `stack.yaml`: its `swarm` setting, by default the same as {@link composeEnabled}. */
export function swarmEnabled(env: Environment): boolean {
  const setting = env.settings.swarm;
  if (setting === undefined) {
    return composeEnabled(env);
  }
  if (typeof setting !== 'boolean') {
    throw new ValidationError(env, {
      field: `environments.${env.name}.swarm`,
      value: setting,
      rule: 'swarm is true or false',
      fix: 'use swarm: true to render <env>/stack.yaml for docker stack deploy',
    });
  }
  return setting;
}

/**
 * Checks the `compose` settings of an environment that has Compose output.
 * @param distDir the output folder, so the secrets folder cannot be inside it (each synth replaces it)
 */
export function resolveComposeSettings(env: Environment, distDir: string): ResolvedComposeSettings {
  const raw = env.settings.compose;
  const s: ComposeSettings = typeof raw === 'object' && raw !== null ? raw : {};
  const field = `environments.${env.name}.compose`;
  for (const key of ['hostPorts', 'volumes'] as const) {
    const map = s[key];
    if (map !== undefined && (typeof map !== 'object' || map === null || Array.isArray(map))) {
      throw new ValidationError(env, {
        field: `${field}.${key}`,
        value: map,
        rule: `${key} maps workload names to ${key === 'hostPorts' ? 'host ports' : 'volume names'}`,
        fix: key === 'hostPorts' ? 'use hostPorts: { api: 18080, db: false }' : 'use volumes: { db: "shop-db" }',
      });
    }
  }
  const secretsDir = s.secretsDir ?? `.secrets/${env.name}`;
  const normal = typeof secretsDir === 'string' ? path.posix.normalize(secretsDir.split(path.sep).join('/')) : '';
  if (typeof secretsDir !== 'string' || secretsDir === '' || path.isAbsolute(secretsDir) || normal === '.' || normal.startsWith('..')) {
    throw new ValidationError(env, {
      field: `${field}.secretsDir`,
      value: secretsDir,
      rule: 'the folder of local secret values is a folder inside the app root, given relative to it',
      fix: `use ".secrets/${env.name}"`,
    });
  }
  const abs = path.resolve(secretsDir);
  const out = path.resolve(distDir);
  if (abs === out || abs.startsWith(`${out}${path.sep}`) || out.startsWith(`${abs}${path.sep}`)) {
    throw new ValidationError(env, {
      field: `${field}.secretsDir`,
      value: secretsDir,
      rule: `it overlaps the output folder ${path.relative(process.cwd(), out) || '.'}, which every synth replaces as a whole (and which is committed)`,
      fix: `use ".secrets/${env.name}", outside the output folder and ignored by git`,
    });
  }
  return { hostPorts: s.hostPorts ?? {}, volumes: s.volumes ?? {}, secretsDir: normal.replace(/\/$/, '') };
}
