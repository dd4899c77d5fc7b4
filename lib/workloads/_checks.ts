import { IConstruct } from 'constructs';
import { ValidationError } from '../policy/errors';

/**
 * Checks of workload values that lib/policy/names.ts does not have: cron schedules, time
 * zones, durations, label maps, image references, percentages. Internal to the workloads layer.
 */

/** Checks an integer number of seconds within a range. */
export function checkSeconds(scope: IConstruct, field: string, value: unknown, min: number, max: number, example: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(scope, {
      field,
      value,
      rule: `must be a whole number of seconds from ${min} to ${max}`,
      fix: `use a number such as ${example}`,
    });
  }
  return value;
}

const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Checks a map of label keys and values, as used in selectors. */
export function checkLabels(scope: IConstruct, field: string, value: unknown, allowEmpty = false): Record<string, string> {
  const fail = (bad: unknown, rule: string): never => {
    throw new ValidationError(scope, { field, value: bad, rule, fix: 'use labels such as { "kubernetes.io/metadata.name": "ingress-nginx" }' });
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(value, 'must be a map of label keys to values');
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0 && !allowEmpty) {
    return fail(value, 'must hold at least one label (an empty selector matches everything)');
  }
  const out: Record<string, string> = {};
  for (const [key, v] of entries.sort(([a], [b]) => (a < b ? -1 : 1))) {
    const slash = key.lastIndexOf('/');
    const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
    const name = slash >= 0 ? key.slice(slash + 1) : key;
    if (name.length > 63 || !LABEL_NAME.test(name) || (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix)))) {
      fail(key, 'a label key is an optional DNS subdomain prefix and "/", then 1 to 63 letters, digits, "-", "_" or "."');
    }
    if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v)) {
      fail(v, `the value of label "${key}" must be at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`);
    }
    out[key] = v as string;
  }
  return out;
}

/** A value Kubernetes accepts for maxUnavailable, maxSurge, minAvailable: a count or a percentage. */
export type CountOrPercent = number | `${number}%`;

/** Checks a count (integer >= 0) or a percentage string such as "25%". */
export function checkCountOrPercent(scope: IConstruct, field: string, value: unknown): CountOrPercent {
  const ok = (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 10000)
    || (typeof value === 'string' && /^(100|[1-9]?[0-9])%$/.test(value));
  if (!ok) {
    throw new ValidationError(scope, {
      field,
      value,
      rule: 'must be a whole number of pods (0 or more) or a percentage from "0%" to "100%"',
      fix: 'use 1 or "25%"',
    });
  }
  return value as CountOrPercent;
}

/** How many pods a count or percentage means out of `total`, rounding as Kubernetes does. */
export function podsOf(value: CountOrPercent, total: number, round: 'up' | 'down'): number {
  if (typeof value === 'number') {
    return value;
  }
  const exact = (Number(value.slice(0, -1)) * total) / 100;
  return round === 'up' ? Math.ceil(exact) : Math.floor(exact);
}

// --- cron ----------------------------------------------------------------------------------

const CRON_FIELDS: readonly { name: string; min: number; max: number; names?: readonly string[] }[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  { name: 'day-of-week', min: 0, max: 6, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];

/** The schedule macros the CronJob controller accepts in place of five fields. */
export const CRON_MACROS: readonly string[] = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

const CRON_FIX = 'use five fields "minute hour day-of-month month day-of-week", such as "0 3 * * *" (every day at 03:00)';

/**
 * Checks a CronJob schedule as the Kubernetes CronJob controller parses it (robfig/cron's
 * standard parser): five fields, each a list of `*`, values, ranges `a-b` and steps `/n`, with
 * month and weekday names; or one of the macros `@daily`, `@hourly`, .... Time zones go in the
 * `timeZone` field, not in the schedule.
 */
export function checkCronSchedule(scope: IConstruct, field: string, value: unknown): string {
  const fail = (rule: string): never => {
    throw new ValidationError(scope, { field, value, rule, fix: CRON_FIX });
  };
  if (typeof value !== 'string' || value.trim() === '') {
    return fail('a schedule is a cron expression of five fields');
  }
  const schedule = value.trim();
  if (/^(CRON_)?TZ=/.test(schedule)) {
    return fail('a time zone in the schedule is not supported by Kubernetes 1.27 CronJobs; set timeZone instead');
  }
  if (schedule.startsWith('@')) {
    if (!CRON_MACROS.includes(schedule)) {
      fail(`the only schedule macros are ${CRON_MACROS.join(', ')}`);
    }
    return schedule;
  }
  const fields = schedule.split(/\s+/);
  if (fields.length !== 5) {
    fail(`a schedule is five cron fields (minute hour day-of-month month day-of-week), and this one has ${fields.length}`);
  }
  fields.forEach((text, i) => checkCronField(text, CRON_FIELDS[i], fail));
  return fields.join(' ');
}

function checkCronField(text: string, spec: typeof CRON_FIELDS[number], fail: (rule: string) => never): void {
  const range = `${spec.min}-${spec.max}${spec.names ? ` or ${spec.names[0]}-${spec.names[spec.names.length - 1]}` : ''}`;
  const bad = (why: string): never => fail(`the ${spec.name} field "${text}" ${why} (allowed: ${range}, "*", lists "a,b", ranges "a-b" and steps "*/n")`);
  const value = (v: string): number => {
    const byName = spec.names?.indexOf(v.toUpperCase()) ?? -1;
    const n = byName >= 0 ? byName + (spec.min === 1 ? 1 : 0) : (/^\d+$/.test(v) ? Number(v) : NaN);
    if (Number.isNaN(n)) {
      return bad(`has "${v}", which is not a number`);
    }
    if (n < spec.min || n > spec.max) {
      return bad(`has ${n}, out of range`);
    }
    return n;
  };
  for (const item of text.split(',')) {
    const [base, step, ...rest] = item.split('/');
    if (rest.length > 0 || base === '') {
      bad('is malformed');
    }
    if (step !== undefined && (!/^\d+$/.test(step) || Number(step) === 0 || Number(step) > spec.max)) {
      bad(`has the step "${step}", which must be a whole number from 1 to ${spec.max}`);
    }
    if (base === '*' || (base === '?' && (spec.name === 'day-of-month' || spec.name === 'day-of-week'))) {
      continue;
    }
    const [from, to, ...more] = base.split('-');
    if (more.length > 0 || from === '' || to === '') {
      bad('is malformed');
    }
    const a = value(from);
    if (to !== undefined && value(to) < a) {
      bad(`has the range ${base}, which ends before it starts`);
    }
  }
}

const TIME_ZONES = new Set(Intl.supportedValuesOf('timeZone'));

/**
 * Whether the tz database knows a zone: listed by `Intl.supportedValuesOf('timeZone')` (the
 * canonical names), or an alias ICU resolves (`Etc/UTC`, `Asia/Kolkata`), written with the
 * capitals the database uses, as the CronJob controller looks zones up by file name.
 */
export function isKnownTimeZone(value: string): boolean {
  if (TIME_ZONES.has(value)) {
    return true;
  }
  if (!/^(UTC|GMT|[A-Z][A-Za-z]*(?:\/[A-Z][A-Za-z0-9_+-]*)+)$/.test(value)) {
    return false;
  }
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** Checks an IANA time zone name such as "Europe/Paris" or "Etc/UTC" against the tz database. */
export function checkTimeZone(scope: IConstruct, field: string, value: unknown): string {
  if (typeof value !== 'string' || !isKnownTimeZone(value)) {
    throw new ValidationError(scope, {
      field,
      value,
      rule: 'a time zone is a name of the IANA tz database (as Intl.supportedValuesOf(\'timeZone\') lists them, or an alias of one), with its capitals',
      fix: 'use a name such as "Etc/UTC" or "Europe/Paris"',
    });
  }
  return value;
}

// --- images --------------------------------------------------------------------------------

const IMAGE_REFERENCE = /^((?:[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*):([\w][\w.-]{0,127})(@sha256:[a-f0-9]{64})?$/;

/** The parts of an image reference `repository:tag[@sha256:digest]`. */
export interface ImageReferenceParts {
  readonly repository: string;
  readonly tag: string;
  readonly digest?: string;
}

/** Checks an image reference: a repository with an explicit tag that is not `latest`, and an optional digest. */
export function checkImageReference(scope: IConstruct, field: string, value: unknown): ImageReferenceParts {
  const m = typeof value === 'string' ? IMAGE_REFERENCE.exec(value) : null;
  if (!m || m[2] === 'latest') {
    throw new ValidationError(scope, {
      field,
      value,
      rule: 'an image is referenced by repository and an explicit tag other than "latest" (a @sha256 digest may follow)',
      fix: 'use a reference such as "postgres:16-bookworm" or "postgres:16-bookworm@sha256:<64 hex>"',
    });
  }
  return { repository: m[1], tag: m[2], digest: m[3]?.slice(1) };
}

/** A string usable as a label value: cut to 63 characters, trimmed to start and end with an alphanumeric. */
export function toLabelValue(text: string): string {
  return text.slice(0, 63).replace(/^[^A-Za-z0-9]+/, '').replace(/[^A-Za-z0-9]+$/, '').replace(/[^-A-Za-z0-9_.]/g, '-');
}

/** The prefix of the environment variables that describe a connection target: `order-db` gives `ORDER_DB`. */
export function envPrefix(name: string): string {
  return name.toUpperCase().replace(/-/g, '_');
}
