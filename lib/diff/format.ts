/**
 * How `prodpath diff` prints a {@link ManifestDiff}: text for people (colored on a terminal),
 * Markdown for pull-request comments, JSON for machines. Secret-looking values are masked in all
 * three.
 */
import { maskValue } from './mask';
import { FieldChange, ManifestDiff, ObjectDiff } from './semantic-diff';

/** Options of {@link formatText}. */
export interface TextOptions {
  /** ANSI colors. @default false */
  readonly color?: boolean;
  /** The longest value shown before it is cut with `...`. @default 160 */
  readonly maxValueLength?: number;
}

const ANSI = { red: '\u001b[31m', green: '\u001b[32m', yellow: '\u001b[33m', dim: '\u001b[2m', bold: '\u001b[1m', reset: '\u001b[0m' };
type Paint = (style: keyof typeof ANSI, text: string) => string;

function painter(color: boolean): Paint {
  return (style, text) => (color ? `${ANSI[style]}${text}${ANSI.reset}` : text);
}

/** A value for text output: JSON, masked, cut to `max` characters. */
function show(d: ObjectDiff, c: FieldChange, which: 'from' | 'to', max: number): string {
  const obj = which === 'from' ? d.from : d.to;
  const text = JSON.stringify(maskValue(d.kind, c.pointer, c[which], obj?.object)) ?? 'null';
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/** The object as a reader names it: `Deployment api`, `ConfigMap api-config-52018ad7ad → api-config-673b9c5278`. */
export function objectTitle(d: ObjectDiff, withSource = false): string {
  const names = d.fromName !== undefined && d.toName !== undefined && d.fromName !== d.toName
    ? `${d.fromName} → ${d.toName}` : (d.toName ?? d.fromName ?? '?');
  return `${withSource && d.source ? `${d.source}: ` : ''}${d.kind} ${names}`;
}

/** Counts of a diff, for summaries. */
export function counts(diff: ManifestDiff): { added: number; removed: number; changed: number; unchanged: number } {
  const n = (s: ObjectDiff['status']) => diff.objects.filter((o) => o.status === s).length;
  return { added: n('added'), removed: n('removed'), changed: n('changed'), unchanged: diff.unchanged };
}

const DERIVED_NOTE: Record<string, string> = {
  'content-hashed-name': 'new content hash',
  'namespace': 'follows the namespace',
};

/**
 * The diff as lines of text, one block per object: `+` added, `-` removed, `~` changed, each
 * changed field with its JSON pointer and `old → new`.
 */
export function formatText(diff: ManifestDiff, options: TextOptions = {}): string[] {
  const paint = painter(options.color ?? false);
  const max = options.maxValueLength ?? 160;
  const withSource = new Set(diff.objects.map((o) => o.source)).size > 1;
  const lines: string[] = [];
  for (const d of diff.objects) {
    if (d.status === 'added') {
      lines.push(paint('green', `+ ${objectTitle(d, withSource)}`));
      continue;
    }
    if (d.status === 'removed') {
      lines.push(paint('red', `- ${objectTitle(d, withSource)}`));
      continue;
    }
    lines.push(paint('bold', `~ ${objectTitle(d, withSource)}`));
    for (const c of d.changes) {
      const note = c.derivedFrom ? paint('dim', ` (${DERIVED_NOTE[c.derivedFrom]})`) : '';
      if (c.op === 'added') {
        lines.push(`    ${paint('green', '+')} ${c.pointer}: ${paint('green', show(d, c, 'to', max))}${note}`);
      } else if (c.op === 'removed') {
        lines.push(`    ${paint('red', '-')} ${c.pointer}: ${paint('red', show(d, c, 'from', max))}${note}`);
      } else {
        lines.push(`    ${paint('yellow', '~')} ${c.pointer}: ${paint('red', show(d, c, 'from', max))} → ${paint('green', show(d, c, 'to', max))}${note}`);
      }
    }
  }
  return lines;
}

/** The diff as plain data for `--json`, values masked. */
export function diffToJson(diff: ManifestDiff): unknown {
  return {
    summary: counts(diff),
    objects: diff.objects.map((d) => ({
      status: d.status,
      kind: d.kind,
      ...(d.fromName !== undefined ? { fromName: d.fromName } : {}),
      ...(d.toName !== undefined ? { toName: d.toName } : {}),
      ...(d.source ? { source: d.source } : {}),
      changes: d.changes.map((c) => ({
        pointer: c.pointer,
        op: c.op,
        ...(c.from !== undefined ? { from: maskValue(d.kind, c.pointer, c.from, d.from?.object) } : {}),
        ...(c.to !== undefined ? { to: maskValue(d.kind, c.pointer, c.to, d.to?.object) } : {}),
        ...(c.derivedFrom ? { derivedFrom: c.derivedFrom } : {}),
      })),
    })),
  };
}

/** One environment's part of a Markdown summary. */
export interface EnvironmentChange {
  /** The environment's name. */
  readonly name: string;
  /** `added`: no manifests at the revision; `removed`: none in the working tree. */
  readonly status: 'added' | 'removed' | 'changed' | 'unchanged';
  readonly diff: ManifestDiff;
}

/** A value inside a Markdown table cell: inline code, pipes escaped, one line, cut to `max`. */
function cell(value: unknown, max = 100): string {
  if (value === undefined) {
    return '*(none)*';
  }
  let text = typeof value === 'string' && value !== '' ? value : JSON.stringify(value) ?? 'null';
  text = text.replace(/\r?\n/g, '⏎');
  if (text.length > max) {
    text = `${text.slice(0, max - 3)}...`;
  }
  const fence = text.includes('`') ? '``' : '`';
  const pad = fence === '``' ? ' ' : '';
  return `${fence}${pad}${text.replace(/\|/g, '\\|')}${pad}${fence}`;
}

/**
 * A Markdown summary for a pull-request comment: a table of counts per environment, then per
 * environment a table of the changed fields with their old and new values. Changes that only
 * follow from another one (a ConfigMap's new content-hashed name and the references to it) are
 * listed once below the table instead of as rows.
 * @param against the git revision compared with, for the heading
 */
export function formatMarkdown(changes: readonly EnvironmentChange[], against: string): string {
  const lines: string[] = [`### prodpath: what this change does to each environment`, '', `Compared with \`${against}\`, object by object and field by field.`, ''];
  const changed = changes.filter((c) => c.status !== 'unchanged');
  if (changed.length === 0) {
    lines.push(`No environment's manifests change (${changes.map((c) => c.name).join(', ') || 'no environment'}).`);
    return `${lines.join('\n')}\n`;
  }
  lines.push('| Environment | Objects added | Objects removed | Objects changed |', '|---|---:|---:|---:|');
  for (const c of changes) {
    const n = counts(c.diff);
    const label = c.status === 'added' ? `${c.name} (new)` : c.status === 'removed' ? `${c.name} (removed)` : c.name;
    lines.push(`| ${label} | ${n.added} | ${n.removed} | ${n.changed} |`);
  }
  for (const c of changed) {
    lines.push('', `#### ${c.name}`, '');
    const withSource = new Set(c.diff.objects.map((o) => o.source)).size > 1;
    const rows: string[] = [];
    const follows: string[] = [];
    for (const d of c.diff.objects) {
      const title = objectTitle({ ...d, fromName: d.toName ?? d.fromName, toName: d.toName ?? d.fromName }, withSource).replace(/\|/g, '\\|');
      if (d.status === 'added' || d.status === 'removed') {
        rows.push(`| ${title} | *(object)* | ${d.status === 'added' ? '*(absent)*' : '*(present)*'} | ${d.status === 'added' ? '*(added)*' : '*(removed)*'} |`);
        continue;
      }
      for (const ch of d.changes) {
        if (ch.derivedFrom === 'content-hashed-name') {
          follows.push(`${d.kind} ${cell(d.toName ?? d.fromName)} ${cell(ch.pointer)}`);
          continue;
        }
        const before = maskValue(d.kind, ch.pointer, ch.from, d.from?.object);
        const after = maskValue(d.kind, ch.pointer, ch.to, d.to?.object);
        rows.push(`| ${title} | ${cell(ch.pointer)} | ${cell(before)} | ${cell(after)} |`);
      }
    }
    if (rows.length > 0) {
      lines.push('| Object | Field | Before | After |', '|---|---|---|---|', ...rows);
    }
    if (follows.length > 0) {
      lines.push('', `New content-hashed names (the pods roll): ${follows.join(', ')}.`);
    }
  }
  const unchanged = changes.filter((c) => c.status === 'unchanged').map((c) => c.name);
  if (unchanged.length > 0) {
    lines.push('', `Unchanged: ${unchanged.join(', ')}.`);
  }
  return `${lines.join('\n')}\n`;
}
