import { parse } from 'yaml';
import { mustDoubleQuote, readsBackPlain, stringifyDocument, stringifyDocumentGeneral, type StringPlace } from '../outputs/yaml';
import { ComposeVariable } from './compose-file';

/**
 * Writes a Compose model as YAML, the same bytes for the same model:
 *
 * - map keys sorted (lists keep the order the renderer gave them);
 * - `$` in every literal string written as `$$`, so Compose never interpolates user data
 *   (a config value such as `^\d+$`); only {@link ComposeVariable}s are read from the environment;
 * - every string that a YAML 1.1 reader (PyYAML in podman-compose, go-yaml v2 in
 *   `docker stack deploy`) or a YAML 1.2 reader (go-yaml v3 in `docker compose`) would read as
 *   something else (`yes`, `no`, `on`, `y`, `1:30`, `0o17`, `~`, `=`, `<<`, `5432`, ...) is
 *   double-quoted, and so are `ports` entries and `user` (`"127.0.0.1:8080:8080"`, `"10001:10001"`:
 *   colon-separated numbers that YAML 1.1 reads as base-60 integers when they are small);
 * - no line folding.
 */
export function stringifyCompose(model: unknown, header: readonly string[] = []): string {
  const body = stringifyDocument(prepare(model), { doubleQuote: composeQuotes });
  return `${header.map((line) => (line === '' ? '#' : `# ${line}`)).join('\n')}${header.length > 0 ? '\n' : ''}${body}`;
}

/** The strings the Compose writer double-quotes: see {@link stringifyCompose}. */
function composeQuotes(value: string, place: StringPlace): boolean {
  return needsQuotes(value) || (place.role === 'value' && place.key === 'user') || (place.role === 'item' && place.key === 'ports');
}

/**
 * The same text by the `yaml` package alone, which {@link stringifyCompose} falls back to for
 * what the fast writer leaves to it. Exported for the test that the two agree.
 * @internal
 */
export function stringifyComposeGeneral(model: unknown): string {
  return stringifyDocumentGeneral(prepare(model), { doubleQuote: composeQuotes });
}

/** Sorts map keys, drops undefined values, escapes `$` and renders variables. */
function prepare(value: unknown): unknown {
  if (value instanceof ComposeVariable) {
    return value.toString();
  }
  if (typeof value === 'string') {
    return value.replace(/\$/g, '$$$$');
  }
  if (Array.isArray(value)) {
    return value.map(prepare);
  }
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) {
        out[key] = prepare(v);
      }
    }
    return out;
  }
  return value;
}

/** Answers of {@link needsQuotes}: a Compose file repeats the same strings many times. */
const quoteCache = new Map<string, boolean>();

/** Whether a string would not read back as the same string in YAML 1.1 or 1.2 when written plain. */
export function needsQuotes(s: string): boolean {
  let answer = quoteCache.get(s);
  if (answer === undefined) {
    answer = readsAsOtherThan(s);
    if (quoteCache.size > 100_000) {
      quoteCache.clear();
    }
    quoteCache.set(s, answer);
  }
  return answer;
}

function readsAsOtherThan(s: string): boolean {
  // `=` is YAML 1.1's "value" tag and `<<` the merge key: PyYAML refuses or merges them.
  if (s === '' || s === '=' || s === '<<' || s.trim() !== s || mustDoubleQuote(s)) {
    return true;
  }
  // Most strings are names, images and paths the YAML writer already leaves plain: its test
  // answers for them; only the rest are parsed by both YAML versions.
  if (readsBackPlain(s)) {
    return false;
  }
  for (const version of ['1.1', '1.2'] as const) {
    try {
      if (parse(s, { version }) !== s) {
        return true;
      }
    } catch {
      return true;
    }
  }
  return false;
}
