/**
 * Case: the same manifests written with raw cdk8s-plus-27, as a user would without prodpath.
 *
 * A plain cdk8s App with one Chart per environment (namespace set, resource-name hashes
 * off), a Namespace, and per service a ConfigMap, a Deployment (probes, security contexts,
 * resources, /tmp emptyDir, envFrom the ConfigMap, rolling update, preStop delay), a
 * NetworkPolicy and, with more than one replica or in production, a PodDisruptionBudget
 * (both L1 objects: cdk8s-plus-27 has no PodDisruptionBudget, and its NetworkPolicy API
 * renders a different shape), a Service and an Ingress with TLS, plus the same JSON patches
 * prodpath applies for what cdk8s-plus-27 has no API for (seccomp profile, dropped
 * capabilities, exact resources, named probe ports, revision history, topology spread).
 * No input checks, no policy checks.
 * Timed: construction and `app.synth()` with FILE_PER_CHART to `--outdir`.
 *
 * Arguments: --n=<services> --outdir=<folder to create> --image=<repository:tag>
 */
import { ApiObject, type ApiObjectMetadata, App, Chart, Duration, JsonPatch, Size, YamlOutputType } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { arg, intArg, runCase } from '../support/child';
import { configMapName, labels as serviceLabels, namespaceObject, selectorLabels } from '../support/objects';
import { configOf, ENVIRONMENTS, HEALTH_PATH, hostOf, INGRESS_NAMESPACE, PORT, serviceNames, spreadsAndBudgets, UID } from '../support/model';

/** Builds the bench app with cdk8s-plus-27 only; the caller synthesizes it. */
export function buildPlusApp(n: number, outdir: string, imageRef: string): App {
  const app = new App({ outdir, yamlOutputType: YamlOutputType.FILE_PER_CHART });
  const version = imageRef.slice(imageRef.lastIndexOf(':') + 1);
  const names = serviceNames(n);
  for (const [envName, env] of Object.entries(ENVIRONMENTS)) {
    const chart = new Chart(app, envName, { namespace: env.namespace, disableResourceNameHashes: true });
    // The same metadata as the plain objects (support/objects.ts).
    const namespace = new kplus.Namespace(chart, 'namespace', { metadata: namespaceObject(envName, env).metadata as ApiObjectMetadata });
    ApiObject.of(namespace).addJsonPatch(JsonPatch.remove('/metadata/namespace'), JsonPatch.remove('/spec'));

    const availability = spreadsAndBudgets(envName, env);
    for (const name of names) {
      const scope = new Construct(chart, name);
      // Label and ConfigMap name values as in the plain objects (support/objects.ts).
      const selector = selectorLabels(name);
      const labels = serviceLabels(name, version);
      const data = configOf(name, envName, env);
      const configMap = new kplus.ConfigMap(scope, 'config', { metadata: { name: configMapName(name, data), labels }, data, immutable: true });

      const probe = (failureThreshold: number, period: number) => kplus.Probe.fromHttpGet(HEALTH_PATH, {
        port: PORT,
        periodSeconds: Duration.seconds(period),
        timeoutSeconds: Duration.seconds(2),
        failureThreshold,
      });
      const deployment = new kplus.Deployment(scope, 'deployment', {
        metadata: { name, labels },
        replicas: env.replicas,
        select: false,
        podMetadata: { labels },
        automountServiceAccountToken: false,
        securityContext: { ensureNonRoot: true, user: UID, group: UID, fsGroup: UID, fsGroupChangePolicy: kplus.FsGroupChangePolicy.ON_ROOT_MISMATCH },
        strategy: kplus.DeploymentStrategy.rollingUpdate({ maxSurge: kplus.PercentOrAbsolute.percent(25), maxUnavailable: kplus.PercentOrAbsolute.absolute(0) }),
        progressDeadline: Duration.seconds(600),
        minReady: Duration.seconds(0),
        terminationGracePeriod: Duration.seconds(30),
        containers: [{
          name,
          image: imageRef,
          imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
          ports: [{ number: PORT, name: 'http' }],
          securityContext: { ensureNonRoot: true, user: UID, group: UID, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, privileged: false },
          readiness: probe(3, 5),
          liveness: probe(6, 10),
          startup: probe(30, 2),
          lifecycle: { preStop: kplus.Handler.fromCommand(['sleep', '5']) },
          volumeMounts: [{ path: '/tmp', volume: kplus.Volume.fromEmptyDir(scope, 'tmp', 'tmp', { sizeLimit: Size.mebibytes(64) }) }],
        }],
      });
      deployment.select(kplus.LabelSelector.of({ labels: selector }));
      deployment.containers[0].env.copyFrom(kplus.Env.fromConfigMap(configMap));
      // What cdk8s-plus-27 has no API for, patched in as prodpath does.
      const q = kplus.k8s.Quantity.fromString;
      ApiObject.of(deployment).addJsonPatch(
        JsonPatch.remove('/spec/template/metadata/labels/cdk8s.io~1metadata.addr'),
        JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }),
        JsonPatch.add('/spec/template/spec/containers/0/securityContext/capabilities', { drop: ['ALL'] }),
        JsonPatch.replace('/spec/template/spec/containers/0/resources', {
          requests: { 'cpu': q('100m'), 'ephemeral-storage': q('64Mi'), 'memory': q('128Mi') },
          limits: { 'ephemeral-storage': q('256Mi'), 'memory': q('256Mi') },
        }),
        ...['readinessProbe', 'livenessProbe', 'startupProbe'].map((p) =>
          JsonPatch.replace(`/spec/template/spec/containers/0/${p}/httpGet/port`, kplus.k8s.IntOrString.fromString('http'))),
        JsonPatch.add('/spec/revisionHistoryLimit', 5),
      );
      if (availability) {
        ApiObject.of(deployment).addJsonPatch(JsonPatch.add('/spec/template/spec/topologySpreadConstraints',
          ['kubernetes.io/hostname', 'topology.kubernetes.io/zone'].map((topologyKey) => ({
            labelSelector: { matchLabels: selector },
            matchLabelKeys: ['pod-template-hash'],
            maxSkew: 1,
            topologyKey,
            whenUnsatisfiable: 'ScheduleAnyway',
          }))));
      }

      const port = (p: number, protocol: string) => ({ port: kplus.k8s.IntOrString.fromNumber(p), protocol });
      new kplus.k8s.KubeNetworkPolicy(scope, 'network-policy', {
        metadata: { name, labels },
        spec: {
          podSelector: { matchLabels: selector },
          policyTypes: ['Ingress', 'Egress'],
          ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': INGRESS_NAMESPACE } } }], ports: [port(PORT, 'TCP')] }],
          egress: [{ ports: [port(53, 'UDP'), port(53, 'TCP')] }],
        },
      });
      if (availability) {
        new kplus.k8s.KubePodDisruptionBudget(scope, 'disruption-budget', {
          metadata: { name, labels },
          spec: { maxUnavailable: kplus.k8s.IntOrString.fromNumber(1), selector: { matchLabels: selector }, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
        });
      }

      const service = new kplus.Service(scope, 'service', {
        metadata: { name, labels },
        type: kplus.ServiceType.CLUSTER_IP,
        ports: [{ name: 'http', port: PORT, targetPort: PORT }],
      });
      for (const [k, v] of Object.entries(selector)) {
        service.selectLabel(k, v);
      }
      ApiObject.of(service).addJsonPatch(
        JsonPatch.replace('/spec/ports/0/targetPort', kplus.k8s.IntOrString.fromString('http')),
        JsonPatch.remove('/spec/externalIPs'),
      );

      const host = hostOf(name, env);
      new kplus.Ingress(scope, 'ingress', {
        metadata: { name, labels },
        rules: [{ host, path: '/', pathType: kplus.HttpIngressPathType.PREFIX, backend: kplus.IngressBackend.fromService(service, { port: PORT }) }],
        tls: [{ hosts: [host], secret: kplus.Secret.fromSecretName(scope, 'tls-secret', `${name}-tls`) }],
      });
    }
  }
  return app;
}

if (require.main === module) {
  runCase((args) => {
    buildPlusApp(intArg(args, 'n'), arg(args, 'outdir'), arg(args, 'image')).synth();
  });
}
