/**
 * Case: prodpath's context hashing (lib/images/context.ts) over a generated build context:
 * `listContextFiles` (walk, ignore rules, lstat, sort) then `hashContext` (SHA-256 over
 * every file's path, mode and bytes). Timed: both; the split is reported too.
 *
 * Arguments: --context=<folder>
 */
import { hashContext, IgnoreRules, listContextFiles } from '../../lib/images/context';
import { arg, msSince, runCase } from '../support/child';

runCase((args) => {
  const context = arg(args, 'context');
  // The ignore rules of a typical Node context; none of them matches a generated file,
  // but every path is still checked against them, as in a real synth.
  const rules = new IgnoreRules(['.git', 'node_modules', 'npm-debug.log', '.dockerignore', 'Dockerfile*', '*.env', '.env*']);
  const listStart = process.hrtime.bigint();
  const files = listContextFiles(context, rules);
  const listMs = msSince(listStart);
  const hashStart = process.hrtime.bigint();
  const digest = hashContext(context, files, ['FROM scratch\n', '.git\n']);
  const hashMs = msSince(hashStart);
  const bytes = files.reduce((n, f) => n + f.size, 0);
  return { extra: { files: files.length, bytes, listMs, hashMs, digest } };
});
