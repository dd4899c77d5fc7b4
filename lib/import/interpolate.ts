/**
 * Compose variable interpolation, as the Compose specification describes it: `$VAR`, `${VAR}`,
 * `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`, `${VAR:+alt}`,
 * `${VAR+alt}`, and `$$` for a literal `$`. Defaults may themselves hold interpolations.
 */

/** Where an interpolation failed: the variable, and the message the file gave (`${VAR?message}`). */
export class InterpolationError extends Error {
  constructor(public readonly variable: string, public readonly detail: string, public readonly required: boolean) {
    super(detail);
  }
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/**
 * Interpolates one string. An unset variable without a default is an error here (Compose
 * substitutes an empty string with a warning, which hides a mistake in a file that is imported once).
 */
export function interpolate(value: string, vars: Readonly<Record<string, string | undefined>>): string {
  let out = '';
  let i = 0;
  while (i < value.length) {
    const c = value[i];
    if (c !== '$') {
      out += c;
      i += 1;
      continue;
    }
    const next = value[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next === '{') {
      const end = closingBrace(value, i + 2);
      if (end < 0) {
        throw new InterpolationError(value.slice(i), `"${value.slice(i)}" has no closing "}"`, false);
      }
      out += braced(value.slice(i + 2, end), vars);
      i = end + 1;
      continue;
    }
    const m = NAME.exec(value.slice(i + 1));
    if (m) {
      out += lookup(m[0], vars);
      i += 1 + m[0].length;
      continue;
    }
    out += '$';
    i += 1;
  }
  return out;
}

function closingBrace(s: string, from: number): number {
  let depth = 1;
  for (let j = from; j < s.length; j++) {
    if (s[j] === '$' && s[j + 1] === '{') {
      depth += 1;
      j += 1;
    } else if (s[j] === '}') {
      depth -= 1;
      if (depth === 0) {
        return j;
      }
    }
  }
  return -1;
}

function braced(expr: string, vars: Readonly<Record<string, string | undefined>>): string {
  const m = NAME.exec(expr);
  if (!m) {
    throw new InterpolationError(expr, `"\${${expr}}" is not a variable reference`, false);
  }
  const name = m[0];
  const rest = expr.slice(name.length);
  if (rest === '') {
    return lookup(name, vars);
  }
  const op = /^(:-|-|:\?|\?|:\+|\+)/.exec(rest)?.[0];
  if (op === undefined) {
    throw new InterpolationError(name, `"\${${expr}}" has an unknown modifier "${rest}"`, false);
  }
  const arg = rest.slice(op.length);
  const v = vars[name];
  const unsetOrEmpty = v === undefined || v === '';
  switch (op) {
    case ':-': return unsetOrEmpty ? interpolate(arg, vars) : v!;
    case '-': return v === undefined ? interpolate(arg, vars) : v;
    case ':+': return unsetOrEmpty ? '' : interpolate(arg, vars);
    case '+': return v === undefined ? '' : interpolate(arg, vars);
    default: {
      const failed = op === ':?' ? unsetOrEmpty : v === undefined;
      if (failed) {
        throw new InterpolationError(name, arg === '' ? `${name} is required` : interpolate(arg, vars), true);
      }
      return v!;
    }
  }
}

function lookup(name: string, vars: Readonly<Record<string, string | undefined>>): string {
  const v = vars[name];
  if (v === undefined) {
    throw new InterpolationError(name, `${name} is not set and has no default`, false);
  }
  return v;
}

/** Parses an env file (`.env`, `env_file`): `KEY=value` lines, `#` comments, optional quotes and `export`. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) {
      continue;
    }
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!m) {
      continue;
    }
    let v = m[2];
    if ((v.startsWith('"') && v.endsWith('"') && v.length >= 2) || (v.startsWith('\'') && v.endsWith('\'') && v.length >= 2)) {
      const quote = v[0];
      v = v.slice(1, -1);
      if (quote === '"') {
        v = v.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
      }
    } else {
      v = v.replace(/\s+#.*$/, '');
    }
    out[m[1]] = v;
  }
  return out;
}
