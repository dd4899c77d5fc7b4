import { Finding, PolicyRule } from '../policy/rules';

/** The warning for a setting that Compose or Swarm cannot express: the file says what it does instead. */
export const COMPOSE_NO_EQUIVALENT: PolicyRule = {
  id: 'compose-no-equivalent',
  rationale: 'Compose and Swarm lack some Kubernetes features; the Compose files do the nearest thing, and this says what differs',
  source: 'prodpath Compose renderer',
  severity: 'warning',
};

/** The rules the Compose renderer reports. */
export const COMPOSE_RULES: readonly PolicyRule[] = [COMPOSE_NO_EQUIVALENT];

/** A warning about one workload in one Compose file. */
export function composeWarning(constructPath: string, file: string, message: string, fix: string): Finding {
  return { rule: COMPOSE_NO_EQUIVALENT, severity: 'warning', message, fix, constructPath, file };
}
