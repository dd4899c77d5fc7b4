/**
 * A crafted app on four environments, two of them production clusters (prod-eu, prod-us), for
 * the parity and diff tests: a Postgres, a web service, a worker and a nightly task, whose
 * settings differ per environment only where the settings table says so.
 */
import * as path from 'path';
import { App, CronTask, Environment, EnvironmentSettings, Image, ImageRecipe, MigrationJob, Pipeline, Policy, Postgres, SecretRef, WebService, Worker } from '../../lib';
import { nodeServiceFixture, tempDir, testApp } from '../support/synth';

export const SOURCE = nodeServiceFixture();

/** The settings every environment gives. */
export interface ClusterSettings extends EnvironmentSettings {
  readonly domain: string;
  readonly logLevel: string;
  readonly dbStorage: string;
}

/** dev, staging and two production clusters, in promotion order. */
export const FOUR_ENVIRONMENTS: Record<string, ClusterSettings> = {
  'dev': { namespace: 'web-dev', replicas: 1, domain: 'dev.example.com', logLevel: 'debug', dbStorage: '1Gi', secretStore: { name: 'vault-dev' } },
  'staging': { namespace: 'web-staging', replicas: 2, domain: 'staging.example.com', logLevel: 'info', dbStorage: '5Gi', secretStore: { name: 'vault' } },
  'prod-eu': {
    namespace: 'web-eu', replicas: 3, domain: 'eu.example.com', logLevel: 'info', dbStorage: '50Gi', secretStore: { name: 'vault-eu' },
    ingressClassName: 'nginx-eu', storageClassName: 'ssd-eu', autoscale: { max: 10 },
  },
  'prod-us': {
    namespace: 'web-us', replicas: 4, domain: 'us.example.com', logLevel: 'info', dbStorage: '80Gi', secretStore: { name: 'vault-us' },
    ingressClassName: 'nginx-us', storageClassName: 'gp3-us', autoscale: { max: 20, cpuUtilization: 60 },
    ingressController: { namespaceLabels: { 'kubernetes.io/metadata.name': 'ingress-us' } },
  },
};

/** What a test may change in the standard workloads of {@link standardWorkloads}. */
export interface Tweaks {
  readonly apiConfig?: (env: Environment<ClusterSettings>) => Record<string, string>;
}

/** The standard workloads of one environment. */
export function standardWorkloads(env: Environment<ClusterSettings>, image: Image, tweaks: Tweaks = {}): { api: WebService; mailer: Worker; db: Postgres } {
  const db = new Postgres(env, 'db', {
    storage: env.settings.dbStorage,
    password: SecretRef.external(`web/${env.name}/db-password`, { secretName: 'db-password', key: 'password' }),
  });
  Policy.exempt(db, 'production-replicas', 'a single Postgres primary; replication needs an operator');
  const api = new WebService(env, 'api', {
    image,
    host: `api.${env.settings.domain}`,
    config: tweaks.apiConfig?.(env) ?? { LOG_LEVEL: env.settings.logLevel, REGION: env.name },
    resources: env.production ? { cpu: { request: '500m' }, memory: { request: '512Mi', limit: '1Gi' } } : undefined,
    connectsTo: [db],
  });
  const mailer = new Worker(env, 'mailer', {
    image,
    command: ['node', 'mailer.js'],
    health: { exec: ['node', 'mailer.js', '--check'] },
    connectsTo: [db],
  });
  new CronTask(env, 'cleanup', { image, schedule: '0 3 * * *', command: ['node', 'cleanup.js'], connectsTo: [db] });
  return { api, mailer, db };
}

/**
 * A pipeline `web` on {@link FOUR_ENVIRONMENTS} with an image `api`; `define` runs in every
 * environment (by default: {@link standardWorkloads}).
 */
export function fourEnvironmentApp(
  define: (env: Environment<ClusterSettings>, image: Image) => void = (env, image) => { standardWorkloads(env, image); },
  options: { app?: App; environments?: Record<string, ClusterSettings> } = {},
): { app: App; pipeline: Pipeline<ClusterSettings> } {
  const app = options.app ?? testApp();
  const pipeline = new Pipeline<ClusterSettings>(app, 'web', { registry: 'ghcr.io/acme', environments: options.environments ?? FOUR_ENVIRONMENTS });
  const image = pipeline.image('api', ImageRecipe.node({ source: SOURCE, start: ['node', 'server.js'] }));
  pipeline.define((env) => define(env, image));
  return { app, pipeline };
}

/**
 * Writes the four-environment app, with a migration Job beside the standard workloads, to a new
 * temporary `dist/` folder and returns its path (the input of the diff and report CLI tests).
 */
export function synthFourEnvironmentsWithMigration(): string {
  const dist = path.join(tempDir(), 'dist');
  const { app } = fourEnvironmentApp((env, image) => {
    const { db } = standardWorkloads(env, image);
    new MigrationJob(env, 'migrate', { image, command: ['node', 'migrate.js'], waitCommand: ['node', 'migrate.js', '--wait'], connectsTo: [db] });
  }, { app: new App({ outdir: dist, printSummary: false }) });
  app.synth();
  return dist;
}

/** The error `app.render()` throws, or undefined. */
export function renderError(app: App): Error | undefined {
  try {
    app.render();
    return undefined;
  } catch (e) {
    return e as Error;
  }
}
