import { checkManifests, ManifestInput, MANIFEST_RULES } from '../../lib/policy/manifest-rules';
import { EXEMPTION_PREFIX, formatFinding } from '../../lib/policy/rules';

const labels = {
  'app.kubernetes.io/component': 'web',
  'app.kubernetes.io/instance': 'shop-api',
  'app.kubernetes.io/managed-by': 'prodpath',
  'app.kubernetes.io/name': 'api',
  'app.kubernetes.io/part-of': 'shop',
  'app.kubernetes.io/version': 'abc123',
};
const selector = { 'app.kubernetes.io/instance': 'shop-api', 'app.kubernetes.io/name': 'api' };

/** A production-ready set of objects: every rule passes. Tests break one thing each. */
function compliant(): any[] {
  return [
    {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'shop', labels },
      spec: {
        replicas: 3,
        selector: { matchLabels: { ...selector } },
        template: {
          metadata: { labels: { ...labels } },
          spec: {
            automountServiceAccountToken: false,
            securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
            topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { ...selector } } }],
            containers: [{
              name: 'api', image: 'ghcr.io/acme/api:abc123',
              ports: [{ containerPort: 8080, name: 'http' }],
              env: [{ name: 'LOG_LEVEL', value: 'info' }],
              readinessProbe: { httpGet: { path: '/healthz', port: 'http' } },
              livenessProbe: { httpGet: { path: '/healthz', port: 'http' } },
              resources: { requests: { 'cpu': '100m', 'memory': '128Mi', 'ephemeral-storage': '64Mi' }, limits: { memory: '256Mi' } },
              securityContext: { allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, capabilities: { drop: ['ALL'] } },
              volumeMounts: [{ mountPath: '/tmp', name: 'tmp' }],
            }],
            volumes: [{ name: 'tmp', emptyDir: {} }],
          },
        },
      },
    },
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'api', namespace: 'shop', labels }, spec: { maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow', selector: { matchLabels: { ...selector } } } },
    { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'api', namespace: 'shop', labels }, spec: { podSelector: { matchLabels: { ...selector } }, policyTypes: ['Ingress', 'Egress'] } },
    { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'api', namespace: 'shop', labels }, spec: { rules: [{ host: 'api.shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'api', port: { number: 8080 } } } }] } }], tls: [{ hosts: ['api.shop.example.com'], secretName: 'api-tls' }] } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'api-config-0123456789', namespace: 'shop', labels }, data: { A: '1' }, immutable: true },
  ];
}

const dep = (objs: any[]) => objs[0];
const pod = (objs: any[]) => objs[0].spec.template.spec;
const ctr = (objs: any[]) => objs[0].spec.template.spec.containers[0];

function check(objs: any[], production = true) {
  return checkManifests(objs.map((object, i): ManifestInput => ({ object, constructPath: `shop/prod/obj${i}` })), { production });
}

test('a production-ready set of objects passes every rule', () => {
  expect(check(compliant()).map(formatFinding)).toEqual([]);
});

const R = MANIFEST_RULES;
const breaks: [string, string, (o: any[]) => void, RegExp][] = [
  ['an unknown field', R.schema.id, (o) => { dep(o).spec.replica = 3; }, /unknown field "replica"/],
  ['a wrong type', R.schema.id, (o) => { dep(o).spec.replicas = '3'; }, /must be an integer/],
  ['a malformed quantity', R.schema.id, (o) => { ctr(o).resources.limits.memory = '512MB'; }, /Kubernetes quantity/],
  ['a removed apiVersion', R.apiServed.id, (o) => { o[1].apiVersion = 'policy/v1beta1'; }, /policy\/v1beta1 PodDisruptionBudget is not served: Kubernetes 1\.25 removed it/],
  ['runAsNonRoot unset', R.runAsNonRoot.id, (o) => { delete pod(o).securityContext.runAsNonRoot; delete ctr(o).securityContext.runAsNonRoot; }, /container api may run as root/],
  ['runAsUser 0', R.runAsNonRoot.id, (o) => { ctr(o).securityContext.runAsUser = 0; }, /runAsUser 0/],
  ['a low uid', R.highUid.id, (o) => { ctr(o).securityContext.runAsUser = 1000; pod(o).securityContext.runAsUser = 1000; }, /runs as user 1000/],
  ['no runAsGroup', R.highUid.id, (o) => { delete ctr(o).securityContext.runAsGroup; delete pod(o).securityContext.runAsGroup; }, /group "\(unset\)"/],
  ['privilege escalation allowed', R.privilegeEscalation.id, (o) => { ctr(o).securityContext.allowPrivilegeEscalation = true; }, /allowPrivilegeEscalation true/],
  ['privileged', R.privileged.id, (o) => { ctr(o).securityContext.privileged = true; }, /container api is privileged/],
  ['capabilities not dropped', R.capabilities.id, (o) => { delete ctr(o).securityContext.capabilities; }, /drops \[\]/],
  ['SYS_ADMIN added', R.capabilities.id, (o) => { ctr(o).securityContext.capabilities.add = ['SYS_ADMIN']; }, /adds \["SYS_ADMIN"\]/],
  ['seccomp unset', R.seccomp.id, (o) => { delete pod(o).securityContext.seccompProfile; }, /seccomp profile "\(unset\)"/],
  ['seccomp Unconfined', R.seccomp.id, (o) => { pod(o).securityContext.seccompProfile.type = 'Unconfined'; }, /seccomp profile "Unconfined"/],
  ['a writable root filesystem', R.readOnlyRoot.id, (o) => { ctr(o).securityContext.readOnlyRootFilesystem = false; }, /writable root filesystem/],
  ['hostNetwork', R.hostAccess.id, (o) => { pod(o).hostNetwork = true; }, /hostNetwork is true/],
  ['hostPID', R.hostAccess.id, (o) => { pod(o).hostPID = true; }, /hostPID is true/],
  ['a hostPath volume', R.hostAccess.id, (o) => { pod(o).volumes.push({ name: 'docker', hostPath: { path: '/var/run/docker.sock' } }); }, /volume docker is a hostPath/],
  ['a host port', R.hostAccess.id, (o) => { ctr(o).ports[0].hostPort = 80; }, /binds host port 80/],
  ['an nfs volume', R.volumeTypes.id, (o) => { pod(o).volumes.push({ name: 'share', nfs: { server: 'nfs.local', path: '/x' } }); }, /volume share is of type nfs/],
  ['the latest tag', R.imageTag.id, (o) => { ctr(o).image = 'ghcr.io/acme/api:latest'; }, /runs image "ghcr\.io\/acme\/api:latest"/],
  ['no tag', R.imageTag.id, (o) => { ctr(o).image = 'ghcr.io/acme/api'; }, /runs image "ghcr\.io\/acme\/api"/],
  ['a registry port but no tag', R.imageTag.id, (o) => { ctr(o).image = 'registry:5000/api'; }, /runs image "registry:5000\/api"/],
  ['a malformed digest', R.imageTag.id, (o) => { ctr(o).image = 'ghcr.io/acme/api:1@sha256:abc'; }, /sha256:abc/],
  ['no memory limit', R.resources.id, (o) => { delete ctr(o).resources.limits; }, /sets no limits\.memory/],
  ['no requests', R.resources.id, (o) => { delete ctr(o).resources.requests; }, /sets no requests\.cpu, requests\.memory, requests\.ephemeral-storage/],
  ['no liveness probe', R.probes.id, (o) => { delete ctr(o).livenessProbe; }, /has no livenessProbe/],
  ['a probe on a port number', R.probePort.id, (o) => { ctr(o).readinessProbe.httpGet.port = 8080; }, /readinessProbe targets port 8080/],
  ['a probe on an undeclared port name', R.probePort.id, (o) => { ctr(o).livenessProbe.httpGet.port = 'metrics'; }, /targets port "metrics"/],
  ['a missing recommended label', R.labels.id, (o) => { delete dep(o).spec.template.metadata.labels['app.kubernetes.io/version']; }, /lacks app\.kubernetes\.io\/version/],
  ['the service-account token mounted', R.serviceAccountToken.id, (o) => { delete pod(o).automountServiceAccountToken; }, /automountServiceAccountToken is "\(unset: true\)"/],
  ['a Secret with data', R.secretData.id, (o) => { o.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'shop' }, data: { password: 'aHVudGVyMg==' } }); }, /Secret db carries values \(password\)/],
  ['a literal secret env value', R.plaintextSecrets.id, (o) => { ctr(o).env.push({ name: 'DB_PASSWORD', value: 'hunter2' }); }, /env DB_PASSWORD holds a secret in plain text \(secret-name: .*value \*\*\* \(7 characters, hidden\)\)$/],
  ['a selector that misses the template', R.selector.id, (o) => { dep(o).spec.selector.matchLabels['app.kubernetes.io/name'] = 'web'; }, /does not select the pod template's labels/],
  ['a ConfigMap not named by hash', R.configMapHash.id, (o) => { o[4].metadata.name = 'api-config'; }, /ConfigMap api-config is not immutable and named by its content hash/],
  ['a mutable ConfigMap', R.configMapHash.id, (o) => { delete o[4].immutable; }, /not immutable/],
  ['one replica in production', R.replicas.id, (o) => { dep(o).spec.replicas = 1; }, /runs 1 replica\(s\)/],
  ['replicas beside an autoscaler', R.replicas.id, (o) => { o.push({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'api', namespace: 'shop' }, spec: { minReplicas: 2, maxReplicas: 5, scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' } } }); }, /sets replicas 3 although HorizontalPodAutoscaler api scales it/],
  ['no disruption budget', R.disruptionBudget.id, (o) => { o.splice(1, 1); }, /no PodDisruptionBudget selects the pods/],
  ['a disruption budget that allows no eviction', R.disruptionBudget.id, (o) => { o[1].spec = { minAvailable: 3, unhealthyPodEvictionPolicy: 'AlwaysAllow', selector: { matchLabels: { ...selector } } }; }, /allows no eviction at 3 replicas/],
  ['a disruption budget of 0%', R.disruptionBudget.id, (o) => { o[1].spec.maxUnavailable = '0%'; }, /allows no eviction/],
  ['no unhealthyPodEvictionPolicy', R.disruptionBudget.id, (o) => { delete o[1].spec.unhealthyPodEvictionPolicy; }, /lacks unhealthyPodEvictionPolicy/],
  ['no topology spread', R.spread.id, (o) => { delete pod(o).topologySpreadConstraints; }, /3 replicas of Deployment api may all land on one node/],
  ['no network policy', R.networkPolicy.id, (o) => { o.splice(2, 1); }, /no NetworkPolicy selects the pods of Deployment api/],
  ['an Ingress host without TLS', R.ingressTls.id, (o) => { delete o[3].spec.tls; }, /host "api\.shop\.example\.com" is served without TLS/],
  ['an exemption without a reason', R.schema.id, (o) => { dep(o).metadata.annotations = { [`${EXEMPTION_PREFIX}probes`]: '' }; }, /has no written reason/],
];

describe('each rule catches its break', () => {
  test.each(breaks)('fails on %s [%s]', (_what, ruleId, mutate, message) => {
    const objs = compliant();
    mutate(objs);
    const findings = check(objs).filter((f) => f.severity === 'error');
    expect(findings.map((f) => f.rule.id)).toContain(ruleId);
    const finding = findings.find((f) => f.rule.id === ruleId)!;
    expect(finding.message).toMatch(message);
    expect(finding.constructPath).toMatch(/^shop\/prod\/obj\d$/);
    expect(finding.fix.length).toBeGreaterThan(10);
  });
});

describe('environments and exemptions', () => {
  test('production rules do not apply outside production', () => {
    const objs = compliant();
    dep(objs).spec.replicas = 1;
    objs.splice(1, 2);
    expect(check(objs, false)).toEqual([]);
  });

  test('a multi-replica workload without spread is a warning outside production', () => {
    const objs = compliant();
    delete pod(objs).topologySpreadConstraints;
    const findings = check(objs, false);
    expect(findings.map((f) => [f.rule.id, f.severity])).toEqual([[R.spread.id, 'warning']]);
  });

  test('an exemption annotation with a reason switches one rule off for that object', () => {
    const objs = compliant();
    ctr(objs).securityContext.readOnlyRootFilesystem = false;
    dep(objs).metadata.annotations = { [`${EXEMPTION_PREFIX}${R.readOnlyRoot.id}`]: 'legacy cache in /app/cache until ticket 42' };
    expect(check(objs)).toEqual([]);
  });

  test('schema validity cannot be exempted', () => {
    const objs = compliant();
    dep(objs).spec.replica = 3;
    dep(objs).metadata.annotations = { [`${EXEMPTION_PREFIX}${R.schema.id}`]: 'I know better than the API server' };
    expect(check(objs).map((f) => f.rule.id)).toEqual([R.schema.id]);
  });

  test('an autoscaler with minReplicas >= 2 satisfies production replicas when replicas is left out', () => {
    const objs = compliant();
    delete dep(objs).spec.replicas;
    objs.push({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'api', namespace: 'shop' }, spec: { minReplicas: 2, maxReplicas: 5, scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' } } });
    expect(check(objs).map(formatFinding)).toEqual([]);
  });

  test('custom resources prodpath does not emit pass through unchecked', () => {
    const objs = compliant();
    objs.push({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'db', namespace: 'shop' }, spec: { anything: true } });
    expect(check(objs)).toEqual([]);
  });

  test('fails when a custom resource prodpath emits has a field its CRD does not have', () => {
    const objs = compliant();
    objs.push({ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'db', namespace: 'shop' }, spec: { anything: true } });
    expect(check(objs).map((f) => [f.rule.id, f.where, f.message])).toEqual([
      ['schema-valid', '/spec/anything', expect.stringMatching(/^unknown field "anything" \(allowed: data, dataFrom, .*\) \(ExternalSecret CRD external-secrets\.io\/v1\)$/)],
    ]);
  });
});

test('names that carry an address or a file path are not taken for secrets', () => {
  const objs = compliant();
  ctr(objs).env.push({ name: 'TOKEN_SERVICE_HOST', value: 'token-service.shop.svc' }, { name: 'TOKEN_SERVICE_PORT', value: '8080' }, { name: 'DB_PASSWORD_FILE', value: '/run/secrets/db' });
  expect(check(objs)).toEqual([]);
});
