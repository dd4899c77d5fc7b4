/**
 * Reading a YAML stream of Kubernetes objects, document by document, for `prodpath check`.
 *
 * The meaning is that of the `yaml` package's YAML 1.2 core schema, as `prodpath check` has
 * always read manifests. Most streams are read by `js-yaml` (5.x, whose core schema resolves
 * plain scalars the same way), which is about 4 times faster cold and 8 times faster on large
 * input (the example's dist/: 260 -> 70 ms; 17,000 objects, 19 MB: 13.3 -> 1.6 s). Where the two
 * packages read the same text differently, or js-yaml refuses it, the stream goes to `yaml`:
 *
 * - before anything is read, on text that may hold one of the differences: a directive
 *   (`%YAML 1.1` switches `yaml` to YAML 1.1), a tag (`!!float 1`, `!!binary`, custom tags), a
 *   null or empty key (`~:`, `null:`, `: a`; `yaml` makes it "", js-yaml "null"), a number
 *   beyond double range (`1e400`; `yaml` reads Infinity, js-yaml a string), a carriage return
 *   without a line feed (a line break to js-yaml, text to `yaml`), a line of only blanks (block
 *   scalars ending in one are read differently);
 * - from the failing document on, when js-yaml throws: syntax errors, duplicate keys, aliases
 *   (refused, so `yaml` expands them with its limit on alias counts), complex keys, nesting
 *   deeper than 100. `yaml` then gives the messages it always gave, with the line and column in
 *   the whole stream.
 *
 * test/outputs/yaml-read.test.ts compares both readers on generated streams.
 */
import { CORE_SCHEMA, loadAll } from 'js-yaml';
import type { Document } from 'yaml';

/**
 * One document of a stream: its object (and its text, where the document was read from its own
 * text: what `prodpath check` keeps schema results by), its syntax error, or why it cannot be expanded.
 */
export type ReadDocument = { readonly object: unknown; readonly text?: string } | { readonly error: string } | { readonly unreadable: string };

/** Text on which js-yaml and `yaml` may disagree (see the module comment): read it with `yaml`. */
const YAML_PACKAGE_ONLY: readonly RegExp[] = [
  /^%/m, // a directive (`%YAML 1.1` switches `yaml` to YAML 1.1)
  /\r(?!\n)/, // a carriage return without a line feed: js-yaml breaks the line there, `yaml` keeps it as text
  /^[ \t]+\r?$/m, // a line of only blanks: in a block scalar the two read trailing ones differently
  /(?:^|[\s[\]{},:?-])!/, // a tag
  /(?:^|[\s,{[?])(?:~|null|Null|NULL)[ \t]*:(?:[ \t\r\n]|$)/m, // a null key: "" to `yaml`, "null" to js-yaml
  /^[ \t]*(?:-[ \t]+)*:(?:[ \t\r\n]|$)/m, // an empty key
  /[{,][ \t]*:(?:[ \t\r\n]|$)/, // an empty key in a flow mapping
  // A plain scalar that is a number with an exponent of three digits or more (1e400 is Infinity to `yaml`).
  /(?:^|[\s[{,])[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]{3,}[ \t]*(?:$|[\r\n,\]}#])/m,
];
/** Where a document starts: a `---` marker at the start of a line (the spec forbids it inside any scalar). */
const DOCUMENT_START = /^---(?=[ \t]|\r?\n|$)/gm;

const FAST_OPTIONS = { schema: CORE_SCHEMA, maxAliases: 0 } as const;

/** Whether the stream is read by `yaml` from the start. */
export function needsYamlPackage(source: string): boolean {
  return YAML_PACKAGE_ONLY.some((pattern) => pattern.test(source));
}

/**
 * The documents of a YAML stream, one at a time: only one document's tree is held at once, so a
 * large stream needs little more memory than its text. A document with a syntax error gets the
 * message `yaml`'s `parseAllDocuments` gives (with line, column and excerpt). Empty documents
 * (nothing, or only comments, between two `---`) may be left out.
 */
export function* readYamlDocuments(source: string): Generator<ReadDocument> {
  if (needsYamlPackage(source)) {
    yield* readWithYamlPackage(source);
    return;
  }
  const starts = [0];
  DOCUMENT_START.lastIndex = 0;
  for (let m = DOCUMENT_START.exec(source); m !== null; m = DOCUMENT_START.exec(source)) {
    if (m.index > 0) starts.push(m.index);
  }
  starts.push(source.length);
  for (let i = 0; i + 1 < starts.length; i++) {
    let objects: unknown[];
    const text = source.slice(starts[i], starts[i + 1]);
    try {
      objects = loadAll(text, FAST_OPTIONS);
    } catch {
      // `yaml` reads this document and the rest, with line numbers in the whole stream.
      yield* readWithYamlPackage(source, starts[i]);
      return;
    }
    if (objects.length === 1) yield { object: objects[0], text };
    else for (const object of objects) yield { object };
  }
}

/**
 * The `yaml` package's reading, of the documents that start at `from` or later (what
 * {@link readYamlDocuments} means; its test compares the two).
 * @internal
 */
export function* readWithYamlPackage(source: string, from = 0): Generator<ReadDocument> {
  // Loaded when needed: 35 ms at start that most runs of `prodpath check` can do without.
  const { Composer, Parser, parseAllDocuments } = require('yaml') as typeof import('yaml');
  let index = 0;
  let pretty: Document.Parsed[] | undefined;
  for (const doc of new Composer().compose(new Parser().parse(source))) {
    const at = index++;
    if (doc.range[0] < from) continue; // read by js-yaml already
    if (doc.errors.length > 0) {
      pretty ??= parseAllDocuments(source) as Document.Parsed[];
      yield { error: (pretty[at]?.errors[0] ?? doc.errors[0]).message };
      continue;
    }
    try {
      yield { object: doc.toJS() };
    } catch (err) {
      yield { unreadable: err instanceof Error ? err.message : String(err) };
    }
  }
}
