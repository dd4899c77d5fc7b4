/**
 * Names derived from a workload name stay within Kubernetes' limits: the constructor refuses
 * a name whose derived names would not fit, naming the limit and the longest name that fits;
 * and the manifest rule `within-cluster-limits` (synth and `prodpath check`) catches the rest.
 */
import { CronTask, ExternalImage, Pipeline, StatefulService, WebService } from '../../lib';
import { limitViolations } from '../../lib/policy/name-limits';
import { nodeServiceFixture, testApp } from '../support/synth';
import { ImageRecipe } from '../../lib';

const SOURCE = nodeServiceFixture();

function webService(pipelineName: string, name: string): void {
  const app = testApp();
  const pipeline = new Pipeline(app, pipelineName, { registry: 'ghcr.io/acme', environments: { dev: { namespace: 'shop-dev' } } });
  const image = pipeline.image('api', ImageRecipe.node({ source: SOURCE, start: ['node', 'server.js'] }));
  pipeline.define((env) => new WebService(env, 'api', { name, image }));
}

test('fails when a 60-character WebService name would make a 65-character instance label', () => {
  expect(() => webService('shop', `a${'b'.repeat(59)}`)).toThrow(
    /name "ab+" is invalid: the label app.kubernetes.io\/instance \(<pipeline>-<name>\) would be "shop-ab+", 65 characters, over Kubernetes' limit of 63; here a WebService name may have at most 58 characters. Fix: use a name of at most 58 characters, such as "ab{57}"\./,
  );
});

test('accepts the longest WebService name that fits the pipeline name', () => {
  expect(() => webService('shop', `a${'b'.repeat(57)}`)).not.toThrow();
});

test('fails when the pipeline name leaves room for no workload name, and says to shorten it', () => {
  expect(() => webService(`p${'q'.repeat(61)}`, 'a')).toThrow(/at most 0 characters\. Fix: shorten the pipeline name\./);
});

test('fails when a StatefulService name is over 52 characters (controller-revision-hash label)', () => {
  const app = testApp();
  const pipeline = new Pipeline(app, 's', { registry: 'ghcr.io/acme', environments: { dev: { namespace: 'shop-dev' } } });
  expect(() => pipeline.define((env) => new StatefulService(env, 'cache', {
    name: `c${'x'.repeat(52)}`,
    image: ExternalImage.of('redis:7.2-bookworm', { user: { uid: 10999, gid: 10999 }, port: 6379 }),
    storage: { size: '1Gi', mountPath: '/data' },
  }))).toThrow(/label controller-revision-hash .* over Kubernetes' limit of 63; here a StatefulService name may have at most 52 characters/);
});

test('fails when a CronTask name is over 52 characters, with a short pipeline name too', () => {
  const app = testApp();
  const pipeline = new Pipeline(app, 's', { registry: 'ghcr.io/acme', environments: { dev: { namespace: 'shop-dev' } } });
  const image = pipeline.image('api', ImageRecipe.node({ source: SOURCE, start: ['node', 'server.js'] }));
  expect(() => pipeline.define((env) => new CronTask(env, 'c', { name: `c${'x'.repeat(52)}`, image, schedule: '@daily' })))
    .toThrow(/at most 52 characters/);
});

describe('the manifest rule on written objects', () => {
  const base = { apiVersion: 'apps/v1', metadata: { labels: { 'app.kubernetes.io/name': 'api' } } };
  test.each([
    ['fails when a label value has 64 characters', { ...base, kind: 'Deployment', metadata: { name: 'api', labels: { 'app.kubernetes.io/instance': 'x'.repeat(64) } } }, '/metadata/labels/app.kubernetes.io~1instance', /label app.kubernetes.io\/instance has the value "x{64}" \(64 characters\)/],
    ['fails when a CronJob name has 53 characters', { ...base, apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c'.repeat(53) } }, '/metadata/name', /\(53 characters\) breaks the rule: a CronJob name is at most 52 characters/],
    ['fails when a StatefulSet name has 53 characters', { ...base, kind: 'StatefulSet', metadata: { name: 's'.repeat(53) } }, '/metadata/name', /StatefulSet name is at most 52/],
    ['fails when a Service name has 64 characters', { ...base, apiVersion: 'v1', kind: 'Service', metadata: { name: 's'.repeat(64) } }, '/metadata/name', /Service name is a DNS-1035 label/],
    ['fails when a Service name starts with a digit', { ...base, apiVersion: 'v1', kind: 'Service', metadata: { name: '1api' } }, '/metadata/name', /DNS-1035/],
    ['fails when a container port name has 16 characters', { ...base, kind: 'Deployment', metadata: { name: 'api' }, spec: { template: { spec: { containers: [{ name: 'api', ports: [{ name: 'p'.repeat(16) }] }] } } } }, '/spec/template/spec/containers/0/ports/0/name', /port name is an IANA service name \(at most 15 characters\)/],
    ['fails when a container name has 64 characters', { ...base, kind: 'Deployment', metadata: { name: 'api' }, spec: { template: { spec: { containers: [{ name: 'c'.repeat(64) }] } } } }, '/spec/template/spec/containers/0/name', /container name is a DNS-1123 label/],
    ['fails when a volume name has 64 characters', { ...base, kind: 'Deployment', metadata: { name: 'api' }, spec: { template: { spec: { containers: [{ name: 'api' }], volumes: [{ name: 'v'.repeat(64), emptyDir: {} }] } } } }, '/spec/template/spec/volumes/0/name', /volume name is a DNS-1123 label/],
    ['fails when a pod template label value has 64 characters', { ...base, kind: 'Deployment', metadata: { name: 'api' }, spec: { template: { metadata: { labels: { a: 'v'.repeat(64) } }, spec: { containers: [{ name: 'api' }] } } } }, '/spec/template/metadata/labels/a', /over the limit of 63/],
    ['fails when a selector value has 64 characters', { ...base, kind: 'Deployment', metadata: { name: 'api' }, spec: { selector: { matchLabels: { a: 'v'.repeat(64) } } } }, '/spec/selector/matchLabels/a', /over the limit of 63/],
    ['fails when a ConfigMap is over 1 MiB', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data: { A: 'x'.repeat(1024 * 1024) } }, '', /over the 1 MiB \(1048576 bytes\)/],
  ])('%s', (_title, obj, where, message) => {
    const found = limitViolations(obj);
    expect(found).toEqual([expect.objectContaining({ where, message: expect.stringMatching(message), fix: expect.any(String) })]);
  });

  test.each([
    ['a lone high surrogate in a value', { metadata: { name: 'api', annotations: { note: 'x\uD800' } } }, '/metadata/annotations/note'],
    ['a lone low surrogate in a key with a slash', { metadata: { name: 'api', annotations: { 'a/\uDC00': 'x' } } }, '/metadata/annotations/a~1\uDC00'],
    ['a lone surrogate in an array item, next to a whole pair', { metadata: { name: 'api' }, data: { list: ['\u{1F600}', '\uD83D\uD83D'] } }, '/data/list/1'],
  ])('reports %s at its pointer', (_title, obj, where) => {
    expect(limitViolations({ apiVersion: 'v1', kind: 'ConfigMap', ...obj })).toEqual([expect.objectContaining({ where, message: expect.stringMatching(/lone UTF-16 surrogate/) })]);
  });

  test('does not take a written backslash-u escape or a whole surrogate pair for a lone surrogate', () => {
    expect(limitViolations({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'api' }, data: { A: '\\ud800 and \\uDC00', B: '\u{1F600}' } })).toEqual([]);
  });

  test('counts UTF-8 bytes, not characters, against 1 MiB', () => {
    // 400,000 three-byte characters: 1.2 MB of UTF-8 in fewer than 1 Mi characters.
    const found = limitViolations({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data: { A: '\u20AC'.repeat(400_000) } });
    expect(found).toEqual([expect.objectContaining({ where: '', message: expect.stringMatching(/the object is 12000\d\d bytes/) })]);
    expect(limitViolations({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data: { A: '\u20AC'.repeat(340_000) } })).toEqual([]);
  });

  test('passes a valid object', () => {
    expect(limitViolations({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', labels: { 'app.kubernetes.io/name': 'api' } }, spec: { selector: { a: 'b' }, ports: [{ name: 'http', port: 80 }] } })).toEqual([]);
  });
});
