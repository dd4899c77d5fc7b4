/**
 * A fast, deterministic YAML writer for Kubernetes objects.
 *
 * Its output is byte-for-byte what cdk8s's `Yaml.stringify` writes (the `yaml` package with
 * YAML 1.1, `lineWidth: 0`): block style, two-space indent, sequences indented under their
 * key, keys in insertion order, a string left plain only when a YAML 1.1 reader reads it back
 * as that string (`yes`, `on`, `0755`, `1_000`, `1:30`, `2001-12-14`, `~` and the like are
 * quoted), multi-line strings as literal blocks (`|`, `|-`).
 *
 * Deliberate differences, so that every reader gets back the same data (see
 * {@link mustDoubleQuote}): YAML 1.2 octals (`0o17`), `=`, one-line strings with a tab, strings
 * with U+2028/U+2029 and multi-line strings of only blanks are double-quoted, and `<<` (YAML
 * 1.1's merge key) is written `!!str "<<"`. cdk8s leaves them as they are, and kustomize or
 * PyYAML then read something else.
 *
 * It covers the shapes manifests have: plain objects, arrays, strings, integers, booleans
 * and null. A document with anything else (a float, `undefined`, a class instance, the same
 * object twice, a control character, a string that would need keep-chomping or
 * document-marker treatment) is handed whole to the `yaml` package with cdk8s's options, so
 * the output is the same either way; only the speed differs. `test/outputs/yaml.test.ts`
 * checks these claims with generated documents and real readers.
 */
import { Document, isPair, isScalar, Scalar, visit } from 'yaml';

/** Thrown inside the writer when a document needs the general-purpose path. */
class NeedsGeneralWriter {}
const NEEDS_GENERAL_WRITER = new NeedsGeneralWriter();

const MERGE_TAG = 'tag:yaml.org,2002:merge';

/** Tests of the `yaml` package's schema for YAML `version` that resolve a plain scalar to a non-string. */
function nonStringTests(version: '1.1' | '1.2'): RegExp[] {
  const schema = new Document(null, { version }).schema as unknown as {
    tags: { default?: unknown; tag: string; test?: RegExp }[];
    compat?: { default?: unknown; tag: string; test?: RegExp }[] | null;
  };
  return [...schema.tags, ...(schema.compat ?? [])]
    .filter((t) => t.default && t.tag !== 'tag:yaml.org,2002:str' && t.tag !== MERGE_TAG && t.test instanceof RegExp)
    .map((t) => t.test!);
}

/**
 * Plain scalars a YAML 1.2 reader (kustomize's kyaml, go-yaml v3) resolves to something other
 * than a string while a YAML 1.1 reader does not: only octal integers such as `0o17`. cdk8s's
 * writer leaves those plain; prodpath quotes them.
 */
const ONLY_12_TESTS: readonly RegExp[] = (() => {
  const in11 = new Set(nonStringTests('1.1').map(String));
  return nonStringTests('1.2').filter((re) => !in11.has(String(re)));
})();

/**
 * What a plain scalar must not match to stay plain: the YAML 1.1 schema's null, bool, int,
 * float and timestamp forms (`~`, `yes`, `on`, `0755`, `1_000`, `1:30`, `2001-12-14`), the
 * test cdk8s's writer applies, and YAML 1.2's octal `0o17`.
 */
const NON_STRING_TESTS: readonly RegExp[] = [...nonStringTests('1.1'), ...ONLY_12_TESTS];

/**
 * Multi-line strings of nothing but blanks and newlines: a literal block loses their blanks
 * (`" \\n"` would read back as `"\\n"`), so they are double-quoted.
 */
const WHITESPACE_LINES = /^[\t ]*\n[\t \n]*$/;

/** Characters that always need a double-quoted string with escapes (left to the general writer). */
const NEEDS_ESCAPES = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u{D800}-\u{DFFF}]/u;
/** Document markers at the start of a line (`---`, `...`, `%`), which change how a string is indented. */
const DOCUMENT_MARKER = /^(%|---|\.\.\.)/m;
/**
 * What a plain (unquoted) scalar may not look like: start with an indicator character, be a
 * lone `-`/`?` or start with one followed by a blank, contain `: ` or ` #`, or end with a blank
 * or a colon. (YAML 1.2 section 7.3.3, as the `yaml` package applies it.)
 */
const NOT_PLAIN = /^[\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|:[ \t]|[\t ]#|[\t :]$/;

/**
 * Strings prodpath double-quotes where cdk8s's writer would not, so that every reader gets them
 * back: YAML 1.2 octals (`0o17`, an integer to kustomize and go-yaml v3), `=` (YAML 1.1's value
 * key, which PyYAML refuses), one-line strings with a tab (PyYAML refuses a tab in a plain
 * scalar), strings with U+2028 or U+2029 (line breaks to YAML 1.1, written `\L` and `\P`) and
 * multi-line strings of only blanks (a literal block would drop the blanks).
 */
export function mustDoubleQuote(value: string): boolean {
  if (UNICODE_LINE_BREAKS.test(value)) {
    return true;
  }
  if (value.includes('\n')) {
    return WHITESPACE_LINES.test(value);
  }
  return value === '=' || value.includes('\t') || ONLY_12_TESTS.some((re) => re.test(value));
}

/**
 * U+2028 and U+2029 are line breaks to YAML 1.1 readers (PyYAML folds them into spaces), so
 * they are written as the escapes `\L` and `\P`, inside double quotes.
 */
const UNICODE_LINE_BREAKS = /[\u2028\u2029]/;

/** `text` with every U+2028/U+2029 written as YAML's escape; only for text where they are all double-quoted. */
export function escapeUnicodeLineBreaks(text: string): string {
  return text.replace(/\u2028/g, '\\L').replace(/\u2029/g, '\\P');
}

/** A one-line string in double quotes, with YAML's escapes. */
function doubleQuoted(value: string): string {
  return escapeUnicodeLineBreaks(JSON.stringify(value));
}

/** Whether a one-line string the writer does not double-quote can be written plain: not an indicator, not a null, bool, number or date. */
function plainReadsBack(value: string): boolean {
  return !NOT_PLAIN.test(value) && !NON_STRING_TESTS.some((re) => re.test(value));
}

/**
 * Whether a string written as a plain scalar reads back as the same string to YAML 1.1 and 1.2
 * readers: the test the writer applies to leave a string plain (test/outputs/yaml.test.ts checks
 * it with real readers). False does not mean it would not: the writer quotes some strings
 * that did not need it.
 */
export function readsBackPlain(value: string): boolean {
  return value !== '' && !value.includes('\n') && !NEEDS_ESCAPES.test(value) && !DOCUMENT_MARKER.test(value) && !mustDoubleQuote(value) && plainReadsBack(value);
}

const singleLineCache = new Map<string, string>();

/** A one-line string as a key or value: plain when that reads back as the same string, else quoted. */
function singleLine(value: string): string {
  const cached = singleLineCache.get(value);
  if (cached !== undefined) {
    return cached;
  }
  if (NEEDS_ESCAPES.test(value) || DOCUMENT_MARKER.test(value)) {
    throw NEEDS_GENERAL_WRITER;
  }
  let out: string;
  if (mustDoubleQuote(value)) {
    out = doubleQuoted(value);
  } else if (plainReadsBack(value)) {
    out = value;
  } else if (value.includes('"') && !value.includes("'")) {
    out = `'${value}'`;
  } else {
    out = JSON.stringify(value);
  }
  if (singleLineCache.size > 100_000) {
    singleLineCache.clear();
  }
  singleLineCache.set(value, out);
  return out;
}

/**
 * A multi-line string as a literal block scalar whose lines are indented by `indent`:
 * `|` when it ends in one newline, `|-` when it ends in none, with an indentation indicator
 * when its first line starts with a space.
 */
function literalBlock(value: string, indent: string): string {
  if (NEEDS_ESCAPES.test(value) || DOCUMENT_MARKER.test(value) || /\n[\t ]+$/.test(value) || mustDoubleQuote(value)) {
    throw NEEDS_GENERAL_WRITER;
  }
  // Trailing blanks and newlines decide the chomping indicator.
  let endStart = value.length;
  while (endStart > 0 && ' \t\n'.includes(value[endStart - 1])) {
    endStart--;
  }
  let end = value.slice(endStart);
  const newlineAt = end.indexOf('\n');
  let chomp: string;
  if (newlineAt === -1) {
    chomp = '-';
  } else if (endStart === 0 || newlineAt !== end.length - 1) {
    // Only blanks, or more than one trailing newline: needs "keep" chomping.
    throw NEEDS_GENERAL_WRITER;
  } else {
    chomp = '';
    end = end.slice(0, -1);
  }
  let body = value.slice(0, endStart);
  // Leading spaces need an indentation indicator; leading empty lines are kept as such.
  let startWithSpace = false;
  let lastLeadingNewline = -1;
  for (let i = 0; i < body.length; i++) {
    if (body[i] === ' ') {
      startWithSpace = true;
    } else if (body[i] === '\n') {
      lastLeadingNewline = i;
    } else {
      break;
    }
  }
  let start = body.slice(0, lastLeadingNewline + 1);
  if (start !== '') {
    body = body.slice(start.length);
    start = start.replace(/\n+/g, `$&${indent}`);
  }
  const header = `|${startWithSpace ? '2' : ''}${chomp}`;
  return `${header}\n${indent}${start}${body.replace(/\n+/g, `$&${indent}`)}${end}`;
}

/** Whether `v` is an object the writer renders as a mapping. */
function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return (proto === Object.prototype || proto === null) && typeof (v as { toJSON?: unknown }).toJSON !== 'function';
}

/** A scalar (not a string) as YAML, or the general writer for what is not covered. */
function otherScalar(v: unknown): string {
  if (v === null) {
    return 'null';
  }
  if (v === true) {
    return 'true';
  }
  if (v === false) {
    return 'false';
  }
  if (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < 1e21 && !Object.is(v, -0)) {
    return String(v);
  }
  throw NEEDS_GENERAL_WRITER;
}

/** Where a string sits, for {@link FastWriterOptions.doubleQuote}. */
export interface StringPlace {
  /** A mapping key, a mapping value, or an item of a sequence. */
  readonly role: 'key' | 'value' | 'item';
  /** The key of the pair the value (or the sequence of the item) belongs to, if any. */
  readonly key?: string;
}

/** Options of {@link stringifyDocumentFast}. */
export interface FastWriterOptions {
  /**
   * Strings to double-quote even where they could be plain (the Compose writer quotes what
   * YAML 1.2 readers would misread, `ports` entries and `user`).
   * @default - quote only where the YAML 1.1 schema (and YAML 1.2's octal) needs it
   */
  readonly doubleQuote?: (value: string, place: StringPlace) => boolean;
}

const KEY_PLACE: StringPlace = { role: 'key' };

/**
 * Writes one document into a list of pieces, joined once at the end: building the text by
 * concatenation makes a tree of millions of partial strings, which costs more to collect and
 * to flatten than the writing itself.
 */
class Writer {
  /** The pieces of the text written so far. */
  public readonly parts: string[] = [];
  /** Objects and arrays seen in this document: the `yaml` package writes a repeat as an alias. */
  private readonly seen = new Set<object>();

  constructor(private readonly options: FastWriterOptions) {}

  /** Writes a node as the text after `key:` or `- `; `indent` is the indentation of its own lines. */
  public node(v: unknown, indent: string, afterKey: boolean, key: string | undefined): void {
    const parts = this.parts;
    if (typeof v === 'string') {
      const s = this.string(v, indent, afterKey ? 'value' : 'item', key);
      parts.push(afterKey ? ` ${s}` : s);
      return;
    }
    if (typeof v !== 'object' || v === null) {
      const s = otherScalar(v);
      parts.push(afterKey ? ` ${s}` : s);
      return;
    }
    if (!afterKey) {
      if (Array.isArray(v)) {
        this.seq(v, indent, undefined);
      } else {
        this.map(v, indent);
      }
      return;
    }
    // After a key, a collection starts on the next line, but an empty one is written in flow
    // style on the key's line (`key: {}`): the separator is decided once the collection is written.
    const at = parts.length;
    parts.push('');
    if (Array.isArray(v)) {
      this.seq(v, indent, key);
    } else {
      this.map(v, indent);
    }
    const empty = parts.length === at + 2 && (parts[at + 1] === '{}' || parts[at + 1] === '[]');
    parts[at] = empty ? ' ' : `\n${indent}`;
  }

  /** A string scalar: plain, quoted or a literal block; `role` and `key` say where it sits (see {@link StringPlace}). */
  public string(v: string, indent: string, role: StringPlace['role'], key?: string): string {
    if (v === '<<') {
      // YAML 1.1's merge key: the general writer tags it `!!str`.
      throw NEEDS_GENERAL_WRITER;
    }
    // The place is only built for a writer that asks for it (most write without options).
    if (this.options.doubleQuote?.(v, role === 'key' ? KEY_PLACE : { role, key })) {
      // One line without escapes is its JSON form; the rest is the general writer's.
      if (v.includes('\n') || NEEDS_ESCAPES.test(v)) {
        throw NEEDS_GENERAL_WRITER;
      }
      return doubleQuoted(v);
    }
    if (role === 'key') {
      if (v.includes('\n') || v.length > 1000) {
        throw NEEDS_GENERAL_WRITER;
      }
      return singleLine(v);
    }
    return v.includes('\n') ? literalBlock(v, indent) : singleLine(v);
  }

  /** Writes a mapping whose keys start at `indent` (the first line's indentation is the caller's). */
  public map(obj: object, indent: string): void {
    if (this.seen.has(obj) || !isPlainObject(obj)) {
      throw NEEDS_GENERAL_WRITER;
    }
    this.seen.add(obj);
    const keys = Object.keys(obj);
    if (keys.length === 0) {
      this.parts.push('{}');
      return;
    }
    const inner = `${indent}  `;
    const newline = `\n${indent}`;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      const value = (obj as Record<string, unknown>)[key];
      if (value === undefined) {
        throw NEEDS_GENERAL_WRITER;
      }
      const k = this.string(key, inner, 'key');
      this.parts.push(i === 0 ? `${k}:` : `${newline}${k}:`);
      this.node(value, inner, true, key);
    }
  }

  /** Writes a block sequence whose `- ` markers start at `indent`; `key` is the key it is the value of. */
  public seq(arr: readonly unknown[], indent: string, key: string | undefined): void {
    if (this.seen.has(arr) || Object.getPrototypeOf(arr) !== Array.prototype) {
      throw NEEDS_GENERAL_WRITER;
    }
    this.seen.add(arr);
    if (arr.length === 0) {
      this.parts.push('[]');
      return;
    }
    const inner = `${indent}  `;
    const marker = `\n${indent}- `;
    for (let i = 0; i < arr.length; i++) {
      const item = arr[i];
      if (item === undefined) {
        throw NEEDS_GENERAL_WRITER;
      }
      this.parts.push(i === 0 ? '- ' : marker);
      this.node(item, inner, false, key);
    }
  }
}

/**
 * One document by the fast writer, or `undefined` when it has something the fast writer
 * leaves to the general one (see the module comment). With no options, the text is
 * {@link stringifyDocument}'s; `options.doubleQuote` quotes more strings, as the `yaml`
 * package does for a scalar of type `QUOTE_DOUBLE`.
 */
export function stringifyDocumentFast(doc: unknown, options: FastWriterOptions = {}): string | undefined {
  if (typeof doc !== 'object' || doc === null) {
    return undefined;
  }
  try {
    const writer = new Writer(options);
    if (Array.isArray(doc)) {
      writer.seq(doc, '', undefined);
    } else {
      writer.map(doc, '');
    }
    writer.parts.push('\n');
    return writer.parts.join('');
  } catch (e) {
    if (e === NEEDS_GENERAL_WRITER) {
      return undefined;
    }
    throw e;
  }
}

/**
 * One document, as cdk8s's `Yaml.stringify(doc)` writes it (the `yaml` package with
 * `{ keepUndefined: true, lineWidth: 0, version: '1.1' }`), with the deliberate differences
 * listed at the top of this module; `options.doubleQuote` quotes more strings. The fast writer
 * writes it when it can, the `yaml` package otherwise.
 */
export function stringifyDocument(doc: unknown, options: FastWriterOptions = {}): string {
  return stringifyDocumentFast(doc, options) ?? stringifyDocumentGeneral(doc, options);
}

/**
 * One document by the `yaml` package, with the same quoting as the fast writer: what
 * {@link stringifyDocument} falls back to. Exported for the tests that the two agree.
 * @internal
 */
export function stringifyDocumentGeneral(doc: unknown, options: FastWriterOptions = {}): string {
  const document = new Document(doc, { keepUndefined: true, version: '1.1' });
  visit(document, {
    Scalar(role, node, path) {
      const v = node.value;
      if (typeof v !== 'string') {
        return;
      }
      if (v === '<<') {
        // Written `!!str "<<"`: the package's merge tag would otherwise write it plain.
        node.tag = 'tag:yaml.org,2002:str';
        node.type = Scalar.QUOTE_DOUBLE;
      } else if (mustDoubleQuote(v) || options.doubleQuote?.(v, placeOf(role, path))) {
        node.type = Scalar.QUOTE_DOUBLE;
      }
    },
  });
  // Every U+2028/U+2029 is inside a double-quoted scalar now (see mustDoubleQuote).
  return escapeUnicodeLineBreaks(document.toString({ lineWidth: 0 }));
}

/** Where a scalar the `yaml` package visits sits, as the fast writer describes it. */
function placeOf(role: number | 'key' | 'value' | null, path: readonly unknown[]): StringPlace {
  const pairKey = (pair: unknown): string | undefined => {
    const key = isPair(pair) && isScalar(pair.key) ? pair.key.value : undefined;
    return typeof key === 'string' ? key : undefined;
  };
  if (role === 'key') {
    return KEY_PLACE;
  }
  if (role === 'value') {
    return { role: 'value', key: pairKey(path[path.length - 1]) };
  }
  // An item of a sequence: the key of the pair whose value the sequence is.
  const seq = path[path.length - 1];
  const pair = path[path.length - 2];
  return { role: 'item', key: isPair(pair) && pair.value === seq ? pairKey(pair) : undefined };
}

/**
 * Several documents as one multi-document YAML text, separated by `---`: the same text as
 * cdk8s's `Yaml.stringify(...docs)`, written several times faster.
 */
export function stringifyDocuments(...docs: unknown[]): string {
  return joinDocuments(docs.map(documentText));
}

/** One document's text as {@link stringifyDocuments} writes it (an undefined document is an empty one). */
export function documentText(doc: unknown): string {
  return doc === undefined ? '\n' : stringifyDocument(doc);
}

/** The stream of documents written by {@link documentText}, as {@link stringifyDocuments} joins them. */
export function joinDocuments(texts: readonly string[]): string {
  return texts.join('---\n');
}
