/**
 * The shop example: one Node.js image, built once and deployed to dev, staging and prod as an
 * API, a mail worker, a nightly cleanup task and a schema migration, next to a Postgres
 * database. The environments differ only where this file says they do.
 *
 * Synthesize it from the repository root with `npx cdk8s synth` (see cdk8s.yaml).
 */
import * as path from 'path';
import {
  App, CronTask, EnvironmentSettings, ImageRecipe, MigrationJob, Pipeline, Policy, Postgres, SecretRef, WebService, Worker,
} from 'prodpath';

/** The settings every environment of the shop gives. */
interface ShopSettings extends EnvironmentSettings {
  /** The public domain the environment is served under. */
  readonly domain: string;
  /** The log level of the services. */
  readonly logLevel: 'debug' | 'info';
  /** The size of the database volume. */
  readonly dbStorage: string;
}

/**
 * Builds the shop app. Tests call this with their own outdir; `cdk8s synth` runs the file.
 */
export function buildShop(app: App): Pipeline<ShopSettings> {
  const pipeline = new Pipeline<ShopSettings>(app, 'shop', {
    registry: 'ghcr.io/acme',
    // The clusters run Kubernetes 1.30 to 1.33: every object is validated against each of them.
    kubernetes: { from: '1.30', to: '1.33' },
    environments: {
      dev: { namespace: 'shop-dev', replicas: 1, domain: 'dev.shop.example.com', logLevel: 'debug', dbStorage: '1Gi', secretStore: { name: 'vault-dev' } },
      staging: { namespace: 'shop-staging', replicas: 2, domain: 'staging.shop.example.com', logLevel: 'info', dbStorage: '5Gi', secretStore: { name: 'vault' }, swarm: true },
      prod: {
        namespace: 'shop', replicas: 3, domain: 'shop.example.com', logLevel: 'info', dbStorage: '50Gi', secretStore: { name: 'vault' },
        autoscale: { max: 20, cpuUtilization: 70 }, swarm: true,
      },
    },
  });

  const api = pipeline.image('api', ImageRecipe.node({
    source: path.relative(process.cwd(), path.join(__dirname, 'services', 'api')),
    build: 'npm run build',
    start: ['node', 'dist/server.js'],
  }));

  pipeline.define((env) => {
    const db = new Postgres(env, 'db', {
      storage: env.settings.dbStorage,
      password: SecretRef.external(`shop/${env.name}/db-password`, { secretName: 'db-password', key: 'password' }),
    });
    // One Postgres primary: production's two-replica rule does not fit it. A managed database
    // or an operator (CloudNativePG) is the way to more than one.
    Policy.exempt(db, 'production-replicas', 'a single Postgres primary; replication needs an operator, see the README');

    const migrate = new MigrationJob(env, 'migrate', {
      image: api,
      command: ['node', 'dist/migrate.js'],
      waitCommand: ['node', 'dist/migrate.js', '--wait'],
      connectsTo: [db],
    });

    new WebService(env, 'api', {
      image: api,
      host: `api.${env.settings.domain}`,
      health: { path: '/healthz' },
      config: {
        LOG_LEVEL: env.settings.logLevel,
        GREETING: env.is('prod') ? 'Welcome to the shop' : `hello from ${env.name}`,
      },
      secrets: { SESSION_KEY: SecretRef.external(`shop/${env.name}/session-key`, { secretName: 'session-key' }) },
      resources: env.production ? { cpu: { request: '250m' }, memory: { request: '256Mi', limit: '512Mi' } } : undefined,
      connectsTo: [db],
      waitFor: [migrate],
    });

    new Worker(env, 'mailer', {
      image: api,
      command: ['node', 'dist/mailer.js'],
      health: { exec: ['node', 'dist/mailer.js', '--check'] },
      config: { LOG_LEVEL: env.settings.logLevel },
      secretFiles: { '/etc/mailer/smtp-password': SecretRef.external('shop/smtp-password', { secretName: 'smtp', key: 'password' }) },
      connectsTo: [db],
      // The SMTP relay, outside the cluster.
      egressTo: [{ cidr: '0.0.0.0/0', except: ['10.0.0.0/8'], ports: [587] }],
      waitFor: [migrate],
    });

    new CronTask(env, 'cleanup', {
      image: api,
      schedule: '0 3 * * *',
      timeZone: 'Etc/UTC',
      command: ['node', 'dist/cleanup.js'],
      connectsTo: [db],
      waitFor: [migrate],
    });
  });
  return pipeline;
}

if (require.main === module) {
  const app = new App();
  buildShop(app);
  app.synth();
}
