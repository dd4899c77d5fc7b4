import { ExternalImage, Policy, StatefulService, StatefulServiceProps } from '../../lib';
import { find } from '../support/synth';
import { ENVIRONMENTS, expectInvalid, podSpec, shop, valid } from './support';

const REDIS = ExternalImage.of('redis:7.2-bookworm', { user: { uid: 10999, gid: 10999 }, port: 6379 });

function build(props: Partial<StatefulServiceProps> = {}, environments = ENVIRONMENTS) {
  return shop((env) => {
    const cache = new StatefulService(env, 'cache', { image: REDIS, portName: 'redis', storage: { size: '1Gi', mountPath: '/data' }, ...props } as StatefulServiceProps);
    // One replica in production: allowed here with a written reason.
    Policy.exempt(cache, 'production-replicas', 'a cache that the tests run with one pod');
  }, environments);
}

describe('StatefulService', () => {
  test('renders a StatefulSet, a headless Service and a NetworkPolicy', () => {
    const kinds = valid(build().app, 'dev').map((d) => d.kind).sort();
    expect(kinds).toEqual(['Namespace', 'NetworkPolicy', 'Service', 'StatefulSet']);
  });

  test('gives each pod a volume from a volumeClaimTemplate, mounted where asked', () => {
    const sts = find(valid(build().app, 'dev'), 'StatefulSet');
    expect(sts.spec.volumeClaimTemplates).toEqual([{
      metadata: { labels: { 'app.kubernetes.io/instance': 'shop-cache', 'app.kubernetes.io/name': 'cache' }, name: 'data' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    }]);
    expect(podSpec(sts).containers[0].volumeMounts).toContainEqual({ mountPath: '/data', name: 'data' });
    // The pod's fsGroup owns the volume, so the non-root user can write it.
    expect(podSpec(sts).securityContext.fsGroup).toBe(10999);
  });

  test('takes the StorageClass from the props, else the environment', () => {
    const fromEnv = build({}, { ...ENVIRONMENTS, dev: { namespace: 'shop-dev', storageClassName: 'fast-ssd' } });
    expect(find(valid(fromEnv.app, 'dev'), 'StatefulSet').spec.volumeClaimTemplates[0].spec.storageClassName).toBe('fast-ssd');
    const fromProps = build({ storage: { size: '2Gi', mountPath: '/data', storageClassName: 'standard' } });
    expect(find(valid(fromProps.app, 'dev'), 'StatefulSet').spec.volumeClaimTemplates[0].spec.storageClassName).toBe('standard');
  });

  test('has stable network identities through a headless Service that selects on stable labels', () => {
    let cache: StatefulService | undefined;
    const { app } = shop((env) => {
      const c = new StatefulService(env, 'cache', { image: REDIS, storage: { size: '1Gi', mountPath: '/data' }, replicas: 3 });
      if (env.name === 'dev') {
        cache = c;
      }
    });
    const docs = valid(app, 'dev');
    const svc = find(docs, 'Service');
    expect(svc.spec.clusterIP).toBe('None');
    expect(svc.spec.selector).toEqual({ 'app.kubernetes.io/instance': 'shop-cache', 'app.kubernetes.io/name': 'cache' });
    expect(svc.spec.ports).toEqual([{ name: 'tcp', port: 6379, targetPort: 'tcp' }]);
    expect(find(docs, 'StatefulSet').spec.serviceName).toBe('cache');
    expect(cache!.podHost(0)).toBe('cache-0.cache.shop-dev.svc');
    expect(cache!.host).toBe('cache.shop-dev.svc');
  });

  test('probes the named port, or runs the readiness command', () => {
    const tcp = podSpec(find(valid(build().app, 'dev'), 'StatefulSet')).containers[0];
    expect(tcp.ports).toEqual([{ containerPort: 6379, name: 'redis' }]);
    for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
      expect(tcp[probe].tcpSocket).toEqual({ port: 'redis' });
    }
    const exec = podSpec(find(valid(build({ readinessCommand: ['redis-cli', 'ping'] }).app, 'dev'), 'StatefulSet')).containers[0];
    expect(exec.readinessProbe.exec).toEqual({ command: ['redis-cli', 'ping'] });
  });

  test('runs one pod by default, whatever the environment\'s replicas', () => {
    expect(find(valid(build().app, 'prod'), 'StatefulSet').spec.replicas).toBe(1);
  });

  test('in production has a disruption budget allowing one eviction, and spreads its pods', () => {
    const docs = valid(build().app, 'prod');
    expect(find(docs, 'PodDisruptionBudget').spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: { 'app.kubernetes.io/instance': 'shop-cache', 'app.kubernetes.io/name': 'cache' } },
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    });
    expect(podSpec(find(docs, 'StatefulSet')).topologySpreadConstraints.map((t: any) => t.topologyKey))
      .toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
    expect(valid(build().app, 'dev').some((d) => d.kind === 'PodDisruptionBudget')).toBe(false);
  });

  test('mounts writable folders as emptyDirs under the read-only root', () => {
    const spec = podSpec(find(valid(build({ writableDirs: [{ path: '/var/run/redis' }, { path: '/dev/shm', memory: true, sizeLimit: '128Mi' }] }).app, 'dev'), 'StatefulSet'));
    expect(spec.volumes).toEqual(expect.arrayContaining([
      { emptyDir: { sizeLimit: '64Mi' }, name: 'writable-0' },
      { emptyDir: { medium: 'Memory', sizeLimit: '128Mi' }, name: 'writable-1' },
    ]));
    expect(spec.containers[0].securityContext.readOnlyRootFilesystem).toBe(true);
  });

  test('runs the stop command before SIGTERM', () => {
    const c = podSpec(find(valid(build({ stopCommand: ['redis-cli', 'shutdown'] }).app, 'dev'), 'StatefulSet')).containers[0];
    expect(c.lifecycle).toEqual({ preStop: { exec: { command: ['redis-cli', 'shutdown'] } } });
  });
});

describe('bad StatefulService input', () => {
  const cases: [string, Partial<StatefulServiceProps>, RegExp][] = [
    ['fails when there is no storage', { storage: undefined }, /^shop\/dev\/cache: storage\.size \(missing\) is invalid: a stateful service keeps its data on a persistent volume, and the volume's size must be given/],
    ['fails when the storage has no size', { storage: { mountPath: '/data' } as any }, /storage\.size \(missing\) is invalid/],
    ['fails when the storage size is malformed', { storage: { size: '10GB', mountPath: '/data' } }, /storage\.size "10GB" is invalid: a volume size is a Kubernetes quantity of at least 1Mi/],
    ['fails when the storage size is tiny', { storage: { size: '100', mountPath: '/data' } }, /storage\.size "100" is invalid/],
    ['fails when the mount path is relative', { storage: { size: '1Gi', mountPath: 'data' } }, /storage\.mountPath "data" is invalid/],
    ['fails when the mount path is /tmp', { storage: { size: '1Gi', mountPath: '/tmp' } }, /storage\.mountPath "\/tmp" is invalid/],
    ['fails when the access mode is shared', { storage: { size: '1Gi', mountPath: '/data', accessMode: 'ReadWriteMany' as any } }, /storage\.accessMode "ReadWriteMany" is invalid/],
    ['fails when the port name is too long', { portName: 'a-very-long-port-name' }, /portName "a-very-long-port-name" is invalid: a port name must be an IANA service name/],
    ['fails when there is no port', { image: ExternalImage.of('redis:7', { user: { uid: 10999, gid: 10999 } }) }, /port \(missing\) is invalid: a port must be an integer/],
    ['fails when the stop command and a preStop delay are both set', { stopCommand: ['x'], drain: { preStopDelaySeconds: 5 } }, /stopCommand \["x"\] is invalid: a container has one preStop hook/],
    ['fails when a writable folder is /tmp', { writableDirs: [{ path: '/tmp' }] }, /writableDirs\[0\]\.path "\/tmp" is invalid/],
    ['fails when the disruption budget allows no eviction', { replicas: 2, disruptionBudget: { minAvailable: 2 } }, /disruptionBudget\.minAvailable 2 is invalid: a PodDisruptionBudget must allow at least one pod to be evicted/],
  ];
  test.each(cases)('%s', (_name, props, message) => {
    expectInvalid(() => build(props), message);
  });
});
