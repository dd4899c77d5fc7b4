import { CronTask, EnvironmentSettings, IConnectable, Policy, Postgres, SecretRef, StatefulService, WebService, WebServiceProps, Worker } from '../../lib';
import { find } from '../support/synth';
import { ENVIRONMENTS, expectInvalid, podSpec, shop, valid } from './support';

const DNS = { ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] };
const pods = (name: string) => ({ podSelector: { matchLabels: { 'app.kubernetes.io/instance': `shop-${name}`, 'app.kubernetes.io/name': name } } });

/** A database, an API that connects to it, and a worker that connects to both. */
function build(api: Partial<WebServiceProps> = {}, environments: Record<string, EnvironmentSettings> = ENVIRONMENTS) {
  return shop((env, image) => {
    const db = new Postgres(env, 'order-db', { storage: '1Gi', password: SecretRef.fromSecretName('db', 'password') });
    Policy.exempt(db, 'production-replicas', 'a single Postgres primary in these tests');
    const web = new WebService(env, 'api', { image, host: `api.${env.name}.example.com`, connectsTo: [db], ...api });
    new Worker(env, 'mailer', { image, health: { exec: ['true'] }, connectsTo: [db, web] });
  }, environments);
}

describe('NetworkPolicy and connectsTo', () => {
  test('gives every workload a default-deny NetworkPolicy that allows DNS', () => {
    const docs = valid(build().app, 'dev');
    for (const name of ['order-db', 'api', 'mailer']) {
      const np = find(docs, 'NetworkPolicy', name);
      expect(np.spec.podSelector).toEqual(pods(name).podSelector);
      expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
      expect(np.spec.egress[0]).toEqual(DNS);
    }
  });

  test('injects the target\'s DNS name and port, named after the target', () => {
    const docs = valid(build().app, 'dev');
    const env = podSpec(find(docs, 'Deployment', 'mailer')).containers[0].env;
    expect(env.filter((e: any) => e.value !== undefined)).toEqual([
      { name: 'API_HOST', value: 'api.shop-dev.svc' },
      { name: 'API_PORT', value: '8080' },
      { name: 'ORDER_DB_DATABASE', value: 'app' },
      { name: 'ORDER_DB_HOST', value: 'order-db.shop-dev.svc' },
      { name: 'ORDER_DB_PORT', value: '5432' },
      { name: 'ORDER_DB_USER', value: 'app' },
    ]);
  });

  test('allows the edge both ways: egress from the client, ingress on the target, on the target\'s port', () => {
    const docs = valid(build().app, 'dev');
    expect(find(docs, 'NetworkPolicy', 'mailer').spec.egress).toEqual([
      DNS,
      { ports: [{ port: 5432, protocol: 'TCP' }], to: [pods('order-db')] },
      { ports: [{ port: 8080, protocol: 'TCP' }], to: [pods('api')] },
    ]);
    expect(find(docs, 'NetworkPolicy', 'order-db').spec.ingress).toEqual([
      { from: [pods('api')], ports: [{ port: 5432, protocol: 'TCP' }] },
      { from: [pods('mailer')], ports: [{ port: 5432, protocol: 'TCP' }] },
    ]);
    expect(find(docs, 'NetworkPolicy', 'api').spec.ingress).toContainEqual({ from: [pods('mailer')], ports: [{ port: 8080, protocol: 'TCP' }] });
  });

  test('lets the ingress controller reach a web service with a host, from ingress-nginx by default', () => {
    const ingress = find(valid(build().app, 'dev'), 'NetworkPolicy', 'api').spec.ingress;
    expect(ingress[0]).toEqual({ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }], ports: [{ port: 8080, protocol: 'TCP' }] });
  });

  test('takes the ingress controller\'s namespace and pods from the environment', () => {
    const environments = {
      ...ENVIRONMENTS,
      dev: { namespace: 'shop-dev', ingressController: { namespaceLabels: { 'kubernetes.io/metadata.name': 'traefik' }, podLabels: { 'app.kubernetes.io/name': 'traefik' } } },
    };
    const ingress = find(valid(build({}, environments).app, 'dev'), 'NetworkPolicy', 'api').spec.ingress;
    expect(ingress[0].from).toEqual([{
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'traefik' } },
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'traefik' } },
    }]);
  });

  test('lets no ingress controller reach a web service without a host', () => {
    const ingress = find(valid(build({ host: undefined }).app, 'dev'), 'NetworkPolicy', 'api').spec.ingress;
    expect(ingress).toEqual([{ from: [pods('mailer')], ports: [{ port: 8080, protocol: 'TCP' }] }]);
  });

  test('allows what allowFrom and egressTo add', () => {
    const { app } = shop((env, image) => {
      const monitor = new Worker(env, 'monitor', { image, health: { exec: ['true'] } });
      new WebService(env, 'api', {
        image,
        allowFrom: [monitor, { namespaceLabels: { 'kubernetes.io/metadata.name': 'monitoring' }, ports: [9090] }],
        egressTo: [{ cidr: '0.0.0.0/0', except: ['169.254.169.254/32'], ports: [443] }, { namespaceLabels: { team: 'payments' }, podLabels: { app: 'ledger' } }],
      });
    });
    const np = find(valid(app, 'dev'), 'NetworkPolicy', 'api');
    expect(np.spec.ingress).toEqual([
      { from: [pods('monitor')], ports: [{ port: 8080, protocol: 'TCP' }] },
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ port: 9090, protocol: 'TCP' }] },
    ]);
    expect(np.spec.egress).toEqual([
      DNS,
      { ports: [{ port: 443, protocol: 'TCP' }], to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.169.254/32'] } }] },
      { to: [{ namespaceSelector: { matchLabels: { team: 'payments' } }, podSelector: { matchLabels: { app: 'ledger' } } }] },
    ]);
  });

  test('connects cron tasks and stateful services too', () => {
    const { app } = shop((env, image) => {
      const cache = new StatefulService(env, 'cache', { image, port: 8080, storage: { size: '1Gi', mountPath: '/data' }, replicas: 2 });
      new CronTask(env, 'warm', { image, schedule: '*/5 * * * *', connectsTo: [cache] });
    });
    const docs = valid(app, 'dev');
    expect(podSpec(find(docs, 'CronJob')).containers[0].env).toEqual([
      { name: 'CACHE_HOST', value: 'cache.shop-dev.svc' },
      { name: 'CACHE_PORT', value: '8080' },
    ]);
    expect(find(docs, 'NetworkPolicy', 'cache').spec.ingress).toEqual([{ from: [pods('warm')], ports: [{ port: 8080, protocol: 'TCP' }] }]);
  });
});

describe('bad connectsTo and network input', () => {
  test('fails when connecting to a workload of another environment', () => {
    let devDb: Postgres | undefined;
    expectInvalid(() => shop((env, image) => {
      const db = new Postgres(env, 'db', { storage: '1Gi', password: SecretRef.fromSecretName('db', 'password') });
      devDb ??= db;
      new WebService(env, 'api', { image, connectsTo: [devDb] });
    }), /^shop\/staging\/api: connectsTo\[0\] "db \(shop\/dev\/db\)" is invalid: that workload belongs to environment "dev", not to "staging" where this one runs\. Fix: pass the workload created for this environment/);
  });

  test('fails when connecting to a workload of another pipeline', () => {
    let other: WebService | undefined;
    shop((env, image) => {
      other ??= new WebService(env, 'billing', { image });
    });
    expectInvalid(() => shop((env, image) => new WebService(env, 'api', { image, connectsTo: [other!] })),
      /^shop\/dev\/api: connectsTo\[0\] "billing \(shop\/dev\/billing\)" is invalid: that workload belongs to another environment "dev" \(of another pipeline or app of the same name\)/);
  });

  const cases: [string, (env: any, image: any) => void, RegExp][] = [
    ['fails when connecting to a worker, which has no port', (env, image) => {
      const w = new Worker(env, 'w', { image, health: { exec: ['true'] } });
      new WebService(env, 'api', { image, connectsTo: [w as unknown as IConnectable] });
    }, /connectsTo\[0\] "w \(shop\/dev\/w\)" is invalid: a workload connects to a web service or a stateful service of its environment/],
    ['fails when connecting to something that is not a workload', (env, image) => {
      new WebService(env, 'api', { image, connectsTo: ['db' as unknown as IConnectable] });
    }, /connectsTo\[0\] "db" is invalid/],
    ['fails when connecting to the same workload twice', (env, image) => {
      const a = new WebService(env, 'a', { image });
      new WebService(env, 'api', { image, connectsTo: [a, a] });
    }, /connectsTo\[1\] "a" is invalid: the workload is listed twice/],
    ['fails when config sets a variable connectsTo injects', (env, image) => {
      const a = new WebService(env, 'a', { image });
      new WebService(env, 'api', { image, config: { A_HOST: 'x' }, connectsTo: [a] });
    }, /connectsTo a "A_HOST" is invalid: config already sets the environment variable A_HOST/],
    ['fails when a peer has both a cidr and labels', (env, image) => {
      new WebService(env, 'api', { image, allowFrom: [{ cidr: '10.0.0.0/8', podLabels: { a: 'b' } }] });
    }, /allowFrom\[0\] .* is invalid: a network peer has either cidr or namespace\/pod labels/],
    ['fails when a cidr is malformed', (env, image) => {
      new WebService(env, 'api', { image, egressTo: [{ cidr: '10.0.0.0/33' }] });
    }, /egressTo\[0\]\.cidr "10\.0\.0\.0\/33" is invalid: must be an IPv4 or IPv6 CIDR block/],
    ['fails when a peer port is out of range', (env, image) => {
      new WebService(env, 'api', { image, egressTo: [{ cidr: '0.0.0.0/0', ports: [70000] }] });
    }, /egressTo\[0\]\.ports\[0\] 70000 is invalid/],
    ['fails when something may connect to a workload that listens on no port', (env, image) => {
      const api = new WebService(env, 'api', { image });
      new Worker(env, 'w', { image, health: { exec: ['true'] }, allowFrom: [api] });
    }, /^shop\/dev\/w: allowFrom\[0\] "api" is invalid: this workload listens on no port, so there is nothing to allow in/],
    ['fails when a peer label is malformed', (env, image) => {
      new WebService(env, 'api', { image, allowFrom: [{ namespaceLabels: { 'bad key!': 'x' } }] });
    }, /allowFrom\[0\]\.namespaceLabels "bad key!" is invalid: a label key/],
  ];
  test.each(cases)('%s', (_name, define, message) => {
    expectInvalid(() => shop(define), message);
  });

  test('fails when the environment\'s ingress controller selector is empty', () => {
    expectInvalid(() => build({}, { dev: { namespace: 'shop-dev', ingressController: { namespaceLabels: {} } } }),
      /environment ingressController\.namespaceLabels \{\} is invalid: must hold at least one label/);
  });
});
