import { Construct } from 'constructs';
import { App, ImageRecipe, Pipeline, ValidationError, WebService, WebServiceProps } from '../lib';
import { find, manifests, nodeServiceFixture, testApp } from './support/synth';

const SOURCE = nodeServiceFixture();

function build(props: Partial<WebServiceProps> = {}, opts: { wrap?: boolean; app?: App; replicas?: number } = {}) {
  const app = opts.app ?? testApp();
  const pipeline = new Pipeline(app, 'shop', {
    registry: 'ghcr.io/acme',
    environments: { dev: { namespace: 'shop-dev', replicas: opts.replicas }, prod: { namespace: 'shop', replicas: 3 } },
  });
  const image = pipeline.image('api', ImageRecipe.node({ source: SOURCE, start: ['node', 'server.js'] }));
  pipeline.define((env) => {
    const scope = opts.wrap ? new Construct(new Construct(env, 'refactored'), 'nested') : env;
    new WebService(scope, 'api', { image, host: `api.${env.name}.example.com`, ...props });
  });
  return { app, image };
}

describe('WebService', () => {
  test('renders a Deployment, Service, Ingress, NetworkPolicy and, with config, a ConfigMap', () => {
    const { app } = build({ config: { LOG_LEVEL: 'debug' } });
    const kinds = manifests(app, 'dev').map((d) => d.kind).sort();
    expect(kinds).toEqual(['ConfigMap', 'Deployment', 'Ingress', 'Namespace', 'NetworkPolicy', 'Service']);
  });

  test('meets Pod Security Standards "restricted" with the image\'s numeric user', () => {
    const { app, image } = build();
    const spec = find(manifests(app, 'prod'), 'Deployment').spec.template.spec;
    expect(spec.securityContext).toMatchObject({
      runAsNonRoot: true, runAsUser: image.user.uid, runAsGroup: image.user.gid, seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(spec.automountServiceAccountToken).toBe(false);
    const c = spec.containers[0];
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, privileged: false, readOnlyRootFilesystem: true,
      runAsGroup: 10001, runAsNonRoot: true, runAsUser: 10001,
    });
    expect(spec.hostNetwork ?? false).toBe(false);
  });

  test('mounts an emptyDir at /tmp so the read-only root filesystem works', () => {
    const { app } = build();
    const spec = find(manifests(app, 'dev'), 'Deployment').spec.template.spec;
    const mount = spec.containers[0].volumeMounts.find((m: any) => m.mountPath === '/tmp');
    expect(spec.volumes.find((v: any) => v.name === mount.name).emptyDir).toBeDefined();
  });

  test('probes readiness and liveness on the named port the container declares', () => {
    const { app } = build({ health: { path: '/ready' } });
    const c = find(manifests(app, 'dev'), 'Deployment').spec.template.spec.containers[0];
    expect(c.ports).toEqual([{ containerPort: 8080, name: 'http' }]);
    for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
      expect(c[probe].httpGet).toEqual({ path: '/ready', port: 'http', scheme: 'HTTP' });
    }
  });

  test('sets requests and a memory limit by default, and exactly what is given otherwise', () => {
    const defaults = find(manifests(build().app, 'dev'), 'Deployment').spec.template.spec.containers[0].resources;
    expect(defaults).toEqual({
      limits: { 'ephemeral-storage': '256Mi', 'memory': '256Mi' },
      requests: { 'cpu': '100m', 'ephemeral-storage': '64Mi', 'memory': '128Mi' },
    });
    const given = find(manifests(build({ resources: { cpu: { request: '0.5', limit: '1' }, memory: { request: '1Gi', limit: '1Gi' } } }).app, 'dev'), 'Deployment')
      .spec.template.spec.containers[0].resources;
    expect(given.requests).toMatchObject({ cpu: '0.5', memory: '1Gi' });
    expect(given.limits).toMatchObject({ cpu: '1', memory: '1Gi' });
  });

  test('takes replicas from the workload, else the environment, else 1', () => {
    expect(find(manifests(build({}, { replicas: 2 }).app, 'dev'), 'Deployment').spec.replicas).toBe(2);
    expect(find(manifests(build({}).app, 'dev'), 'Deployment').spec.replicas).toBe(1);
    expect(find(manifests(build({}).app, 'prod'), 'Deployment').spec.replicas).toBe(3);
    expect(find(manifests(build({ replicas: 5 }).app, 'prod'), 'Deployment').spec.replicas).toBe(5);
  });

  test('carries the recommended labels, and selects pods on stable labels only', () => {
    const { app, image } = build();
    const docs = manifests(app, 'dev');
    const dep = find(docs, 'Deployment');
    expect(dep.metadata.labels).toEqual({
      'app.kubernetes.io/component': 'web',
      'app.kubernetes.io/instance': 'shop-api',
      'app.kubernetes.io/managed-by': 'prodpath',
      'app.kubernetes.io/name': 'api',
      'app.kubernetes.io/part-of': 'shop',
      'app.kubernetes.io/version': image.tag,
    });
    expect(dep.spec.template.metadata.labels).toEqual(dep.metadata.labels);
    const selector = { 'app.kubernetes.io/instance': 'shop-api', 'app.kubernetes.io/name': 'api' };
    expect(dep.spec.selector).toEqual({ matchLabels: selector });
    expect(find(docs, 'Service').spec.selector).toEqual(selector);
  });

  test('names do not depend on construct paths: moving the construct changes nothing', () => {
    const direct = build().app.render();
    const moved = build({}, { wrap: true }).app.render();
    expect(moved.get('dev/shop.k8s.yaml')).toBe(direct.get('dev/shop.k8s.yaml'));
    expect(moved.get('prod/shop.k8s.yaml')).toBe(direct.get('prod/shop.k8s.yaml'));
    expect(direct.get('dev/shop.k8s.yaml')).not.toMatch(/cdk8s\.io\/metadata\.addr/);
  });

  test('names and selectors are the same in every environment apart from the namespace', () => {
    const { app } = build({ config: { A: '1' } });
    // Production adds a PodDisruptionBudget; everything both environments have is named alike.
    const strip = (docs: any[]) => docs.filter((d) => d.kind !== 'Namespace' && d.kind !== 'ConfigMap' && d.kind !== 'PodDisruptionBudget')
      .map((d) => ({ kind: d.kind, name: d.metadata.name, selector: d.spec.selector }));
    expect(strip(manifests(app, 'prod'))).toEqual(strip(manifests(app, 'dev')));
  });

  test('names the ConfigMap by a hash of its content, so a config change rolls the pods', () => {
    const a = find(manifests(build({ config: { LOG_LEVEL: 'debug' } }).app, 'dev'), 'ConfigMap');
    const a2 = find(manifests(build({ config: { LOG_LEVEL: 'debug' } }).app, 'dev'), 'ConfigMap');
    const b = find(manifests(build({ config: { LOG_LEVEL: 'info' } }).app, 'dev'), 'ConfigMap');
    expect(a.metadata.name).toMatch(/^api-config-[0-9a-f]{10}$/);
    expect(a2.metadata.name).toBe(a.metadata.name);
    expect(b.metadata.name).not.toBe(a.metadata.name);
    expect(a.immutable).toBe(true);
    const dep = find(manifests(build({ config: { LOG_LEVEL: 'info' } }).app, 'dev'), 'Deployment');
    expect(dep.spec.template.spec.containers[0].envFrom).toEqual([{ configMapRef: { name: b.metadata.name } }]);
  });

  test('routes the host through an Ingress with TLS', () => {
    const ing = find(manifests(build().app, 'prod'), 'Ingress');
    expect(ing.spec.rules).toEqual([{ host: 'api.prod.example.com', http: { paths: [{ backend: { service: { name: 'api', port: { number: 8080 } } }, path: '/', pathType: 'Prefix' }] } }]);
    expect(ing.spec.tls).toEqual([{ hosts: ['api.prod.example.com'], secretName: 'api-tls' }]);
  });

  test('has no Ingress without a host', () => {
    const { app } = build({ host: undefined });
    expect(manifests(app, 'dev').some((d) => d.kind === 'Ingress')).toBe(false);
  });

  test('exposes the Service on the container port by name', () => {
    const svc = find(manifests(build().app, 'dev'), 'Service');
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 'http' }]);
    expect(svc.spec.externalIPs).toBeUndefined();
  });

  test('runs the image by its content tag', () => {
    const { app, image } = build();
    const c = find(manifests(app, 'dev'), 'Deployment').spec.template.spec.containers[0];
    expect(c.image).toBe(`ghcr.io/acme/api:${image.tag}`);
    expect(c.image).not.toMatch(/:latest$/);
  });
});

describe('bad WebService input', () => {
  const cases: [string, Partial<WebServiceProps>, RegExp][] = [
    ['fails when the port is 0', { port: 0 }, /^shop\/dev\/api: port 0 is invalid: a port must be an integer from 1 to 65535/],
    ['fails when the port is above 65535', { port: 65536 }, /port 65536 is invalid/],
    ['fails when the port differs from the image\'s', { port: 9090 }, /port 9090 is invalid: the image "api" listens on port 8080/],
    ['fails when the name is not a DNS-1035 label', { name: '1api' }, /name "1api" is invalid: must be a DNS-1035 label/],
    ['fails when the name has uppercase letters', { name: 'Api' }, /name "Api" is invalid/],
    ['fails when the name is longer than 63 characters', { name: `a${'b'.repeat(63)}` }, /the object and container name would be "ab+", 64 characters, over Kubernetes' limit of 63; here a WebService name may have at most 58 characters/],
    ['fails when the host is an IP address', { host: '10.0.0.1' }, /host "10\.0\.0\.1" is invalid: an Ingress host must be a DNS name, not an IP address/],
    ['fails when the host has no dot', { host: 'localhost' }, /host "localhost" is invalid: an Ingress host must be a fully qualified name/],
    ['fails when the host has an invalid character', { host: 'api_.example.com' }, /host "api_\.example\.com" is invalid: must be a DNS-1123 subdomain/],
    ['fails when the path does not start with /', { path: 'api' }, /path "api" is invalid: an HTTP path must start with '\/'/],
    ['fails when the path has //', { path: '/api//v1' }, /path "\/api\/\/v1" is invalid/],
    ['fails when the path has ..', { path: '/api/../admin' }, /path "\/api\/\.\.\/admin" is invalid/],
    ['fails when the health path is relative', { health: { path: 'healthz' } }, /health\.path "healthz" is invalid/],
    ['fails when replicas are negative', { replicas: -1 }, /replicas -1 is invalid: must be an integer from 0/],
    ['fails when a memory quantity is malformed', { resources: { memory: { request: '512MB' } } }, /resources\.memory\.request "512MB" is invalid: must be a positive Kubernetes quantity/],
    ['fails when a CPU quantity is malformed', { resources: { cpu: { request: '1.5.0' } } }, /resources\.cpu\.request "1\.5\.0" is invalid/],
    ['fails when a quantity is zero', { resources: { cpu: { request: '0' } } }, /resources\.cpu\.request "0" is invalid/],
    ['fails when a request is above its limit', { resources: { memory: { request: '1Gi', limit: '512Mi' } } }, /resources\.memory .* is invalid: a request may not be above its limit/],
    ['fails when a config key is not an env var name', { config: { 'log-level': 'x' } }, /config key "log-level" is invalid: an environment variable name/],
    ['fails when a config value is not a string', { config: { WORKERS: 4 as unknown as string } }, /config\.WORKERS 4 is invalid: config values are strings/],
    ['fails when tls is set without a host', { host: undefined, tls: false }, /tls false is invalid: path and tls configure the Ingress/],
    ['fails when the command is empty', { command: [] }, /command \[\] is invalid/],
    ['fails when the TLS secret name is invalid', { tls: { secretName: 'Bad_Secret' } }, /tls\.secretName "Bad_Secret" is invalid/],
  ];
  test.each(cases)('%s', (_name, props, message) => {
    expect(() => build(props)).toThrow(ValidationError);
    expect(() => build(props)).toThrow(message);
  });

  test('fails when two services would render objects of the same name in one namespace', () => {
    const app = testApp();
    const pipeline = new Pipeline(app, 'shop', { registry: 'ghcr.io/acme', environments: { dev: { namespace: 'shop-dev' } } });
    const image = pipeline.image('api', ImageRecipe.node({ source: SOURCE, start: ['node', 'server.js'] }));
    pipeline.define((env) => {
      new WebService(env, 'api', { image });
      new WebService(env, 'api2', { image, name: 'api' });
    });
    expect(() => app.render()).toThrow(/^shop\/dev\/api2\/deployment: name "Deployment shop-dev\/api" is invalid: shop\/dev\/api\/deployment already renders an object of that kind and name/);
  });
});
