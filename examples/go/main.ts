/**
 * The Go example: a small net/http service built with ImageRecipe.go (a static binary,
 * cross-compiled in a build stage, alone in a scratch final stage) and deployed to dev and prod.
 *
 *   npx tsx examples/go/main.ts                           writes examples/go/dist
 *   npx prodpath build examples/go/dist --engine podman   builds the image, locks its digest
 *
 * The app root is this folder: the image source (`app`) and the lock file
 * (`prodpath.lock.json`) are relative to it.
 */
import * as path from 'path';
import { App, EnvironmentSettings, ImageRecipe, Pipeline, PipelineProps, WebService } from 'prodpath';

/** The settings every environment gives. */
interface SearchSettings extends EnvironmentSettings {
  /** The public domain of the environment. */
  readonly domain: string;
}

/**
 * Builds the example into `app`. Tests call this with their own App, and may move the app root
 * (a copy of this folder) or the lock file with `overrides`.
 */
export function buildSearch(app: App, overrides: Partial<PipelineProps<SearchSettings>> = {}): Pipeline<SearchSettings> {
  const pipeline = new Pipeline<SearchSettings>(app, 'search', {
    registry: 'ghcr.io/acme',
    appRoot: __dirname,
    environments: {
      dev: { namespace: 'search-dev', replicas: 1, domain: 'dev.acme.example.com' },
      prod: { namespace: 'search', replicas: 2, domain: 'acme.example.com' },
    },
    ...overrides,
  });

  const search = pipeline.image('search', ImageRecipe.go({
    source: 'app',
  }));

  pipeline.define((env) => {
    new WebService(env, 'search', {
      image: search,
      host: `search.${env.settings.domain}`,
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
  buildSearch(app);
  app.synth();
}
