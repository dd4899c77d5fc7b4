import * as fc from 'fast-check';
import { dump, loadAll } from 'js-yaml';
import { stringify } from 'yaml';
import { needsYamlPackage, readWithYamlPackage, readYamlDocuments, type ReadDocument } from '../../lib/outputs/yaml-read';
import { stringifyDocuments } from '../../lib/outputs/yaml';
import { document, MULTILINE, scalarString, TRICKY } from '../support/yaml-arbitraries';

/**
 * `prodpath check` reads manifests with js-yaml where it reads them as the `yaml` package does,
 * and with `yaml` elsewhere: whatever the text, the documents must be those `yaml` reads.
 */
/** The documents that hold something, without the text each was read from (compared on its own). */
const nonEmpty = (docs: Iterable<ReadDocument>) => [...docs]
  .filter((d) => !('object' in d) || (d.object !== null && d.object !== undefined))
  .map((d) => ('object' in d ? { object: d.object } : d));
const fastAlone = (text: string): boolean => {
  if (needsYamlPackage(text)) return false;
  try {
    loadAll(text, { maxAliases: 0 });
    return true;
  } catch {
    return false;
  }
};

/** Objects like manifests: the usual keys, names, numbers, booleans, some YAML-hostile strings. */
const manifestValue = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,20}$/) },
  { weight: 2, arbitrary: fc.integer({ min: -1, max: 70000 }) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constantFrom('8080', 'true', 'yes', '0o17', '1e3', 'a: b', '#x', '', 'two\nlines\n', '*', 'say "hi"') },
);
const { manifest } = fc.letrec((tie) => ({
  manifest: fc.dictionary(fc.constantFrom('apiVersion', 'kind', 'metadata', 'name', 'labels', 'app.kubernetes.io/name', 'spec', 'containers', 'ports', 'data'),
    fc.oneof({ depthSize: 'small' }, manifestValue, tie('manifest'), fc.array(tie('manifest'), { maxLength: 3 })), { minKeys: 1, maxKeys: 6 }),
}));
const anyDocument = fc.oneof({ weight: 3, arbitrary: manifest }, { weight: 2, arbitrary: document });

/** Streams as writers write them, and lines as people type them (unquoted, some of them invalid). */
const written = fc.oneof(
  fc.array(anyDocument, { minLength: 1, maxLength: 3 }).map((docs) => stringifyDocuments(...docs)),
  fc.array(anyDocument, { minLength: 1, maxLength: 3 }).map((docs) => docs.map((d) => stringify(d)).join('---\n')),
  fc.array(anyDocument, { minLength: 1, maxLength: 3 }).map((docs) => docs.map((d) => dump(d)).join('---\n')),
);
const typedLine = fc.tuple(fc.constantFrom('a', 'b', 'name', 'x y'), fc.oneof(fc.constantFrom(...TRICKY), scalarString))
  .map(([k, v]) => `${k}: ${v.replace(/\n/g, ' ')}`);
const typed = fc.array(fc.oneof(typedLine, fc.constantFrom('---', '- item', '# comment', '  nested: 1', ...MULTILINE.slice(0, 4))), { minLength: 1, maxLength: 8 })
  .map((lines) => lines.join('\n'));

describe('reading YAML streams for prodpath check', () => {
  test('reads every stream as the yaml package does', () => {
    let runs = 0;
    let withText = 0;
    fc.assert(fc.property(fc.oneof({ weight: 3, arbitrary: written }, { weight: 1, arbitrary: typed }), (text) => {
      runs += 1;
      const docs = [...readYamlDocuments(text)];
      expect(nonEmpty(docs)).toEqual(nonEmpty(readWithYamlPackage(text)));
      // A document's text is what the schema results are kept by (result-cache.ts): read alone, it
      // holds exactly that object.
      for (const d of docs) {
        if ('text' in d && d.text !== undefined) {
          withText += 1;
          expect(nonEmpty(readWithYamlPackage(d.text))).toEqual(nonEmpty([{ object: d.object }]));
        }
      }
    }), { numRuns: Number(process.env.YAML_READ_RUNS ?? 600) });
    // About 90% of the documents carry their text.
    expect(withText).toBeGreaterThan(runs / 2);
  });

  test('reads what synth writes with js-yaml alone: the fast path is what makes check fast', () => {
    // Over all the streams above only about half take it (0.51 in 4,000 runs: the hand-typed lines
    // and the tricky documents need yaml), so a threshold there failed now and then. Synth's own
    // writing of manifest-like objects took it in 3,000 runs of 3,000.
    let fast = 0;
    let runs = 0;
    fc.assert(fc.property(fc.array(manifest, { minLength: 1, maxLength: 3 }).map((docs) => stringifyDocuments(...docs)), (text) => {
      runs += 1;
      if (fastAlone(text)) fast += 1;
    }), { numRuns: 300 });
    expect(fast / runs).toBeGreaterThan(0.95);
  });

  test.each([
    ['a null key', 'null: b\n', { '': 'b' }], ['a ~ key', '~: a\n', { '': 'a' }],
    ['an empty key', ': a\n', { '': 'a' }],
    ['a tag that yaml cannot resolve', 'a: !!float 1\n', { a: '1' }],
    ['a custom tag', 'a: !foo bar\n', { a: 'bar' }],
    ['a YAML 1.1 directive', '%YAML 1.1\n---\na: yes\n', { a: true }],
    ['a number beyond double range', 'a: 1e400\n', { a: Infinity }],
    ['a carriage return without a line feed', 'a: x\r y\n', { a: 'x\r y' }],
    ['a block scalar ending in a line of blanks', 'a: |2-\n   x\n   \n', { a: ' x' }],
  ])('reads %s as yaml does', (_what, text, expected) => {
    expect(nonEmpty(readYamlDocuments(text))).toEqual([{ object: expected }]);
  });

  test('reads the documents before a failure with js-yaml and the rest with yaml, errors at their line in the stream', () => {
    const text = 'a: 1\n---\nb: &x [1, 2]\nc: *x\n---\nd: 1\nd: 2\n---\ne: 5\n';
    const docs = [...readYamlDocuments(text)];
    // The second (an alias, which js-yaml is told to refuse) is yaml's: read within the stream, no text of its own.
    expect(docs.slice(0, 2)).toEqual([{ object: { a: 1 }, text: 'a: 1\n' }, { object: { b: [1, 2], c: [1, 2] } }]);
    expect(docs[2]).toEqual({ error: expect.stringMatching(/Map keys must be unique at line 7, column 1/) });
    expect(docs[3]).toEqual({ object: { e: 5 } });
    expect(docs).toHaveLength(4);
  });

  test('refuses a billion-laughs document with yaml\'s limit instead of expanding it', () => {
    const lines = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]'];
    for (let i = 1; i < 10; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(', ')}]`);
    const docs = [...readYamlDocuments(`ok: 1\n---\n${lines.join('\n')}\n`)];
    expect(docs[0]).toEqual({ object: { ok: 1 }, text: 'ok: 1\n' });
    expect(docs[1]).toEqual({ unreadable: expect.stringMatching(/alias/i) });
  });
});
