/**
 * The static-site example: plain files served by BusyBox httpd (ImageRecipe.staticSite), as a
 * numeric non-root user from a read-only root filesystem, deployed to dev and prod.
 *
 *   npx tsx examples/static/main.ts                           writes examples/static/dist
 *   npx prodpath build examples/static/dist --engine podman   builds the image, locks its digest
 *
 * The app root is this folder: the image source (`site`) and the lock file
 * (`prodpath.lock.json`) are relative to it.
 */
import * as path from 'path';
import { App, EnvironmentSettings, ImageRecipe, Pipeline, PipelineProps, WebService } from 'prodpath';

/** The settings every environment gives. */
interface DocsSettings extends EnvironmentSettings {
  /** The public domain of the environment. */
  readonly domain: string;
}

/**
 * Builds the example into `app`. Tests call this with their own App, and may move the app root
 * (a copy of this folder) or the lock file with `overrides`.
 */
export function buildDocs(app: App, overrides: Partial<PipelineProps<DocsSettings>> = {}): Pipeline<DocsSettings> {
  const pipeline = new Pipeline<DocsSettings>(app, 'docs', {
    registry: 'ghcr.io/acme',
    appRoot: __dirname,
    environments: {
      dev: { namespace: 'docs-dev', replicas: 1, domain: 'dev.acme.example.com' },
      prod: { namespace: 'docs', replicas: 2, domain: 'acme.example.com' },
    },
    ...overrides,
  });

  const docs = pipeline.image('docs', ImageRecipe.staticSite({
    source: 'site',
  }));

  pipeline.define((env) => {
    new WebService(env, 'docs', {
      image: docs,
      host: `docs.${env.settings.domain}`,
      health: { path: '/' },
    });
  });
  return pipeline;
}

/** Where this example writes its output. */
export const OUTDIR = path.join(__dirname, 'dist');

if (require.main === module) {
  const app = new App({ outdir: OUTDIR });
  buildDocs(app);
  app.synth();
}
