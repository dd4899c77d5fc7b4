/**
 * Case: prodpath's full synth of N web services x 3 environments.
 *
 * Timed: constructing the App, the Pipeline, the image (which renders its Dockerfile and
 * hashes its small context), N WebServices per environment (with config, health and host:
 * whatever objects prodpath makes of them), then `app.synth()`: everything it does (checks,
 * rendering every file in memory, policy checks) and writing the files atomically to `--outdir`.
 *
 * prodpath is loaded as an app installs it: the compiled package (`build/lib`, from
 * `npm run build`), not the TypeScript source compiled on the fly by tsx (which costs the
 * source path about 100 ms more CPU per cold run at N=10). cdk8s-plus-27 is compiled JavaScript
 * in node_modules too, so both sides load the same kind of code.
 *
 * Arguments: --n=<services> --outdir=<folder to create> --fixture=<node service folder> [--edit=<text>]
 * (`--edit`: the first service's config holds the text, so runs with different texts each
 * change one service since the previous synth: the `prodpath-one-changed` case)
 */
import * as fs from 'fs';
import * as path from 'path';
import type * as Prodpath from '../../lib';
import { configOf, ENVIRONMENTS, hostOf, HEALTH_PATH, IMAGE_NAME, PIPELINE, REGISTRY, serviceNames, type BenchSettings } from '../support/model';
import { arg, intArg, runCase } from '../support/child';

/** The compiled prodpath package (`npm run build`); bench/run.ts refuses a build older than lib/. */
export function prodpathPackage(): typeof Prodpath {
  const main = path.join(__dirname, '..', '..', 'build', 'lib', 'index.js');
  if (!fs.existsSync(main)) {
    throw new Error('the prodpath case runs the compiled package, as an app installs it: run npm run build first');
  }
  return require(main) as typeof Prodpath;
}

/**
 * Builds the bench app with prodpath; the caller synthesizes it.
 * @param edit when given, the first service's config holds it: a run with another edit changes
 * that service (its ConfigMap and Deployment in every environment) since the last synth
 */
export function buildProdpathApp(n: number, outdir: string, fixture: string, edit?: string): Prodpath.App {
  const { App, ImageRecipe, Pipeline, WebService } = prodpathPackage();
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
        config: edit !== undefined && name === names[0] ? { ...configOf(name, env.name, env.settings), EDIT: edit } : configOf(name, env.name, env.settings),
      });
    }
  });
  return app;
}

if (require.main === module) {
  // Loaded before the timed work, as the raw cases load cdk8s-plus-27 with their imports.
  prodpathPackage();
  runCase((args) => {
    const app = buildProdpathApp(intArg(args, 'n'), arg(args, 'outdir'), arg(args, 'fixture'), args.get('edit'));
    app.synth();
  });
}
