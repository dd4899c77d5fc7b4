import { Environment } from '../environments/environment';

/** The value of `app.kubernetes.io/managed-by` on everything prodpath renders. */
export const MANAGED_BY = 'prodpath';

/** The component label of each workload kind. */
export type WorkloadComponent = 'web' | 'worker' | 'database' | 'job' | 'migration';

/**
 * The selector labels of a workload: stable across refactors and environments, so a
 * Deployment's immutable selector never has to change. They depend on the pipeline and
 * workload names only, never on construct paths.
 */
export function selectorLabels(env: Environment, workloadName: string): Record<string, string> {
  return {
    'app.kubernetes.io/instance': `${env.pipelineName}-${workloadName}`,
    'app.kubernetes.io/name': workloadName,
  };
}

/** The recommended `app.kubernetes.io/*` labels of a workload's objects and pods. */
export function recommendedLabels(env: Environment, workloadName: string, component: WorkloadComponent, version: string): Record<string, string> {
  return {
    ...selectorLabels(env, workloadName),
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/managed-by': MANAGED_BY,
    'app.kubernetes.io/part-of': env.pipelineName,
    'app.kubernetes.io/version': version,
  };
}
