/**
 * The shop example: one Node.js API, built once into an image and deployed to dev,
 * staging and prod, which differ only where this file says they do.
 *
 * Synthesize it from the repository root with `npx cdk8s synth` (see cdk8s.yaml).
 */
import * as path from 'path';
import { App, EnvironmentSettings, ImageRecipe, Pipeline, WebService } from 'prodpath';

/** The settings every environment of the shop gives. */
interface ShopSettings extends EnvironmentSettings {
  /** The public domain the environment is served under. */
  readonly domain: string;
  /** The log level of the services. */
  readonly logLevel: 'debug' | 'info';
}

/**
 * Builds the shop app. Tests call this with their own outdir; `cdk8s synth` runs the file.
 */
export function buildShop(app: App): Pipeline<ShopSettings> {
  const pipeline = new Pipeline<ShopSettings>(app, 'shop', {
    registry: 'ghcr.io/acme',
    environments: {
      dev: { namespace: 'shop-dev', replicas: 1, domain: 'dev.shop.example.com', logLevel: 'debug' },
      staging: { namespace: 'shop-staging', replicas: 2, domain: 'staging.shop.example.com', logLevel: 'info' },
      prod: { namespace: 'shop', replicas: 3, domain: 'shop.example.com', logLevel: 'info' },
    },
  });

  const api = pipeline.image('api', ImageRecipe.node({
    source: path.relative(process.cwd(), path.join(__dirname, 'services', 'api')),
    build: 'npm run build',
    start: ['node', 'dist/server.js'],
  }));

  pipeline.define((env) => {
    new WebService(env, 'api', {
      image: api,
      host: `api.${env.settings.domain}`,
      health: { path: '/healthz' },
      config: {
        LOG_LEVEL: env.settings.logLevel,
        GREETING: env.is('prod') ? 'Welcome to the shop' : `hello from ${env.name}`,
      },
      resources: env.production ? { cpu: { request: '250m' }, memory: { request: '256Mi', limit: '512Mi' } } : undefined,
    });
  });
  return pipeline;
}

if (require.main === module) {
  const app = new App();
  buildShop(app);
  app.synth();
}
