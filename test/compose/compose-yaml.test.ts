import * as fc from 'fast-check';
import { parse } from 'yaml';
import { ComposeVariable } from '../../lib/compose/compose-file';
import { needsQuotes, stringifyCompose } from '../../lib/compose/compose-yaml';
import { stringifyComposeGeneral } from '../../lib/compose/compose-yaml';
import { mustDoubleQuote } from '../../lib/outputs/yaml';
import { jsonValue, scalarString } from '../support/yaml-arbitraries';

/** Reads a written value back as a YAML 1.1 and a YAML 1.2 reader would, with Compose's `$$` unescaped. */
function readBack(text: string): { v11: unknown; v12: unknown } {
  const unescape = (v: unknown) => (typeof v === 'string' ? v.replace(/\$\$/g, '$') : v);
  return { v11: unescape(parse(text, { version: '1.1' }).x), v12: unescape(parse(text, { version: '1.2' }).x) };
}

describe('the Compose YAML writer', () => {
  test.each([
    'yes', 'no', 'on', 'off', 'y', 'n', 'Y', 'N', 'true', 'False', '~', 'null', '', ' padded ',
    '1:30', '190:20:30', '0o17', '0x1F', '012', '1_000', '.5', '1e3', '+12', '.inf', '2001-12-14',
    '5432', '=', '<<', 'a: b', '#c', '- x', '*x', '&x', '!x', '%x', '@x', '`x', '|', '>', '?', '127.0.0.1:8080:8080',
  ])('writes %j so that YAML 1.1 and 1.2 readers both read the same string', (value) => {
    expect(readBack(stringifyCompose({ x: value }))).toEqual({ v11: value, v12: value });
  });

  test('writes any string so that both readers read it back', () => {
    fc.assert(fc.property(fc.string(), (value) => {
      expect(readBack(stringifyCompose({ x: value }))).toEqual({ v11: value, v12: value });
    }), { numRuns: 300 });
  });

  test('decides quoting as parsing both YAML versions would (the YAML writer\'s plain test is only a shortcut)', () => {
    // The answer by parsing alone, as the Compose writer decided before it asked the YAML writer.
    const byParsing = (s: string): boolean => {
      if (s === '' || s === '=' || s === '<<' || s.trim() !== s || mustDoubleQuote(s)) return true;
      return (['1.1', '1.2'] as const).some((version) => {
        try {
          return parse(s, { version }) !== s;
        } catch {
          return true;
        }
      });
    };
    const samples = ['web', 'ghcr.io/acme/api:1.2.3', '/data', 'a:b', 'x-y_z', 'a b', 'yes', '0o17', '1:30', '- x', 'a: b', 'é', 'a,b', '.5', 'v1.2', '8080/tcp'];
    for (const s of samples) expect([s, needsQuotes(s)]).toEqual([s, byParsing(s)]);
    fc.assert(fc.property(fc.oneof(fc.string(), scalarString), (s) => {
      expect([s, needsQuotes(s)]).toEqual([s, byParsing(s)]);
    }), { numRuns: 2000 });
  });

  test('escapes $ in literal strings, and writes variables as Compose reads them', () => {
    const text = stringifyCompose({ a: 'price $5 ${HOME}', b: new ComposeVariable('DB_PASSWORD', 'set it in .secrets/dev/secrets.env') });
    expect(text).toBe('a: price $$5 $${HOME}\nb: ${DB_PASSWORD:?set it in .secrets/dev/secrets.env}\n');
  });

  test('sorts map keys, keeps list order, and puts the header first as comments', () => {
    expect(stringifyCompose({ b: [3, 1, 2], a: { d: 1, c: 2 } }, ['one', '', 'two'])).toBe('# one\n#\n# two\na:\n  c: 2\n  d: 1\nb:\n  - 3\n  - 1\n  - 2\n');
  });

  test('tags <<, which PyYAML (podman-compose) refuses as a plain value and merges as a plain key', () => {
    expect(stringifyCompose({ x: '<<', '<<': 1 })).toBe('!!str "<<": 1\nx: !!str "<<"\n');
  });

  test('leaves out undefined values', () => {
    expect(stringifyCompose({ a: undefined, b: 1 })).toBe('b: 1\n');
  });

  test('writes the same text by its fast path as by the yaml package, for any Compose-shaped model', () => {
    const service = fc.record({
      image: scalarString,
      user: scalarString,
      ports: fc.array(scalarString, { maxLength: 3 }),
      environment: fc.dictionary(scalarString, scalarString, { maxKeys: 4 }),
      command: fc.array(scalarString, { maxLength: 3 }),
      extra: jsonValue,
    }, { requiredKeys: [] });
    fc.assert(fc.property(fc.dictionary(scalarString, service, { maxKeys: 3 }), fc.dictionary(scalarString, jsonValue, { maxKeys: 3 }), (services, rest) => {
      const model = { ...rest, services };
      expect(stringifyCompose(model)).toBe(stringifyComposeGeneral(model));
    }), { numRuns: Number(process.env.YAML_RUNS ?? 1000) });
  });
});
