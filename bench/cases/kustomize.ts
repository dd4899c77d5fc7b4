/**
 * Case: `kubectl kustomize overlays/<env>` for the three environments, one after the other,
 * over the base and overlays that bench/support/kustomize-tree.ts wrote (the runner writes
 * them once per N, outside the timing). Each environment's output goes to a file, as
 * prodpath writes files. Timed: the three kubectl runs together. Peak RSS: the largest of
 * the three kubectl processes (from GNU time), not this driver.
 *
 * Arguments: --tree=<folder with base/ and overlays/> --outdir=<folder to create>
 */
import * as fs from 'fs';
import * as path from 'path';
import { arg, runCase } from '../support/child';
import { execMeasured } from '../support/exec';
import { ENV_NAMES } from '../support/model';

runCase((args) => {
  const tree = arg(args, 'tree');
  const outdir = arg(args, 'outdir');
  fs.mkdirSync(outdir, { recursive: true });
  let peak = 0;
  let cpu = 0;
  for (const env of ENV_NAMES) {
    const r = execMeasured('kubectl', ['kustomize', path.join('overlays', env)], { cwd: tree, stdoutFile: path.join(outdir, `${env}.yaml`) });
    peak = Math.max(peak, r.maxRssKiB ?? 0);
    cpu += r.cpuMs ?? 0;
  }
  return { externalMaxRssKiB: peak > 0 ? peak : undefined, externalCpuMs: cpu > 0 ? cpu : undefined };
});
