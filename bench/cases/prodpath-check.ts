/**
 * Case: `prodpath check dist` on the example app's committed output, end to end as a user runs
 * it in CI: `node bin/prodpath.js check dist` (the compiled CLI: run `npm run build` first),
 * measured with GNU time (wall time here is the whole command, start-up included).
 *
 * A check of a folder, options and code that did not change since a kept check gives the kept
 * result (lib/cli/check-kept.ts): the plain case measures that, a repeated check. With
 * `--first=1` the kept results are removed first (untimed), so the check reads and checks every
 * file, as the first check after a synth does; the validators' code cache and the schema results
 * the synth kept stay, as they would.
 *
 * Arguments: --root=<repository root> [--first=1]
 */
import * as path from 'path';
import { forgetKeptChecks } from '../../lib/cli/check-kept';
import { arg, runCase } from '../support/child';
import { execMeasured } from '../support/exec';

// Before the timed work: the kept results go when this run is to be a first check. The runner
// starts every case in the repository root, whose node_modules holds the CLI's cache folder.
if (process.argv.includes('--first=1')) forgetKeptChecks();

runCase((args) => {
  const root = arg(args, 'root');
  const r = execMeasured(process.execPath, [path.join(root, 'bin', 'prodpath.js'), 'check', 'dist'], { cwd: root });
  return { externalMaxRssKiB: r.maxRssKiB, externalCpuMs: r.cpuMs };
});
