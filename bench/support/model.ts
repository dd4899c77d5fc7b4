/**
 * The application every benchmark case renders: N web services, each deployed to dev,
 * staging and prod. All cases (prodpath, raw cdk8s-plus-27, plain objects, kustomize) read
 * their names, settings and config from here, so they describe the same manifests.
 */

/** The settings of one environment (prodpath's `EnvironmentSettings` plus two of our own). */
export interface BenchSettings {
  readonly namespace: string;
  readonly replicas: number;
  /** Public domain; a service's host is `<service>.<domain>`. */
  readonly domain: string;
  /** Written to each service's ConfigMap. */
  readonly logLevel: 'debug' | 'info';
}

/** The pipeline (application) name: the `part-of` label and the manifest file name. */
export const PIPELINE = 'bench';

/** The registry images are pushed to. */
export const REGISTRY = 'ghcr.io/acme';

/** The one image every service runs (`pipeline.image(IMAGE_NAME, ...)`). */
export const IMAGE_NAME = 'svc';

/** The three environments, in promotion order. */
export const ENVIRONMENTS: Readonly<Record<string, BenchSettings>> = {
  dev: { namespace: 'bench-dev', replicas: 1, domain: 'dev.bench.example.com', logLevel: 'debug' },
  staging: { namespace: 'bench-staging', replicas: 2, domain: 'staging.bench.example.com', logLevel: 'info' },
  prod: { namespace: 'bench', replicas: 3, domain: 'bench.example.com', logLevel: 'info' },
};

/** The environment names, in order. */
export const ENV_NAMES: readonly string[] = Object.keys(ENVIRONMENTS);

/** The container port, health path and numeric user of the image (prodpath's Node recipe defaults). */
export const PORT = 8080;
export const HEALTH_PATH = '/healthz';
export const UID = 10001;

/** The namespace of the ingress controller, which prodpath's NetworkPolicies let in (its default). */
export const INGRESS_NAMESPACE = 'ingress-nginx';

/** Whether prodpath treats an environment as production (its default rule: `prod`, `production`, `prod-*`). */
export function isProduction(envName: string): boolean {
  return envName === 'prod' || envName === 'production' || envName.startsWith('prod-');
}

/**
 * Whether prodpath gives a workload a PodDisruptionBudget and topology spread constraints
 * by default: in production, or with more than one replica.
 */
export function spreadsAndBudgets(envName: string, env: BenchSettings): boolean {
  return isProduction(envName) || env.replicas > 1;
}

/** The names of N services: `svc-0001`, `svc-0002`, ... (DNS-1035 labels). */
export function serviceNames(n: number): string[] {
  const width = Math.max(4, String(n).length);
  return Array.from({ length: n }, (_, i) => `svc-${String(i + 1).padStart(width, '0')}`);
}

/** A service's public host in an environment. */
export function hostOf(service: string, env: BenchSettings): string {
  return `${service}.${env.domain}`;
}

/** A service's non-secret config in an environment (its ConfigMap data, keys sorted). */
export function configOf(service: string, envName: string, env: BenchSettings): Record<string, string> {
  return { GREETING: `hello from ${service} in ${envName}`, LOG_LEVEL: env.logLevel };
}
