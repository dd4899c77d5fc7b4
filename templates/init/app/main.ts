/**
 * __NAME__: one web service, built once and deployed to dev, staging and prod. The environments
 * differ only where this file says they do.
 *
 *   npm run synth     writes dist/ (Dockerfile, manifests per environment, Compose for dev)
 *   npm test          renders the app in memory and checks it (test/main.test.ts)
 */
import { App, EnvironmentSettings, ImageRecipe, Pipeline, WebService } from 'prodpath';

/** The settings every environment gives: add your own here, and TypeScript asks for them in each one. */
export interface Settings extends EnvironmentSettings {
  /** The public domain the environment is served under. */
  readonly domain: string;
  /** The log level of the service. */
  readonly logLevel: 'debug' | 'info';
}

/** Builds the app. `npm run synth` runs it with a plain App; the test with `Testing.app()`. */
export function buildApp(app: App): Pipeline<Settings> {
  const pipeline = new Pipeline<Settings>(app, '__NAME__', {
    registry: '__REGISTRY__',
    environments: {
      dev: { namespace: '__NAME__-dev', replicas: 1, domain: 'dev.__NAME__.example.com', logLevel: 'debug' },
      staging: { namespace: '__NAME__-staging', replicas: 2, domain: 'staging.__NAME__.example.com', logLevel: 'info' },
      prod: { namespace: '__NAME__', replicas: 3, domain: '__NAME__.example.com', logLevel: 'info' },
    },
  });

  const web = pipeline.image('web', __RECIPE__);

  pipeline.define((env) => {
    new WebService(env, 'web', {
      image: web,
      host: `web.${env.settings.domain}`,
      health: { path: '/healthz' },
      config: { LOG_LEVEL: env.settings.logLevel },
    });
  });
  return pipeline;
}

if (require.main === module) {
  const app = new App();
  buildApp(app);
  app.synth();
}
