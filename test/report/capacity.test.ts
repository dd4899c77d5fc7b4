import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { run } from '../../lib/cli/main';
import { bytes, formatBytes, formatCpu, milliCpu } from '../../lib/report/quantity';
import { tempDir } from '../support/synth';
import { synthFourEnvironmentsWithMigration } from '../parity/support';

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/**
 * An independent reading of a quantity, written for this test: the number times the suffix's
 * factor, in thousandths (CPU: millicores) or in bytes.
 */
const FACTORS: Record<string, number> = { '': 1, m: 0.001, k: 1000, M: 1000 ** 2, G: 1000 ** 3, T: 1000 ** 4, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };
function quantity(text: string): number {
  const suffix = Object.keys(FACTORS).sort((a, b) => b.length - a.length).find((s) => s !== '' && text.endsWith(s)) ?? '';
  return parseFloat(text.slice(0, text.length - suffix.length)) * FACTORS[suffix];
}

/** Totals computed straight from the YAML, without prodpath's report code. */
function independentTotals(file: string) {
  const docs = parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS()).filter(Boolean);
  const hpa = new Map(docs.filter((d) => d.kind === 'HorizontalPodAutoscaler').map((h) => [`${h.spec.scaleTargetRef.kind}/${h.spec.scaleTargetRef.name}`, h.spec]));
  const t = { podsMin: 0, podsMax: 0, cpuMin: 0, cpuMax: 0, memMin: 0, memMax: 0, memLimMin: 0, memLimMax: 0, storage: 0 };
  for (const d of docs.filter((x) => x.kind === 'Deployment' || x.kind === 'StatefulSet')) {
    const h: any = hpa.get(`${d.kind}/${d.metadata.name}`);
    const [min, max] = h ? [h.minReplicas, h.maxReplicas] : [d.spec.replicas ?? 1, d.spec.replicas ?? 1];
    const pod = d.spec.template.spec;
    const sum = (key: 'requests' | 'limits', r: string, list: any[]) => list.reduce((s, c) => s + quantity(String(c.resources?.[key]?.[r] ?? '0')), 0);
    const most = (key: 'requests' | 'limits', r: string) => Math.max(sum(key, r, pod.containers), ...(pod.initContainers ?? []).map((c: any) => sum(key, r, [c])));
    const cpu = Math.round(most('requests', 'cpu') * 1000);
    const mem = most('requests', 'memory');
    const memLim = most('limits', 'memory');
    t.podsMin += min; t.podsMax += max;
    t.cpuMin += cpu * min; t.cpuMax += cpu * max;
    t.memMin += mem * min; t.memMax += mem * max;
    t.memLimMin += memLim * min; t.memLimMax += memLim * max;
    for (const v of d.spec.volumeClaimTemplates ?? []) {
      t.storage += quantity(v.spec.resources.requests.storage) * min;
    }
  }
  return t;
}

function expectSameTotals(dist: string, report: any, envs: string[]) {
  expect(report.environments.map((e: any) => e.environment)).toEqual(envs);
  for (const e of report.environments) {
    const files = fs.readdirSync(path.join(dist, e.environment)).filter((f) => f.endsWith('.k8s.yaml'));
    const sums = files.map((f) => independentTotals(path.join(dist, e.environment, f)));
    const total = (k: keyof ReturnType<typeof independentTotals>) => sums.reduce((s, x) => s + x[k], 0);
    expect({ env: e.environment, ...e.totals }).toEqual({
      env: e.environment,
      pods: { min: total('podsMin'), max: total('podsMax') },
      cpuRequest: { min: total('cpuMin'), max: total('cpuMax') },
      cpuLimit: expect.anything(),
      memoryRequest: { min: total('memMin'), max: total('memMax') },
      memoryLimit: { min: total('memLimMin'), max: total('memLimMax') },
      storage: { min: total('storage'), max: total('storage') },
    });
  }
}

describe('prodpath report', () => {
  let four: string;
  beforeAll(() => {
    four = synthFourEnvironmentsWithMigration();
  });

  test('totals of the four-environment app match a computation straight from the YAML, in promotion order', async () => {
    const r = await cli(['report', four, '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expectSameTotals(four, report, ['dev', 'staging', 'prod-eu', 'prod-us']);
    // The declared differences show: prod-us runs 4 to 20 api pods at 500m, with 80Gi for the database.
    const us = report.environments[3];
    expect(us.workloads.find((w: any) => w.name === 'api')).toMatchObject({ kind: 'Deployment', autoscaled: true, pods: { min: 4, max: 20 }, perPod: { cpuRequest: 500 } });
    expect(us.totals.storage).toEqual({ min: 80 * 1024 ** 3, max: 80 * 1024 ** 3 });
    expect(report.environments[0].totals.pods).toEqual({ min: 3, max: 3 });
  });

  test('totals of the example app (dist/) match a computation straight from the YAML', async () => {
    const report = JSON.parse((await cli(['report', 'dist', '--json'])).out);
    expectSameTotals('dist', report, ['dev', 'staging', 'prod']);
  });

  test('prints Markdown: a table per environment, the totals side by side and what differs', async () => {
    const r = await cli(['report', four]);
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines).toContain('### prod-us (namespace `web-us`, production)');
    expect(lines).toContain('| Deployment api | 4 – 20 (HPA) | 500m | none | 512Mi | 1Gi | 0 |');
    expect(lines).toContain('| Total | dev | staging | prod-eu | prod-us |');
    expect(lines).toContain('| Storage (volume claims) | 1Gi | 5Gi | 50Gi | 80Gi |');
    expect(lines).toContain('- Storage (volume claims): dev 1Gi, staging 5Gi, prod-eu 50Gi, prod-us 80Gi');
    expect(lines.some((l) => l.startsWith('| CronJob cleanup | `0 3 * * *` | 1 |'))).toBe(true);
  });

  test('--env limits the report to the named environments', async () => {
    const report = JSON.parse((await cli(['report', four, '--json', '--env', 'prod-us,dev'])).out);
    expect(report.environments.map((e: any) => e.environment)).toEqual(['prod-us', 'dev']);
  });

  test('fails when a manifest holds a quantity Kubernetes would refuse, naming the object', async () => {
    const dist = path.join(tempDir(), 'dist');
    fs.cpSync(four, dist, { recursive: true });
    const file = path.join(dist, 'dev', 'web.k8s.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/storage: 1Gi/, 'storage: 1 gigabyte'));
    const r = await cli(['report', dist]);
    expect(r.code).toBe(2);
    expect(r.err).toBe('prodpath report: dev: StatefulSet db: "1 gigabyte" is not a Kubernetes quantity (such as 250m, 0.5, 512Mi or 1G). Fix: write it as Kubernetes does, then synthesize again.');
  });
});

describe('quantities', () => {
  test('reads CPU and memory as Kubernetes does', () => {
    expect([milliCpu('250m'), milliCpu('1'), milliCpu('1.5'), milliCpu(2), milliCpu('0.1')]).toEqual([250, 1000, 1500, 2000, 100]);
    expect([bytes('512Mi'), bytes('1Gi'), bytes('1G'), bytes('1k'), bytes('1e3'), bytes('128974848')]).toEqual([512 * 2 ** 20, 2 ** 30, 1e9, 1000, 1000, 128974848]);
  });

  test('prints them short', () => {
    expect([formatCpu(250), formatCpu(2000), formatCpu(1300), formatCpu(7250)]).toEqual(['250m', '2', '1.3', '7.25']);
    expect([formatBytes(512 * 2 ** 20), formatBytes(1.5 * 2 ** 30), formatBytes(80 * 2 ** 30)]).toEqual(['512Mi', '1.5Gi', '80Gi']);
  });

  test('fails when a quantity has an unknown suffix', () => {
    expect(() => bytes('1GB')).toThrow('"1GB" is not a Kubernetes quantity (such as 250m, 0.5, 512Mi or 1G)');
  });
});
