/**
 * The benchmark runner's flags and its JSON report (bench/support/options.ts, json-report.ts):
 * pure functions, so no benchmark runs here (speed lives in bench/, never in tests).
 */
import { buildJsonReport, type SynthSample } from '../../bench/support/json-report';
import * as fs from 'fs';
import * as path from 'path';
import { nodeArgsOfApp, parseOptions, SYNTH_CASE_IDS } from '../../bench/support/options';

describe('bench flags', () => {
  test('--n and --cases take comma-separated lists, after = or as the next argument', () => {
    const a = parseOptions(['--n', '10,100,1000', '--cases', 'prodpath,cdk8s-plus,cdk8s-l1', '--json', 'out.json']);
    const b = parseOptions(['--n=1000,10,100', '--cases=cdk8s-l1,prodpath,cdk8s-plus', '--json=out.json']);
    for (const o of [a, b]) {
      expect(o.sizes).toEqual([10, 100, 1000]);
      expect(o.cases).toEqual(['prodpath', 'cdk8s-plus', 'cdk8s-l1']);
      expect(o.json).toBe('out.json');
    }
  });

  test('defaults: every case, N = 10, 100, 1000, 5 runs, no JSON', () => {
    const o = parseOptions([]);
    expect(o.cases).toEqual(SYNTH_CASE_IDS);
    expect(o.sizes).toEqual([10, 100, 1000]);
    expect(o.runs).toBe(5);
    expect(o.json).toBeUndefined();
    expect(SYNTH_CASE_IDS).toEqual(expect.arrayContaining(['prodpath', 'cdk8s-plus', 'cdk8s-l1']));
  });

  test.each([
    [['--n', '10,ten'], /--n takes positive integers/],
    [['--n', '0'], /--n takes positive integers/],
    [['--cases', 'prodpath,kustomise'], /unknown case "kustomise" \(cases: prodpath, /],
    [['--json'], /--json needs a value/],
    [['--json', '--n', '10'], /--json needs a value/],
    [['--runs', '0'], /--runs must be an integer of at least 1/],
    [['--only', 'synth,bogus'], /--only takes stages from synth, cli, hash/],
    [['--sizes', '10'], /unknown flag --sizes/],
    [['10'], /unexpected argument "10"/],
    [['--n', '10', '--n', '100'], /--n is given twice/],
  ])('fails when the flags are %j', (argv, message) => {
    expect(() => parseOptions(argv)).toThrow(message);
  });
});

describe('the node options prodpath is measured with', () => {
  test('are those of the init template\'s cdk8s.yaml app line', () => {
    const template = fs.readFileSync(path.join(__dirname, '..', '..', 'templates', 'init', 'app', 'cdk8s.yaml'), 'utf8');
    expect(nodeArgsOfApp(template)).toEqual(['--min-semi-space-size=16']);
    expect(nodeArgsOfApp('app: node --import tsx main.ts\n')).toEqual([]);
    expect(nodeArgsOfApp('app: tsc -p . && node --a=1 --b --import tsx x.ts')).toEqual(['--a=1', '--b']);
  });

  test('fails when the app line does not run node with tsx', () => {
    expect(() => nodeArgsOfApp('app: npx ts-node main.ts\n')).toThrow(/does not run `node \[options\] --import tsx <file>`/);
  });
});

describe('bench JSON report', () => {
  const sample = (c: string, n: number, round: number, wallMs: number, cpuMs: number): SynthSample => ({ case: c, n, round, wallMs, cpuMs, maxRssKiB: 102400 });
  const samples = [
    sample('prodpath', 10, 0, 100, 150), sample('cdk8s-plus', 10, 0, 200, 200),
    sample('prodpath', 10, 1, 120, 160), sample('cdk8s-plus', 10, 1, 200, 400),
    sample('prodpath', 10, 2, 90, 100), sample('cdk8s-plus', 10, 2, 100, 100),
    sample('cdk8s-l1', 10, 0, 50, 60),
  ];
  const report = buildJsonReport({ cpu: 'test' }, [1.5, 0.5, 1], 2, samples);

  test('has exactly the keys machine, load, cases and ratios, with the run and ratio fields', () => {
    expect(Object.keys(report)).toEqual(['machine', 'load', 'cases', 'ratios']);
    expect(report.cases.map((c) => [c.case, c.n, c.runs.length])).toEqual([['prodpath', 10, 3], ['cdk8s-plus', 10, 3], ['cdk8s-l1', 10, 1]]);
    for (const c of report.cases) {
      expect(Object.keys(c)).toEqual(['case', 'n', 'runs']);
      for (const r of c.runs) expect(Object.keys(r)).toEqual(['wallMs', 'cpuMs', 'peakRssMiB']);
    }
    expect(report.cases[0].runs[0]).toEqual({ wallMs: 100, cpuMs: 150, peakRssMiB: 100 });
    for (const r of report.ratios) expect(Object.keys(r)).toEqual(['n', 'a', 'b', 'cpuRatioMedian', 'wallRatioMedian']);
    expect(report.load).toMatchObject({ loadAverage1mMedian: 1, loadAverage1mMax: 1.5, samples: 3, cores: 2 });
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  test('ratios are medians of the per-round ratios, paired by round', () => {
    const plus = report.ratios.find((r) => r.a === 'prodpath' && r.b === 'cdk8s-plus');
    // CPU per round: 0.75, 0.4, 1 -> 0.75; wall: 0.5, 0.6, 0.9 -> 0.6 (a ratio of medians would give 0.75 and 0.6).
    expect(plus).toEqual({ n: 10, a: 'prodpath', b: 'cdk8s-plus', cpuRatioMedian: 0.75, wallRatioMedian: 0.6 });
    // Only round 0 has both prodpath and cdk8s-l1.
    expect(report.ratios.find((r) => r.a === 'prodpath' && r.b === 'cdk8s-l1')).toEqual({ n: 10, a: 'prodpath', b: 'cdk8s-l1', cpuRatioMedian: 2.5, wallRatioMedian: 2 });
    expect(report.ratios.some((r) => r.b === 'kustomize')).toBe(false);
  });
});
