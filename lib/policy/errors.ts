import { IConstruct } from 'constructs';
import { findSecretTokens } from './secrets';

/**
 * What went wrong with one value given to a prodpath construct.
 */
export interface ValidationProblem {
  /** The setting that holds the bad value, for example `port` or `environments.dev.namespace`. */
  readonly field: string;
  /** The value as the user gave it. */
  readonly value: unknown;
  /** The rule the value breaks, as one sentence. */
  readonly rule: string;
  /** A valid example or the fix, for example `8080`. */
  readonly fix: string;
}

/**
 * Thrown for bad input, before anything is written to disk.
 *
 * The message names the construct path, the setting, the bad value, the rule and a fix:
 *
 * ```text
 * shop/dev/api: port 70000 is invalid: a port must be an integer from 1 to 65535. Fix: use a port such as 8080.
 * ```
 */
export class ValidationError extends Error {
  /** The construct path of the construct that received the bad value. */
  public readonly constructPath: string;
  /** The problem, field by field. */
  public readonly problem: ValidationProblem;

  constructor(scopeOrPath: IConstruct | string, problem: ValidationProblem) {
    const where = typeof scopeOrPath === 'string' ? scopeOrPath : pathOf(scopeOrPath);
    problem = { ...problem, value: hideSecrets(problem.value) };
    super(`${where}: ${problem.field} ${describe(problem.value)} is invalid: ${problem.rule}. Fix: ${problem.fix}.`);
    this.name = 'ValidationError';
    this.constructPath = where;
    this.problem = problem;
  }
}

/** A value with every secret the detector finds by format (URL passwords, tokens, keys) replaced by `***`. */
function hideSecrets(value: unknown): unknown {
  if (typeof value === 'string') {
    return findSecretTokens(value).reduce((text, t) => text.split(t.text).join('***'), value);
  }
  if (Array.isArray(value)) {
    return value.map(hideSecrets);
  }
  return value;
}

/** The construct path used in messages; the root (the App) is shown as `<app>`. */
export function pathOf(scope: IConstruct): string {
  return scope.node.path === '' ? '<app>' : scope.node.path;
}

/** Renders a user value for an error message: strings quoted, objects as JSON, long values cut. */
export function describe(value: unknown): string {
  let text: string;
  if (typeof value === 'string') {
    text = JSON.stringify(value);
  } else if (value === undefined) {
    text = '(missing)';
  } else if (typeof value === 'function') {
    text = '(function)';
  } else if (typeof value === 'number' && !Number.isFinite(value)) {
    // JSON would show NaN and Infinity as null.
    text = String(value);
  } else {
    try {
      text = JSON.stringify(value, (_key, v) => (typeof v === 'number' && !Number.isFinite(v) ? `<${v}>` : v)) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
