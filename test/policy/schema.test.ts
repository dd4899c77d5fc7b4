import * as fs from 'node:fs';
import { isKnownKind, knownKinds, SchemaViolation, validateManifest } from '../../lib/policy/schema/validate';
import { KINDS, QUANTITY_PATTERN, renderSchema, SCHEMA_FILE, schemaFile, SUPPORTED_MINORS } from '../../scripts/gen-k8s-schema';

type Obj = Record<string, any>;

const labels = {
  'app.kubernetes.io/name': 'shop-api',
  'app.kubernetes.io/instance': 'shop-api-prod',
  'app.kubernetes.io/version': '1.4.2',
  'app.kubernetes.io/component': 'api',
  'app.kubernetes.io/part-of': 'shop',
  'app.kubernetes.io/managed-by': 'prodpath',
};
const selector = { 'app.kubernetes.io/name': 'shop-api', 'app.kubernetes.io/instance': 'shop-api-prod' };

const container = (): Obj => ({
  name: 'api',
  image: 'registry.example.com/shop/api:1.4.2@sha256:' + 'a'.repeat(64),
  imagePullPolicy: 'IfNotPresent',
  ports: [{ containerPort: 8080, name: 'http', protocol: 'TCP' }],
  env: [
    { name: 'NODE_ENV', value: 'production' },
    { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'shop-db', key: 'password' } } },
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
  ],
  envFrom: [{ configMapRef: { name: 'shop-api-config-5d8f6c7a' } }],
  resources: {
    requests: { cpu: '250m', memory: '512Mi', 'ephemeral-storage': '100Mi' },
    limits: { cpu: 1, memory: '1Gi', 'ephemeral-storage': '1Gi' },
  },
  securityContext: {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    runAsUser: 10001,
    runAsGroup: 10001,
    capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] },
    seccompProfile: { type: 'RuntimeDefault' },
  },
  startupProbe: { tcpSocket: { port: 'http' }, failureThreshold: 30, periodSeconds: 2 },
  readinessProbe: { httpGet: { path: '/ready', port: 'http', scheme: 'HTTP' }, periodSeconds: 5 },
  livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, initialDelaySeconds: 10 },
  volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
  terminationMessagePolicy: 'FallbackToLogsOnError',
});

const podSpec = (): Obj => ({
  automountServiceAccountToken: false,
  serviceAccountName: 'shop-api',
  securityContext: {
    runAsNonRoot: true,
    runAsUser: 10001,
    runAsGroup: 10001,
    fsGroup: 10001,
    fsGroupChangePolicy: 'Always',
    seccompProfile: { type: 'RuntimeDefault' },
  },
  containers: [container()],
  volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }],
  restartPolicy: 'Always',
  terminationGracePeriodSeconds: 30,
  topologySpreadConstraints: [
    { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector } },
  ],
  affinity: {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        { weight: 100, podAffinityTerm: { topologyKey: 'topology.kubernetes.io/zone', labelSelector: { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: ['shop-api'] }] } } },
      ],
    },
  },
});

const templates = {
  deployment: (): Obj => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'shop-api', namespace: 'shop-prod', labels, annotations: { 'prodpath.dev/config-hash': '5d8f6c7a' } },
    spec: {
      replicas: 3,
      revisionHistoryLimit: 5,
      minReadySeconds: 5,
      selector: { matchLabels: selector },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      template: { metadata: { labels }, spec: podSpec() },
    },
  }),
  service: (): Obj => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'shop-api', namespace: 'shop-prod', labels },
    spec: {
      type: 'ClusterIP',
      externalIPs: [],
      selector,
      ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }, { name: 'metrics', port: 9090, targetPort: 9090 }],
    },
  }),
  ingress: (): Obj => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'shop-api', namespace: 'shop-prod', labels, annotations: { 'cert-manager.io/cluster-issuer': 'letsencrypt' } },
    spec: {
      ingressClassName: 'nginx',
      tls: [{ hosts: ['shop.example.com'], secretName: 'shop-api-tls' }],
      rules: [
        {
          host: 'shop.example.com',
          http: {
            paths: [
              { path: '/api', pathType: 'Prefix', backend: { service: { name: 'shop-api', port: { name: 'http' } } } },
              { path: '/healthz', pathType: 'Exact', backend: { service: { name: 'shop-api', port: { number: 80 } } } },
            ],
          },
        },
      ],
    },
  }),
  configMap: (): Obj => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'shop-api-config-5d8f6c7a', namespace: 'shop-prod', labels },
    immutable: false,
    data: { LOG_LEVEL: 'info', 'app.json': '{"port": 8080}' },
  }),
  hpa: (): Obj => ({
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'shop-api', namespace: 'shop-prod', labels },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'shop-api' },
      minReplicas: 2,
      maxReplicas: 10,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
        { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '800Mi' } } },
      ],
      behavior: {
        scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] },
      },
    },
  }),
  pdb: (): Obj => ({
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: 'shop-api', namespace: 'shop-prod', labels },
    spec: { maxUnavailable: 1, selector: { matchLabels: selector }, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
  }),
  networkPolicy: (): Obj => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'shop-api', namespace: 'shop-prod', labels },
    spec: {
      podSelector: { matchLabels: selector },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        {
          from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }, { podSelector: { matchLabels: { app: 'gateway' } } }],
          ports: [{ protocol: 'TCP', port: 'http' }, { port: 9090 }],
        },
      ],
      egress: [
        { to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }], ports: [{ protocol: 'TCP', port: 5432 }] },
        { ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] },
      ],
    },
  }),
  cronJob: (): Obj => ({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'shop-report', namespace: 'shop-prod', labels },
    spec: {
      schedule: '0 3 * * *',
      timeZone: 'Etc/UTC',
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      jobTemplate: {
        metadata: { labels },
        spec: {
          backoffLimit: 2,
          activeDeadlineSeconds: 3600,
          ttlSecondsAfterFinished: 86400,
          template: { metadata: { labels }, spec: { ...podSpec(), restartPolicy: 'OnFailure' } },
        },
      },
    },
  }),
  statefulSet: (): Obj => ({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'shop-db', namespace: 'shop-prod', labels },
    spec: {
      serviceName: 'shop-db',
      replicas: 3,
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0, maxUnavailable: 1 } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Delete' },
      selector: { matchLabels: selector },
      template: {
        metadata: { labels },
        spec: { ...podSpec(), volumes: [{ name: 'tmp', emptyDir: {} }], containers: [{ ...container(), volumeMounts: [{ name: 'data', mountPath: '/var/lib/data' }, { name: 'tmp', mountPath: '/tmp' }] }] },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: 'data', labels },
          spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'standard', resources: { requests: { storage: '10Gi' } }, volumeMode: 'Filesystem' },
        },
      ],
    },
  }),
  namespace: (): Obj => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: 'shop-prod',
      labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'v1.27' },
    },
  }),
  job: (): Obj => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'shop-migrate', namespace: 'shop-prod', labels },
    spec: { backoffLimit: 0, completionMode: 'NonIndexed', template: { metadata: { labels }, spec: { ...podSpec(), restartPolicy: 'Never' } } },
  }),
  serviceAccount: (): Obj => ({
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'shop-api', namespace: 'shop-prod', labels },
    automountServiceAccountToken: false,
  }),
  pvc: (): Obj => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'shop-uploads', namespace: 'shop-prod', labels },
    spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '50Gi' } } },
  }),
  secretRef: (): Obj => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'shop-db', namespace: 'shop-prod' },
    type: 'Opaque',
    data: { password: Buffer.from('not-a-real-password').toString('base64') },
  }),
};

/** Fresh deep copies, so that a test that breaks one object cannot leak into another (shared labels). */
const valid = Object.fromEntries(
  Object.entries(templates).map(([name, make]) => [name, (): Obj => structuredClone(make())]),
) as { [K in keyof typeof templates]: () => Obj };

describe('bundled Kubernetes 1.27 schema', () => {
  test.each(Object.entries(valid))('a realistic %s is valid', (_name, make) => {
    expect(validateManifest(make())).toEqual([]);
  });

  test('covers exactly the kinds we emit', () => {
    // 1.27 serves FlowSchema in v1beta2 and v1beta3; v1 comes with 1.29.
    expect(knownKinds().map((k) => `${k.apiVersion} ${k.kind}`).sort()).toEqual(KINDS.filter((k) => k.apiVersion !== 'flowcontrol.apiserver.k8s.io/v1').map((k) => `${k.apiVersion} ${k.kind}`).sort());
    expect(isKnownKind('apps/v1', 'Deployment')).toBe(true);
    expect(isKnownKind('autoscaling/v2', 'HorizontalPodAutoscaler')).toBe(true);
    expect(isKnownKind('autoscaling/v1', 'HorizontalPodAutoscaler')).toBe(false);
    expect(isKnownKind('policy/v1beta1', 'PodDisruptionBudget')).toBe(false);
    expect(isKnownKind('cert-manager.io/v1', 'Certificate')).toBe(false);
    expect(isKnownKind('v1', 'toString')).toBe(false);
  });

  test('unknown kinds (CRDs) are left to the caller', () => {
    expect(validateManifest({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', spec: { anything: true } })).toEqual([]);
    expect(validateManifest({ apiVersion: 'v1', kind: 'constructor' })).toEqual([]);
  });

  test('input that is not a manifest object', () => {
    expect(validateManifest('kind: Deployment')).toEqual([{ path: '', message: 'must be an object (a Kubernetes manifest), got "kind: Deployment"' }]);
    expect(validateManifest(null)).toEqual([{ path: '', message: 'must be an object (a Kubernetes manifest), got null' }]);
    expect(validateManifest({ kind: 'Deployment' })).toEqual([{ path: '', message: 'missing required field "apiVersion"' }]);
    expect(validateManifest({ apiVersion: 1, kind: 'Deployment' })).toEqual([{ path: '/apiVersion', message: 'must be a string, got 1' }]);
  });
});

/** A valid object, a change that breaks it, and the violation expected (among those reported). */
const broken: Array<[string, () => Obj, (o: Obj) => void, SchemaViolation | { path: string; message: RegExp }]> = [
  [
    'unknown top-level field',
    valid.deployment,
    (o) => (o.specs = o.spec),
    { path: '/specs', message: /^unknown field "specs", did you mean "spec"\? \(allowed: apiVersion, kind, metadata, spec, status\)$/ },
  ],
  [
    'unknown field in spec (typo)',
    valid.deployment,
    (o) => (o.spec.replica = 2),
    { path: '/spec/replica', message: /^unknown field "replica", did you mean "replicas"\? \(allowed: minReadySeconds, paused, progressDeadlineSeconds, replicas, / },
  ],
  [
    'unknown nested field in a container securityContext',
    valid.deployment,
    (o) => (o.spec.template.spec.containers[0].securityContext.runAsNonroot = true),
    { path: '/spec/template/spec/containers/0/securityContext/runAsNonroot', message: /^unknown field "runAsNonroot", did you mean "runAsNonRoot"\? \(allowed: allowPrivilegeEscalation, capabilities, / },
  ],
  [
    'pod-level field put in the container securityContext',
    valid.deployment,
    (o) => (o.spec.template.spec.containers[0].securityContext.fsGroup = 10001),
    { path: '/spec/template/spec/containers/0/securityContext/fsGroup', message: /^unknown field "fsGroup" \(allowed: / },
  ],
  [
    'unknown field in seccompProfile',
    valid.deployment,
    (o) => (o.spec.template.spec.securityContext.seccompProfile.profile = 'default'),
    { path: '/spec/template/spec/securityContext/seccompProfile/profile', message: 'unknown field "profile" (allowed: localhostProfile, type)' },
  ],
  ['replicas as a string', valid.deployment, (o) => (o.spec.replicas = '3'), { path: '/spec/replicas', message: 'must be an integer, got "3"' }],
  [
    'replicas beyond int32',
    valid.deployment,
    (o) => (o.spec.replicas = 3_000_000_000),
    { path: '/spec/replicas', message: 'must be a 32-bit integer (-2147483648 to 2147483647), got 3000000000' },
  ],
  ['missing containers', valid.deployment, (o) => delete o.spec.template.spec.containers, { path: '/spec/template/spec', message: 'missing required field "containers"' }],
  ['missing selector', valid.deployment, (o) => delete o.spec.selector, { path: '/spec', message: 'missing required field "selector"' }],
  ['missing container name', valid.deployment, (o) => delete o.spec.template.spec.containers[0].name, { path: '/spec/template/spec/containers/0', message: 'missing required field "name"' }],
  [
    'imagePullPolicy in the wrong case',
    valid.deployment,
    (o) => (o.spec.template.spec.containers[0].imagePullPolicy = 'always'),
    { path: '/spec/template/spec/containers/0/imagePullPolicy', message: 'must be one of Always, IfNotPresent, Never, got "always"' },
  ],
  [
    'container port protocol in lower case',
    valid.deployment,
    (o) => (o.spec.template.spec.containers[0].ports[0].protocol = 'tcp'),
    { path: '/spec/template/spec/containers/0/ports/0/protocol', message: 'must be one of TCP, UDP, SCTP, got "tcp"' },
  ],
  [
    'memory limit 512MB',
    valid.deployment,
    (o) => (o.spec.template.spec.containers[0].resources.limits.memory = '512MB'),
    { path: '/spec/template/spec/containers/0/resources/limits/memory', message: 'must be a Kubernetes quantity such as 512Mi or 0.5, got "512MB"' },
  ],
  [
    'cpu request 1.5.0',
    valid.deployment,
    (o) => (o.spec.template.spec.containers[0].resources.requests.cpu = '1.5.0'),
    { path: '/spec/template/spec/containers/0/resources/requests/cpu', message: 'must be a Kubernetes quantity such as 512Mi or 0.5, got "1.5.0"' },
  ],
  [
    'quantity given as an object',
    valid.deployment,
    (o) => (o.spec.template.spec.containers[0].resources.requests.memory = { value: 512, unit: 'Mi' }),
    { path: '/spec/template/spec/containers/0/resources/requests/memory', message: 'must be a Kubernetes quantity such as 512Mi or 0.5, got an object {"value":512,"unit":"Mi"}' },
  ],
  [
    'containerPort as an object',
    valid.deployment,
    (o) => (o.spec.template.spec.containers[0].ports[0].containerPort = { port: 8080 }),
    { path: '/spec/template/spec/containers/0/ports/0/containerPort', message: 'must be an integer, got an object {"port":8080}' },
  ],
  [
    'env value as a number',
    valid.deployment,
    (o) => (o.spec.template.spec.containers[0].env[0].value = 8080),
    { path: '/spec/template/spec/containers/0/env/0/value', message: 'must be a string, got 8080' },
  ],
  [
    'probe port as a float (int-or-string)',
    valid.deployment,
    (o) => (o.spec.template.spec.containers[0].livenessProbe.httpGet.port = 8080.5),
    { path: '/spec/template/spec/containers/0/livenessProbe/httpGet/port', message: 'must be an integer or a string (int-or-string, e.g. 8080 or "http"), got 8080.5' },
  ],
  [
    'maxSurge as a boolean (int-or-string)',
    valid.deployment,
    (o) => (o.spec.strategy.rollingUpdate.maxSurge = true),
    { path: '/spec/strategy/rollingUpdate/maxSurge', message: 'must be an integer or a string (int-or-string, e.g. 8080 or "http"), got boolean true' },
  ],
  [
    'label value that is a number',
    valid.deployment,
    (o) => (o.metadata.labels['app.kubernetes.io/version'] = 1.4),
    { path: '/metadata/labels/app.kubernetes.io~1version', message: 'must be a string, got 1.4' },
  ],
  [
    'seccompProfile type from the old annotation',
    valid.deployment,
    (o) => (o.spec.template.spec.securityContext.seccompProfile.type = 'runtime/default'),
    { path: '/spec/template/spec/securityContext/seccompProfile/type', message: 'must be one of RuntimeDefault, Localhost, Unconfined, got "runtime/default"' },
  ],
  [
    'capabilities.drop as a string',
    valid.deployment,
    (o) => (o.spec.template.spec.containers[0].securityContext.capabilities.drop = 'ALL'),
    { path: '/spec/template/spec/containers/0/securityContext/capabilities/drop', message: 'must be an array (a list), got "ALL"' },
  ],
  ['Service type in the wrong case', valid.service, (o) => (o.spec.type = 'clusterIP'), { path: '/spec/type', message: 'must be one of ClusterIP, ExternalName, LoadBalancer, NodePort, got "clusterIP"' }],
  ['Service port as a string', valid.service, (o) => (o.spec.ports[0].port = '80'), { path: '/spec/ports/0/port', message: 'must be an integer, got "80"' }],
  ['Service missing port', valid.service, (o) => delete o.spec.ports[1].port, { path: '/spec/ports/1', message: 'missing required field "port"' }],
  [
    'Ingress pathType in lower case',
    valid.ingress,
    (o) => (o.spec.rules[0].http.paths[0].pathType = 'prefix'),
    { path: '/spec/rules/0/http/paths/0/pathType', message: 'must be one of Exact, Prefix, ImplementationSpecific, got "prefix"' },
  ],
  [
    'Ingress backend in the removed v1beta1 form',
    valid.ingress,
    (o) => (o.spec.rules[0].http.paths[0].backend = { serviceName: 'shop-api', servicePort: 80 }),
    { path: '/spec/rules/0/http/paths/0/backend/serviceName', message: 'unknown field "serviceName" (allowed: resource, service)' },
  ],
  [
    'Ingress service port as a bare number',
    valid.ingress,
    (o) => (o.spec.rules[0].http.paths[1].backend.service.port = 80),
    { path: '/spec/rules/0/http/paths/1/backend/service/port', message: 'must be an object, got 80' },
  ],
  [
    'HPA v1 field on an autoscaling/v2 object',
    valid.hpa,
    (o) => (o.spec.targetCPUUtilizationPercentage = 70),
    { path: '/spec/targetCPUUtilizationPercentage', message: /^unknown field "targetCPUUtilizationPercentage" \(allowed: behavior, maxReplicas, metrics, minReplicas, scaleTargetRef\)$/ },
  ],
  ['HPA missing maxReplicas', valid.hpa, (o) => delete o.spec.maxReplicas, { path: '/spec', message: 'missing required field "maxReplicas"' }],
  [
    'HPA metric target type',
    valid.hpa,
    (o) => (o.spec.metrics[0].resource.target.type = 'Percent'),
    { path: '/spec/metrics/0/resource/target/type', message: 'must be one of AverageValue, Utilization, Value, got "Percent"' },
  ],
  [
    'HPA metric type',
    valid.hpa,
    (o) => (o.spec.metrics[0].type = 'CPU'),
    { path: '/spec/metrics/0/type', message: 'must be one of ContainerResource, External, Object, Pods, Resource, got "CPU"' },
  ],
  ['HPA averageValue malformed', valid.hpa, (o) => (o.spec.metrics[1].resource.target.averageValue = '800 Mi'), { path: '/spec/metrics/1/resource/target/averageValue', message: 'must be a Kubernetes quantity such as 512Mi or 0.5, got "800 Mi"' }],
  [
    'PDB minAvailable as a boolean',
    valid.pdb,
    (o) => (o.spec.minAvailable = false),
    { path: '/spec/minAvailable', message: 'must be an integer or a string (int-or-string, e.g. 8080 or "http"), got boolean false' },
  ],
  [
    'PDB unhealthyPodEvictionPolicy',
    valid.pdb,
    (o) => (o.spec.unhealthyPodEvictionPolicy = 'Always'),
    { path: '/spec/unhealthyPodEvictionPolicy', message: 'must be one of IfHealthyBudget, AlwaysAllow, got "Always"' },
  ],
  ['NetworkPolicy policyTypes in lower case', valid.networkPolicy, (o) => (o.spec.policyTypes = ['ingress']), { path: '/spec/policyTypes/0', message: 'must be one of Ingress, Egress, got "ingress"' }],
  ['NetworkPolicy missing podSelector', valid.networkPolicy, (o) => delete o.spec.podSelector, { path: '/spec', message: 'missing required field "podSelector"' }],
  [
    'NetworkPolicy port as an object',
    valid.networkPolicy,
    (o) => (o.spec.ingress[0].ports[1].port = { number: 9090 }),
    { path: '/spec/ingress/0/ports/1/port', message: 'must be an integer or a string (int-or-string, e.g. 8080 or "http"), got an object {"number":9090}' },
  ],
  [
    'label selector operator',
    valid.deployment,
    (o) => (o.spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.labelSelector.matchExpressions[0].operator = 'in'),
    {
      path: '/spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/0/podAffinityTerm/labelSelector/matchExpressions/0/operator',
      message: 'must be one of In, NotIn, Exists, DoesNotExist, got "in"',
    },
  ],
  ['CronJob concurrencyPolicy', valid.cronJob, (o) => (o.spec.concurrencyPolicy = 'forbid'), { path: '/spec/concurrencyPolicy', message: 'must be one of Allow, Forbid, Replace, got "forbid"' }],
  ['CronJob missing jobTemplate', valid.cronJob, (o) => delete o.spec.jobTemplate, { path: '/spec', message: 'missing required field "jobTemplate"' }],
  [
    'CronJob restartPolicy',
    valid.cronJob,
    (o) => (o.spec.jobTemplate.spec.template.spec.restartPolicy = 'Sometimes'),
    { path: '/spec/jobTemplate/spec/template/spec/restartPolicy', message: 'must be one of Always, OnFailure, Never, got "Sometimes"' },
  ],
  [
    'StatefulSet claim size 10GB',
    valid.statefulSet,
    (o) => (o.spec.volumeClaimTemplates[0].spec.resources.requests.storage = '10GB'),
    { path: '/spec/volumeClaimTemplates/0/spec/resources/requests/storage', message: 'must be a Kubernetes quantity such as 512Mi or 0.5, got "10GB"' },
  ],
  [
    'StatefulSet claim access mode',
    valid.statefulSet,
    (o) => (o.spec.volumeClaimTemplates[0].spec.accessModes = ['RWO']),
    { path: '/spec/volumeClaimTemplates/0/spec/accessModes/0', message: 'must be one of ReadWriteOnce, ReadOnlyMany, ReadWriteMany, ReadWriteOncePod, got "RWO"' },
  ],
  ['ConfigMap value as a number', valid.configMap, (o) => (o.data.PORT = 8080), { path: '/data/PORT', message: 'must be a string, got 8080' }],
  ['ConfigMap with an unknown field', valid.configMap, (o) => (o.values = { a: 'b' }), { path: '/values', message: /^unknown field "values" \(allowed: apiVersion, binaryData, data, immutable, kind, metadata\)$/ }],
  ['Namespace finalizers as a string', valid.namespace, (o) => (o.spec = { finalizers: 'kubernetes' }), { path: '/spec/finalizers', message: 'must be an array (a list), got "kubernetes"' }],
  ['Secret data that is not base64', valid.secretRef, (o) => (o.data.password = 'hunter2!'), { path: '/data/password', message: 'must be base64-encoded data (use stringData for plain text), got "hunter2!"' }],
];

describe('broken objects are rejected with a path and a readable message', () => {
  test('there are at least 15 distinct broken cases', () => {
    expect(new Set(broken.map(([name]) => name)).size).toBe(broken.length);
    expect(broken.length).toBeGreaterThanOrEqual(15);
  });

  test.each(broken)('%s', (_name, make, breakIt, expected) => {
    const obj = make();
    breakIt(obj);
    const violations = validateManifest(obj);
    expect(violations.length).toBeGreaterThan(0);
    const match = violations.find(
      (v) => v.path === expected.path && (expected.message instanceof RegExp ? expected.message.test(v.message) : v.message === expected.message),
    );
    if (match === undefined) {
      throw new Error(`expected ${JSON.stringify({ path: expected.path, message: String(expected.message) })} among ${JSON.stringify(violations, null, 2)}`);
    }
    // One mistake, one violation: no duplicate reports (e.g. type + enum) at the same path.
    expect(violations.filter((v) => v.path === expected.path)).toHaveLength(1);
  });

  test('all problems of one object are reported together', () => {
    const obj = valid.deployment();
    obj.spec.replicas = '3';
    obj.spec.template.spec.containers[0].resources.limits.memory = '512MB';
    obj.spec.template.spec.containers[0].securityContext.runAsNonroot = true;
    expect(validateManifest(obj).map((v) => v.path).sort()).toEqual([
      '/spec/replicas',
      '/spec/template/spec/containers/0/resources/limits/memory',
      '/spec/template/spec/containers/0/securityContext/runAsNonroot',
    ]);
  });
});

describe('what the schema deliberately allows (kubeconform semantics)', () => {
  test('quantities follow the apimachinery grammar exactly', () => {
    const good = ['512Mi', '0.5', '.5', '1.', '100m', '250u', '1n', '1k', '1M', '1G', '1T', '1P', '1E', '1Ki', '1.5Gi', '2Ti', '1e3', '1E-3', '1e+9', '+1', '-1', '0'];
    const bad = ['512MB', '1.5.0', '', '.', 'Gi', '1 Gi', ' 1Gi', '1KiB', '1K', '1mi', '1e', '1e1.5', '0x10', '1k1', '1,5', 'one', '1Gi ', '--1'];
    const withMemory = (memory: unknown): Obj => {
      const o = valid.deployment();
      o.spec.template.spec.containers[0].resources.limits.memory = memory;
      return o;
    };
    for (const q of good) expect([q, validateManifest(withMemory(q))]).toEqual([q, []]);
    for (const q of bad) expect([q, validateManifest(withMemory(q)).length]).toEqual([q, 1]);
    // Numbers are quantities too (the API server parses them).
    expect(validateManifest(withMemory(1073741824))).toEqual([]);
    expect(validateManifest(withMemory(0.5))).toEqual([]);
    expect(new RegExp(QUANTITY_PATTERN, 'u').test('1.5.0')).toBe(false);
  });

  test('a container without an image passes: image is optional in the 1.27 API schema', () => {
    const o = valid.deployment();
    delete o.spec.template.spec.containers[0].image;
    expect(validateManifest(o)).toEqual([]);
  });

  test('ranges are not checked: negative replicas and port 0 pass the schema', () => {
    const o = valid.deployment();
    o.spec.replicas = -1;
    o.spec.template.spec.containers[0].ports[0].containerPort = 0;
    expect(validateManifest(o)).toEqual([]);
  });

  test('null for an optional field is accepted, as by the API server', () => {
    const o = valid.deployment();
    o.spec.replicas = null;
    o.spec.template.spec.containers[0].imagePullPolicy = null;
    expect(validateManifest(o)).toEqual([]);
  });

  test('status is accepted', () => {
    const o = valid.deployment();
    o.status = { replicas: 3, readyReplicas: 3, conditions: [{ type: 'Available', status: 'True' }] };
    expect(validateManifest(o)).toEqual([]);
  });
});

describe('generated schema file', () => {
  test('is up to date with scripts/gen-k8s-schema.ts', () => {
    const text = renderSchema();
    // Compare as text: the file must be byte-identical to a fresh generation.
    const current = fs.readFileSync(SCHEMA_FILE, 'utf8');
    if (current !== text) throw new Error('lib/policy/schema/k8s-1.27.schema.json is out of date: run npx tsx scripts/gen-k8s-schema.ts');
    expect(renderSchema()).toBe(text); // deterministic
  });

  test.each(SUPPORTED_MINORS.map((m) => [m]))('%s closes every object type that has named properties', (minor) => {
    const doc = JSON.parse(fs.readFileSync(schemaFile(minor), 'utf8'));
    const open: string[] = [];
    const walk = (schema: any, where: string): void => {
      if (schema === null || typeof schema !== 'object') return;
      if (schema.properties !== undefined && schema.additionalProperties !== false) open.push(where);
      for (const [key, value] of Object.entries(schema.properties ?? {})) walk(value, `${where}.${key}`);
      if (typeof schema.items === 'object') walk(schema.items, `${where}[]`);
      if (typeof schema.additionalProperties === 'object') walk(schema.additionalProperties, `${where}{}`);
    };
    for (const [name, schema] of Object.entries(doc.definitions)) walk(schema, name);
    expect(open).toEqual([]);
  });
});
