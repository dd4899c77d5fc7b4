import { IConstruct } from 'constructs';
import { ValidationError } from '../policy/errors';

/** A request and an optional limit, as Kubernetes quantities (`100m`, `0.5`, `256Mi`). */
export interface ResourceRange {
  /** What the scheduler reserves. */
  readonly request?: string;
  /** The hard cap. */
  readonly limit?: string;
}

/**
 * Compute resources of a container. Everything has a default; CPU has no limit by default
 * (throttling hurts latency more than it protects neighbours), memory always has one.
 */
export interface Resources {
  /** @default { request: '100m' } - no CPU limit */
  readonly cpu?: ResourceRange;
  /** @default { request: '128Mi', limit: '256Mi' } */
  readonly memory?: ResourceRange;
  /** @default { request: '64Mi', limit: '256Mi' } */
  readonly ephemeralStorage?: ResourceRange;
}

const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;
const SUFFIX: Record<string, number> = {
  '': 1, 'n': 1e-9, 'u': 1e-6, 'm': 1e-3, 'k': 1e3, 'M': 1e6, 'G': 1e9, 'T': 1e12, 'P': 1e15, 'E': 1e18,
  'Ki': 2 ** 10, 'Mi': 2 ** 20, 'Gi': 2 ** 30, 'Ti': 2 ** 40, 'Pi': 2 ** 50, 'Ei': 2 ** 60,
};

/** Parses a Kubernetes quantity to a number (cores or bytes); undefined when malformed. */
export function parseQuantity(q: string): number | undefined {
  const m = QUANTITY.exec(q);
  if (!m) {
    return undefined;
  }
  const n = Number(m[2]) * (m[1] === '-' ? -1 : 1);
  const suffix = m[3] ?? '';
  const factor = /^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : SUFFIX[suffix];
  return n * factor;
}

/** The resolved requests and limits, ready to put in a container spec. */
export interface ResolvedResources {
  readonly requests: Record<string, string>;
  readonly limits: Record<string, string>;
}

const DEFAULTS: Required<{ [K in keyof Resources]: ResourceRange }> = {
  cpu: { request: '100m' },
  memory: { request: '128Mi', limit: '256Mi' },
  ephemeralStorage: { request: '64Mi', limit: '256Mi' },
};

const K8S_NAME: Record<keyof Resources, string> = { cpu: 'cpu', memory: 'memory', ephemeralStorage: 'ephemeral-storage' };
const EXAMPLE: Record<keyof Resources, string> = { cpu: '250m', memory: '256Mi', ephemeralStorage: '1Gi' };

/** Checks and resolves resources: quantities well formed, positive, each request at most its limit. */
export function resolveResources(scope: IConstruct, field: string, resources: Resources | undefined): ResolvedResources {
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  for (const key of Object.keys(DEFAULTS) as (keyof Resources)[]) {
    const range: ResourceRange = {
      request: resources?.[key]?.request ?? DEFAULTS[key].request,
      limit: resources?.[key]?.limit ?? DEFAULTS[key].limit,
    };
    const parsed: Record<string, number> = {};
    for (const which of ['request', 'limit'] as const) {
      const v = range[which];
      if (v === undefined) {
        continue;
      }
      const n = typeof v === 'string' ? parseQuantity(v) : undefined;
      if (n === undefined || n <= 0) {
        throw new ValidationError(scope, {
          field: `${field}.${key}.${which}`,
          value: v,
          rule: 'must be a positive Kubernetes quantity (a number with an optional suffix m, Ki, Mi, Gi, k, M, G...)',
          fix: `use a quantity such as "${EXAMPLE[key]}"`,
        });
      }
      parsed[which] = n;
    }
    if (parsed.request !== undefined && parsed.limit !== undefined && parsed.request > parsed.limit) {
      throw new ValidationError(scope, {
        field: `${field}.${key}`,
        value: range,
        rule: 'a request may not be above its limit',
        fix: `raise the limit to at least ${range.request}, or lower the request`,
      });
    }
    if (range.request !== undefined) {
      requests[K8S_NAME[key]] = range.request;
    }
    if (range.limit !== undefined) {
      limits[K8S_NAME[key]] = range.limit;
    }
  }
  return { requests, limits };
}
