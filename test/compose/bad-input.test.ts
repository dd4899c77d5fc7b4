import { App, Environment, EnvironmentSettings, Image, ImageRecipe, Pipeline, Postgres, SecretRef, WebService } from '../../lib';
import { testApp } from '../support/synth';
import { SOURCE } from '../workloads/support';

const DEV: Record<string, EnvironmentSettings> = { dev: { namespace: 'shop-dev' } };

/** Renders a one-pipeline app whose dev environment has Compose output. */
function render(define: (env: Environment, image: Image) => void, environments: Record<string, EnvironmentSettings> = DEV): void {
  const app = testApp();
  const pipeline = new Pipeline(app, 'shop', { registry: 'ghcr.io/acme', environments });
  const image = pipeline.image('api', ImageRecipe.node({ source: SOURCE, start: ['node', 'server.js'] }));
  pipeline.define((env) => define(env, image));
  app.render();
}

const password = SecretRef.fromSecretName('db', 'password');
const cases: [string, () => void, RegExp][] = [
  ['fails when two services publish the same host port', () => render((env, image) => {
    new WebService(env, 'api', { image, replicas: 1 });
    new WebService(env, 'admin', { image, replicas: 1 });
  }, { dev: { namespace: 'shop-dev', compose: { hostPorts: { admin: 9000, api: 9000 } } } }),
  /^shop\/dev\/api: compose host port 9000 is invalid: shop\/dev\/admin already publishes 127\.0\.0\.1:9000 in environment "dev", and two services cannot bind one host port\. Fix: give it another host port: compose: \{ hostPorts: \{ "api": 9001 \} \}\.$/],
  ['fails when a volume is shared by two stateful services', () => render((env) => {
    new Postgres(env, 'db', { storage: '1Gi', password });
    new Postgres(env, 'reports', { storage: '1Gi', password });
  }, { dev: { namespace: 'shop-dev', compose: { volumes: { db: 'pgdata', reports: 'pgdata' } } } }),
  /^shop\/dev\/reports: compose volume "pgdata" is invalid: shop\/dev\/db already keeps its data in the volume "pgdata", and two stateful services writing one data folder would corrupt each other\. Fix: give each its own volume in environment "dev": compose: \{ volumes: \{ "reports": "reports-data" \} \}\.$/],
  ['fails when a service with several replicas is given a host port', () => render((env, image) => {
    new WebService(env, 'api', { image, replicas: 2 });
  }, { dev: { namespace: 'shop-dev', compose: { hostPorts: { api: 8080 } } } }),
  /^shop\/dev\/api: replicas 2 is invalid: environment "dev" publishes it on 127\.0\.0\.1:8080 \(compose\.hostPorts\), and 2 containers cannot all bind one host port\. Fix: run one replica in environment "dev" \(replicas: 1\), or publish no port there: compose: \{ hostPorts: \{ "api": false \} \}\.$/],
  ['fails when a host port setting names no web or stateful service', () => render((env, image) => {
    new WebService(env, 'api', { image, replicas: 1 });
  }, { dev: { namespace: 'shop-dev', compose: { hostPorts: { apii: 18080 } } } }),
  /^shop\/dev: environments\.dev\.compose\.hostPorts\.apii 18080 is invalid: environment "dev" has no web or stateful service named "apii" \(it has "api"\)\. Fix: /],
  ['fails when a host port is out of range', () => render((env, image) => {
    new WebService(env, 'api', { image, replicas: 1 });
  }, { dev: { namespace: 'shop-dev', compose: { hostPorts: { api: 70000 } } } }), /^shop\/dev: environments\.dev\.compose\.hostPorts\.api 70000 is invalid: a port must be an integer from 1 to 65535/],
  ['fails when a volume setting names no stateful service', () => render((env, image) => {
    new WebService(env, 'api', { image, replicas: 1 });
  }, { dev: { namespace: 'shop-dev', compose: { volumes: { api: 'data' } } } }), /^shop\/dev: environments\.dev\.compose\.volumes\.api "data" is invalid: environment "dev" has no stateful service named "api" \(it has none\)/],
  ['fails when a volume name is not a Compose volume name', () => render((env) => {
    new Postgres(env, 'db', { storage: '1Gi', password });
  }, { dev: { namespace: 'shop-dev', compose: { volumes: { db: 'pg data' } } } }), /^shop\/dev: environments\.dev\.compose\.volumes\.db "pg data" is invalid: a Compose volume name is letters/],
  ['fails when the secrets folder is an absolute path', () => render((env, image) => {
    new WebService(env, 'api', { image, replicas: 1 });
  }, { dev: { namespace: 'shop-dev', compose: { secretsDir: '/etc/secrets' } } }), /^shop\/dev: environments\.dev\.compose\.secretsDir "\/etc\/secrets" is invalid: the folder of local secret values is a folder inside the app root, given relative to it\. Fix: use "\.secrets\/dev"\.$/],
  ['fails when the compose setting is neither a boolean nor settings', () => render((env, image) => {
    new WebService(env, 'api', { image, replicas: 1 });
  }, { dev: { namespace: 'shop-dev', compose: 'yes' as never } }), /^shop\/dev: environments\.dev\.compose "yes" is invalid: compose is true, false or an object of Compose settings/],
];

describe('bad Compose input', () => {
  test.each(cases)('%s', (_name, act, message) => {
    expect(act).toThrow(message);
  });
});

describe('bad Compose input: the secrets folder', () => {
  test('fails when the secrets folder is inside the output folder', () => {
    const app = new App({ outdir: 'out-dist', printSummary: false });
    const pipeline = new Pipeline(app, 'shop', { registry: 'ghcr.io/acme', environments: { dev: { namespace: 'shop-dev', compose: { secretsDir: 'out-dist/secrets' } } } });
    const image = pipeline.image('api', ImageRecipe.node({ source: SOURCE, start: ['node', 'server.js'] }));
    pipeline.define((env) => new WebService(env, 'api', { image, replicas: 1 }));
    expect(() => app.render()).toThrow(/^shop\/dev: environments\.dev\.compose\.secretsDir "out-dist\/secrets" is invalid: it overlaps the output folder out-dist, which every synth replaces as a whole \(and which is committed\)\. Fix: use "\.secrets\/dev", outside the output folder and ignored by git\.$/);
  });
});
