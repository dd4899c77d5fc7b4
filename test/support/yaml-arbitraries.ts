import * as fc from 'fast-check';

/** Generators of YAML-hostile data, for the YAML writers' property tests. */

/** Strings YAML readers treat specially: booleans and nulls of YAML 1.1, numbers in every base, indicators. */
export const TRICKY = [
  'y', 'Y', 'n', 'N', 'yes', 'No', 'NO', 'on', 'Off', 'true', 'False', 'TRUE', '~', 'null', 'Null', '',
  '0', '-0', '012', '0755', '08', '0o17', '0o8', '0x1F', '0b101', '1_000', '+12', '.5', '5.', '1e3', '1E-3', '-1.5e+3',
  '.inf', '-.Inf', '.NaN', '1:30', '190:20:30', '1:30.5', '2001-12-14', '2001-12-14t21:59:43.10-05:00', '<<', '=',
  '10001:10001', '127.0.0.1:8080:8080', '${X:?set it}', 'a: b', 'a:b', 'a:', '-', '- a', '-a', '?', '? a', '?a',
  '@x', '`x', '#c', 'x #y', 'x#y', '%x', '*x', '&x', '!x', '|', '>', "'q'", '"q"', 'say "hi"', "it's", `"it's"`,
  '[a]', '{a}', 'a,b', ' lead', 'trail ', 'tab\there', '\ttab', 'é', '日本', '😀', '---', '--- x', '...', 'a---',
  'http://x/y?z=1#f', '*', 'a\u2028b', 'a\u00a0b', 'x\\y', 'sha256:0123abcd',
];
export const MULTILINE = [
  'a\nb', 'a\nb\n', 'a\n\nb\n', '\na', '\n\na\n', ' a\nb\n', '  a\n b', 'a \nb', 'a\n b\n', 'a\nb  ', 'a\nb \n',
  'a\n\n', 'a\n \n', '\n', '\n\n', ' \n', 'a\n---\nb', '#!/bin/sh\nset -e\n', 'key: value\nother: "x"\n', 'a\tb\nc\t\n',
  'x\n\ty', '- a\n- b\n', 'a\r\nb', 'a\u0007b\n', 'a\n%b\n',
];

export const scalarString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...TRICKY) },
  { weight: 1, arbitrary: fc.constantFrom(...MULTILINE) },
  { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom('a', ' ', '\n', ':', '#', '-', '\t', "'", '"', '0', 'x'), { maxLength: 10 }).map((a) => a.join('')) },
);
export const key = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('apiVersion', 'kind', 'metadata', 'name', 'labels', 'app.kubernetes.io/name', 'data', 'x-y_z') },
  { weight: 2, arbitrary: scalarString },
);
/**
 * JSON documents (objects at the root) of YAML-hostile strings, integers, booleans, nulls and,
 * unless `floats` is false, floating-point numbers (readers disagree on how a float is written:
 * PyYAML's YAML 1.1 resolver wants a dot in `1.0e+3`).
 */
export function jsonArbitraries(options: { floats?: boolean } = {}) {
  const leaf = fc.oneof(
    { weight: 6, arbitrary: scalarString },
    { weight: 2, arbitrary: fc.integer() },
    { weight: 1, arbitrary: fc.boolean() },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: options.floats === false ? 0 : 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  );
  const { json } = fc.letrec((tie) => ({
    json: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('array'), tie('object')),
    array: fc.array(tie('json'), { maxLength: 4 }),
    object: fc.dictionary(key, tie('json'), { maxKeys: 5 }),
  }));
  return { jsonValue: json, document: fc.dictionary(key, json, { maxKeys: 6 }) };
}

export const { jsonValue, document } = jsonArbitraries();
