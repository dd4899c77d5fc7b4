/**
 * The prodpath benchmark (issue 8): one run measures
 *
 *   1. prodpath's full synth of N web services x 3 environments (N = 10, 100, 1000);
 *   2. the same manifests from raw cdk8s-plus-27, from plain objects serialized with `yaml`
 *      (the floor) and from `kubectl kustomize` over a base and 3 overlays (N = 100, 1000),
 *      with the ratios prodpath / each, paired run by run;
 *   3. `npx cdk8s synth` end to end on the example app;
 *   4. context hashing throughput, prodpath against `cat | sha256sum`;
 *
 * and prints Markdown tables, ending with the issue's targets and whether each is met.
 * Every measured run is a fresh child process (bench/cases/<case>.ts, see
 * bench/support/child.ts). Missed targets are information, not failure: the exit status is
 * 1 only when a case crashed.
 *
 *   npx tsx bench/run.ts            full run (about 20 min on 2 cores, 13 of them kustomize at N = 1000)
 *   npx tsx bench/run.ts --quick    N = 10 and 100, 3 runs, a 64 MiB context (about a minute)
 *
 * Flags (bench/support/options.ts): --n 10,100,1000, --cases prodpath,cdk8s-plus,cdk8s-l1,...,
 * --runs K, --kustomize-runs K (timed kustomize runs at N = 1000, default 1: each takes many
 * minutes; 0 skips it), --only synth,cli,hash, --json FILE (bench/support/json-report.ts).
 * Every run reports wall time, CPU time (user + system of the child) and peak RSS.
 */
import { type ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { type CaseResult, RESULT_MARKER } from './support/child';
import { generateContext } from './support/context-gen';
import { nodeServiceFixture, tempDir } from './support/fixture';
import { writeKustomizeTree } from './support/kustomize-tree';
import { buildJsonReport, type SynthSample } from './support/json-report';
import { describeMachine, machineInfo } from './support/machine';
import { ENV_NAMES, IMAGE_NAME } from './support/model';
import { nodeArgsOfApp, type Options, parseOptions, type Stage, SYNTH_CASES, type SynthCase } from './support/options';
import { fmtKiB, fmtMs, fmtRatio, markdownTable, median, summarize } from './support/stats';
import { checkEquivalence, type Equivalence } from './support/verify';

const REPO_ROOT = path.resolve(__dirname, '..');
const CASES_DIR = path.join(__dirname, 'cases');
const MiB = 2 ** 20;

/**
 * The V8 option of the capped prodpath row: V8 lets the old space grow to about four times
 * what survived the last full collection before collecting again, so the default peak is
 * mostly garbage; a cap makes it collect sooner (see README "Benchmarks").
 */
const CAPPED_HEAP = '--max-old-space-size=256';

/** The node options of the init template's cdk8s.yaml: what a prodpath app runs with. */
const TEMPLATE_NODE_ARGS = nodeArgsOfApp(fs.readFileSync(path.join(REPO_ROOT, 'templates', 'init', 'app', 'cdk8s.yaml'), 'utf8'));

/** A case was stopped by Ctrl-C (or SIGTERM): stop everything and clean up. */
class Interrupted extends Error {}

/**
 * Signals. Every child runs in its own process group (so that kubectl or sha256sum started
 * by a case stop with it); on Ctrl-C or SIGTERM the runner forwards the signal to the
 * running child's group, the awaited run then throws Interrupted, and main's `finally`
 * removes the scratch folder (up to 1 GiB). The runner stays asynchronous while a child
 * runs, so tsx, which relays signals to it, sees them handled and does not kill it.
 */
let interrupted = false;
let running: ChildProcess | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    interrupted = true;
    if (running?.pid !== undefined) {
      try {
        process.kill(-running.pid, signal);
      } catch {
        // already gone
      }
    }
  });
}

/** What a finished child did. */
interface Exit {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command in its own process group and collects its output. */
function run(command: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Exit> {
  if (interrupted) {
    return Promise.reject(new Interrupted('interrupted'));
  }
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    running = child;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (status, signal) => {
      running = undefined;
      if (interrupted) {
        reject(new Interrupted(`${command} was interrupted`));
        return;
      }
      resolve({ status, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/**
 * The prodpath case and `prodpath check` run the compiled package (build/, as an app installs
 * it): refuse a missing build, or one older than a file of lib/, which would measure old code.
 */
function assertFreshBuild(): void {
  const built = path.join(REPO_ROOT, 'build', 'lib', 'index.js');
  if (!fs.existsSync(built)) {
    throw new Error('the prodpath cases run the compiled package: run npm run build first (npm run bench does)');
  }
  const builtAt = fs.statSync(built).mtimeMs;
  const newer = (fs.readdirSync(path.join(REPO_ROOT, 'lib'), { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts') && fs.statSync(path.join(REPO_ROOT, 'lib', f)).mtimeMs > builtAt);
  if (newer.length > 0) {
    throw new Error(`build/ is older than lib/${newer[0]}${newer.length > 1 ? ` and ${newer.length - 1} more` : ''}: run npm run build first (npm run bench does)`);
  }
}

/** The environment of every child: no CDK8S_* variable may change what cdk8s writes. */
const CHILD_ENV: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CDK8S_')));

const started = process.hrtime.bigint();
const elapsed = () => fmtMs(Number(process.hrtime.bigint() - started) / 1e6);
/** The 1-minute load average, sampled after every run: the benchmark itself keeps about one core busy. */
const loadSamples: number[] = [];
const progress = (msg: string) => {
  loadSamples.push(os.loadavg()[0]);
  process.stderr.write(`[${elapsed()}] ${msg}\n`);
};

/** Runs one case in a fresh `node --import tsx` process and returns what it reported. */
async function runCase(name: string, args: Readonly<Record<string, string | number>>, nodeArgs: readonly string[] = [], env: Readonly<Record<string, string>> = {}): Promise<CaseResult> {
  const argv = [...nodeArgs, '--import', 'tsx', path.join(CASES_DIR, `${name}.ts`), ...Object.entries(args).map(([k, v]) => `--${k}=${v}`)];
  const r = await run(process.execPath, argv, { cwd: REPO_ROOT, env: { ...CHILD_ENV, ...env } });
  const line = r.stdout.split('\n').find((l) => l.startsWith(RESULT_MARKER));
  if (r.status !== 0 || line === undefined) {
    throw new Error(`case ${name} failed (${r.status !== null ? `status ${r.status}` : `signal ${r.signal}`}):\n${r.stderr.trim().split('\n').slice(-15).join('\n')}`);
  }
  return JSON.parse(line.slice(RESULT_MARKER.length)) as CaseResult;
}

/** One timed run, with the round it belongs to (runs of the same round are paired). */
interface Sample {
  readonly round: number;
  readonly result: CaseResult;
}

/** Samples by `<case>@<size>`, and the cases that crashed. */
class Results {
  private readonly samples = new Map<string, Sample[]>();
  public readonly failures: string[] = [];

  add(key: string, round: number, result: CaseResult): void {
    this.samples.set(key, [...(this.samples.get(key) ?? []), { round, result }]);
  }

  get(key: string): readonly Sample[] {
    return this.samples.get(key) ?? [];
  }

  /** Ratios a/b of the wall times of runs from the same round. */
  paired(a: string, b: string, value: (r: CaseResult) => number = (r) => r.wallMs): number[] {
    const bs = new Map(this.get(b).map((s) => [s.round, value(s.result)]));
    return this.get(a).filter((s) => bs.has(s.round)).map((s) => value(s.result) / bs.get(s.round)!);
  }
}

/** One runnable case of a round. */
interface Planned {
  readonly key: string;
  readonly label: string;
  readonly caseName: string;
  readonly args: (outdir: string) => Record<string, string | number>;
  /** Options for node itself (before the script). */
  readonly nodeArgs?: readonly string[];
  /** Environment variables for the case, on top of the runner's. */
  readonly env?: Readonly<Record<string, string>>;
  /** Whether each run starts with an empty prodpath cache folder (PRODPATH_CODE_CACHE_DIR), as a first synth. */
  readonly emptyCaches?: boolean;
  /** Rounds this case takes part in (default: all). */
  readonly rounds?: number;
  readonly warmUp?: boolean;
}

/**
 * Runs a warm-up round (discarded) and `runs` timed rounds of the planned cases. Within a
 * round the order rotates, so no case always runs first or right after the same neighbour.
 */
async function runRounds(results: Results, scratch: string, runs: number, cases: readonly Planned[], title: string): Promise<void> {
  for (let round = -1; round < runs; round++) {
    const shift = Math.max(round, 0) % cases.length;
    const order = [...cases.slice(shift), ...cases.slice(0, shift)];
    for (const c of order) {
      if (round < 0 ? c.warmUp === false : round >= (c.rounds ?? runs)) {
        continue;
      }
      const outdir = path.join(scratch, `${c.caseName}-out`);
      fs.rmSync(outdir, { recursive: true, force: true });
      let env = c.env;
      if (c.emptyCaches === true) {
        const caches = path.join(scratch, `${c.caseName}-empty-caches`);
        fs.rmSync(caches, { recursive: true, force: true });
        env = { ...env, PRODPATH_CODE_CACHE_DIR: caches };
      }
      try {
        const r = await runCase(c.caseName, c.args(outdir), c.nodeArgs, env);
        if (round >= 0) {
          results.add(c.key, round, r);
        }
        progress(`${title} ${round < 0 ? 'warm-up' : `run ${round + 1}/${c.rounds ?? runs}`} ${c.label}: ${fmtMs(r.wallMs)}, ${fmtKiB(r.maxRssKiB)}`);
      } catch (e) {
        if (e instanceof Interrupted) {
          throw e;
        }
        results.failures.push(`${c.key}: ${e instanceof Error ? e.message : String(e)}`);
        progress(`${title} ${c.label} FAILED: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
      } finally {
        fs.rmSync(outdir, { recursive: true, force: true });
      }
    }
  }
}

/** The image reference prodpath gives the fixture image (read from its image.json). */
function imageRefOf(prodpathOut: string): string {
  return JSON.parse(fs.readFileSync(path.join(prodpathOut, 'images', IMAGE_NAME, 'image.json'), 'utf8')).image as string;
}

/** Synth stage: the equivalence check at N = 10, then every size's rounds. */
async function synthStage(opts: Options, results: Results, root: string): Promise<{ equivalence: Equivalence[]; output: Map<number, { bytes: number; objects: number }> }> {
  const fixture = nodeServiceFixture(root);
  const scratch = tempDir('synth-', root);

  // Untimed: render N = 10 with every tool and check they agree, which also gives the image tag.
  const check = tempDir('check-', root);
  const out = (name: string) => path.join(check, name);
  await runCase('prodpath', { n: 10, outdir: out('prodpath'), fixture });
  const image = imageRefOf(out('prodpath'));
  await runCase('cdk8s-plus', { n: 10, outdir: out('plus'), image });
  await runCase('cdk8s-l1', { n: 10, outdir: out('l1'), image });
  await runCase('yaml-floor', { n: 10, outdir: out('floor'), image });
  const withKustomize = opts.cases.includes('kustomize');
  if (withKustomize) {
    writeKustomizeTree(out('kustomize-tree'), 10, image);
    await runCase('kustomize', { tree: out('kustomize-tree'), outdir: out('kustomize') });
  }
  const equivalence = checkEquivalence({ prodpath: out('prodpath'), floor: out('floor'), plus: out('plus'), l1: out('l1'), kustomize: withKustomize ? out('kustomize') : undefined });
  fs.rmSync(check, { recursive: true, force: true });
  for (const e of equivalence) {
    progress(`equivalence at N=10: ${e.what}: ${e.detail}`);
  }

  const output = new Map<number, { bytes: number; objects: number }>();
  for (const n of opts.sizes) {
    const prodpathArgs = (outdir: string) => ({ n, outdir, fixture });
    // Each run changes one service's config (so its ConfigMap and Deployment, in every environment).
    let edits = 0;
    const changedArgs = (outdir: string) => ({ n, outdir, fixture, edit: `run-${++edits}` });
    const plusArgs = (outdir: string) => ({ n, outdir, image });
    const args: Record<string, (outdir: string) => Record<string, string | number>> = {
      'prodpath': prodpathArgs,
      'prodpath-node-defaults': prodpathArgs,
      'prodpath-first-synth': prodpathArgs,
      'prodpath-one-changed': changedArgs,
      'prodpath-capped': prodpathArgs,
      'cdk8s-plus': plusArgs,
      'cdk8s-plus-same-options': plusArgs,
      'cdk8s-l1': (outdir) => ({ n, outdir, image }),
      'yaml-floor': (outdir) => ({ n, outdir, image }),
    };
    const planned: Planned[] = [];
    for (const c of opts.cases) {
      if (c === 'kustomize') continue; // below
      // The capped row is about N = 1000's memory: elsewhere only when --cases names it.
      if (c === 'prodpath-capped' && n < 1000 && !opts.cappedEverywhere) continue;
      const caseName = c.startsWith('prodpath') ? 'prodpath' : c.startsWith('cdk8s-plus') ? 'cdk8s-plus' : c;
      const nodeArgs = c === 'prodpath-capped' ? [CAPPED_HEAP] : c === 'prodpath' || c === 'prodpath-first-synth' || c === 'prodpath-one-changed' || c === 'cdk8s-plus-same-options' ? TEMPLATE_NODE_ARGS : [];
      // prodpath's caches in node_modules/.cache/prodpath (the validators' code, the schema results,
      // the peer ranges) are written by the warm-up run and used by the timed ones, as by a second
      // synth; the first-synth case starts every run from an empty cache folder.
      planned.push({ key: `${c}@${n}`, label: SYNTH_CASES[c], caseName, args: args[c], nodeArgs, emptyCaches: c === 'prodpath-first-synth' });
    }
    // kustomize's build time grows with the square of the resource count: at N = 1000 a run
    // takes many minutes, so it runs fewer times (--kustomize-runs, 0 to skip it), without a
    // warm-up (kubectl is warm from N = 100).
    const slow = n >= 1000;
    if (withKustomize && opts.kustomizeSizes.includes(n) && !(slow && opts.kustomizeRunsAtMax === 0)) {
      const tree = path.join(root, `kustomize-${n}`);
      writeKustomizeTree(tree, n, image);
      planned.push({
        key: `kustomize@${n}`,
        label: SYNTH_CASES.kustomize,
        caseName: 'kustomize',
        args: (outdir) => ({ tree, outdir }),
        rounds: slow ? Math.min(opts.kustomizeRunsAtMax, opts.runs) : undefined,
        warmUp: !slow,
      });
    }
    await runRounds(results, scratch, opts.runs, planned, `N=${n}`);
    const floor = results.get(`yaml-floor@${n}`)[0] ?? results.get(`prodpath@${n}`)[0];
    if (floor !== undefined && floor.result.extra.bytes !== undefined) {
      output.set(n, { bytes: Number(floor.result.extra.bytes), objects: Number(floor.result.extra.objects) });
    }
    fs.rmSync(path.join(root, `kustomize-${n}`), { recursive: true, force: true });
  }
  return { equivalence, output };
}

/** Hash stage: generate the context once, warm the page cache, then paired rounds. */
async function hashStage(opts: Options, results: Results, root: string): Promise<{ files: number; bytes: number }> {
  const context = path.join(root, 'context');
  const list = path.join(root, 'context.list');
  progress(`generating a ${fmtKiB(opts.context.bytes / 1024)} / ${opts.context.files}-file build context`);
  const generated = generateContext(context, opts.context.bytes, opts.context.files);
  fs.writeFileSync(list, generated.files.map((f) => `${f}\0`).join(''));
  // One untimed pass so that both tools read from the page cache.
  await run('bash', ['-c', 'xargs -0 cat < "$1" > /dev/null', 'bash', list], { cwd: context });
  const scratch = tempDir('hash-', root);
  await runRounds(results, scratch, opts.runs, [
    { key: 'hash-prodpath', label: 'prodpath listContextFiles + hashContext', caseName: 'hash-prodpath', args: () => ({ context }) },
    { key: 'hash-sha256sum', label: 'xargs -0 cat | sha256sum', caseName: 'hash-sha256sum', args: () => ({ context, list }) },
  ], 'hash');
  fs.rmSync(context, { recursive: true, force: true });
  const hashed = results.get('hash-prodpath')[0]?.result.extra.bytes;
  if (hashed !== undefined && Number(hashed) !== generated.bytes) {
    results.failures.push(`hash-prodpath hashed ${hashed} bytes, but the context holds ${generated.bytes}`);
  }
  return { files: generated.files.length, bytes: generated.bytes };
}

/** `median (min–max)` of a list of ratios. */
function ratioCell(xs: readonly number[]): string {
  if (xs.length === 0) {
    return 'n/a';
  }
  const s = summarize(xs);
  return xs.length === 1 ? `${fmtRatio(s.median)} (1 pair)` : `${fmtRatio(s.median)} (${fmtRatio(s.min)}–${fmtRatio(s.max)})`;
}

function report(opts: Options, results: Results, extra: { equivalence: Equivalence[]; output: Map<number, { bytes: number; objects: number }>; context?: { files: number; bytes: number } }): string {
  const lines: string[] = [];
  const wall = (key: string) => results.get(key).map((s) => s.result.wallMs);
  const cpu = (key: string) => results.get(key).map((s) => s.result.cpuMs);
  const rss = (key: string) => results.get(key).map((s) => s.result.maxRssKiB);

  const flags = process.argv.slice(2).join(' ');
  lines.push(`## prodpath benchmark (${flags === '' ? 'full run' : flags}, ${new Date().toISOString().slice(0, 10)})`, '');
  lines.push(...describeMachine(machineInfo(REPO_ROOT)));
  // Other processes on the machine inflate wall times: the load average tells whether there were any
  // (the benchmark alone keeps it near 1). CPU times are much less sensitive to them.
  lines.push(`- 1-minute load average during the run: median ${median(loadSamples).toFixed(2)}, max ${Math.max(...loadSamples).toFixed(2)} (the benchmark alone keeps it near 1)`, '');

  if (opts.stages.has('synth')) {
    lines.push(`### Synth: N web services x 3 environments (${ENV_NAMES.join(', ')})`, '');
    lines.push(`Wall and CPU time (user + system of the child, all its threads) of the work in one fresh process (module loading excluded, shown as Load); median of ${opts.runs} runs after a warm-up. "prodpath" runs with the node options of the init template's cdk8s.yaml (\`${TEMPLATE_NODE_ARGS.join(' ') || 'none'}\`), the raw cases with node's defaults unless their name says otherwise.`, '');
    const rows: string[][] = [];
    for (const n of opts.sizes) {
      for (const c of opts.cases) {
        const key = `${c}@${n}`;
        const w = wall(key);
        if (w.length === 0) {
          if (c === 'prodpath-capped' && n < 1000 && !opts.cappedEverywhere) continue;
          if (c === 'kustomize' && !opts.kustomizeSizes.includes(n)) continue;
          const skipped = c === 'kustomize' && n >= 1000 && opts.kustomizeRunsAtMax === 0;
          rows.push([SYNTH_CASES[c], String(n), '0', skipped ? 'skipped' : 'failed', '', '', '', '', '', '']);
          continue;
        }
        const s = summarize(w);
        const r = summarize(rss(key));
        const load = median(results.get(key).map((x) => x.result.loadMs));
        rows.push([SYNTH_CASES[c], String(n), String(s.count), fmtMs(s.median), fmtMs(median(cpu(key))), fmtMs(s.min), fmtMs(s.max), fmtMs(load), fmtKiB(r.median), fmtKiB(r.max)]);
      }
    }
    lines.push(markdownTable(['Case', 'N', 'Runs', 'Wall (median)', 'CPU (median)', 'Wall min', 'Wall max', 'Load', 'Peak RSS (median)', 'Peak RSS (max)'], rows), '');
    const size = (n: number) => {
      const o = extra.output.get(n);
      return o === undefined ? '?' : `${o.objects.toLocaleString('en-US')} objects, ${(o.bytes / MiB).toFixed(1)} MiB of YAML`;
    };
    if (extra.output.size > 0) lines.push(`Output per N (3 environments): ${opts.sizes.map((n) => `N=${n}: ${size(n)}`).join('; ')}.`);
    if (opts.cases.includes('kustomize')) lines.push('kustomize\'s peak RSS and CPU time are those of its three kubectl processes (largest RSS, summed CPU).');
    lines.push('');

    lines.push('### Ratios prodpath / X, paired run by run (median of the per-run ratios, min–max)', '');
    const others = opts.cases.filter((c): c is Exclude<SynthCase, 'prodpath' | 'prodpath-capped'> => c !== 'prodpath' && c !== 'prodpath-capped');
    lines.push(markdownTable(['N', ...others.flatMap((c) => [`CPU / ${SYNTH_CASES[c]}`, `wall / ${SYNTH_CASES[c]}`])], opts.sizes.map((n) => [
      String(n),
      ...others.flatMap((c) => c === 'kustomize' && !opts.kustomizeSizes.includes(n) ? ['—', '—'] : [
        ratioCell(results.paired(`prodpath@${n}`, `${c}@${n}`, (r) => r.cpuMs)),
        ratioCell(results.paired(`prodpath@${n}`, `${c}@${n}`)),
      ]),
    ])), '');
    lines.push('Equivalence of the outputs, checked at N=10 before timing:', '');
    lines.push(...extra.equivalence.map((e) => `- ${e.what}: ${e.same ? '' : '**NOT EQUIVALENT**: '}${e.detail}`), '');
  }

  if (opts.stages.has('cli')) {
    lines.push('### The example app end to end: `npx cdk8s synth --check-upgrade=false` and `prodpath check dist` (repository root)', '');
    const row = (key: string, label: string) => {
      const w = wall(key);
      const s = summarize(w);
      return w.length === 0 ? [label, '0', 'failed', '', '', '', '']
        : [label, String(s.count), fmtMs(s.median), fmtMs(median(cpu(key))), fmtMs(s.min), fmtMs(s.max), fmtKiB(median(rss(key)))];
    };
    lines.push(markdownTable(['Command', 'Runs', 'Wall (median)', 'CPU (median)', 'Wall min', 'Wall max', 'Peak RSS (largest process)'], [
      row('cdk8s-cli', 'npx cdk8s synth'),
      row('prodpath-check-first', 'node bin/prodpath.js check dist (first check)'),
      row('prodpath-check', 'node bin/prodpath.js check dist (repeated: the kept result)'),
    ]), '');
  }

  if (opts.stages.has('hash') && extra.context !== undefined) {
    const ctx = extra.context;
    lines.push(`### Context hashing: ${ctx.files.toLocaleString('en-US')} files, ${fmtKiB(ctx.bytes / 1024)} (${(ctx.bytes / 1e6).toFixed(0)} MB), from the page cache`, '');
    const mbps = (r: CaseResult) => ctx.bytes / 1e6 / (r.wallMs / 1000);
    const rows = (['hash-prodpath', 'hash-sha256sum'] as const).map((key) => {
      const samples = results.get(key);
      if (samples.length === 0) {
        return [key, '0', 'failed', '', '', ''];
      }
      const t = summarize(samples.map((x) => x.result.wallMs));
      const m = summarize(samples.map((x) => mbps(x.result)));
      const label = key === 'hash-prodpath' ? 'prodpath listContextFiles + hashContext' : 'xargs -0 cat | sha256sum';
      return [label, String(t.count), fmtMs(t.median), `${m.median.toFixed(0)} MB/s`, `${m.min.toFixed(0)}–${m.max.toFixed(0)} MB/s`, fmtKiB(median(samples.map((x) => x.result.maxRssKiB)))];
    });
    lines.push(markdownTable(['Tool', 'Runs', 'Median time', 'Throughput (median)', 'Throughput (min–max)', 'Peak RSS'], rows), '');
    const p = results.get('hash-prodpath').map((x) => x.result.extra);
    if (p.length > 0) {
      lines.push(`prodpath's split (medians): listing ${fmtMs(median(p.map((e) => Number(e.listMs))))}, hashing ${fmtMs(median(p.map((e) => Number(e.hashMs))))}.`);
    }
    lines.push(`prodpath / sha256sum throughput, paired: ${ratioCell(results.paired('hash-sha256sum', 'hash-prodpath'))}.`, '');
  }

  // The issue's targets: information only, never a failure.
  lines.push('### Targets (issue 16)', '');
  const targets: string[][] = [];
  const met = (ok: boolean | undefined) => (ok === undefined ? 'not measured' : ok ? 'yes' : 'no');
  if (opts.stages.has('synth') && opts.cases.includes('prodpath') && opts.cases.includes('cdk8s-plus')) {
    for (const [n, goal] of [[10, 1.0], [100, 0.8], [1000, 0.35]] as const) {
      const r = results.paired(`prodpath@${n}`, `cdk8s-plus@${n}`, (x) => x.cpuMs);
      const same = results.paired(`prodpath@${n}`, `cdk8s-plus-same-options@${n}`, (x) => x.cpuMs);
      const defaults = results.paired(`prodpath-node-defaults@${n}`, `cdk8s-plus@${n}`, (x) => x.cpuMs);
      const also = [same.length ? `${fmtRatio(median(same))} if raw cdk8s-plus-27 also had prodpath's node options` : '', defaults.length ? `${fmtRatio(median(defaults))} with node's defaults for both` : ''].filter(Boolean);
      targets.push([`prodpath / raw cdk8s-plus-27 CPU time, N=${n}`, `≤ ${goal.toFixed(2)}x`, r.length ? `${fmtRatio(median(r))} (paired median${also.length ? `; ${also.join('; ')}` : ''})` : 'n/a', r.length ? met(median(r) <= goal) : 'not measured']);
    }
    for (const n of opts.sizes) {
      const ours = rss(`prodpath@${n}`);
      const plus = rss(`cdk8s-plus@${n}`);
      if (ours.length === 0 || plus.length === 0) continue;
      targets.push([`prodpath peak RSS ≤ raw cdk8s-plus-27's, N=${n}`, `≤ ${fmtKiB(median(plus))}`, `${fmtKiB(median(ours))} (median; max ${fmtKiB(Math.max(...ours))})`, met(median(ours) <= median(plus))]);
    }
    const peak = rss('prodpath@1000');
    if (peak.length > 0) targets.push(['prodpath peak RSS, N=1000', '≤ 400 MiB', `${fmtKiB(Math.max(...peak))}, max of ${peak.length} runs`, met(Math.max(...peak) <= 400 * 1024)]);
  }
  if (opts.stages.has('cli')) {
    const w = wall('cdk8s-cli');
    targets.push(['`npx cdk8s synth` of the example, end to end (idle machine)', '≤ 1.5 s', w.length ? `${fmtMs(median(w))} wall, ${fmtMs(median(cpu('cdk8s-cli')))} CPU` : 'n/a', w.length ? met(median(w) <= 1500) : 'not measured']);
    for (const [key, what] of [['prodpath-check-first', 'a first check'], ['prodpath-check', 'a repeated check (the kept result)']]) {
      const c = wall(key);
      targets.push([`\`prodpath check\` of the example, end to end (idle machine), ${what}`, '≤ 0.3 s', c.length ? `${fmtMs(median(c))} wall, ${fmtMs(median(cpu(key)))} CPU` : 'n/a', c.length ? met(median(c) <= 300) : 'not measured']);
    }
  }
  if (opts.stages.has('hash') && extra.context !== undefined) {
    const h = results.paired('hash-sha256sum', 'hash-prodpath');
    const size = opts.quick ? `; on ${fmtKiB(extra.context.bytes / 1024)} / ${extra.context.files} files, not 1 GiB` : '';
    targets.push(['context hashing throughput vs `cat | sha256sum`', '≥ 0.5x', h.length ? `${fmtRatio(median(h))}${size}` : 'n/a', h.length ? met(median(h) >= 0.5) : 'not measured']);
  }
  lines.push(markdownTable(['Target', 'Goal', 'Measured', 'Met'], targets), '');
  const largest = Math.max(...opts.sizes);
  if (opts.cases.includes('kustomize') && opts.kustomizeSizes.includes(largest) && largest >= 1000 && opts.stages.has('synth')) {
    lines.push(opts.kustomizeRunsAtMax === 0 ? `kustomize at N=${largest} was skipped (--kustomize-runs=0).`
      : `kustomize at N=${largest} ran ${results.get(`kustomize@${largest}`).length} time(s) without a warm-up (its build time grows with the square of the resource count; --kustomize-runs=K for more).`);
  }
  lines.push(`Total benchmark time: ${elapsed()}.`);
  return lines.join('\n');
}

/**
 * Removes scratch folders that earlier runs could not remove (killed with SIGKILL, say):
 * they are named after the runner's pid, and that process is gone.
 */
function removeStaleScratch(): void {
  for (const entry of fs.readdirSync(os.tmpdir())) {
    const pid = Number(/^prodpath-bench-(\d+)-/.exec(entry)?.[1]);
    if (!pid || pid === process.pid) {
      continue;
    }
    try {
      process.kill(pid, 0);
    } catch {
      fs.rmSync(path.join(os.tmpdir(), entry), { recursive: true, force: true });
    }
  }
}

async function main(): Promise<number> {
  const opts = parseOptions(process.argv.slice(2));
  removeStaleScratch();
  const root = tempDir(`prodpath-bench-${process.pid}-`);
  const results = new Results();
  progress(`scratch folder ${root}`);
  try {
    let synth: { equivalence: Equivalence[]; output: Map<number, { bytes: number; objects: number }> } = { equivalence: [], output: new Map() };
    let context: { files: number; bytes: number } | undefined;
    // A stage that crashes is recorded and the next stage still runs.
    const stage = async (name: Stage, fn: () => Promise<void>) => {
      if (!opts.stages.has(name)) {
        return;
      }
      try {
        await fn();
      } catch (e) {
        if (e instanceof Interrupted) {
          throw e;
        }
        results.failures.push(`${name} stage: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
        progress(`${name} stage FAILED: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
      }
    };
    await stage('synth', async () => {
      assertFreshBuild();
      synth = await synthStage(opts, results, root);
    });
    await stage('cli', () => {
      assertFreshBuild();
      return runRounds(results, tempDir('cli-', root), opts.runs, [
        { key: 'cdk8s-cli', label: 'npx cdk8s synth', caseName: 'cdk8s-cli', args: () => ({ root: REPO_ROOT }) },
        { key: 'prodpath-check-first', label: 'prodpath check dist (first check)', caseName: 'prodpath-check', args: () => ({ root: REPO_ROOT, first: 1 }) },
        { key: 'prodpath-check', label: 'prodpath check dist (repeated)', caseName: 'prodpath-check', args: () => ({ root: REPO_ROOT }) },
      ], 'cli');
    });
    await stage('hash', async () => {
      context = await hashStage(opts, results, root);
    });
    process.stdout.write(`${report(opts, results, { ...synth, context })}\n`);
    if (opts.json !== undefined) {
      const samples: SynthSample[] = [];
      for (const n of opts.sizes) {
        for (const c of opts.cases) {
          for (const x of results.get(`${c}@${n}`)) samples.push({ case: c, n, round: x.round, wallMs: x.result.wallMs, cpuMs: x.result.cpuMs, maxRssKiB: x.result.maxRssKiB });
        }
      }
      fs.writeFileSync(opts.json, `${JSON.stringify(buildJsonReport(machineInfo(REPO_ROOT), loadSamples, os.cpus().length, samples), null, 2)}\n`);
      progress(`wrote ${opts.json}`);
    }
  } catch (e) {
    if (e instanceof Interrupted) {
      progress('interrupted');
      return 130;
    }
    throw e;
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  if (results.failures.length > 0) {
    process.stderr.write(`\n${results.failures.length} case run(s) crashed:\n${results.failures.map((f) => `- ${f}`).join('\n')}\n`);
    return 1;
  }
  return 0;
}

main().then((code) => {
  process.exitCode = code;
}, (e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
