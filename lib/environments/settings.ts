/**
 * The settings every environment has. Extend this interface for your own settings
 * (for example a `domain`) and pass it as the type parameter of {@link Pipeline}:
 * every environment must then give every setting you add.
 */
export interface EnvironmentSettings {
  /** The Kubernetes namespace the environment deploys into (a DNS-1123 label). */
  readonly namespace: string;
  /**
   * The default replica count of the environment's workloads; a workload's own `replicas` wins.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Whether production rules apply to this environment.
   * @default - true for an environment named `prod` or `production`, or starting with `prod-`
   */
  readonly production?: boolean;
  /**
   * The IngressClass of the environment's Ingresses.
   * @default - the cluster's default IngressClass
   */
  readonly ingressClassName?: string;
}

/** Settings that an environment may leave out; every other setting must be given by every environment. */
export const OPTIONAL_SETTINGS: readonly string[] = ['replicas', 'production', 'ingressClassName'];

/** Whether an environment of this name counts as production when `production` is not set. */
export function isProductionName(name: string): boolean {
  return name === 'prod' || name === 'production' || name.startsWith('prod-');
}
