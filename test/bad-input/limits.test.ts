/**
 * Bad input, names and cluster limits: each case is refused (a ValidationError from the
 * constructor, or a policy finding before anything is written), names the construct path, the
 * field, the rule and the fix, and leaves the previous dist/ byte-identical.
 */
import { CronTask, Environment, ExternalImage, Image, MigrationJob, Postgres, SecretRef, StatefulService, WebService, Worker } from '../../lib';
import { Expected, expectRefusal, snapshot, SynthCase, synthCase } from './support';

const REDIS = ExternalImage.of('redis:7.2-bookworm', { user: { uid: 10999, gid: 10999 }, port: 6379 });
const password = SecretRef.fromSecretName('db', 'password');

type Make = (env: Environment, image: Image, name: string) => void;
const KINDS: Record<string, { make: Make; own: number }> = {
  WebService: { make: (env, image, name) => new WebService(env, 'w', { name, image }), own: 63 },
  Worker: { make: (env, image, name) => new Worker(env, 'w', { name, image, health: { exec: ['true'] } }), own: 63 },
  StatefulService: { make: (env, _i, name) => new StatefulService(env, 'w', { name, image: REDIS, storage: { size: '1Gi', mountPath: '/data' } }), own: 52 },
  Postgres: { make: (env, _i, name) => new Postgres(env, 'w', { name, storage: '1Gi', password }), own: 52 },
  CronTask: { make: (env, image, name) => new CronTask(env, 'w', { name, image, schedule: '@daily' }), own: 52 },
  MigrationJob: { make: (env, image, name) => new MigrationJob(env, 'w', { name, image, command: ['m'], waitCommand: ['w'] }), own: 52 },
};

const cases: [string, string, SynthCase, Expected][] = [];

// names: for each kind and pipeline name, one character over the longest name that fits.
for (const [kind, { make, own }] of Object.entries(KINDS)) {
  for (const pipelineName of ['shop', 'webshop-platform', 'p'.repeat(20)]) {
    const fits = Math.min(own, 62 - pipelineName.length);
    const name = `n${'x'.repeat(fits)}`;
    cases.push(['names', `fails when a ${kind} name of ${name.length} characters exceeds ${fits} in pipeline "${pipelineName}"`, {
      pipelineName,
      define: (env, image) => make(env, image, name),
    }, {
      path: `${pipelineName}/dev/w`,
      field: 'name',
      rule: new RegExp(`over Kubernetes' limit of 63; here a ${kind} name may have at most ${fits} characters`),
      fix: new RegExp(`^use a name of at most ${fits} characters, such as "nx{${fits - 1}}"$`),
    }]);
  }
  cases.push(['names', `fails when the pipeline name leaves no room for a ${kind} name`, {
    pipelineName: `p${'q'.repeat(61)}`,
    define: (env, image) => make(env, image, 'a'),
  }, { path: /^pq+\/dev\/w$/, field: 'name', rule: /at most 0 characters/, fix: /^shorten the pipeline name$/ }]);
  for (const bad of ['Api', '1api', 'api-', 'a_b', 'a.b', 'a b']) {
    cases.push(['names', `fails when a ${kind} name is ${JSON.stringify(bad)}`, { define: (env, image) => make(env, image, bad) },
      { path: 'shop/dev/w', field: 'name', rule: /must be a DNS-1035 label/, fix: /use a name such as/ }]);
  }
}

// limits: what else a cluster refuses.
const img = (define: (env: Environment, image: Image) => void): SynthCase => ({ define });
for (const ns of ['kube-system', 'kube-public', 'kube-node-lease', 'default']) {
  cases.push(['limits', `fails when an environment deploys into namespace ${ns}`, {
    environments: { dev: { namespace: ns } },
    define: () => undefined,
  }, { path: 'shop', field: 'environments.dev.namespace', rule: /belongs to the cluster .* relabel it/, fix: /^give the environment its own namespace, such as "shop-dev"$/ }]);
}
for (const tz of ['Mars/Olympus', 'europe/paris', 'UTC+2', 'Europe/Atlantis', '']) {
  cases.push(['limits', `fails when the time zone is ${JSON.stringify(tz)}`, img((env, image) => new CronTask(env, 'c', { image, schedule: '@daily', timeZone: tz })),
    { path: 'shop/dev/c', field: 'timeZone', rule: /a name of the IANA tz database/, fix: /Etc\/UTC/ }]);
}
for (const [title, value] of [['a lone high surrogate', 'x\uD800'], ['a lone low surrogate', '\uDC00y'], ['two high surrogates', '\uD83D\uD83D']] as const) {
  cases.push(['limits', `fails when a config value holds ${title}`, img((env, image) => new WebService(env, 'api', { image, config: { A: value } })),
    { path: 'shop/dev/api', field: 'config.A', rule: /lone UTF-16 surrogate/, fix: /both halves/ }]);
}
cases.push(['limits', 'fails when a command argument holds a lone surrogate', img((env, image) => new Worker(env, 'w', { image, health: { exec: ['true'] }, command: ['node', 'a\uD800'] })),
  { path: 'shop/dev/w/deployment', field: 'within-cluster-limits', rule: /lone UTF-16 surrogate/, fix: /both halves/ }]);
cases.push(['limits', 'fails when a recipe env value (Dockerfile ENV) holds a lone surrogate', {
  define: () => undefined,
  recipeEnv: { GREETING: 'hi \uD83D' },
}, { path: 'shop/image-api', field: 'env.GREETING', rule: /lone UTF-16 surrogate/, fix: /both halves/ }]);
cases.push(['limits', 'fails when a config key is __proto__', img((env, image) => new WebService(env, 'api', { image, config: JSON.parse('{"__proto__":"x","A":"1"}') })),
  { path: 'shop/dev/api', field: 'config key', rule: /would set the prototype .* silently lost/, fix: /another key/ }]);
for (const [title, props, field, rule] of [
  ['the port is NaN', { port: NaN }, 'port', /integer from 1 to 65535/],
  ['the port is Infinity', { port: Infinity }, 'port', /integer from 1 to 65535/],
  ['replicas is -Infinity', { replicas: -Infinity }, 'replicas', /integer from 0/],
  ['replicas is NaN', { replicas: NaN }, 'replicas', /integer from 0/],
] as const) {
  cases.push(['limits', `fails when ${title}, named as such`, img((env, image) => new WebService(env, 'api', { image, ...props } as any)),
    { path: 'shop/dev/api', field, rule, fix: /use a/ }]);
}
cases.push(['limits', 'fails when a workload id is empty', img((env, image) => new WebService(env, '', { image })),
  { path: 'shop/dev', field: 'workload id', rule: /non-empty string/, fix: /give the workload an id/ }]);
cases.push(['limits', 'fails when two workloads share an id', img((env, image) => { new WebService(env, 'api', { image }); new Worker(env, 'api', { image, health: { exec: ['true'] } }); }),
  { path: 'shop/dev', field: 'workload id', rule: /shop\/dev\/api \(a WebService\) already has this id/, fix: /another id, such as "api-2"/ }]);
cases.push(['limits', 'fails when a ConfigMap is over 1 MiB', img((env, image) => new WebService(env, 'api', { image, config: { A: 'x'.repeat(1024 * 1024) } })),
  { path: 'shop/dev/api/config', field: 'within-cluster-limits', rule: /over the 1 MiB \(1048576 bytes\)/, fix: /move large data out/ }]);
cases.push(['limits', 'fails when many config values together pass 1 MiB', img((env, image) => new WebService(env, 'api', { image, config: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`K${i}`, 'y'.repeat(60_000)])) })),
  { path: 'shop/dev/api/config', field: 'within-cluster-limits', rule: /over the 1 MiB/, fix: /move large data out/ }]);

describe.each(cases)('%s: %s', (_channel, _title, c, expected) => {
  test('is refused with the path, field, rule and fix, and dist/ is left as it was', () => {
    const { error, dist, before } = synthCase(c);
    expectRefusal(error, expected);
    expect(snapshot(dist)).toEqual(before);
  });
});

test.each([[NaN, 'port NaN is invalid'], [Infinity, 'port Infinity is invalid'], [-Infinity, 'port -Infinity is invalid']])('fails when the port is %p, and the message names it as such, not null', (port, shown) => {
  const { error } = synthCase(img((env, image) => new WebService(env, 'api', { image, port })));
  expect(error.message).toContain(shown);
  expect(error.message).not.toContain('null');
});

test('config keys named constructor and toString are accepted and written', () => {
  const { error, dist } = synthCase(img((env, image) => new WebService(env, 'api', { image, config: { constructor: 'a', toString: 'b' } as any })));
  expect(error).toBeUndefined();
  expect(require('fs').readFileSync(`${dist}/dev/shop.k8s.yaml`, 'utf8')).toMatch(/data:\n\s+constructor: a\n\s+toString: b\n/);
});

test('the table counts', () => {
  const byChannel: Record<string, number> = {};
  cases.forEach(([channel]) => { byChannel[channel] = (byChannel[channel] ?? 0) + 1; });
  expect(byChannel).toEqual({ names: 60, limits: 23 });
});
