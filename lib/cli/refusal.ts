/**
 * How a refused synth reads on the terminal: one block that lists every finding, grouped by
 * construct path (or file), each with the field, the value (already masked where it may be
 * secret), the rule and the fix; no stack trace and no object dump. `PRODPATH_DEBUG=1` adds
 * the stack. This is process-level code: the App installs the handler once, for a script
 * run with `node main.ts` or by `cdk8s synth`, and only while no one else (a test runner)
 * handles uncaught exceptions.
 */
import * as path from 'path';
import { describe } from '../policy/errors';
import type { Finding } from '../policy/rules';

/** One line item of a refusal. */
export interface RefusalItem {
  /** The construct path, or the file. */
  readonly where: string;
  /** The object (`Deployment shop/api`), when the finding is about one. */
  readonly object?: string;
  /** The field or JSON pointer. */
  readonly field?: string;
  /** The value as shown (masked where it may be secret). */
  readonly value?: string;
  /** The rule broken, with its id for policy findings. */
  readonly rule: string;
  /** The fix. */
  readonly fix: string;
}

/**
 * The items of a refusal (a {@link ValidationError}, a `PolicyError`, or an error that lists
 * construct problems), or undefined for any other error. Recognised by shape, so an error
 * from another copy of the library is reported the same way.
 */
export function refusalItems(error: unknown): readonly RefusalItem[] | undefined {
  if (typeof error !== 'object' || error === null) {
    return undefined;
  }
  const e = error as { name?: unknown; constructPath?: unknown; problem?: any; findings?: unknown; problems?: unknown };
  if (e.name === 'ValidationError' && typeof e.constructPath === 'string' && typeof e.problem === 'object' && e.problem !== null) {
    return [valueItem(e.constructPath, String(e.problem.field), e.problem.value, String(e.problem.rule), String(e.problem.fix))];
  }
  if (e.name === 'PolicyError' && Array.isArray(e.findings)) {
    return findingItems(e.findings as Finding[]);
  }
  const o = error as { outputPath?: unknown; rule?: unknown; fix?: unknown; lockFile?: unknown; message?: unknown };
  if (e.name === 'OutputShapeError' && typeof o.outputPath === 'string') {
    return [{ where: o.outputPath, field: 'output folder', rule: String(o.rule), fix: String(o.fix) }];
  }
  if (e.name === 'OutputLockedError' && typeof o.lockFile === 'string') {
    const [rule, fix] = String(o.message).replace(/^prodpath: /, '').split(' Fix: ');
    return [{ where: path.dirname(o.lockFile), field: 'lock', rule, fix: fix?.replace(/\.$/, '') ?? '' }];
  }
  if (e.name === 'ConstructProblemsError' && Array.isArray(e.problems)) {
    return (e.problems as { path: string; message: string }[]).map((p) => ({ where: p.path, rule: p.message, fix: 'see the rule' }));
  }
  return undefined;
}

/** The refusal items of policy findings. */
export function findingItems(findings: readonly Finding[]): RefusalItem[] {
  return findings.map((f) => ({
    where: f.constructPath ?? f.file ?? '<app>',
    object: f.object ? `${f.object.kind} ${f.object.namespace ? `${f.object.namespace}/` : ''}${f.object.name}` : undefined,
    field: f.where === '' ? undefined : f.where,
    rule: `[${f.rule.id}] ${f.message}`,
    fix: f.fix,
  }));
}

/** The refusal item of one bad value. */
export function valueItem(where: string, field: string, value: unknown, rule: string, fix: string): RefusalItem {
  return { where, field, value: describe(value), rule, fix };
}

/** Formats a refusal as one block: a header, then the items grouped by construct path or file. */
export function formatRefusal(items: readonly RefusalItem[], stack?: string): string {
  const groups = new Map<string, RefusalItem[]>();
  for (const item of items) {
    groups.set(item.where, [...(groups.get(item.where) ?? []), item]);
  }
  const lines = [`prodpath: synth refused: ${items.length} problem(s); nothing was written.`];
  for (const [where, group] of [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    lines.push('', `  ${where}`);
    for (const item of group) {
      lines.push(`    - ${[item.object, item.field].filter((x) => x !== undefined).join(' ') || '(construct)'}`);
      if (item.value !== undefined) {
        lines.push(`      value: ${item.value}`);
      }
      lines.push(`      rule:  ${item.rule}`, `      fix:   ${item.fix}`);
    }
  }
  lines.push('');
  lines.push(stack !== undefined ? stack : 'Set PRODPATH_DEBUG=1 to see where in the code the refusal was raised.');
  return `${lines.join('\n')}\n`;
}

const INSTALLED = Symbol.for('prodpath.refusalHandler');

/**
 * Installs, once per process, the handler that prints a refusal as one block and exits 1.
 * Other uncaught errors, and every error while another handler is present (a test runner),
 * keep Node's own behaviour.
 */
export function installRefusalHandler(): void {
  const g = globalThis as Record<symbol, unknown>;
  if (g[INSTALLED] === true) {
    return;
  }
  g[INSTALLED] = true;
  const handler = (error: unknown) => {
    const items = refusalItems(error);
    if (process.listenerCount('uncaughtException') > 1) {
      return;
    }
    if (items === undefined) {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? String(error)) : String(error)}\n`);
      process.exit(1);
    }
    const debug = process.env.PRODPATH_DEBUG === '1';
    process.stderr.write(formatRefusal(items, debug && error instanceof Error ? error.stack : undefined));
    process.exit(1);
  };
  process.on('uncaughtException', handler);
}
