/** Small statistics and formatting helpers for the benchmark tables. */

/** The median of a non-empty list (the mean of the two middle values for an even count). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) {
    return NaN;
  }
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Median, minimum and maximum of a list. */
export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly count: number;
}

/** Summarizes a list of numbers. */
export function summarize(xs: readonly number[]): Summary {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), count: xs.length };
}

/** A duration: `850 ms`, `7.31 s`, `2 min 28 s`. */
export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) {
    return 'n/a';
  }
  if (ms < 10) {
    return `${ms.toFixed(1)} ms`;
  }
  if (ms < 1000) {
    return `${ms.toFixed(0)} ms`;
  }
  if (ms < 120_000) {
    return `${(ms / 1000).toFixed(2)} s`;
  }
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** KiB as MiB: `412 MiB`. */
export function fmtKiB(kib: number | undefined): string {
  return kib === undefined || !Number.isFinite(kib) ? 'n/a' : `${(kib / 1024).toFixed(0)} MiB`;
}

/** A ratio: `0.60x`. */
export function fmtRatio(r: number): string {
  return Number.isFinite(r) ? `${r < 0.1 ? r.toFixed(3) : r.toFixed(2)}x` : 'n/a';
}

/** Renders a Markdown table; columns after the first are right-aligned. */
export function markdownTable(header: readonly string[], rawRows: readonly (readonly string[])[]): string {
  // A `|` inside a cell would end the cell.
  const rows = rawRows.map((r) => r.map((c) => c.replace(/\|/g, '\\|')));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (i === 0 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}
