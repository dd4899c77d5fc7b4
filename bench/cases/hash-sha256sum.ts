/**
 * Case: the baseline for context hashing: `xargs -0 cat < <list> | sha256sum` over the same
 * files, in the same (byte-sorted) order, run by bash with pipefail. Timed: the pipeline.
 *
 * Arguments: --context=<folder> --list=<file of NUL-separated paths relative to the context>
 */
import { arg, runCase } from '../support/child';
import { execMeasured } from '../support/exec';

runCase((args) => {
  const r = execMeasured('bash', ['-c', 'set -o pipefail; xargs -0 cat < "$1" | sha256sum', 'bash', arg(args, 'list')], { cwd: arg(args, 'context') });
  return { externalMaxRssKiB: r.maxRssKiB, externalCpuMs: r.cpuMs };
});
