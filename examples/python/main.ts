/**
 * The Python example: a small standard-library HTTP service built with ImageRecipe.python
 * (a virtualenv built in one stage, copied into a slim final stage) and deployed to dev and prod.
 *
 *   npx tsx examples/python/main.ts                           writes examples/python/dist
 *   npx prodpath build examples/python/dist --engine podman   builds the image, locks its digest
 *
 * The app root is this folder: the image source (`app`) and the lock file
 * (`prodpath.lock.json`) are relative to it.
 */
import * as path from 'path';
import { App, EnvironmentSettings, ImageRecipe, Pipeline, PipelineProps, WebService } from 'prodpath';

/** The settings every environment gives. */
interface CatalogSettings extends EnvironmentSettings {
  /** The public domain of the environment. */
  readonly domain: string;
}

/**
 * Builds the example into `app`. Tests call this with their own App, and may move the app root
 * (a copy of this folder) or the lock file with `overrides`.
 */
export function buildCatalog(app: App, overrides: Partial<PipelineProps<CatalogSettings>> = {}): Pipeline<CatalogSettings> {
  const pipeline = new Pipeline<CatalogSettings>(app, 'catalog', {
    registry: 'ghcr.io/acme',
    appRoot: __dirname,
    environments: {
      dev: { namespace: 'catalog-dev', replicas: 1, domain: 'dev.acme.example.com' },
      prod: { namespace: 'catalog', replicas: 2, domain: 'acme.example.com' },
    },
    ...overrides,
  });

  const catalog = pipeline.image('catalog', ImageRecipe.python({
    source: 'app',
    start: ['python', 'app.py'],
  }));

  pipeline.define((env) => {
    new WebService(env, 'catalog', {
      image: catalog,
      host: `catalog.${env.settings.domain}`,
      health: { path: '/healthz' },
      config: { GREETING: `hello from ${env.name}` },
    });
  });
  return pipeline;
}

/** Where this example writes its output. */
export const OUTDIR = path.join(__dirname, 'dist');

if (require.main === module) {
  const app = new App({ outdir: OUTDIR });
  buildCatalog(app);
  app.synth();
}
