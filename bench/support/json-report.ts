/**
 * The benchmark's figures as JSON (`npx tsx bench/run.ts --json FILE`), for tools and for
 * comparing runs. The shape, exactly:
 *
 *   { "machine": {...},                         machine.ts's MachineInfo
 *     "load": {...},                            the 1-minute load average seen during the run
 *     "cases": [ { "case", "n", "runs": [ { "wallMs", "cpuMs", "peakRssMiB" } ] } ],
 *     "ratios": [ { "n", "a", "b", "cpuRatioMedian", "wallRatioMedian" } ] }
 *
 * `case`, `a` and `b` are case ids (options.ts's SYNTH_CASE_IDS). A ratio is a / b computed
 * within each round (runs of the same round ran minutes apart at most) and the median of those.
 */
import type { MachineInfo } from './machine';
import { median } from './stats';

export interface JsonRun {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly peakRssMiB: number;
}

export interface JsonReport {
  readonly machine: MachineInfo | Readonly<Record<string, unknown>>;
  readonly load: {
    readonly loadAverage1mMedian: number;
    readonly loadAverage1mMax: number;
    readonly samples: number;
    readonly cores: number;
    readonly note: string;
  };
  readonly cases: ReadonlyArray<{ readonly case: string; readonly n: number; readonly runs: readonly JsonRun[] }>;
  readonly ratios: ReadonlyArray<{ readonly n: number; readonly a: string; readonly b: string; readonly cpuRatioMedian: number; readonly wallRatioMedian: number }>;
}

/** One timed run of a synth case. */
export interface SynthSample {
  readonly case: string;
  readonly n: number;
  /** Runs of the same round are paired. */
  readonly round: number;
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly maxRssKiB: number;
}

/** The case pairs whose ratios are reported (a / b), when both ran. */
export const RATIO_PAIRS: ReadonlyArray<readonly [string, string]> = [
  ['prodpath', 'cdk8s-plus'],
  ['prodpath', 'cdk8s-plus-same-options'],
  ['prodpath-node-defaults', 'cdk8s-plus'],
  ['prodpath', 'prodpath-node-defaults'],
  ['prodpath-first-synth', 'cdk8s-plus'],
  ['prodpath-one-changed', 'cdk8s-plus'],
  ['prodpath', 'prodpath-first-synth'],
  ['prodpath', 'cdk8s-l1'],
  ['prodpath', 'yaml-floor'],
  ['prodpath', 'kustomize'],
  ['prodpath-capped', 'cdk8s-plus'],
  ['cdk8s-l1', 'cdk8s-plus'],
];

/** Ratios a / b of paired runs (same case pair, same n, same round). */
export function pairedRatios(samples: readonly SynthSample[], n: number, a: string, b: string, value: (s: SynthSample) => number): number[] {
  const bs = new Map(samples.filter((s) => s.case === b && s.n === n).map((s) => [s.round, value(s)]));
  return samples.filter((s) => s.case === a && s.n === n && bs.has(s.round)).map((s) => value(s) / bs.get(s.round)!);
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));

/** Builds the JSON report from the synth samples, in the order the cases and sizes were run. */
export function buildJsonReport(machine: JsonReport['machine'], loadSamples: readonly number[], cores: number, samples: readonly SynthSample[]): JsonReport {
  const groups: Array<{ case: string; n: number; runs: JsonRun[] }> = [];
  for (const s of [...samples].sort((x, y) => x.n - y.n || x.round - y.round)) {
    let group = groups.find((g) => g.case === s.case && g.n === s.n);
    if (group === undefined) {
      group = { case: s.case, n: s.n, runs: [] };
      groups.push(group);
    }
    group.runs.push({ wallMs: round(s.wallMs, 1), cpuMs: round(s.cpuMs, 1), peakRssMiB: round(s.maxRssKiB / 1024, 1) });
  }
  const ratios: Array<JsonReport['ratios'][number]> = [];
  for (const n of [...new Set(samples.map((s) => s.n))].sort((x, y) => x - y)) {
    for (const [a, b] of RATIO_PAIRS) {
      const cpu = pairedRatios(samples, n, a, b, (s) => s.cpuMs);
      const wall = pairedRatios(samples, n, a, b, (s) => s.wallMs);
      if (cpu.length === 0) continue;
      ratios.push({ n, a, b, cpuRatioMedian: round(median(cpu), 3), wallRatioMedian: round(median(wall), 3) });
    }
  }
  return {
    machine,
    load: {
      loadAverage1mMedian: round(median(loadSamples), 2),
      loadAverage1mMax: round(Math.max(...loadSamples), 2),
      samples: loadSamples.length,
      cores,
      note: 'the 1-minute load average, sampled after every run; the benchmark alone keeps it near 1, more means other processes shared the cores (wall times inflate, CPU times much less)',
    },
    cases: groups,
    ratios,
  };
}
