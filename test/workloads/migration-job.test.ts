import { CronTask, MigrationJob, MigrationJobProps, Policy, Postgres, SecretRef, WebService, Worker } from '../../lib';
import { find } from '../support/synth';
import { all, expectInvalid, podSpec, shop, valid } from './support';

function build(props: Partial<MigrationJobProps> = {}, opts: { gate?: boolean; command?: string[] } = {}) {
  return shop((env, image) => {
    const db = new Postgres(env, 'db', { storage: '1Gi', password: SecretRef.fromSecretName('db', 'password') });
    Policy.exempt(db, 'production-replicas', 'a single Postgres primary in these tests');
    const migrate = new MigrationJob(env, 'migrate', {
      image, command: opts.command ?? ['node', 'migrate.js'], waitCommand: ['node', 'migrate.js', '--wait'], connectsTo: [db], ...props,
    } as MigrationJobProps);
    if (opts.gate ?? true) {
      new WebService(env, 'api', { image, waitFor: [migrate] });
      new Worker(env, 'mailer', { image, health: { exec: ['true'] }, waitFor: [migrate] });
      new CronTask(env, 'cleanup', { image, schedule: '@hourly', waitFor: [migrate] });
    }
  });
}

describe('MigrationJob', () => {
  test('renders a Job named by the hash of its spec, with the migration command and the target\'s variables', () => {
    const job = find(valid(build().app, 'dev'), 'Job');
    expect(job.metadata.name).toMatch(/^migrate-[0-9a-f]{10}$/);
    const c = podSpec(job).containers[0];
    expect(c.command).toEqual(['node', 'migrate.js']);
    expect(c.env.map((e: any) => e.name)).toEqual(['DB_DATABASE', 'DB_HOST', 'DB_PASSWORD', 'DB_PORT', 'DB_USER']);
    expect(podSpec(job).restartPolicy).toBe('Never');
  });

  test('keeps its name when synthesized again, and gets a new one when what it runs changes', () => {
    const name = (b: ReturnType<typeof build>) => find(valid(b.app, 'dev'), 'Job').metadata.name;
    expect(name(build())).toBe(name(build()));
    expect(name(build({}, { command: ['node', 'migrate.js', '--all'] }))).not.toBe(name(build()));
    expect(name(build({ config: { LOG_LEVEL: 'debug' } }))).not.toBe(name(build()));
  });

  test('retries, times out and cleans up after itself', () => {
    const job = find(valid(build().app, 'dev'), 'Job');
    expect(job.spec).toMatchObject({ backoffLimit: 6, activeDeadlineSeconds: 1800, ttlSecondsAfterFinished: 86400 });
  });

  test('is an Argo CD Sync hook, replaced before each new run', () => {
    const job = find(valid(build().app, 'dev'), 'Job');
    expect(job.metadata.annotations).toEqual({ 'argocd.argoproj.io/hook': 'Sync', 'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation' });
    expect(find(valid(build({ argoCdHook: 'PreSync' }).app, 'dev'), 'Job').metadata.annotations['argocd.argoproj.io/hook']).toBe('PreSync');
    expect(find(valid(build({ argoCdHook: false }).app, 'dev'), 'Job').metadata.annotations).toBeUndefined();
  });

  test('holds every waiting workload\'s pods with an init container that runs the wait command', () => {
    const docs = valid(build().app, 'prod');
    const job = find(docs, 'Job');
    for (const obj of [find(docs, 'Deployment', 'api'), find(docs, 'Deployment', 'mailer'), find(docs, 'CronJob')]) {
      const inits = podSpec(obj).initContainers;
      expect(inits).toHaveLength(1);
      expect(inits[0]).toMatchObject({
        name: 'wait-migrate',
        command: ['node', 'migrate.js', '--wait'],
        image: podSpec(job).containers[0].image,
        env: podSpec(job).containers[0].env,
        securityContext: { capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
      });
      expect(inits[0].resources.limits.memory).toBe('256Mi');
    }
  });

  test('lets the waiting workloads reach the database the wait command checks', () => {
    const docs = valid(build().app, 'dev');
    const dbSelector = { matchLabels: { 'app.kubernetes.io/instance': 'shop-db', 'app.kubernetes.io/name': 'db' } };
    const api = find(docs, 'NetworkPolicy', 'api');
    expect(api.spec.egress).toContainEqual({ ports: [{ port: 5432, protocol: 'TCP' }], to: [{ podSelector: dbSelector }] });
    const froms = find(docs, 'NetworkPolicy', 'db').spec.ingress.map((r: any) => r.from[0].podSelector.matchLabels['app.kubernetes.io/name']);
    expect(froms).toEqual(['migrate', 'api', 'mailer', 'cleanup']);
  });

  test('lets nothing into the migration pods', () => {
    expect(find(valid(build().app, 'dev'), 'NetworkPolicy', 'migrate').spec.ingress).toBeUndefined();
  });

  test('renders one Job per environment and passes the schema everywhere', () => {
    const { app } = build();
    for (const env of ['dev', 'staging', 'prod']) {
      expect(all(valid(app, env), 'Job')).toHaveLength(1);
    }
  });
});

describe('bad MigrationJob input', () => {
  const cases: [string, Partial<MigrationJobProps>, RegExp][] = [
    ['fails when the wait command is missing', { waitCommand: undefined }, /^shop\/dev\/migrate: waitCommand \(missing\) is invalid: a command is a non-empty list/],
    ['fails when the migration command is missing', { command: undefined }, /command \(missing\) is invalid: a migration needs the command that migrates the schema/],
    ['fails when the name is over 52 characters', { name: `m${'x'.repeat(52)}` }, /name "mx+" is invalid: the Job name \(<name>-<10 hex of its content>\) would be "mx+-0123456789", 64 characters, over Kubernetes' limit of 63; here a MigrationJob name may have at most 52 characters/],
    ['fails when the backoff limit is negative', { backoffLimit: -1 }, /backoffLimit -1 is invalid/],
    ['fails when the Argo CD hook is unknown', { argoCdHook: 'PostSync' as any }, /argoCdHook "PostSync" is invalid: must be "Sync", "PreSync" or false/],
  ];
  test.each(cases)('%s', (_name, props, message) => {
    expectInvalid(() => build(props, { gate: false }), message);
  });

  test('fails when a workload waits for the migration of another environment', () => {
    let devMigration: MigrationJob | undefined;
    expectInvalid(() => shop((env, image) => {
      const m = new MigrationJob(env, 'migrate', { image, command: ['m'], waitCommand: ['w'] });
      devMigration ??= m;
      new WebService(env, 'api', { image, waitFor: [devMigration] });
    }), /^shop\/staging\/api: waitFor\[0\] "migrate \(shop\/dev\/migrate\)" is invalid: that workload belongs to environment "dev", not to "staging"/);
  });

  test('fails when a workload waits for something that is not a migration', () => {
    expectInvalid(() => shop((env, image) => {
      const other = new Worker(env, 'w', { image, health: { exec: ['true'] } });
      new WebService(env, 'api', { image, waitFor: [other as unknown as MigrationJob] });
    }), /waitFor\[0\] "w \(shop\/dev\/w\)" is invalid: a workload waits for MigrationJobs only/);
  });
});
