/**
 * Properties of the import's pieces: interpolation builds exactly the text its parts describe,
 * and the suggested name for any Compose service name is a valid Kubernetes name.
 */
import fc from 'fast-check';
import { interpolate } from '../../lib/import/interpolate';
import { sanitizeName } from '../../lib/import/plan';

const NAME = fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,11}$/);
/** Literal text with no `$`, `{` or `}`. */
const LITERAL = fc.stringMatching(/^[^${}]{0,12}$/);

type Part = { kind: 'text'; text: string } | { kind: 'var'; name: string } | { kind: 'default'; name: string; fallback: string } | { kind: 'dollar' };

describe('interpolation', () => {
  test('a template of text, ${NAME}, ${NAME:-default} and $$ interpolates to its parts, joined', () => {
    const part: fc.Arbitrary<Part> = fc.oneof(
      LITERAL.map((text) => ({ kind: 'text' as const, text })),
      NAME.map((name) => ({ kind: 'var' as const, name })),
      fc.record({ name: NAME, fallback: LITERAL }).map((r) => ({ kind: 'default' as const, ...r })),
      fc.constant({ kind: 'dollar' as const }),
    );
    fc.assert(fc.property(fc.array(part, { maxLength: 8 }), fc.dictionary(NAME, LITERAL), (parts, given) => {
      const vars: Record<string, string> = { ...given };
      // Every plain ${NAME} must be set (an unset one is an error, tested elsewhere).
      for (const p of parts) {
        if (p.kind === 'var' && vars[p.name] === undefined) {
          vars[p.name] = `v-${p.name}`;
        }
      }
      const template = parts.map((p) => (p.kind === 'text' ? p.text : p.kind === 'var' ? `\${${p.name}}` : p.kind === 'default' ? `\${${p.name}:-${p.fallback}}` : '$$')).join('');
      const expected = parts.map((p) => (p.kind === 'text' ? p.text : p.kind === 'var' ? vars[p.name]
        : p.kind === 'default' ? (vars[p.name] === undefined || vars[p.name] === '' ? p.fallback : vars[p.name]) : '$')).join('');
      // A literal "$" from $$ followed by a name-like literal must not be read as a reference again.
      expect(interpolate(template, vars)).toBe(expected);
    }), { numRuns: 300 });
  });
});

describe('sanitizeName', () => {
  test('any service name gets a suggestion that is a valid DNS-1035 label', () => {
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 90 }), (name) => {
      expect(sanitizeName(name)).toMatch(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/);
    }), { numRuns: 500 });
  });

  test('a name that is already valid is suggested unchanged', () => {
    fc.assert(fc.property(fc.stringMatching(/^[a-z]([-a-z0-9]{0,20}[a-z0-9])?$/), (name) => {
      expect(sanitizeName(name)).toBe(name);
    }));
  });
});
