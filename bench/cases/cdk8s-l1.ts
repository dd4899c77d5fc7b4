/**
 * Case: the same manifests written with raw cdk8s at the L1 level: every object is a plain
 * `ApiObject` (the level of `k8s.KubeDeployment` and friends, without their typed props) built
 * from the plain objects of bench/support/objects.ts, one Chart per environment, then
 * `app.synth()` with FILE_PER_CHART. It pays cdk8s's construct tree, resolve, key sorting and
 * `Yaml.stringify`, but none of cdk8s-plus-27's L2 rendering and no JSON patches.
 * No input checks, no policy checks.
 *
 * Arguments: --n=<services> --outdir=<folder to create> --image=<repository:tag>
 */
import { ApiObject, type ApiObjectProps, App, Chart, YamlOutputType } from 'cdk8s';
import { arg, intArg, runCase } from '../support/child';
import { ENV_NAMES } from '../support/model';
import { environmentObjects } from '../support/objects';

/** Builds the bench app from L1 objects; the caller synthesizes it. */
export function buildL1App(n: number, outdir: string, imageRef: string): App {
  const app = new App({ outdir, yamlOutputType: YamlOutputType.FILE_PER_CHART });
  for (const envName of ENV_NAMES) {
    // No chart namespace: each object carries its own (the Namespace object has none).
    const chart = new Chart(app, envName, { disableResourceNameHashes: true });
    environmentObjects(n, envName, imageRef).forEach((o, i) => new ApiObject(chart, `o${i}`, o as unknown as ApiObjectProps));
  }
  return app;
}

if (require.main === module) {
  runCase((args) => {
    buildL1App(intArg(args, 'n'), arg(args, 'outdir'), arg(args, 'image')).synth();
  });
}
