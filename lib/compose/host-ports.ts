import { Environment } from '../environments/environment';
import { ValidationError } from '../policy/errors';
import { checkPort } from '../policy/names';
import { Finding } from '../policy/rules';
import { Workload } from '../workloads/workload';
import { composeWarning } from './rules';

/** A workload that listens on a port Compose may publish. */
export interface PortCandidate {
  readonly workload: Workload;
  readonly containerPort: number;
  /** How many containers Compose runs for it. */
  readonly replicas: number;
}

/** The address every published port binds to: this machine only. */
export const HOST_IP = '127.0.0.1';

/**
 * The host ports already given out on this machine for one environment name (several pipelines'
 * Compose files of one environment can run side by side), with the construct path of each owner.
 */
export type PortReservations = Map<number, string>;

/**
 * Decides the host port of each web and stateful service of one Compose file, the same for the
 * same source:
 *
 * 1. a port the environment's `compose.hostPorts` gives is used as it is (`false`: not
 *    published); two services given one port is an error;
 * 2. every other service, in name order, gets its container port, or the next free port above it
 *    when an earlier service has that one (two web services on 8080 get 8080 and 8081);
 * 3. a service that runs several containers is not published by default (one host port cannot be
 *    bound twice): a warning says so; giving it a port explicitly is an error.
 * @returns host port by workload name, for the published ones
 */
export function assignHostPorts(env: Environment, candidates: readonly PortCandidate[], hostPorts: Readonly<Record<string, number | false>>,
  reserved: PortReservations, file: string, findings: Finding[]): Map<string, number> {
  const field = `environments.${env.name}.compose.hostPorts`;
  const sorted = [...candidates].sort((a, b) => (a.workload.name < b.workload.name ? -1 : a.workload.name > b.workload.name ? 1 : 0));
  const names = sorted.map((c) => c.workload.name);
  for (const name of Object.keys(hostPorts).sort()) {
    if (!names.includes(name)) {
      throw new ValidationError(env, {
        field: `${field}.${name}`,
        value: hostPorts[name],
        rule: `environment "${env.name}" has no web or stateful service named "${name}" (it has ${names.map((n) => `"${n}"`).join(', ') || 'none'})`,
        fix: 'name a web or stateful service of the environment, or remove the entry',
      });
    }
    const v = hostPorts[name];
    if (v !== false) {
      checkPort(env, `${field}.${name}`, v);
    }
  }
  const out = new Map<string, number>();
  const take = (c: PortCandidate, port: number) => {
    reserved.set(port, c.workload.node.path);
    out.set(c.workload.name, port);
  };
  for (const c of sorted) {
    const port = hostPorts[c.workload.name];
    if (port === undefined || port === false) {
      continue;
    }
    if (c.replicas > 1) {
      throw new ValidationError(c.workload, {
        field: 'replicas',
        value: c.replicas,
        rule: `environment "${env.name}" publishes it on ${HOST_IP}:${port} (compose.hostPorts), and ${c.replicas} containers cannot all bind one host port`,
        fix: `run one replica in environment "${env.name}" (replicas: 1), or publish no port there: compose: { hostPorts: { ${JSON.stringify(c.workload.name)}: false } }`,
      });
    }
    const before = reserved.get(port);
    if (before !== undefined) {
      throw new ValidationError(c.workload, {
        field: 'compose host port',
        value: port,
        rule: `${before} already publishes ${HOST_IP}:${port} in environment "${env.name}", and two services cannot bind one host port`,
        fix: `give it another host port: compose: { hostPorts: { ${JSON.stringify(c.workload.name)}: ${nextFree(port, reserved, hostPorts)} } }`,
      });
    }
    take(c, port);
  }
  for (const c of sorted) {
    if (hostPorts[c.workload.name] !== undefined) {
      continue;
    }
    if (c.replicas > 1) {
      findings.push(composeWarning(c.workload.node.path, file,
        `it runs ${c.replicas} containers, and one host port cannot be bound by several: Compose publishes none of them (other services still reach it by name)`,
        `run one replica in environment "${env.name}" to publish it, or accept it unpublished`));
      continue;
    }
    take(c, reserved.has(c.containerPort) ? nextFree(c.containerPort, reserved, hostPorts) : c.containerPort);
  }
  return out;
}

/** The first port above `port` that no service has and no `hostPorts` entry names (wrapping to 1024). */
function nextFree(port: number, reserved: PortReservations, hostPorts: Readonly<Record<string, number | false>>): number {
  const explicit = new Set(Object.values(hostPorts).filter((p): p is number => typeof p === 'number'));
  let p = port;
  do {
    p = p >= 65535 ? 1024 : p + 1;
  } while ((reserved.has(p) || explicit.has(p)) && p !== port);
  return p;
}
