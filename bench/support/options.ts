/**
 * The runner's command line (bench/run.ts), as a pure function so that a test can check it.
 *
 *   --n 10,100,1000           sizes (N web services x 3 environments); default 10,100,1000 (--quick: 10,100)
 *   --cases prodpath,cdk8s-plus,cdk8s-l1   synth cases to run; default all of SYNTH_CASE_IDS
 *                             except prodpath-capped, which runs at N >= 1000 by default
 *   --runs K                  timed runs per case and size, after one warm-up (default 5, --quick 3)
 *   --kustomize-runs K        timed kustomize runs at N >= 1000 (default 1; 0 skips it)
 *   --only synth,cli,hash     stages to run (default all)
 *   --json FILE               also write the figures as JSON (see bench/support/json-report.ts)
 *   --quick                   N = 10 and 100, 3 runs, a 64 MiB context
 *
 * A value may follow its flag after `=` or as the next argument (`--n=10,100` or `--n 10,100`).
 *
 * The `prodpath` case runs under the node options of the init template's cdk8s.yaml (what a
 * prodpath app runs with, see {@link nodeArgsOfApp}); `prodpath-node-defaults` runs without
 * them, and `cdk8s-plus-same-options` runs raw cdk8s-plus-27 with them, so both comparisons show.
 */

/** The synth cases, in table order, with their display names. */
export const SYNTH_CASES = {
  'prodpath': 'prodpath (node options of the init template)',
  'prodpath-node-defaults': 'prodpath, node defaults',
  'prodpath-first-synth': 'prodpath, empty caches (first synth)',
  'prodpath-one-changed': 'prodpath, one service changed since the last synth',
  'prodpath-capped': 'prodpath, node --max-old-space-size=256',
  'cdk8s-plus': 'raw cdk8s-plus-27',
  'cdk8s-plus-same-options': 'raw cdk8s-plus-27, prodpath\'s node options',
  'cdk8s-l1': 'raw cdk8s L1 (ApiObject)',
  'yaml-floor': 'plain objects + yaml (floor)',
  'kustomize': 'kubectl kustomize (3 overlays)',
} as const;
export type SynthCase = keyof typeof SYNTH_CASES;
export const SYNTH_CASE_IDS = Object.keys(SYNTH_CASES) as readonly SynthCase[];

export type Stage = 'synth' | 'cli' | 'hash';
const STAGES: readonly Stage[] = ['synth', 'cli', 'hash'];

const MiB = 2 ** 20;

/** What one run of the benchmark measures. */
export interface Options {
  readonly quick: boolean;
  /** Timed runs per case and size, after one warm-up run. */
  readonly runs: number;
  readonly sizes: readonly number[];
  /** The synth cases to run, in table order. */
  readonly cases: readonly SynthCase[];
  /** Whether prodpath-capped was named in --cases (otherwise it runs only at N >= 1000, when selected by default). */
  readonly cappedEverywhere: boolean;
  readonly kustomizeSizes: readonly number[];
  /** Timed kustomize runs at N >= 1000 (no warm-up): each takes minutes. */
  readonly kustomizeRunsAtMax: number;
  readonly context: { readonly bytes: number; readonly files: number };
  readonly stages: ReadonlySet<Stage>;
  /** Where to write the JSON figures, if anywhere. */
  readonly json?: string;
}

const VALUE_FLAGS = new Set(['n', 'cases', 'runs', 'kustomize-runs', 'only', 'json']);
const BOOLEAN_FLAGS = new Set(['quick']);

/** `--key=value`, `--key value` and `--flag` arguments; throws on anything else. */
export function parseFlags(argv: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([^=]+)(?:=(.*))?$/s.exec(argv[i]);
    if (!m) throw new Error(`unexpected argument ${JSON.stringify(argv[i])} (flags are --key=value or --key value)`);
    const [, key, inline] = m;
    if (!VALUE_FLAGS.has(key) && !BOOLEAN_FLAGS.has(key)) {
      throw new Error(`unknown flag --${key} (known: ${[...VALUE_FLAGS, ...BOOLEAN_FLAGS].map((x) => `--${x}`).join(', ')})`);
    }
    if (out.has(key)) throw new Error(`--${key} is given twice`);
    if (BOOLEAN_FLAGS.has(key)) {
      if (inline !== undefined) throw new Error(`--${key} takes no value`);
      out.set(key, 'true');
      continue;
    }
    const value = inline ?? argv[i + 1];
    if (value === undefined || (inline === undefined && value.startsWith('--')) || value === '') throw new Error(`--${key} needs a value`);
    if (inline === undefined) i += 1;
    out.set(key, value);
  }
  return out;
}

function list(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** Reads the runner's flags. Throws an Error naming the bad flag and what it accepts. */
export function parseOptions(argv: readonly string[]): Options {
  const args = parseFlags(argv);
  const quick = args.has('quick');
  const count = (key: string, dflt: number, min = 1) => {
    const v = args.has(key) ? Number(args.get(key)) : dflt;
    if (!Number.isInteger(v) || v < min) throw new Error(`--${key} must be an integer of at least ${min}, got ${JSON.stringify(args.get(key))}`);
    return v;
  };
  let sizes = quick ? [10, 100] : [10, 100, 1000];
  if (args.has('n')) {
    sizes = list(args.get('n')!).map((s) => {
      const n = Number(s);
      if (!Number.isInteger(n) || n < 1) throw new Error(`--n takes positive integers separated by commas, such as 10,100,1000; got ${JSON.stringify(s)}`);
      return n;
    });
    if (sizes.length === 0) throw new Error('--n names no size; give sizes such as 10,100,1000');
    sizes = [...new Set(sizes)].sort((a, b) => a - b);
  }
  let cases: SynthCase[] = [...SYNTH_CASE_IDS];
  if (args.has('cases')) {
    const named = list(args.get('cases')!);
    const unknown = named.filter((c) => !(SYNTH_CASE_IDS as readonly string[]).includes(c));
    if (unknown.length > 0 || named.length === 0) {
      throw new Error(`--cases: ${unknown.length > 0 ? `unknown case ${unknown.map((c) => JSON.stringify(c)).join(', ')}` : 'no case named'} (cases: ${SYNTH_CASE_IDS.join(', ')})`);
    }
    cases = SYNTH_CASE_IDS.filter((c) => named.includes(c));
  }
  const stages = new Set<Stage>(STAGES);
  if (args.has('only')) {
    const only = list(args.get('only')!);
    const unknown = only.filter((s) => !(STAGES as readonly string[]).includes(s));
    if (unknown.length > 0 || only.length === 0) throw new Error(`--only takes stages from ${STAGES.join(', ')}; got ${JSON.stringify(args.get('only'))}`);
    for (const s of STAGES) if (!only.includes(s)) stages.delete(s);
  }
  const json = args.get('json');
  return {
    quick,
    runs: count('runs', quick ? 3 : 5),
    sizes,
    cases,
    cappedEverywhere: args.has('cases') && cases.includes('prodpath-capped'),
    kustomizeSizes: sizes.filter((n) => n >= 100),
    kustomizeRunsAtMax: count('kustomize-runs', 1, 0),
    context: quick ? { bytes: 64 * MiB, files: 2_000 } : { bytes: 1024 * MiB, files: 20_000 },
    stages,
    ...(json !== undefined ? { json } : {}),
  };
}

/**
 * The options a cdk8s.yaml `app` line gives node before `--import tsx`:
 * `app: tsc ... && node --min-semi-space-size=16 --import tsx main.ts` -> `['--min-semi-space-size=16']`.
 */
export function nodeArgsOfApp(cdk8sYaml: string): string[] {
  const m = /^app:.*?\bnode((?:\s+--[\w-]+(?:=\S+)?)*)\s+--import\s+tsx\b/m.exec(cdk8sYaml);
  if (m === null) throw new Error('the cdk8s.yaml app line does not run `node [options] --import tsx <file>`');
  return m[1].split(/\s+/).filter((a) => a !== '');
}
