/**
 * Case: prodpath's full synth of N web services x 3 environments.
 *
 * Timed: constructing the App, the Pipeline, the image (which renders its Dockerfile and
 * hashes its small context), N WebServices per environment (with config, health and host:
 * whatever objects prodpath makes of them), then `app.synth()`: everything it does (checks,
 * rendering every file in memory, policy checks) and writing the files atomically to `--outdir`.
 *
 * Arguments: --n=<services> --outdir=<folder to create> --fixture=<node service folder>
 */
import { App, ImageRecipe, Pipeline, WebService } from '../../lib';
import { configOf, ENVIRONMENTS, hostOf, HEALTH_PATH, IMAGE_NAME, PIPELINE, REGISTRY, serviceNames, type BenchSettings } from '../support/model';
import { arg, intArg, runCase } from '../support/child';

/** Builds the bench app with prodpath; the caller synthesizes it. */
export function buildProdpathApp(n: number, outdir: string, fixture: string): App {
  const app = new App({ outdir, printSummary: false });
  const pipeline = new Pipeline<BenchSettings>(app, PIPELINE, { registry: REGISTRY, environments: ENVIRONMENTS });
  const image = pipeline.image(IMAGE_NAME, ImageRecipe.node({ source: fixture, start: ['node', 'server.js'] }));
  const names = serviceNames(n);
  pipeline.define((env) => {
    for (const name of names) {
      new WebService(env, name, {
        image,
        host: hostOf(name, env.settings),
        health: { path: HEALTH_PATH },
        config: configOf(name, env.name, env.settings),
      });
    }
  });
  return app;
}

if (require.main === module) {
  runCase((args) => {
    const app = buildProdpathApp(intArg(args, 'n'), arg(args, 'outdir'), arg(args, 'fixture'));
    app.synth();
  });
}
