/**
 * Where prodpath's synth time goes, for one size N (default 1000):
 *
 *   npx tsx bench/profile.ts [--n=1000]              phase splits, GC time and memory
 *   npx tsx bench/profile.ts [--n=1000] --cpu-prof   also a V8 CPU profile of the prodpath case,
 *                                                     summed by package and by function (self time)
 *
 * The phases are those of `App.synth()`: constructing the app, `app.render()` and writing the
 * files atomically. Inside `render()`, the time spent in cdk8s's `Chart.toJson()` (cdk8s-plus
 * L2 -> L1 -> resolve -> sanitize and sort keys -> JSON patches) and in cdk8s's
 * prodpath's YAML writer is measured (the first by wrapping it for the duration of the call,
 * the second by writing the same objects again after the call); the rest of `render()` is prodpath's own checks (construct
 * validation, collision checks, policy and schema checks) and the image files.
 * Informational only: nothing in lib/ is changed.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { PerformanceObserver, type PerformanceEntry } from 'perf_hooks';
import { Chart } from 'cdk8s';
import { writeTreeAtomically } from '../lib/outputs/atomic-write';
import { stringifyDocuments } from '../lib/outputs/yaml';
import { buildProdpathApp } from './cases/prodpath';
import { parseArgs } from './support/child';
import { nodeServiceFixture, tempDir } from './support/fixture';
import { fmtMs, markdownTable } from './support/stats';

const MiB = 2 ** 20;

/** Time and GC time spent inside calls of a wrapped function. */
interface Spent {
  ms: number;
  calls: number;
  /** [start, end] of every call, on the performance.now() clock, to attribute GC pauses. */
  readonly spans: [number, number][];
}

/** Replaces `owner[key]` with a timing wrapper; returns the tally and a function that restores it. */
function instrument<O extends object, K extends keyof O>(owner: O, key: K): { spent: Spent; restore: () => void } {
  const original = owner[key] as unknown as (...a: unknown[]) => unknown;
  const spent: Spent = { ms: 0, calls: 0, spans: [] };
  const wrapped = function (this: unknown, ...args: unknown[]): unknown {
    const t0 = performance.now();
    try {
      return original.apply(this, args);
    } finally {
      const t1 = performance.now();
      spent.ms += t1 - t0;
      spent.calls += 1;
      spent.spans.push([t0, t1]);
    }
  };
  (owner as Record<K, unknown>)[key] = wrapped;
  return { spent, restore: () => { (owner as Record<K, unknown>)[key] = original; } };
}

/** Runs the phases in this process and prints tables. */
async function phases(n: number, root: string): Promise<void> {
  const gcs: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => gcs.push(...list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  const fixture = nodeServiceFixture(root);
  const outdir = path.join(root, 'dist');
  const memory: [string, NodeJS.MemoryUsage][] = [];
  const spans = new Map<string, [number, number][]>();
  const timed = <T>(name: string, fn: () => T): T => {
    const t0 = performance.now();
    const value = fn();
    spans.set(name, [[t0, performance.now()]]);
    memory.push([name, process.memoryUsage()]);
    return value;
  };

  const app = timed('construct', () => buildProdpathApp(n, outdir, fixture));
  const toJson = instrument(Chart.prototype, 'toJson');
  // The YAML writer is a module function (not patchable): keep each chart's objects and write
  // them again after render() to time it; render()'s own writing is subtracted from "the rest".
  const charts: unknown[][] = [];
  const original = Chart.prototype.toJson;
  Chart.prototype.toJson = function (this: Chart): any[] {
    const docs = original.call(this);
    charts.push(docs);
    return docs;
  };
  let files: Map<string, string>;
  try {
    files = timed('render', () => app.render());
  } finally {
    Chart.prototype.toJson = original;
    toJson.restore();
  }
  const t0 = performance.now();
  charts.forEach((docs) => stringifyDocuments(...docs));
  const stringify = { spent: { ms: performance.now() - t0, calls: charts.length, spans: [] as [number, number][] } };
  charts.length = 0;
  timed('write', () => writeTreeAtomically(outdir, files));

  // GC entries arrive asynchronously: let the observer catch up.
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  const gcIn = (list: readonly [number, number][]) => gcs.filter((g) => list.some(([a, b]) => g.startTime >= a && g.startTime < b)).reduce((sum, g) => sum + g.duration, 0);
  const total = (name: string) => spans.get(name)!.reduce((sum, [a, b]) => sum + b - a, 0);
  const renderMs = total('render');
  const objects = [...files.entries()].filter(([f]) => f.endsWith('.k8s.yaml')).reduce((sum, [, text]) => sum + (text.match(/^kind: /gm)?.length ?? 0), 0);
  const all = total('construct') + renderMs + total('write');
  const row = (name: string, ms: number, gc: number) => [name, fmtMs(ms), `${((100 * ms) / all).toFixed(0)}%`, fmtMs(gc)];
  const rest = renderMs - toJson.spent.ms - stringify.spent.ms;
  const restGc = gcIn(spans.get('render')!) - gcIn(toJson.spent.spans);
  console.log(`### prodpath synth phases at N=${n} (one process, ${objects} objects)\n`);
  console.log(markdownTable(['Phase', 'Time', 'Share', 'of which GC'], [
    row('construct (App, Pipeline, image, N x 3 WebServices)', total('construct'), gcIn(spans.get('construct')!)),
    row(`render: cdk8s toJson (${toJson.spent.calls} charts)`, toJson.spent.ms, gcIn(toJson.spent.spans)),
    row(`render: YAML writing (${stringify.spent.calls} files, timed again after render)`, stringify.spent.ms, gcIn(stringify.spent.spans)),
    row('render: the rest (validation, collision, policy and schema checks, image files)', rest, restGc),
    row('write (writeTreeAtomically)', total('write'), gcIn(spans.get('write')!)),
    row('total', all, gcIn([...spans.values()].flat())),
  ]));
  console.log('\nMemory after each phase:\n');
  console.log(markdownTable(['After', 'RSS', 'Heap used'], memory.map(([name, m]) => [name, `${(m.rss / MiB).toFixed(0)} MiB`, `${(m.heapUsed / MiB).toFixed(0)} MiB`])));
  console.log(`\nPeak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB\n`);
}

/** The parts of a V8 .cpuprofile this summary reads. */
interface CpuProfile {
  readonly nodes: readonly { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Which package (or part of prodpath) a script URL belongs to. */
function owner(url: string, functionName: string): string {
  if (url === '') {
    return functionName.startsWith('(') ? functionName : `V8/native: ${functionName}`;
  }
  if (url.includes('/cdk8s/node_modules/yaml/')) {
    return 'yaml (bundled in cdk8s)';
  }
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (m) {
    return m[1];
  }
  if (url.startsWith('node:')) {
    return 'node internals';
  }
  return url.includes('/lib/') ? 'prodpath lib/' : url.includes('/bench/') ? 'bench/' : url;
}

/** Runs the prodpath case under `--cpu-prof` and prints self time by package and by function. */
function cpuProfile(n: number, root: string): void {
  const fixture = nodeServiceFixture(root);
  const dir = path.join(root, 'cpu-prof');
  const r = spawnSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--import', 'tsx', path.join(__dirname, 'cases', 'prodpath.ts'),
    `--n=${n}`, `--outdir=${path.join(root, 'prof-dist')}`, `--fixture=${fixture}`], { cwd: path.resolve(__dirname, '..'), encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(`profiled run failed:\n${r.stderr}`);
  }
  // The main thread's profile; tsx's loader thread writes a second one.
  const file = fs.readdirSync(dir).filter((f) => /\.0\.\d+\.cpuprofile$/.test(f)).map((f) => path.join(dir, f))[0];
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byOwner = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const ms = (selfUs.get(node.id) ?? 0) / 1000;
    total += ms;
    const { functionName, url, lineNumber } = node.callFrame;
    const pkg = owner(url, functionName);
    byOwner.set(pkg, (byOwner.get(pkg) ?? 0) + ms);
    const short = url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(lib|bench)\//, '$1/');
    const fn = url === '' ? functionName : `${functionName || '(anonymous)'} ${short}:${lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
  }
  const top = (m: Map<string, number>, k: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k)
    .map(([name, ms]) => [name, fmtMs(ms), `${((100 * ms) / total).toFixed(1)}%`]);
  console.log(`### CPU profile of the prodpath case at N=${n} (whole process, self time, ${fmtMs(total)} sampled)\n`);
  console.log(markdownTable(['Package', 'Self time', 'Share'], top(byOwner, 12)));
  console.log('');
  console.log(markdownTable(['Function', 'Self time', 'Share'], top(byFunction, 20)));
  console.log('');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const n = Number(args.get('n') ?? 1000);
  if (!Number.isInteger(n) || n < 1) {
    throw new Error('--n must be a positive integer');
  }
  const root = tempDir('prodpath-profile-');
  try {
    await phases(n, root);
    if (args.has('cpu-prof')) {
      cpuProfile(n, root);
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
