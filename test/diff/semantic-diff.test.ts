import { deepEqual, diffManifests, diffValues, ManifestObject, pairingKey } from '../../lib/diff/semantic-diff';

const obj = (kind: string, name: string, namespace: string | undefined, rest: Record<string, unknown> = {}): ManifestObject => ({
  object: { apiVersion: 'v1', kind, metadata: { name, ...(namespace ? { namespace } : {}) }, ...rest },
});

describe('diffManifests', () => {
  test('pairs objects by kind and name, whatever their namespace', () => {
    const d = diffManifests([obj('Service', 'api', 'shop-dev')], [obj('Service', 'api', 'shop')], { ignoreNamespace: true });
    expect(d).toEqual({ objects: [], unchanged: 1 });
  });

  test('reports the namespace change itself unless asked to ignore it', () => {
    const d = diffManifests([obj('Service', 'api', 'shop-dev')], [obj('Service', 'api', 'shop')]);
    expect(d.objects[0].changes).toEqual([{ pointer: '/metadata/namespace', op: 'changed', from: 'shop-dev', to: 'shop', derivedFrom: 'namespace' }]);
  });

  test('reports objects only in one set as added or removed', () => {
    const d = diffManifests([obj('Service', 'api', 'a'), obj('Service', 'old', 'a')], [obj('Service', 'api', 'a'), obj('PodDisruptionBudget', 'api', 'a')]);
    expect(d.objects.map((o) => [o.status, o.kind, o.fromName ?? o.toName])).toEqual([['added', 'PodDisruptionBudget', 'api'], ['removed', 'Service', 'old']]);
  });

  test('pairs a ConfigMap or Job across its content hash, and marks the references to it', () => {
    const from = [obj('ConfigMap', 'api-config-52018ad7ad', 'a', { data: { LOG_LEVEL: 'debug' } }),
      obj('Deployment', 'api', 'a', { spec: { template: { spec: { containers: [{ name: 'api', envFrom: [{ configMapRef: { name: 'api-config-52018ad7ad' } }] }] } } } })];
    const to = [obj('ConfigMap', 'api-config-673b9c5278', 'a', { data: { LOG_LEVEL: 'info' } }),
      obj('Deployment', 'api', 'a', { spec: { template: { spec: { containers: [{ name: 'api', envFrom: [{ configMapRef: { name: 'api-config-673b9c5278' } }] }] } } } })];
    const d = diffManifests(from, to);
    expect(d.objects.map((o) => [o.kind, o.fromName, o.toName, o.changes.map((c) => [c.pointer, c.from, c.to, c.derivedFrom])])).toEqual([
      ['ConfigMap', 'api-config-52018ad7ad', 'api-config-673b9c5278', [
        ['/data/LOG_LEVEL', 'debug', 'info', undefined],
        ['/metadata/name', 'api-config-52018ad7ad', 'api-config-673b9c5278', 'content-hashed-name'],
      ]],
      ['Deployment', 'api', 'api', [
        ['/spec/template/spec/containers/0/envFrom/0/configMapRef/name', 'api-config-52018ad7ad', 'api-config-673b9c5278', 'content-hashed-name'],
      ]],
    ]);
  });

  test('pairs the environment\'s Namespace whatever its name', () => {
    const ns = (name: string, env: string) => ({ object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name, annotations: { 'prodpath.dev/environment': env } } } });
    const d = diffManifests([ns('shop-dev', 'dev')], [ns('shop', 'prod')], { ignoreNamespace: true });
    expect(d.objects.map((o) => [o.status, o.changes.map((c) => c.pointer)])).toEqual([['changed', ['/metadata/annotations/prodpath.dev~1environment']]]);
  });

  test('never pairs objects of different sources (pipelines)', () => {
    const d = diffManifests([{ ...obj('Service', 'api', 'a'), source: 'shop.k8s.yaml' }], [{ ...obj('Service', 'api', 'a'), source: 'blog.k8s.yaml' }]);
    expect(d.objects.map((o) => [o.status, o.source])).toEqual([['added', 'blog.k8s.yaml'], ['removed', 'shop.k8s.yaml']]);
  });

  test('pairing keys leave out content hashes only for ConfigMaps and Jobs', () => {
    expect(pairingKey(obj('ConfigMap', 'api-config-52018ad7ad', 'a'))).toBe('|ConfigMap|api-config');
    expect(pairingKey(obj('Job', 'migrate-7e40cbfd4d', 'a'))).toBe('|Job|migrate');
    expect(pairingKey(obj('Deployment', 'cache-0123456789', 'a'))).toBe('|Deployment|cache-0123456789');
  });
});

describe('diffValues', () => {
  test('gives JSON pointers with escaped segments', () => {
    expect(diffValues({ metadata: { labels: { 'app.kubernetes.io/version': '1' } } }, { metadata: { labels: { 'app.kubernetes.io/version': '2' } } }))
      .toEqual([{ pointer: '/metadata/labels/app.kubernetes.io~1version', op: 'changed', from: '1', to: '2' }]);
  });

  test('changes a list of scalars (a command) as a whole', () => {
    expect(diffValues({ command: ['node', 'a.js'] }, { command: ['node', 'b.js', '--x'] }))
      .toEqual([{ pointer: '/command', op: 'changed', from: ['node', 'a.js'], to: ['node', 'b.js', '--x'] }]);
  });

  test('pairs named list items by name, so an inserted env var is one change', () => {
    const from = { env: [{ name: 'A', value: '1' }, { name: 'C', value: '3' }] };
    const to = { env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }, { name: 'C', value: '30' }] };
    expect(diffValues(from, to)).toEqual([
      { pointer: '/env/1', op: 'added', to: { name: 'B', value: '2' } },
      { pointer: '/env/2/value', op: 'changed', from: '3', to: '30' },
    ]);
  });

  test('reports named items that changed order (init containers run in order)', () => {
    const c = (name: string) => ({ name, image: 'x' });
    expect(diffValues({ initContainers: [c('a'), c('b')] }, { initContainers: [c('b'), c('a')] }))
      .toEqual([{ pointer: '/initContainers', op: 'changed', from: ['a', 'b'], to: ['b', 'a'] }]);
  });

  test('pairs unnamed list items by position', () => {
    expect(diffValues({ rules: [{ host: 'a' }] }, { rules: [{ host: 'b' }, { host: 'c' }] })).toEqual([
      { pointer: '/rules/0/host', op: 'changed', from: 'a', to: 'b' },
      { pointer: '/rules/1', op: 'added', to: { host: 'c' } },
    ]);
  });

  test('reports a removed field with its old value', () => {
    expect(diffValues({ spec: { replicas: 2 } }, { spec: {} })).toEqual([{ pointer: '/spec/replicas', op: 'removed', from: 2 }]);
  });
});

test('deepEqual ignores key order and undefined fields', () => {
  expect(deepEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1, d: undefined })).toBe(true);
  expect(deepEqual({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
});
