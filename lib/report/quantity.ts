/**
 * Kubernetes resource quantities (`250m`, `1.5`, `512Mi`, `1G`, `1e3`) as numbers, and back to
 * short text for reports. CPU is counted in millicores, memory and storage in bytes, both exact
 * integers for the sizes manifests use.
 */

const BINARY: Readonly<Record<string, number>> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Readonly<Record<string, number>> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/;

/** A quantity that is not one: the text as read. */
export class QuantityError extends Error {
  constructor(readonly text: string, message?: string) {
    super(message ?? `"${text}" is not a Kubernetes quantity (such as 250m, 0.5, 512Mi or 1G)`);
    this.name = 'QuantityError';
  }
}

/** The value of a quantity in base units (cores, bytes). */
export function parseQuantity(text: string | number): number {
  if (typeof text === 'number') {
    return text;
  }
  const m = QUANTITY.exec(text.trim());
  if (!m) {
    throw new QuantityError(text);
  }
  const n = Number(m[1]);
  if (m[3] !== undefined) {
    return n * 10 ** Number(m[3]);
  }
  const suffix = m[2] ?? '';
  return n * (BINARY[suffix] ?? DECIMAL[suffix]);
}

/** CPU in whole millicores (rounded up, as the API server rounds). */
export function milliCpu(text: string | number): number {
  return Math.ceil(Math.round(parseQuantity(text) * 1e6) / 1e3);
}

/** Memory or storage in whole bytes (rounded up). */
export function bytes(text: string | number): number {
  return Math.ceil(parseQuantity(text));
}

/** Millicores as text: `250m`, `2`, `1.5`. */
export function formatCpu(milli: number): string {
  if (milli % 1000 === 0) {
    return String(milli / 1000);
  }
  return milli < 1000 ? `${milli}m` : String(Number((milli / 1000).toFixed(3)));
}

/** Bytes as text in the largest binary unit that keeps two decimals or fewer: `512Mi`, `1.5Gi`. */
export function formatBytes(n: number): string {
  for (const unit of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki']) {
    const v = n / BINARY[unit];
    if (v >= 1) {
      return `${Number(v.toFixed(2))}${unit}`;
    }
  }
  return String(n);
}
