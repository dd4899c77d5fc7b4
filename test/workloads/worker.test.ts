import { Construct } from 'constructs';
import { ExternalImage, ImageRecipe, Pipeline, Worker, WorkerProps } from '../../lib';
import { find, testApp } from '../support/synth';
import { all, expectInvalid, podSpec, shop, SOURCE, valid } from './support';

function build(props: Partial<WorkerProps> = {}, opts: { wrap?: boolean } = {}) {
  return shop((env, image) => {
    const scope = opts.wrap ? new Construct(env, 'moved') : env;
    new Worker(scope, 'mailer', { image, command: ['node', 'mailer.js'], health: { exec: ['node', 'mailer.js', '--check'] }, ...props } as WorkerProps);
  });
}

describe('Worker', () => {
  test('renders a Deployment and a NetworkPolicy, and no Service', () => {
    const docs = valid(build().app, 'dev');
    expect(docs.map((d) => d.kind).sort()).toEqual(['Deployment', 'Namespace', 'NetworkPolicy']);
  });

  test('probes liveness, readiness and startup with the exec command', () => {
    const c = podSpec(find(valid(build().app, 'dev'), 'Deployment')).containers[0];
    for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
      expect(c[probe].exec).toEqual({ command: ['node', 'mailer.js', '--check'] });
    }
    expect(c.ports).toBeUndefined();
  });

  test('probes a TCP port by the name health, which the container declares', () => {
    const c = podSpec(find(valid(build({ health: { tcpPort: 9090 } }).app, 'dev'), 'Deployment')).containers[0];
    expect(c.ports).toEqual([{ containerPort: 9090, name: 'health' }]);
    for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
      expect(c[probe].tcpSocket).toEqual({ port: 'health' });
    }
  });

  test('runs the given command with the image\'s numeric user, hardened to "restricted"', () => {
    const { app, image } = build();
    const spec = podSpec(find(valid(app, 'prod'), 'Deployment'));
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: image.user.uid, runAsGroup: image.user.gid, seccompProfile: { type: 'RuntimeDefault' } });
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.containers[0].command).toEqual(['node', 'mailer.js']);
    expect(spec.containers[0].securityContext).toMatchObject({ capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
  });

  test('labels itself as a worker and selects on stable labels', () => {
    const dep = find(valid(build().app, 'dev'), 'Deployment');
    expect(dep.metadata.labels['app.kubernetes.io/component']).toBe('worker');
    expect(dep.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/instance': 'shop-mailer', 'app.kubernetes.io/name': 'mailer' });
  });

  test('has no preStop delay by default: it serves no traffic', () => {
    const c = podSpec(find(valid(build().app, 'dev'), 'Deployment')).containers[0];
    expect(c.lifecycle).toBeUndefined();
  });

  test('output does not depend on the construct path', () => {
    expect(build({}, { wrap: true }).app.render().get('prod/shop.k8s.yaml')).toBe(build().app.render().get('prod/shop.k8s.yaml'));
  });

  test('lets nothing in: its NetworkPolicy has no ingress rule', () => {
    const np = find(valid(build().app, 'dev'), 'NetworkPolicy');
    expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(np.spec.ingress).toBeUndefined();
  });

  test('runs an external image by tag with the numeric user it is given', () => {
    const { app } = shop((env) => {
      new Worker(env, 'relay', { image: ExternalImage.of('ghcr.io/acme/relay:1.4.2', { user: { uid: 20000, gid: 20001 } }), health: { tcpPort: 2525 } });
    });
    const docs = valid(app, 'dev');
    const spec = podSpec(find(docs, 'Deployment'));
    expect(spec.containers[0].image).toBe('ghcr.io/acme/relay:1.4.2');
    expect(spec.securityContext).toMatchObject({ runAsUser: 20000, runAsGroup: 20001, fsGroup: 20001 });
    expect(find(docs, 'Deployment').metadata.labels['app.kubernetes.io/version']).toBe('1.4.2');
  });
});

describe('bad Worker input', () => {
  const cases: [string, Partial<WorkerProps>, RegExp][] = [
    ['fails when health is missing', { health: undefined }, /^shop\/dev\/mailer: health \(missing\) is invalid: a worker has a liveness check/],
    ['fails when health has both exec and tcpPort', { health: { exec: ['true'], tcpPort: 1 } as any }, /health .* is invalid: a worker has a liveness check: either a command/],
    ['fails when the health command is empty', { health: { exec: [] } }, /health\.exec \[\] is invalid: a command is a non-empty list/],
    ['fails when the health port is 0', { health: { tcpPort: 0 } }, /health\.tcpPort 0 is invalid: a port must be an integer from 1 to 65535/],
    ['fails when the command has an empty string', { command: ['node', ''] }, /command \["node",""\] is invalid/],
    ['fails when the external image is latest', { image: ExternalImage.of('redis:latest', { user: { uid: 10001, gid: 10001 } }) }, /image "redis:latest" is invalid: an image is referenced by repository and an explicit tag other than "latest"/],
    ['fails when the external image has no tag', { image: ExternalImage.of('redis', { user: { uid: 10001, gid: 10001 } }) }, /image "redis" is invalid/],
    ['fails when the external image has a malformed digest', { image: ExternalImage.of('redis:7@sha256:abc', { user: { uid: 10001, gid: 10001 } }) }, /image "redis:7@sha256:abc" is invalid/],
    ['fails when the external image runs as a low uid', { image: ExternalImage.of('redis:7', { user: { uid: 999, gid: 999 } }) }, /image\.user\.uid 999 is invalid: an external image runs as a numeric non-root user and group of at least 10000/],
    ['fails when replicas are negative', { replicas: -2 }, /replicas -2 is invalid: must be an integer from 0/],
  ];
  test.each(cases)('%s', (_name, props, message) => {
    expectInvalid(() => build(props), message);
  });

  test('fails when the image belongs to another pipeline', () => {
    const app = testApp();
    const other = new Pipeline(app, 'other', { registry: 'ghcr.io/acme', environments: { dev: { namespace: 'other-dev' } } });
    const foreign = other.image('api', ImageRecipe.node({ source: SOURCE, start: ['node', 'server.js'] }));
    const pipeline = new Pipeline(app, 'shop', { registry: 'ghcr.io/acme', environments: { dev: { namespace: 'shop-dev' } } });
    expectInvalid(() => pipeline.define((env) => new Worker(env, 'w', { image: foreign, health: { tcpPort: 1 } })),
      /^shop\/dev\/w: image "api \(from other\)" is invalid: a workload runs an image that its own pipeline defines/);
  });

  test('every object of every environment passes the schema', () => {
    const { app } = build({ health: { tcpPort: 9000 } });
    for (const env of ['dev', 'staging', 'prod']) {
      expect(all(valid(app, env), 'Deployment')).toHaveLength(1);
    }
  });
});
