/**
 * The protocol between the runner (bench/run.ts) and a case (bench/cases/*.ts).
 *
 * The runner starts every measured run as a fresh `node --import tsx bench/cases/<case>.ts
 * --key=value ...` process. The case loads its modules, does the work once between two
 * `process.hrtime.bigint()` readings, and prints one line `BENCH_RESULT {json}` to stdout.
 * A fresh process per run means every run pays the same cold start (as `cdk8s synth` does),
 * and `process.resourceUsage().maxRSS` is that one run's peak.
 */

/** What one run of a case reports. */
export interface CaseResult {
  /** Wall time of the measured work, in milliseconds (module loading excluded). */
  readonly wallMs: number;
  /**
   * CPU time of the measured work, in milliseconds: user + system time of the whole process
   * (every thread, so V8's garbage-collector and compiler threads count) between the same two
   * points as wallMs, from `process.resourceUsage()`. Unlike wall time, other processes on the
   * machine barely change it.
   */
  readonly cpuMs: number;
  /** Time from process start until the work began: node start-up, tsx and module loading. */
  readonly loadMs: number;
  /** Peak resident set size of the measuring process, in KiB. */
  readonly maxRssKiB: number;
  /** Case-specific figures (bytes hashed, object counts, phase splits...). */
  readonly extra: Readonly<Record<string, number | string>>;
}

/** What a case's work function returns; `extra` is optional. */
export interface WorkOutcome {
  readonly extra?: Record<string, number | string>;
  /**
   * Peak RSS of external processes the case ran (from GNU time), in KiB. When given, it is
   * reported instead of the case process's own maxRSS, which would only measure the driver.
   */
  readonly externalMaxRssKiB?: number;
  /** CPU time of external processes the case ran (from GNU time), in ms; reported instead of the driver's own. */
  readonly externalCpuMs?: number;
}

/** The marker the runner looks for in a case's stdout. */
export const RESULT_MARKER = 'BENCH_RESULT ';

/** Parses `--key=value` and `--flag` arguments. */
export function parseArgs(argv: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const arg of argv) {
    const m = /^--([^=]+)(?:=(.*))?$/s.exec(arg);
    if (!m) {
      throw new Error(`unexpected argument ${JSON.stringify(arg)} (expected --key=value)`);
    }
    out.set(m[1], m[2] ?? 'true');
  }
  return out;
}

/** Reads a required argument. */
export function arg(args: ReadonlyMap<string, string>, key: string): string {
  const v = args.get(key);
  if (v === undefined || v === '') {
    throw new Error(`missing --${key}=...`);
  }
  return v;
}

/** Reads a required positive integer argument. */
export function intArg(args: ReadonlyMap<string, string>, key: string): number {
  const v = Number(arg(args, key));
  if (!Number.isInteger(v) || v <= 0) {
    throw new Error(`--${key} must be a positive integer`);
  }
  return v;
}

/** Milliseconds since an `hrtime.bigint()` reading. */
export function msSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/**
 * Runs a case: parses the arguments, times `work` once and prints the result line.
 * Exits with status 1 and the error on stderr when the work throws.
 */
export function runCase(work: (args: Map<string, string>) => WorkOutcome | void): void {
  try {
    const args = parseArgs(process.argv.slice(2));
    // performance.now() counts from the process's time origin: everything before this line
    // (node's bootstrap, tsx, importing cdk8s and the library) is load time.
    const loadMs = performance.now();
    const cpuStart = process.resourceUsage();
    const start = process.hrtime.bigint();
    const outcome = work(args) ?? {};
    const wallMs = msSince(start);
    const cpuEnd = process.resourceUsage();
    const result: CaseResult = {
      wallMs,
      cpuMs: outcome.externalCpuMs ?? (cpuEnd.userCPUTime + cpuEnd.systemCPUTime - cpuStart.userCPUTime - cpuStart.systemCPUTime) / 1000,
      loadMs,
      maxRssKiB: outcome.externalMaxRssKiB ?? process.resourceUsage().maxRSS,
      extra: outcome.extra ?? {},
    };
    process.stdout.write(`${RESULT_MARKER}${JSON.stringify(result)}\n`);
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exit(1);
  }
}
