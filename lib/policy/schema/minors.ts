/**
 * The Kubernetes minor versions prodpath validates against, and how an app names the ones its
 * clusters run. The schema of each minor is `k8s-<minor>.schema.json` next to this file.
 */
import { IConstruct } from 'constructs';
import { ValidationError } from '../errors';

/** The Kubernetes minors prodpath has a schema for, oldest first. */
export const SUPPORTED_KUBERNETES_MINORS = ['1.27', '1.28', '1.29', '1.30', '1.31', '1.32', '1.33'] as const;

/** A Kubernetes minor version prodpath validates against, such as `'1.31'`. */
export type KubernetesMinor = (typeof SUPPORTED_KUBERNETES_MINORS)[number];

/** A range of Kubernetes minors, both ends included: `{ from: '1.30', to: '1.33' }`. */
export interface KubernetesRange {
  /** The oldest minor the clusters run. */
  readonly from: KubernetesMinor;
  /**
   * The newest minor the clusters run.
   * @default - the newest supported minor
   */
  readonly to?: KubernetesMinor;
}

/** The Kubernetes minors an environment's clusters run: a list (`['1.31', '1.32']`) or a range. */
export type KubernetesVersions = readonly KubernetesMinor[] | KubernetesRange;

/** What an environment is validated against when it names no minors: every supported minor. */
export const DEFAULT_KUBERNETES_MINORS: readonly KubernetesMinor[] = SUPPORTED_KUBERNETES_MINORS;

function isMinor(value: unknown): value is KubernetesMinor {
  return typeof value === 'string' && (SUPPORTED_KUBERNETES_MINORS as readonly string[]).includes(value);
}

/**
 * Checks a `kubernetes` setting and returns its minors, oldest first, without duplicates.
 * @default - DEFAULT_KUBERNETES_MINORS when `value` is undefined
 */
export function checkKubernetesVersions(scope: IConstruct | string, field: string, value: unknown): readonly KubernetesMinor[] {
  if (value === undefined) return DEFAULT_KUBERNETES_MINORS;
  const supported = `${SUPPORTED_KUBERNETES_MINORS[0]} to ${SUPPORTED_KUBERNETES_MINORS[SUPPORTED_KUBERNETES_MINORS.length - 1]}`;
  const refuse = (bad: unknown, rule: string): never => {
    throw new ValidationError(scope, {
      field,
      value: bad,
      rule,
      fix: `name supported minors as strings, such as ['1.31', '1.32'] or { from: '1.30', to: '1.33' } (prodpath has schemas for ${supported})`,
    });
  };
  let minors: KubernetesMinor[];
  if (Array.isArray(value)) {
    if (value.length === 0) refuse(value, 'the list of Kubernetes minors is empty, so nothing would be validated');
    for (const v of value) {
      if (!isMinor(v)) refuse(v, `${JSON.stringify(v)} is not a Kubernetes minor prodpath validates against (it supports ${supported})`);
    }
    minors = value as KubernetesMinor[];
  } else if (typeof value === 'object' && value !== null) {
    const { from, to } = value as { from?: unknown; to?: unknown };
    if (!isMinor(from)) refuse(from, `the range starts at ${JSON.stringify(from)}, which is not a Kubernetes minor prodpath validates against (it supports ${supported})`);
    if (to !== undefined && !isMinor(to)) refuse(to, `the range ends at ${JSON.stringify(to)}, which is not a Kubernetes minor prodpath validates against (it supports ${supported})`);
    const start = SUPPORTED_KUBERNETES_MINORS.indexOf(from as KubernetesMinor);
    const end = to === undefined ? SUPPORTED_KUBERNETES_MINORS.length - 1 : SUPPORTED_KUBERNETES_MINORS.indexOf(to as KubernetesMinor);
    if (end < start) refuse(value, `the range ends (${String(to)}) before it starts (${String(from)})`);
    minors = SUPPORTED_KUBERNETES_MINORS.slice(start, end + 1);
  } else {
    return refuse(value, 'the Kubernetes minors are a list of strings or a { from, to } range');
  }
  return SUPPORTED_KUBERNETES_MINORS.filter((m) => minors.includes(m));
}

/** Minors as short text: consecutive ones as a range (`1.27-1.29, 1.31`). */
export function formatMinors(minors: readonly string[]): string {
  const order = SUPPORTED_KUBERNETES_MINORS as readonly string[];
  const sorted = [...new Set(minors)].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  const parts: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j + 1 < sorted.length && order.indexOf(sorted[j + 1]) === order.indexOf(sorted[j]) + 1) j += 1;
    parts.push(j > i ? `${sorted[i]}-${sorted[j]}` : sorted[i]);
    i = j + 1;
  }
  return parts.join(', ');
}

/**
 * Reads minors written as text: `1.31`, `1.30-1.33`, `1.27,1.31` or `1.27-1.29, 1.31` (what
 * {@link formatMinors} writes). Throws an Error naming the bad part and the supported minors.
 */
export function parseKubernetesMinors(text: string, what = 'Kubernetes minors'): readonly KubernetesMinor[] {
  const supported = `${SUPPORTED_KUBERNETES_MINORS[0]} to ${SUPPORTED_KUBERNETES_MINORS[SUPPORTED_KUBERNETES_MINORS.length - 1]}`;
  const out = new Set<KubernetesMinor>();
  const parts = text.split(',').map((p) => p.trim()).filter((p) => p !== '');
  if (parts.length === 0) throw new Error(`${what} ${JSON.stringify(text)} names no minor. Fix: give minors such as 1.31, or a range such as 1.30-1.33 (prodpath supports ${supported}).`);
  for (const part of parts) {
    const [from, to, extra] = part.split('-').map((p) => p.trim());
    const bad = [from, to].find((m) => m !== undefined && !isMinor(m));
    if (extra !== undefined || bad !== undefined) {
      throw new Error(`${what} ${JSON.stringify(text)}: ${JSON.stringify(bad ?? part)} is not a Kubernetes minor prodpath validates against. Fix: use minors from ${supported}, such as 1.31 or 1.30-1.33.`);
    }
    const start = SUPPORTED_KUBERNETES_MINORS.indexOf(from as KubernetesMinor);
    const end = to === undefined ? start : SUPPORTED_KUBERNETES_MINORS.indexOf(to as KubernetesMinor);
    if (end < start) throw new Error(`${what} ${JSON.stringify(text)}: the range ${part} ends before it starts. Fix: write the older minor first, such as 1.30-1.33.`);
    SUPPORTED_KUBERNETES_MINORS.slice(start, end + 1).forEach((m) => out.add(m));
  }
  return SUPPORTED_KUBERNETES_MINORS.filter((m) => out.has(m));
}
