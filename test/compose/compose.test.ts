import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { App, ExternalImage, ImageRecipe, Pipeline, Postgres, SecretRef, StatefulService, WebService, Worker } from '../../lib';
import { tempDir, testApp } from '../support/synth';
import { SOURCE } from '../workloads/support';
import { buildShop } from '../../examples/shop/main';
import { shop } from '../workloads/support';
import { composeDoc, specViolations, stackViolations } from './support';

/**
 * The shop example with the output folder the example uses (`dist` in the app root, here the
 * repository): rendered in memory only, never written.
 */
function shopApp(outdir = 'dist'): App {
  const app = new App({ outdir, printSummary: false });
  buildShop(app);
  return app;
}

describe('the shop example\'s dev Compose file', () => {
  const app = shopApp();
  const files = app.render();
  const compose = parse(files.get('dev/compose.yaml')!);
  const stack = parse(files.get('dev/stack.yaml')!);

  test('is valid against the Compose specification\'s JSON schema', () => {
    expect(specViolations(compose)).toEqual([]);
  });

  test('has one service per workload of the environment', () => {
    expect(Object.keys(compose.services)).toEqual(['api', 'cleanup', 'db', 'mailer', 'migrate']);
  });

  test('builds pipeline images from the generated Dockerfile and tags them with the content tag', () => {
    const image = app.pipelines[0].images[0];
    const composeDir = path.join(app.distDir, 'dev');
    for (const name of ['api', 'mailer', 'migrate', 'cleanup']) {
      const s = compose.services[name];
      expect(s.image).toBe(image.taggedRef);
      expect(path.resolve(composeDir, s.build.context)).toBe(image.contextDir);
      expect(path.resolve(composeDir, s.build.context, s.build.dockerfile)).toBe(path.resolve(app.distDir, 'images/api/Dockerfile'));
    }
  });

  test('runs an external image as it is, with nothing to build', () => {
    expect(compose.services.db.image).toBe('postgres:16-bookworm');
    expect(compose.services.db.build).toBeUndefined();
  });

  test('publishes ports on 127.0.0.1 only, the container port by default', () => {
    const published = Object.fromEntries(Object.entries<any>(compose.services).filter(([, s]) => s.ports).map(([n, s]) => [n, s.ports]));
    expect(published).toEqual({ api: ['127.0.0.1:8080:8080'], db: ['127.0.0.1:5432:5432'] });
  });

  test('passes config as environment variables, and connections by their Compose service name', () => {
    expect(compose.services.api.environment).toMatchObject({ LOG_LEVEL: 'debug', GREETING: 'hello from dev', DB_HOST: 'db', DB_PORT: '5432', DB_USER: 'app' });
  });

  test('references secrets from the local secrets folder, and holds no value', () => {
    expect(compose.services.api.environment.SESSION_KEY).toBe('${SESSION_KEY_VALUE:?set SESSION_KEY_VALUE (Secret session-key, key value) in .secrets/dev/secrets.env}');
    // One Secret key, one variable: the database and its clients get the same value.
    expect(compose.services.db.environment.POSTGRES_PASSWORD).toMatch(/^\$\{DB_PASSWORD_PASSWORD:\?/);
    expect(compose.services.api.environment.DB_PASSWORD).toMatch(/^\$\{DB_PASSWORD_PASSWORD:\?/);
    // The secrets folder is relative to the app root (the working directory), outside the output folder.
    expect(compose.secrets).toEqual({ smtp__password: { file: '../../.secrets/dev/smtp/password' } });
    expect(compose.services.mailer.secrets).toEqual([{ source: 'smtp__password', target: '/etc/mailer/smtp-password' }]);
  });

  test('says in its header how to run it and which secret values to provide', () => {
    const header = files.get('dev/compose.yaml')!.split('\n').filter((l) => l.startsWith('#')).join('\n');
    expect(header).toContain('docker compose --env-file .secrets/dev/secrets.env -f');
    expect(header).toContain('.secrets/dev/secrets.env, one NAME=value line each: DB_PASSWORD_PASSWORD, SESSION_KEY_VALUE');
    expect(header).toContain('.secrets/dev/smtp/password, the value alone');
  });

  test('checks health from the readiness checks: the command, or the image\'s own HEALTHCHECK for HTTP', () => {
    expect(compose.services.db.healthcheck).toEqual({
      test: ['CMD', 'pg_isready', '--host=127.0.0.1', '--port=5432', '--username=app', '--dbname=app'],
      interval: '5s', timeout: '5s', retries: 3, start_period: '300s',
    });
    expect(compose.services.mailer.healthcheck.test).toEqual(['CMD', 'node', 'dist/mailer.js', '--check']);
    expect(compose.services.api.healthcheck).toEqual({ interval: '5s', timeout: '2s', retries: 3, start_period: '60s' });
    expect(compose.services.migrate.healthcheck).toBeUndefined();
  });

  test('starts services after the databases they connect to are healthy and their migrations completed', () => {
    expect(compose.services.api.depends_on).toEqual({ db: { condition: 'service_healthy' }, migrate: { condition: 'service_completed_successfully' } });
    expect(compose.services.migrate.depends_on).toEqual({ db: { condition: 'service_healthy' } });
    expect(compose.services.db.depends_on).toBeUndefined();
  });

  test('keeps stateful data in a named volume and everything on one network', () => {
    expect(compose.volumes).toEqual({ 'db-data': {} });
    expect(compose.services.db.volumes).toContainEqual({ type: 'volume', source: 'db-data', target: '/var/lib/postgresql/data' });
    expect(compose.networks).toEqual({ shop: {} });
    expect(Object.values<any>(compose.services).map((s) => s.networks)).toEqual(Array(5).fill(['shop']));
  });

  test('hardens every service like the pods: numeric user, read-only root with a /tmp tmpfs, no capabilities, no new privileges', () => {
    for (const [name, s] of Object.entries<any>(compose.services)) {
      expect({ name, user: s.user, read_only: s.read_only, cap_drop: s.cap_drop, security_opt: s.security_opt })
        .toEqual({ name, user: name === 'db' ? '10999:10999' : '10001:10001', read_only: true, cap_drop: ['ALL'], security_opt: ['no-new-privileges:true'] });
      expect(s.volumes).toContainEqual({ type: 'tmpfs', target: '/tmp', tmpfs: { size: 64 * 2 ** 20 } });
    }
  });

  test('gives every service deploy keys: replicas, resources, restarts and rolling updates', () => {
    expect(compose.services.api.deploy).toEqual({
      replicas: 1,
      resources: { limits: { memory: '256M' }, reservations: { cpus: '0.1', memory: '128M' } },
      restart_policy: { condition: 'any', delay: '5s' },
      update_config: { parallelism: 1, order: 'start-first', failure_action: 'rollback' },
      rollback_config: { parallelism: 1, order: 'start-first', failure_action: 'pause' },
    });
    expect(compose.services.db.deploy.update_config.order).toBe('stop-first');
    expect(compose.services.db.deploy.rollback_config.order).toBe('stop-first');
    expect(compose.services.migrate.deploy.restart_policy).toEqual({ condition: 'none' });
    expect(compose.services.migrate.restart).toBe('no');
  });

  test('puts CronTasks in the "jobs" profile, run by hand, with their schedule as labels', () => {
    expect(compose.services.cleanup.profiles).toEqual(['jobs']);
    expect(compose.services.cleanup.labels).toMatchObject({ 'prodpath.dev/schedule': '0 3 * * *', 'prodpath.dev/time-zone': 'Etc/UTC' });
    expect(compose.services.cleanup.restart).toBe('no');
  });

  test('is the same bytes when rendered again', () => {
    expect(shopApp().render().get('dev/compose.yaml')).toBe(files.get('dev/compose.yaml'));
    expect(shopApp().render().get('dev/stack.yaml')).toBe(files.get('dev/stack.yaml'));
  });

  test('is written for dev by default, and stack files for the environments that ask (swarm: true)', () => {
    expect([...files.keys()].filter((f) => /compose\.yaml|stack\.yaml/.test(f)).sort()).toEqual(['dev/compose.yaml', 'dev/stack.yaml', 'prod/stack.yaml', 'staging/stack.yaml']);
  });

  test('the stack file is valid Compose and only uses what docker stack deploy accepts', () => {
    expect(specViolations(stack)).toEqual([]);
    expect(stackViolations(stack)).toEqual([]);
    // The Compose file itself is not a stack file: its depends_on conditions are what Swarm refuses.
    expect(stackViolations(compose)).toEqual(expect.arrayContaining(['top-level name', 'services.api.depends_on must be a list']));
  });

  test('the stack file pulls by reference, publishes nothing, and runs CronTasks with 0 replicas', () => {
    const image = app.pipelines[0].images[0];
    expect(stack.services.api.image).toBe(image.imageRef);
    expect(Object.values<any>(stack.services).flatMap((s) => s.ports ?? [])).toEqual([]);
    expect(stack.services.cleanup.deploy.replicas).toBe(0);
    expect(stack.services.migrate.deploy.restart_policy).toEqual({ condition: 'on-failure', delay: '5s', max_attempts: 6 });
  });
});

describe('the shop example\'s prod stack file (swarm: true)', () => {
  const app = shopApp();
  const files = app.render();
  const text = files.get('prod/stack.yaml')!;
  const prod = parse(text);

  test('is a Compose file format 3.8 stack that docker stack deploy accepts', () => {
    expect(prod.version).toBe('3.8');
    expect(specViolations(prod)).toEqual([]);
    expect(stackViolations(prod)).toEqual([]);
  });

  test('runs each image by the same reference as the prod manifests', () => {
    const image = app.pipelines[0].images[0];
    expect(prod.services.api.image).toBe(app.pipelines[0].imageIn('prod', image).ref);
    expect(files.get('prod/shop.k8s.yaml')).toContain(`image: ${prod.services.api.image}\n`);
  });

  test('references file secrets as external Swarm secrets, never as local files', () => {
    expect(prod.secrets).toEqual({ smtp__password: { external: true, name: 'shop-prod_smtp__password' } });
    expect(prod.services.mailer.secrets).toEqual([{ source: 'smtp__password', target: '/etc/mailer/smtp-password' }]);
    expect(text).toContain('docker secret create shop-prod_smtp__password .secrets/prod/smtp/password');
    expect(text).not.toMatch(/^\s+file:/m);
  });

  test('updates start-first and roll back by themselves; rollbacks, restarts, resources and health checks are set', () => {
    expect(prod.services.api.deploy).toMatchObject({
      update_config: { order: 'start-first', failure_action: 'rollback' },
      rollback_config: { order: 'start-first', failure_action: 'pause' },
      restart_policy: { condition: 'any', delay: '5s' },
      resources: { limits: { memory: expect.any(String) }, reservations: { cpus: expect.any(String), memory: expect.any(String) } },
    });
    expect(prod.services.api.healthcheck).toBeDefined();
    expect(prod.services.mailer.healthcheck.test).toEqual(['CMD', 'node', 'dist/mailer.js', '--check']);
  });

  test('gets no Compose file: prod asked only for a stack', () => {
    expect(files.has('prod/compose.yaml')).toBe(false);
  });
});

test('fails when swarm is not true or false', () => {
  const app = new App({ outdir: 'dist', printSummary: false });
  const pipeline = new Pipeline(app, 'shop', { registry: 'ghcr.io/acme', environments: { dev: { namespace: 'shop-dev', swarm: 'yes' as unknown as boolean } } });
  pipeline.define(() => undefined);
  expect(() => app.render()).toThrow(/environments\.dev\.swarm.*swarm is true or false/s);
});

test('an output folder outside the app root gets paths from the app root, run with --project-directory', () => {
  const outdir = path.join(tempDir('prodpath-compose-'), 'dist');
  const text = shopApp(outdir).render().get('dev/compose.yaml')!;
  const doc = parse(text);
  expect(doc.services.api.build.context).toBe('examples/shop/services/api');
  expect(doc.secrets.smtp__password.file).toBe('.secrets/dev/smtp/password');
  expect(text).toContain('docker compose --project-directory . --env-file .secrets/dev/secrets.env -f <output folder>/dev/compose.yaml up');
  expect(text.includes(process.cwd())).toBe(false);
});

describe('which environments get Compose files', () => {
  const build = (dev: object, staging: object) => shop((env, image) => {
    new WebService(env, 'api', { image, replicas: 1 });
  }, { dev: { namespace: 'shop-dev', ...dev }, staging: { namespace: 'shop-staging', ...staging } }).app.render();

  test('compose: true adds an environment, compose: false removes dev', () => {
    const files = build({ compose: false }, { compose: true });
    expect([...files.keys()].filter((f) => f.endsWith('compose.yaml'))).toEqual(['staging/compose.yaml']);
  });

  test('settings choose host ports and volume names', () => {
    const { app } = shop((env, image) => {
      new WebService(env, 'api', { image, replicas: 1 });
      new Postgres(env, 'db', { storage: '1Gi', password: SecretRef.fromSecretName('db', 'password') });
    }, { dev: { namespace: 'shop-dev', compose: { hostPorts: { api: 18080, db: false }, volumes: { db: 'shop-pgdata' } } } });
    const doc = composeDoc(app, 'dev');
    expect(doc.services.api.ports).toEqual(['127.0.0.1:18080:8080']);
    expect(doc.services.db.ports).toBeUndefined();
    expect(doc.volumes).toEqual({ 'shop-pgdata': {} });
  });
});

describe('host ports', () => {
  test('services on one container port get the next free host ports, in name order', () => {
    const { app } = shop((env, image) => {
      new WebService(env, 'web', { image, replicas: 1 });
      new WebService(env, 'api', { image, replicas: 1 });
      new WebService(env, 'admin', { image, replicas: 1 });
    }, { dev: { namespace: 'shop-dev', compose: { hostPorts: { web: 8081 } } } });
    const doc = composeDoc(app, 'dev');
    expect([doc.services.admin.ports, doc.services.api.ports, doc.services.web.ports])
      .toEqual([['127.0.0.1:8080:8080'], ['127.0.0.1:8082:8080'], ['127.0.0.1:8081:8080']]);
  });

  test('two pipelines with one environment name get a Compose file each, with host ports chosen together', () => {
    const app = testApp();
    for (const name of ['shop', 'blog']) {
      const p = new Pipeline(app, name, { registry: 'ghcr.io/acme', environments: { dev: { namespace: `${name}-dev` } } });
      const image = p.image(name, ImageRecipe.node({ source: SOURCE, start: ['node', 'server.js'] }));
      p.define((env) => new WebService(env, 'api', { image, replicas: 1 }));
    }
    const files = app.render();
    expect([...files.keys()].filter((f) => /compose|stack/.test(f)).sort())
      .toEqual(['dev/blog.compose.yaml', 'dev/blog.stack.yaml', 'dev/shop.compose.yaml', 'dev/shop.stack.yaml']);
    expect(parse(files.get('dev/shop.compose.yaml')!).services.api.ports).toEqual(['127.0.0.1:8080:8080']);
    expect(parse(files.get('dev/blog.compose.yaml')!).services.api.ports).toEqual(['127.0.0.1:8081:8080']);
  });

  test('a service with several containers is not published, with a warning', () => {
    const { app } = shop((env, image) => {
      new WebService(env, 'api', { image, replicas: 2 });
    }, { dev: { namespace: 'shop-dev' } });
    const doc = composeDoc(app, 'dev');
    expect(doc.services.api.ports).toBeUndefined();
    expect(doc.services.api.deploy.replicas).toBe(2);
    expect(app.warnings.map((w) => w.message)).toEqual([expect.stringContaining('it runs 2 containers, and one host port cannot be bound by several')]);
  });
});

describe('what Compose cannot do', () => {
  test('a stateful service with several replicas runs one, with a warning: Compose shares one volume', () => {
    const { app } = shop((env) => {
      new StatefulService(env, 'cache', {
        image: ExternalImage.of('redis:7-bookworm', { user: { uid: 10999, gid: 10999 }, port: 6379 }), replicas: 3, storage: { size: '1Gi', mountPath: '/data' },
      });
    }, { dev: { namespace: 'shop-dev' } });
    const doc = composeDoc(app, 'dev');
    expect(doc.services.cache.deploy.replicas).toBe(1);
    expect(doc.services.cache.ports).toEqual(['127.0.0.1:6379:6379']);
    expect(app.warnings.map((w) => w.message)).toEqual([expect.stringContaining('it runs 3 pods with a volume each')]);
  });

  test('an autoscaled workload runs its minimum, with a warning', () => {
    const { app } = shop((env, image) => {
      new WebService(env, 'api', { image });
    }, { dev: { namespace: 'shop-dev', autoscale: { min: 2, max: 5 }, compose: { hostPorts: { api: false } } } });
    expect(composeDoc(app, 'dev').services.api.deploy.replicas).toBe(2);
    expect(app.warnings.map((w) => [w.rule.id, w.constructPath, w.message])).toEqual([
      ['compose-no-equivalent', 'shop/dev/api', expect.stringContaining('autoscales from 2 to 5 pods')],
    ]);
  });

  test('a TCP check has no Compose healthcheck: a warning, and clients wait only until it started', () => {
    const { app } = shop((env, image) => {
      const cache = new StatefulService(env, 'cache', {
        image: ExternalImage.of('redis:7-bookworm', { user: { uid: 10999, gid: 10999 }, port: 6379 }), storage: { size: '1Gi', mountPath: '/data' },
      });
      const db = new Postgres(env, 'db', { storage: '1Gi', password: SecretRef.fromSecretName('db', 'password') });
      new Worker(env, 'queue', { image, replicas: 1, health: { tcpPort: 9090 } });
      new WebService(env, 'api', { image, replicas: 1, connectsTo: [db, cache] });
    }, { dev: { namespace: 'shop-dev' } });
    const doc = composeDoc(app, 'dev');
    expect([doc.services.cache.healthcheck, doc.services.queue.healthcheck]).toEqual([undefined, undefined]);
    expect(doc.services.api.depends_on).toEqual({ cache: { condition: 'service_started' }, db: { condition: 'service_healthy' } });
    // Only where it matters: something waits for the cache, nothing for the queue.
    expect(app.warnings.map((w) => [w.constructPath, w.message])).toEqual([['shop/dev/cache', expect.stringContaining('the readiness check is a TCP check of port 6379, which Compose cannot run')]]);
  });

  test('an HTTP check on a path the image does not check is a warning', () => {
    const { app } = shop((env, image) => {
      new WebService(env, 'api', { image, replicas: 1, health: { path: '/ready' } });
    }, { dev: { namespace: 'shop-dev' } });
    app.render();
    expect(app.warnings.map((w) => w.message)).toEqual([expect.stringContaining('the readiness check GETs /ready on port 8080, but Compose runs the image\'s HEALTHCHECK')]);
  });
});

describe('literal values', () => {
  test('a $ in config is written as $$, so Compose does not interpolate it', () => {
    const { app } = shop((env, image) => {
      new WebService(env, 'api', { image, replicas: 1, config: { PATTERN: '^\\d+$', PRICE: '$5' } });
    }, { dev: { namespace: 'shop-dev' } });
    const text = app.render().get('dev/compose.yaml')!;
    expect(text).toContain('PATTERN: ^\\d+$$');
    expect(text).toContain('PRICE: $$5');
  });

  test('values YAML 1.1 would read as booleans or numbers are quoted', () => {
    const { app } = shop((env, image) => {
      new WebService(env, 'api', { image, replicas: 1, config: { A: 'yes', B: 'off', C: 'y', D: '1:30', E: '0o17', F: '~' } });
    }, { dev: { namespace: 'shop-dev' } });
    const text = app.render().get('dev/compose.yaml')!;
    for (const v of ['yes', 'off', 'y', '1:30', '0o17', '~']) {
      expect(text).toContain(`"${v}"`);
    }
    expect(parse(text, { version: '1.1' }).services.api.environment).toMatchObject({ A: 'yes', B: 'off', C: 'y', D: '1:30', E: '0o17', F: '~' });
  });
});

test('writes nothing into the secrets folder', () => {
  const dir = tempDir('prodpath-compose-');
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    const app = new App({ outdir: 'dist', printSummary: false });
    buildShop(app);
    app.synth();
    expect(fs.existsSync(path.join(dir, '.secrets'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'dist', 'dev', 'compose.yaml'))).toBe(true);
  } finally {
    process.chdir(cwd);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
