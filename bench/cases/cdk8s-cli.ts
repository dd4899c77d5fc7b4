/**
 * Case: `npx cdk8s synth --check-upgrade=false` end to end on the example app, from the
 * repository root (the CLI reads cdk8s.yaml, empties .cdk8s.out/, runs
 * `npx tsx examples/shop/main.ts`, which writes dist/ and the CLI's copy). Timed: the whole
 * command, npx start-up included. Peak RSS: the largest process of the command (GNU time).
 *
 * Arguments: --root=<repository root>
 */
import { arg, runCase } from '../support/child';
import { execMeasured } from '../support/exec';

runCase((args) => {
  const env = { ...process.env };
  // The CLI sets CDK8S_OUTDIR for the app itself; an inherited one must not leak in.
  delete env.CDK8S_OUTDIR;
  const r = execMeasured('npx', ['cdk8s', 'synth', '--check-upgrade=false'], { cwd: arg(args, 'root'), env });
  return { externalMaxRssKiB: r.maxRssKiB, externalCpuMs: r.cpuMs };
});
