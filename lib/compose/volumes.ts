import { Environment } from '../environments/environment';
import { ValidationError } from '../policy/errors';
import { Finding } from '../policy/rules';
import { StatefulService } from '../workloads/stateful-service';
import { composeWarning } from './rules';

const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/**
 * Names the Compose volume of each stateful service: `<name>-data`, or the environment's
 * `compose.volumes` entry. A volume is one folder on the machine, and Compose mounts it into
 * every container of a service, while Kubernetes gives each pod its own: two stateful services on
 * one volume are an error, and a stateful service with several replicas runs one (with a warning).
 * @returns volume name by workload name
 */
export function assignVolumes(env: Environment, services: readonly StatefulService[], volumes: Readonly<Record<string, string>>,
  file: string, findings: Finding[]): Map<string, string> {
  const field = `environments.${env.name}.compose.volumes`;
  const names = new Set(services.map((s) => s.name));
  for (const key of Object.keys(volumes).sort()) {
    if (!names.has(key)) {
      throw new ValidationError(env, {
        field: `${field}.${key}`,
        value: volumes[key],
        rule: `environment "${env.name}" has no stateful service named "${key}" (it has ${[...names].sort().map((n) => `"${n}"`).join(', ') || 'none'})`,
        fix: 'name a stateful service of the environment, or remove the entry',
      });
    }
    const v = volumes[key];
    if (typeof v !== 'string' || !VOLUME_NAME.test(v)) {
      throw new ValidationError(env, {
        field: `${field}.${key}`,
        value: v,
        rule: 'a Compose volume name is letters, digits, "_", "." and "-", starting with a letter or digit',
        fix: `use "${key}-data"`,
      });
    }
  }
  const owners = new Map<string, StatefulService>();
  const out = new Map<string, string>();
  for (const s of services) {
    if (s.replicas > 1) {
      findings.push(composeWarning(s.node.path, file,
        `it runs ${s.replicas} pods with a volume each, and Compose mounts one named volume into every container of a service: Compose and Swarm run one`,
        `run one replica in environment "${env.name}" (replicas: 1) to say so, or turn Compose off there (compose: false)`));
    }
    const volume = volumes[s.name] ?? `${s.name}-data`;
    const before = owners.get(volume);
    if (before !== undefined) {
      throw new ValidationError(s, {
        field: 'compose volume',
        value: volume,
        rule: `${before.node.path} already keeps its data in the volume "${volume}", and two stateful services writing one data folder would corrupt each other`,
        fix: `give each its own volume in environment "${env.name}": compose: { volumes: { ${JSON.stringify(s.name)}: "${s.name}-data" } }`,
      });
    }
    owners.set(volume, s);
    out.set(s.name, volume);
  }
  return out;
}
