import { ExternalImage, Policy, Postgres, PostgresProps, SecretRef, WebService } from '../../lib';
import { find } from '../support/synth';
import { expectInvalid, podSpec, shop, valid } from './support';

const PASSWORD = SecretRef.fromSecretName('db-credentials', 'password');

function build(props: Partial<PostgresProps> = {}, withClient = false) {
  return shop((env, image) => {
    const db = new Postgres(env, 'db', { storage: env.is('prod') ? '50Gi' : '1Gi', password: PASSWORD, ...props } as PostgresProps);
    Policy.exempt(db, 'production-replicas', 'a single Postgres primary in these tests');
    if (withClient) {
      new WebService(env, 'api', { image, connectsTo: [db] });
    }
  });
}

describe('Postgres', () => {
  test('runs the official image by tag, as a numeric user of at least 10000 that owns the volume through fsGroup', () => {
    const spec = podSpec(find(valid(build().app, 'prod'), 'StatefulSet'));
    expect(spec.containers[0].image).toBe('postgres:16-bookworm');
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10999, runAsGroup: 10999, fsGroup: 10999, seccompProfile: { type: 'RuntimeDefault' } });
    expect(spec.containers[0].securityContext).toMatchObject({ readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] }, runAsUser: 10999 });
  });

  test('keeps its data in a subfolder of the volume, so the entrypoint can create it as the pod user', () => {
    const docs = valid(build().app, 'dev');
    const sts = find(docs, 'StatefulSet');
    expect(podSpec(sts).containers[0].volumeMounts).toContainEqual({ mountPath: '/var/lib/postgresql/data', name: 'data' });
    expect(find(docs, 'ConfigMap').data).toEqual({ PGDATA: '/var/lib/postgresql/data/pgdata', POSTGRES_DB: 'app', POSTGRES_USER: 'app' });
  });

  test('sizes the volume per environment', () => {
    const { app } = build();
    expect(find(valid(app, 'dev'), 'StatefulSet').spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('1Gi');
    expect(find(valid(app, 'prod'), 'StatefulSet').spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('50Gi');
  });

  test('reads the password from the secret reference', () => {
    const c = podSpec(find(valid(build().app, 'dev'), 'StatefulSet')).containers[0];
    expect(c.env).toEqual([{ name: 'POSTGRES_PASSWORD', valueFrom: { secretKeyRef: { key: 'password', name: 'db-credentials' } } }]);
  });

  test('is ready when pg_isready says so, alive while its named port answers', () => {
    const c = podSpec(find(valid(build({ user: 'shop', database: 'orders' }).app, 'dev'), 'StatefulSet')).containers[0];
    expect(c.readinessProbe.exec.command).toEqual(['pg_isready', '--host=127.0.0.1', '--port=5432', '--username=shop', '--dbname=orders']);
    expect(c.livenessProbe.tcpSocket).toEqual({ port: 'postgres' });
    expect(c.startupProbe.tcpSocket).toEqual({ port: 'postgres' });
    expect(c.ports).toEqual([{ containerPort: 5432, name: 'postgres' }]);
  });

  test('stops fast before SIGTERM (a smart shutdown would wait for every client)', () => {
    const spec = podSpec(find(valid(build().app, 'dev'), 'StatefulSet'));
    expect(spec.containers[0].lifecycle.preStop.exec.command).toEqual(['pg_ctl', 'stop', '--mode=fast', '--wait', '--timeout=50']);
    expect(spec.terminationGracePeriodSeconds).toBe(60);
  });

  test('has writable /var/run/postgresql and a memory-backed /dev/shm', () => {
    const spec = podSpec(find(valid(build().app, 'dev'), 'StatefulSet'));
    const mounts = spec.containers[0].volumeMounts.map((m: any) => m.mountPath);
    expect(mounts).toEqual(expect.arrayContaining(['/tmp', '/var/run/postgresql', '/dev/shm']));
    expect(spec.volumes.find((v: any) => v.emptyDir?.medium === 'Memory')).toBeDefined();
  });

  test('gives clients host, port, user, database and the password by reference', () => {
    const docs = valid(build({}, true).app, 'dev');
    const api = podSpec(find(docs, 'Deployment', 'api')).containers[0];
    expect(api.env).toEqual([
      { name: 'DB_DATABASE', value: 'app' },
      { name: 'DB_HOST', value: 'db.shop-dev.svc' },
      { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { key: 'password', name: 'db-credentials' } } },
      { name: 'DB_PORT', value: '5432' },
      { name: 'DB_USER', value: 'app' },
    ]);
  });

  test('passes the production rules with a written exemption from the two-replica rule', () => {
    const docs = valid(build().app, 'prod');
    expect(find(docs, 'StatefulSet').metadata.annotations['exempt.policy.prodpath.dev/production-replicas']).toMatch(/single Postgres primary/);
    expect(find(docs, 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
    expect(find(docs, 'NetworkPolicy').spec.policyTypes).toEqual(['Ingress', 'Egress']);
  });
});

describe('bad Postgres input', () => {
  const cases: [string, Partial<PostgresProps>, RegExp][] = [
    ['fails when the storage size is missing', { storage: undefined }, /^shop\/dev\/db: storage\.size \(missing\) is invalid/],
    ['fails when the password is a literal', { password: 'hunter2' as any }, /secrets\.POSTGRES_PASSWORD "\(value hidden\)" is invalid: secrets are passed by reference only/],
    ['fails when the user is not an identifier', { user: 'Shop-User' }, /user "Shop-User" is invalid: a Postgres identifier/],
    ['fails when the database is not an identifier', { database: '1db' }, /database "1db" is invalid/],
    ['fails when config sets POSTGRES_DB', { config: { POSTGRES_DB: 'x' } }, /config\.POSTGRES_DB "x" is invalid: Postgres sets this variable itself/],
    ['fails when config sets the password', { config: { POSTGRES_PASSWORD: 'x' } }, /secrets\.POSTGRES_PASSWORD "POSTGRES_PASSWORD" is invalid: config already sets the environment variable POSTGRES_PASSWORD/],
    ['fails when the image is latest', { image: ExternalImage.of('postgres:latest', { user: { uid: 10999, gid: 10999 }, port: 5432 }) }, /image "postgres:latest" is invalid/],
    ['fails when the image runs as its own uid 999', { image: ExternalImage.of('postgres:16', { user: { uid: 999, gid: 999 }, port: 5432 }) }, /image\.user\.uid 999 is invalid/],
    ['fails when the disruption budget is turned off in production', { disruptionBudget: false }, /^shop\/prod\/db: disruptionBudget false is invalid: environment "prod" is production/],
  ];
  test.each(cases)('%s', (_name, props, message) => {
    expectInvalid(() => build(props), message);
  });
});
