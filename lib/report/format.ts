/**
 * How `prodpath report` prints capacity: Markdown tables per environment and across
 * environments, JSON for machines, and the before/after table of a pull-request summary.
 */
import { EnvironmentCapacity, PodResources, Range } from './capacity';
import { formatBytes, formatCpu } from './quantity';

type Unit = 'count' | 'cpu' | 'bytes';

const show = (unit: Unit, n: number): string => (unit === 'cpu' ? formatCpu(n) : unit === 'bytes' ? (n === 0 ? '0' : formatBytes(n)) : String(n));

/** `3`, or `3 – 20` when the maximum differs. */
function range(unit: Unit, r: Range, unlimited = false): string {
  if (unlimited && r.max === 0) {
    return 'none';
  }
  const mark = unlimited ? '+' : '';
  return r.min === r.max ? `${show(unit, r.min)}${mark}` : `${show(unit, r.min)}${mark} – ${show(unit, r.max)}${mark}`;
}

/** The metrics of a totals table, in order. */
const METRICS: ReadonlyArray<{ key: keyof EnvironmentCapacity['totals']; label: string; unit: Unit; unlimited?: keyof PodResources }> = [
  { key: 'pods', label: 'Pods', unit: 'count' },
  { key: 'cpuRequest', label: 'CPU requests', unit: 'cpu' },
  { key: 'cpuLimit', label: 'CPU limits', unit: 'cpu', unlimited: 'cpuUnlimited' },
  { key: 'memoryRequest', label: 'Memory requests', unit: 'bytes' },
  { key: 'memoryLimit', label: 'Memory limits', unit: 'bytes', unlimited: 'memoryUnlimited' },
  { key: 'storage', label: 'Storage (volume claims)', unit: 'bytes' },
];

function anyUnlimited(c: EnvironmentCapacity, key?: keyof PodResources): boolean {
  return key !== undefined && c.workloads.some((w) => w.perPod[key] === true);
}

/** One environment as Markdown: a row per workload, one per Job or CronJob, and the totals. */
export function formatEnvironmentMarkdown(c: EnvironmentCapacity, heading = '###'): string[] {
  const lines = [`${heading} ${c.environment}${c.namespace !== undefined ? ` (namespace \`${c.namespace}\`${c.production ? ', production' : ''})` : ''}`, ''];
  if (c.workloads.length > 0) {
    lines.push(
      '| Workload | Pods | CPU request / pod | CPU limit / pod | Memory request / pod | Memory limit / pod | Storage / pod |',
      '|---|---:|---:|---:|---:|---:|---:|',
      ...c.workloads.map((w) => `| ${w.kind} ${w.name} | ${range('count', w.pods)}${w.autoscaled ? ' (HPA)' : ''} | ${show('cpu', w.perPod.cpuRequest)} | `
        + `${w.perPod.cpuUnlimited ? 'none' : show('cpu', w.perPod.cpuLimit)} | ${show('bytes', w.perPod.memoryRequest)} | `
        + `${w.perPod.memoryUnlimited ? 'none' : show('bytes', w.perPod.memoryLimit)} | ${show('bytes', w.storagePerPod)} |`),
      '',
    );
  }
  lines.push('| Total (long-running) | At minimum | At HPA maximum |', '|---|---:|---:|');
  for (const m of METRICS) {
    const r = c.totals[m.key];
    const unlimited = anyUnlimited(c, m.unlimited);
    lines.push(`| ${m.label} | ${range(m.unit, { min: r.min, max: r.min }, unlimited)} | ${range(m.unit, { min: r.max, max: r.max }, unlimited)} |`);
  }
  if (c.batch.length > 0) {
    lines.push(
      '',
      '| Job / CronJob | Schedule | Pods per run | CPU request / pod | Memory request / pod | Memory limit / pod |',
      '|---|---|---:|---:|---:|---:|',
      ...c.batch.map((b) => `| ${b.kind} ${b.name} | ${b.schedule !== undefined ? `\`${b.schedule}\`` : 'once per rollout'} | ${b.podsPerRun} | `
        + `${show('cpu', b.perPod.cpuRequest)} | ${show('bytes', b.perPod.memoryRequest)} | ${b.perPod.memoryUnlimited ? 'none' : show('bytes', b.perPod.memoryLimit)} |`),
    );
  }
  if (c.workloads.some((w) => w.perPod.cpuUnlimited || w.perPod.memoryUnlimited)) {
    lines.push('', '`none`: no container sets this limit; `+`: some container sets none, so the total is a lower bound.');
  }
  return lines;
}

/** Every environment side by side: each total at the minimum (and the HPA maximum when it differs). */
export function formatComparisonMarkdown(envs: readonly EnvironmentCapacity[]): string[] {
  const lines = [`| Total | ${envs.map((e) => e.environment).join(' | ')} |`, `|---|${envs.map(() => '---:').join('|')}|`];
  for (const m of METRICS) {
    lines.push(`| ${m.label} | ${envs.map((e) => range(m.unit, e.totals[m.key], anyUnlimited(e, m.unlimited))).join(' | ')} |`);
  }
  lines.push(`| Batch pods per run | ${envs.map((e) => String(e.batchPerRun.pods)).join(' | ')} |`);
  return lines;
}

/**
 * What differs between environments, one line per metric that is not the same everywhere:
 * `CPU requests: dev 300m, staging 600m, prod 1.05 – 6.5`.
 */
export function differenceLines(envs: readonly EnvironmentCapacity[]): string[] {
  const out: string[] = [];
  for (const m of METRICS) {
    const values = envs.map((e) => range(m.unit, e.totals[m.key], anyUnlimited(e, m.unlimited)));
    if (new Set(values).size > 1) {
      out.push(`${m.label}: ${envs.map((e, i) => `${e.environment} ${values[i]}`).join(', ')}`);
    }
  }
  for (const w of [...new Set(envs.flatMap((e) => e.workloads.map((x) => `${x.kind} ${x.name}`)))].sort()) {
    const per = envs.map((e) => e.workloads.find((x) => `${x.kind} ${x.name}` === w));
    const text = per.map((x) => (x === undefined ? 'absent' : `${range('count', x.pods)} pod${x.pods.max === 1 ? '' : 's'} × ${show('cpu', x.perPod.cpuRequest)} CPU, ${show('bytes', x.perPod.memoryRequest)} memory`));
    if (new Set(text).size > 1) {
      out.push(`${w}: ${envs.map((e, i) => `${e.environment} ${text[i]}`).join('; ')}`);
    }
  }
  return out;
}

/** The whole report as Markdown. */
export function formatReportMarkdown(envs: readonly EnvironmentCapacity[], dist: string): string {
  const lines = [`## prodpath capacity report (${dist})`, '',
    'Requests and limits of the long-running workloads times their pods, at the minimum replica count and at the '
    + 'HorizontalPodAutoscaler\'s maximum; Jobs and CronJobs per run; storage asked for by volume claims.', ''];
  for (const e of envs) {
    lines.push(...formatEnvironmentMarkdown(e), '');
  }
  if (envs.length > 1) {
    lines.push('### Across environments', '', ...formatComparisonMarkdown(envs), '');
    const diffs = differenceLines(envs);
    lines.push('Differences:', '', ...(diffs.length > 0 ? diffs.map((d) => `- ${d}`) : ['- none']), '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

/** The report as JSON data: CPU in millicores, memory and storage in bytes. */
export function reportToJson(envs: readonly EnvironmentCapacity[], dist: string): unknown {
  return { dist, units: { cpu: 'millicores', memory: 'bytes', storage: 'bytes' }, environments: envs };
}

/**
 * A pull-request table of how an environment's totals change: before, after and the change, for
 * each total that changes (nothing when none does).
 */
export function capacityDeltaMarkdown(before: EnvironmentCapacity | undefined, after: EnvironmentCapacity | undefined): string[] {
  const empty: Range = { min: 0, max: 0 };
  const rows: string[] = [];
  for (const m of METRICS) {
    const a = before?.totals[m.key] ?? empty;
    const b = after?.totals[m.key] ?? empty;
    if (a.min === b.min && a.max === b.max) {
      continue;
    }
    const delta = (x: number, y: number) => (y - x === 0 ? '0' : `${y > x ? '+' : '−'}${show(m.unit, Math.abs(y - x))}`);
    const change = delta(a.min, b.min) === delta(a.max, b.max) ? delta(a.min, b.min) : `${delta(a.min, b.min)} – ${delta(a.max, b.max)}`;
    rows.push(`| ${m.label} | ${range(m.unit, a)} | ${range(m.unit, b)} | ${change} |`);
  }
  return rows.length === 0 ? [] : ['| Capacity | Before | After | Change |', '|---|---:|---:|---:|', ...rows];
}
