/**
 * The bench app's Kubernetes objects as plain JavaScript objects, built by hand to look
 * exactly like prodpath's output (same fields, same key order, same values), so that
 * serializing them is the floor any renderer of these manifests has to pay. The runner
 * checks that the plain-objects case writes the same bytes as prodpath at N=10.
 *
 * Every call returns fresh objects: the `yaml` package would write anchors and aliases for
 * an object that appears twice in one document.
 */
import * as crypto from 'crypto';
import { configOf, ENVIRONMENTS, HEALTH_PATH, hostOf, INGRESS_NAMESPACE, isProduction, PIPELINE, PORT, serviceNames, spreadsAndBudgets, UID, type BenchSettings } from './model';

/** A Kubernetes object as a plain JSON-compatible value. */
export type KubeObject = Record<string, unknown>;

/** The ConfigMap name prodpath gives this data: `<service>-config-<10 hex of SHA-256>`. */
export function configMapName(service: string, data: Readonly<Record<string, string>>): string {
  const sorted = Object.keys(data).sort().map((k) => [k, data[k]]);
  return `${service}-config-${crypto.createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 10)}`;
}

/** The labels prodpath selects a service's pods by. */
export function selectorLabels(service: string): Record<string, string> {
  return { 'app.kubernetes.io/instance': `${PIPELINE}-${service}`, 'app.kubernetes.io/name': service };
}

/** The recommended labels prodpath gives every object of a web service. */
export function labels(service: string, version: string): Record<string, string> {
  return {
    'app.kubernetes.io/component': 'web',
    'app.kubernetes.io/instance': `${PIPELINE}-${service}`,
    'app.kubernetes.io/managed-by': 'prodpath',
    'app.kubernetes.io/name': service,
    'app.kubernetes.io/part-of': PIPELINE,
    'app.kubernetes.io/version': version,
  };
}

function metadata(name: string, service: string, version: string, namespace: string | undefined): Record<string, unknown> {
  return namespace === undefined ? { labels: labels(service, version), name } : { labels: labels(service, version), name, namespace };
}

function probe(failureThreshold: number, periodSeconds: number): Record<string, unknown> {
  return { failureThreshold, httpGet: { path: HEALTH_PATH, port: 'http', scheme: 'HTTP' }, periodSeconds, timeoutSeconds: 2 };
}

/** The environment's Namespace, annotated with the environment and labelled for Pod Security "restricted". */
export function namespaceObject(envName: string, env: BenchSettings): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      // The Kubernetes minors the environment is validated against: every supported one by default.
      annotations: { 'prodpath.dev/environment': envName, 'prodpath.dev/kubernetes': '1.27-1.33', 'prodpath.dev/production': String(isProduction(envName)) },
      labels: {
        'app.kubernetes.io/managed-by': 'prodpath',
        'app.kubernetes.io/part-of': PIPELINE,
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/enforce-version': 'v1.27',
      },
      name: env.namespace,
    },
  };
}

/** Options for {@link serviceObjects}. */
export interface ServiceObjectOptions {
  /** Leave metadata.namespace out (a kustomize base, where the overlay sets it). */
  readonly omitNamespace?: boolean;
  /** Leave the ConfigMap out and reference it by this name (a kustomize base, where a generator makes it). */
  readonly configMapRef?: string;
  /** Leave the PodDisruptionBudget and topology spread out (a kustomize base, where overlays add them). */
  readonly omitAvailability?: boolean;
}

/** The topology spread constraints of a service's pods (nodes, then zones). */
export function topologySpread(service: string): Record<string, unknown>[] {
  return ['kubernetes.io/hostname', 'topology.kubernetes.io/zone'].map((topologyKey) => ({
    labelSelector: { matchLabels: selectorLabels(service) },
    matchLabelKeys: ['pod-template-hash'],
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable: 'ScheduleAnyway',
  }));
}

/** A service's PodDisruptionBudget: one pod may be down at a time. */
export function disruptionBudget(service: string, version: string, namespace: string | undefined): KubeObject {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: metadata(service, service, version, namespace),
    spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(service) }, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
  };
}

/**
 * One web service's objects in one environment, in prodpath's order: ConfigMap, Deployment,
 * NetworkPolicy, PodDisruptionBudget (with more than one replica or in production), Service, Ingress.
 */
export function serviceObjects(service: string, envName: string, env: BenchSettings, imageRef: string, options: ServiceObjectOptions = {}): KubeObject[] {
  const version = imageRef.slice(imageRef.lastIndexOf(':') + 1);
  const ns = options.omitNamespace ? undefined : env.namespace;
  const data = configOf(service, envName, env);
  const cmName = options.configMapRef ?? configMapName(service, data);
  const host = hostOf(service, env);
  const availability = spreadsAndBudgets(envName, env) && !options.omitAvailability;
  const out: KubeObject[] = [];
  if (options.configMapRef === undefined) {
    out.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata(cmName, service, version, ns), data: { ...data }, immutable: true });
  }
  out.push({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(service, service, version, ns),
    spec: {
      minReadySeconds: 0,
      progressDeadlineSeconds: 600,
      replicas: env.replicas,
      revisionHistoryLimit: 5,
      selector: { matchLabels: selectorLabels(service) },
      strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 }, type: 'RollingUpdate' },
      template: {
        metadata: { labels: labels(service, version) },
        spec: {
          automountServiceAccountToken: false,
          containers: [{
            envFrom: [{ configMapRef: { name: cmName } }],
            image: imageRef,
            imagePullPolicy: 'IfNotPresent',
            lifecycle: { preStop: { exec: { command: ['sleep', '5'] } } },
            livenessProbe: probe(6, 10),
            name: service,
            ports: [{ containerPort: PORT, name: 'http' }],
            readinessProbe: probe(3, 5),
            resources: {
              limits: { 'ephemeral-storage': '256Mi', 'memory': '256Mi' },
              requests: { 'cpu': '100m', 'ephemeral-storage': '64Mi', 'memory': '128Mi' },
            },
            securityContext: {
              allowPrivilegeEscalation: false,
              capabilities: { drop: ['ALL'] },
              privileged: false,
              readOnlyRootFilesystem: true,
              runAsGroup: UID,
              runAsNonRoot: true,
              runAsUser: UID,
            },
            startupProbe: probe(30, 2),
            volumeMounts: [{ mountPath: '/tmp', name: 'tmp' }],
          }],
          dnsPolicy: 'ClusterFirst',
          hostNetwork: false,
          restartPolicy: 'Always',
          securityContext: {
            fsGroup: UID,
            fsGroupChangePolicy: 'OnRootMismatch',
            runAsGroup: UID,
            runAsNonRoot: true,
            runAsUser: UID,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          setHostnameAsFQDN: false,
          terminationGracePeriodSeconds: 30,
          ...(availability ? { topologySpreadConstraints: topologySpread(service) } : {}),
          volumes: [{ emptyDir: { sizeLimit: '64Mi' }, name: 'tmp' }],
        },
      },
    },
  });
  out.push({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: metadata(service, service, version, ns),
    spec: {
      egress: [{ ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] }],
      ingress: [{
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': INGRESS_NAMESPACE } } }],
        ports: [{ port: PORT, protocol: 'TCP' }],
      }],
      podSelector: { matchLabels: selectorLabels(service) },
      policyTypes: ['Ingress', 'Egress'],
    },
  });
  if (availability) {
    out.push(disruptionBudget(service, version, ns));
  }
  out.push({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(service, service, version, ns),
    spec: {
      ports: [{ name: 'http', port: PORT, targetPort: 'http' }],
      selector: selectorLabels(service),
      type: 'ClusterIP',
    },
  });
  out.push({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: metadata(service, service, version, ns),
    spec: {
      rules: [{
        host,
        http: { paths: [{ backend: { service: { name: service, port: { number: PORT } } }, path: '/', pathType: 'Prefix' }] },
      }],
      tls: [{ hosts: [host], secretName: `${service}-tls` }],
    },
  });
  return out;
}

/** Every object of one environment, in prodpath's order: the Namespace, then each service's objects. */
export function environmentObjects(n: number, envName: string, imageRef: string): KubeObject[] {
  const env = ENVIRONMENTS[envName];
  return [namespaceObject(envName, env), ...serviceNames(n).flatMap((s) => serviceObjects(s, envName, env, imageRef))];
}
