/**
 * Case: `prodpath check dist` on the example app's committed output, end to end as a user runs
 * it in CI: `node bin/prodpath.js check dist` (the compiled CLI: run `npm run build` first),
 * measured with GNU time (wall time here is the whole command, start-up included).
 *
 * Arguments: --root=<repository root>
 */
import * as path from 'path';
import { arg, runCase } from '../support/child';
import { execMeasured } from '../support/exec';

runCase((args) => {
  const root = arg(args, 'root');
  const r = execMeasured(process.execPath, [path.join(root, 'bin', 'prodpath.js'), 'check', 'dist'], { cwd: root });
  return { externalMaxRssKiB: r.maxRssKiB, externalCpuMs: r.cpuMs };
});
