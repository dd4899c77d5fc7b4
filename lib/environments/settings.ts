import type { KubernetesVersions } from '../policy/schema/minors';

/**
 * The settings every environment has. Extend this interface for your own settings
 * (for example a `domain`) and pass it as the type parameter of {@link Pipeline}:
 * every environment must then give every setting you add.
 */
export interface EnvironmentSettings {
  /** The Kubernetes namespace the environment deploys into (a DNS-1123 label). */
  readonly namespace: string;
  /**
   * The default replica count of the environment's web services and workers; a workload's own
   * `replicas` wins.
   * @default - 2 in production, 1 elsewhere
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
  /**
   * Horizontal autoscaling of the environment's Deployments (web services and workers) that
   * do not set their own `replicas`. The HPA's minimum defaults to the environment's `replicas`.
   * @default - no autoscaling: a fixed replica count
   */
  readonly autoscale?: AutoscaleSettings;
  /**
   * Where the ingress controller runs, so a web service's NetworkPolicy lets it in.
   * @default { namespaceLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } }
   */
  readonly ingressController?: IngressControllerSettings;
  /**
   * The external-secrets.io store that `SecretRef.external(...)` reads from when it names none.
   * @default - every SecretRef.external must name its store
   */
  readonly secretStore?: SecretStoreSettings;
  /**
   * The StorageClass of stateful services' volumes.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * Whether this environment also gets `<env>/compose.yaml` (for `docker compose` and
   * `podman-compose` on one machine) and `<env>/stack.yaml` (for `docker stack deploy`),
   * rendered from the same workloads as the manifests; settings tune host ports, volume names
   * and where the local secret values live.
   * @default - true for an environment named `dev`, false elsewhere
   */
  readonly compose?: boolean | ComposeSettings;
  /**
   * Whether this environment gets `<env>/stack.yaml`, a Docker Swarm stack (`docker stack
   * deploy`), whatever its `compose` setting: images by the same reference as the manifests
   * (pinned by digest once pushed and locked), file secrets as external Swarm secrets, rolling
   * updates that roll back by themselves, health checks, restart policies and resources.
   * @default - the same as `compose`: on for `dev` only
   */
  readonly swarm?: boolean;
  /**
   * The Kubernetes minors the environment's clusters run, as a list (`['1.31', '1.32']`) or a
   * range (`{ from: '1.30', to: '1.33' }`). Every object is validated against the strict schema
   * of each one at synth: an apiVersion or field one of them lacks is an error, one a later
   * targeted minor removes is a warning. Overrides the pipeline's `kubernetes`.
   * @default - the pipeline's `kubernetes`, else every supported minor (1.27 to 1.33)
   */
  readonly kubernetes?: KubernetesVersions;
}

/** Compose output settings of an environment. */
export interface ComposeSettings {
  /**
   * Host ports, by workload name: the port published on 127.0.0.1 for a web or stateful
   * service, or `false` to publish none.
   * @default - the container port
   */
  readonly hostPorts?: Readonly<Record<string, number | false>>;
  /**
   * Named volumes, by stateful workload name (for example to keep an existing local volume).
   * @default - '<workload name>-data'
   */
  readonly volumes?: Readonly<Record<string, string>>;
  /**
   * The folder of the local secret values, relative to the app root: `secrets.env` holds one
   * variable per Secret key referenced as an environment variable, and `<secret name>/<key>`
   * one file per Secret key mounted as a file. prodpath never writes into it: keep it out of git.
   * @default '.secrets/<environment name>'
   */
  readonly secretsDir?: string;
}

/** Horizontal Pod Autoscaler settings (autoscaling/v2, on CPU and memory utilization). */
export interface AutoscaleSettings {
  /**
   * The fewest pods.
   * @default - the environment's `replicas`, else 2 in production and 1 elsewhere
   */
  readonly min?: number;
  /** The most pods. */
  readonly max: number;
  /**
   * The target average CPU use, in percent of the CPU request.
   * @default 70
   */
  readonly cpuUtilization?: number;
  /**
   * The target average memory use, in percent of the memory request.
   * @default - memory does not drive scaling
   */
  readonly memoryUtilization?: number;
}

/** Where the ingress controller's pods run. */
export interface IngressControllerSettings {
  /** Labels of the ingress controller's namespace. */
  readonly namespaceLabels: Readonly<Record<string, string>>;
  /**
   * Labels of the ingress controller's pods inside that namespace.
   * @default - every pod of the namespace
   */
  readonly podLabels?: Readonly<Record<string, string>>;
}

/** An external-secrets.io SecretStore or ClusterSecretStore. */
export interface SecretStoreSettings {
  /** The store's name. */
  readonly name: string;
  /**
   * The store's kind.
   * @default 'ClusterSecretStore'
   */
  readonly kind?: 'SecretStore' | 'ClusterSecretStore';
}

/** The ingress controller prodpath lets into web services when the environment names none. */
export const DEFAULT_INGRESS_CONTROLLER: IngressControllerSettings = {
  namespaceLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' },
};

/** Settings that an environment may leave out; every other setting must be given by every environment. */
export const OPTIONAL_SETTINGS: readonly string[] = [
  'replicas', 'production', 'ingressClassName', 'autoscale', 'ingressController', 'secretStore', 'storageClassName',
  'compose', 'swarm', 'kubernetes',
];

/** Whether an environment of this name counts as production when `production` is not set. */
export function isProductionName(name: string): boolean {
  return name === 'prod' || name === 'production' || name.startsWith('prod-');
}
