/**
 * scripts/schema-subset.ts proves that one schema accepts all another accepts; the schema check
 * then skips the wider minors' validators for an object valid in a narrower one
 * (ALSO_VALID_UNDER). A wrong proof would hide a violation, so: hand cases both ways, a property
 * test against ajv itself on random schema pairs, and the real Kubernetes cases it must refuse.
 */
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import * as fc from 'fast-check';
import { checkManifests } from '../../lib/policy/manifest-rules';
import { alsoValidUnder, validateManifest, validatorKeyOf } from '../../lib/policy/schema/validate';
import { ALSO_VALID_UNDER } from '../../lib/policy/schema/validators';
import { SUPPORTED_KUBERNETES_MINORS } from '../../lib/policy/schema/minors';
import { SubsetProver } from '../../scripts/schema-subset';

type Schema = Record<string, unknown>;

function ajvFor(definitions: Record<string, Schema>): Ajv {
  const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, strict: true, strictRequired: false, inlineRefs: false });
  addFormats(ajv, ['int32', 'int64']);
  ajv.addSchema({ $id: 't', definitions }, 't');
  return ajv;
}

/** Whether `b` accepts all `a` accepts, proven; both are definitions of one document. */
function proves(a: Schema, b: Schema, more: Record<string, Schema> = {}): boolean {
  return new SubsetProver({ ...more, A: a, B: b } as never).proves('A', 'B');
}

/** Random choices from a list fast-check generated (so a failure shrinks and replays). */
interface Tape { nextInt(min: number, max: number): number }
function tape(numbers: readonly number[]): Tape {
  let i = 0;
  return { nextInt: (min, max) => min + (numbers[i++ % numbers.length] % (max - min + 1)) };
}

const obj = (properties: Record<string, Schema>, extra: Schema = {}): Schema => ({ type: 'object', properties, additionalProperties: false, ...extra });

describe('SubsetProver', () => {
  test.each<[string, Schema, Schema, boolean]>([
    ['a nullable field accepts the plain one', { type: 'string' }, { type: ['string', 'null'] }, true],
    ['not the other way (null)', { type: ['string', 'null'] }, { type: 'string' }, false],
    ['a number accepts an integer', { type: 'integer' }, { type: 'number' }, true],
    ['an integer does not accept a number', { type: 'number' }, { type: 'integer' }, false],
    ['a new optional field', obj({ a: { type: 'string' } }), obj({ a: { type: 'string' }, b: { type: 'integer' } }), true],
    ['a field removed', obj({ a: { type: 'string' }, b: { type: 'integer' } }), obj({ a: { type: 'string' } }), false],
    ['a field newly required', obj({ a: { type: 'string' } }), obj({ a: { type: 'string' } }, { required: ['a'] }), false],
    ['a field no longer required', obj({ a: { type: 'string' } }, { required: ['a'] }), obj({ a: { type: 'string' } }), true],
    ['an enum widened', { type: 'string', enum: ['x'] }, { type: 'string', enum: ['x', 'y'] }, true],
    ['an enum narrowed', { type: 'string', enum: ['x', 'y'] }, { type: 'string', enum: ['x'] }, false],
    ['an enum added', { type: 'string' }, { type: 'string', enum: ['x'] }, false],
    ['a format added', { type: 'integer' }, { type: 'integer', format: 'int32' }, false],
    ['a pattern changed', { type: 'string', pattern: '^a' }, { type: 'string', pattern: '^b' }, false],
    ['a keyword it does not know, in B', { type: 'string' }, { type: 'string', minLength: 1 }, false],
    ['a keyword it does not know, in A (only narrows A)', { type: 'string', minLength: 1 }, { type: 'string' }, true],
    ['items widened', { type: 'array', items: { type: 'integer' } }, { type: 'array', items: { type: 'number' } }, true],
    ['items added', { type: 'array' }, { type: 'array', items: { type: 'number' } }, false],
    ['a map whose values narrowed', { type: 'object', additionalProperties: { type: 'number' } }, { type: 'object', additionalProperties: { type: 'integer' } }, false],
    ['fields closed', { type: 'object', properties: { a: { type: 'string' } } }, obj({ a: { type: 'string' } }), false],
  ])('%s', (_, a, b, expected) => {
    expect(proves(a, b)).toBe(expected);
  });

  test('follows references, recursive ones too, and refuses a change deep inside', () => {
    const tree = (extra: Record<string, Schema>, required: string[] = []): Record<string, Schema> => ({
      A: obj({ name: { type: 'string' }, child: { $ref: '#/definitions/NodeA' } }),
      NodeA: obj({ name: { type: 'string' }, child: { $ref: '#/definitions/NodeA' } }),
      B: obj({ name: { type: 'string' }, child: { $ref: '#/definitions/NodeB' } }),
      NodeB: obj({ name: { type: 'string' }, child: { $ref: '#/definitions/NodeB' }, ...extra }, required.length > 0 ? { required } : {}),
    });
    expect(new SubsetProver(tree({ extra: { type: 'boolean' } }) as never).proves('A', 'B')).toBe(true);
    const deep = tree({}, ['name']);
    expect(new SubsetProver(deep as never).proves('A', 'B')).toBe(false);
    // The witness: a child without a name, three levels down.
    const ajv = ajvFor(deep);
    const value = { child: { name: 'x', child: { name: 'y', child: {} } } };
    expect(ajv.getSchema('t#/definitions/A')!(value)).toBe(true);
    expect(ajv.getSchema('t#/definitions/B')!(value)).toBe(false);
  });

  test('property: whenever it proves A ⊆ B, every value ajv accepts under A it accepts under B', () => {
    const leaf: fc.Arbitrary<Schema> = fc.oneof(
      fc.record({ type: fc.constantFrom<unknown>('string', ['string', 'null'], 'integer', ['integer', 'null'], 'number', 'boolean', ['integer', 'string']) }),
      fc.record({ type: fc.constant('string'), enum: fc.uniqueArray(fc.constantFrom('x', 'y', 'z'), { minLength: 1, maxLength: 3 }) }),
      fc.record({ type: fc.constant('integer'), format: fc.constant('int32') }),
      fc.record({ type: fc.constant('string'), pattern: fc.constant('^a') }),
      fc.record({ $ref: fc.constant('#/definitions/Shared') }),
    );
    const schema: fc.Arbitrary<Schema> = fc.letrec<{ s: Schema }>((tie) => ({
      s: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        fc.record({
          type: fc.constant('object'),
          properties: fc.dictionary(fc.constantFrom('a', 'b', 'c'), tie('s'), { maxKeys: 3 }),
          additionalProperties: fc.constantFrom<unknown>(false, false, { type: 'integer' }),
        }).chain((o) => fc.subarray(Object.keys(o.properties as object)).map((required) => (required.length > 0 ? { ...o, required } : o))),
        fc.record({ type: fc.constant('array'), items: tie('s') }),
      ),
    })).s;
    // B is A changed at one place, widening or narrowing, so that most pairs are close.
    const mutate = (s: Schema, rnd: Tape): Schema => {
      const copy: Schema = JSON.parse(JSON.stringify(s));
      const props = copy.properties as Record<string, Schema> | undefined;
      const names = props ? Object.keys(props) : [];
      const pick = rnd.nextInt(0, 9);
      if (props && names.length > 0 && pick < 3) {
        const name = names[rnd.nextInt(0, names.length - 1)];
        props[name] = mutate(props[name], rnd);
      } else if (copy.items !== undefined && pick < 3) {
        copy.items = mutate(copy.items as Schema, rnd);
      } else if (pick === 3 && props) props.d = { type: 'string' };
      else if (pick === 4 && props && names.length > 0) delete props[names[0]];
      else if (pick === 5 && props && names.length > 0) copy.required = [names[0]];
      else if (pick === 6 && copy.required) delete copy.required;
      else if (pick === 7 && typeof copy.type === 'string') copy.type = [copy.type, 'null'];
      else if (pick === 8 && Array.isArray(copy.enum)) copy.enum = rnd.nextInt(0, 1) === 0 ? [...copy.enum, 'w'] : copy.enum.slice(1);
      else if (pick === 9 && copy.type === 'object') copy.additionalProperties = copy.additionalProperties === false ? { type: 'integer' } : false;
      return copy;
    };
    // Values mostly valid under A, on purpose: the assertion needs A-valid values.
    const valueOf = (s: Schema, rnd: Tape, depth = 0): unknown => {
      if (s.$ref !== undefined) return rnd.nextInt(0, 1) === 0 ? 'a1' : null;
      if (Array.isArray(s.enum)) return s.enum[rnd.nextInt(0, s.enum.length - 1)];
      const types = Array.isArray(s.type) ? s.type : [s.type];
      switch (types[rnd.nextInt(0, types.length - 1)]) {
        case 'string': return s.pattern !== undefined || rnd.nextInt(0, 1) === 0 ? 'abc' : 'xyz';
        case 'integer': return rnd.nextInt(0, 3) === 0 ? 2 ** 33 : rnd.nextInt(-5, 5);
        case 'number': return rnd.nextInt(0, 1) === 0 ? 1.5 : 3;
        case 'boolean': return true;
        case 'null': return null;
        case 'array': return depth > 4 ? [] : [valueOf(s.items as Schema, rnd, depth + 1), valueOf(s.items as Schema, rnd, depth + 1)].slice(0, rnd.nextInt(0, 2));
        case 'object': {
          const out: Record<string, unknown> = {};
          for (const [name, p] of Object.entries((s.properties ?? {}) as Record<string, Schema>)) {
            if ((s.required as string[] | undefined)?.includes(name) || rnd.nextInt(0, 2) > 0) out[name] = depth > 4 ? null : valueOf(p, rnd, depth + 1);
          }
          if (rnd.nextInt(0, 4) === 0) out.e = 7;
          return out;
        }
        default: return {};
      }
    };
    const shared = fc.constantFrom<Schema>({ type: 'string' }, { type: ['string', 'null'] }, { type: 'string', pattern: '^a' });
    let reached = 0;
    let proven = 0;
    const runs = 400;
    fc.assert(fc.property(schema, shared, shared, fc.array(fc.nat(), { minLength: 64, maxLength: 64 }), (a, sharedA, sharedB, numbers) => {
      const rnd = tape(numbers);
      const b = mutate(a, rnd);
      // Each side's Shared definition is its own: A's refers to SharedA, B's to SharedB.
      const rename = (s: Schema, to: string): Schema => JSON.parse(JSON.stringify(s).split('#/definitions/Shared').join(`#/definitions/${to}`));
      const definitions = { A: rename(a, 'SharedA'), B: rename(b, 'SharedB'), SharedA: sharedA, SharedB: sharedB };
      if (!new SubsetProver(definitions as never).proves('A', 'B')) return;
      proven++;
      const ajv = ajvFor(definitions);
      const validA = ajv.getSchema('t#/definitions/A')!;
      const validB = ajv.getSchema('t#/definitions/B')!;
      for (let i = 0; i < 8; i++) {
        const value = valueOf(a, rnd);
        if (!validA(value)) continue;
        reached++;
        expect({ value, accepted: validB(value), a, b, sharedA, sharedB }).toEqual({ value, accepted: true, a, b, sharedA, sharedB });
      }
    }), { numRuns: runs });
    // Most runs get to the assertion with values A accepts.
    expect(proven).toBeGreaterThan(runs * 0.3);
    expect(reached).toBeGreaterThan(runs);
  });
});

describe('the Kubernetes validators the schema check skips (ALSO_VALID_UNDER)', () => {
  const deployment = (podSpec: Record<string, unknown>) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'api' },
    spec: {
      selector: { matchLabels: { app: 'api' } },
      template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: 'registry.example/api@sha256:' + 'a'.repeat(64) }], ...podSpec } },
    },
  });
  const key = (minor: (typeof SUPPORTED_KUBERNETES_MINORS)[number]) => validatorKeyOf('apps/v1', 'Deployment', minor)!;

  test('an older minor\'s Deployment is taken by a later one only where the later accepts all it does', () => {
    expect(alsoValidUnder(key('1.27'))).toContain(key('1.28'));
    // 1.31 requires hostAliases[].ip: a 1.30-valid Deployment without it is not 1.31-valid.
    expect(alsoValidUnder(key('1.30'))).not.toContain(key('1.31'));
    const noIp = deployment({ hostAliases: [{ hostnames: ['db.local'] }] });
    expect(validateManifest(noIp, '1.30')).toEqual([]);
    expect(validateManifest(noIp, '1.31')).toEqual([{ path: '/spec/template/spec/hostAliases/0', message: expect.stringContaining('"ip"') }]);
  });

  test('every recorded pair holds for objects that use the fields the newer minors changed', () => {
    const objects = [
      deployment({}),
      deployment({ hostAliases: [{ hostnames: ['db.local'] }] }),
      deployment({ hostAliases: [{ ip: '10.0.0.1', hostnames: ['db.local'] }] }),
      deployment({ resourceClaims: [{ name: 'gpu', source: { resourceClaimName: 'gpu' } }] }),
      deployment({ resourceClaims: [{ name: 'gpu', resourceClaimName: 'gpu' }] }),
      deployment({ volumes: [{ name: 'v', ephemeral: { volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' }, claims: [{ name: 'c' }] } } } } }] }),
      deployment({ volumes: [{ name: 'v', ephemeral: { volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } } } }] }),
      deployment({ containers: [{ name: 'api', image: 'x', restartPolicy: 'Always' }] }),
      deployment({ containers: [{ name: 'api', image: 'x', resizePolicy: [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }] }] }),
    ];
    let checked = 0;
    for (const object of objects) {
      for (const minor of SUPPORTED_KUBERNETES_MINORS) {
        if (validateManifest(object, minor).length > 0) continue;
        for (const wider of SUPPORTED_KUBERNETES_MINORS.filter((m) => ALSO_VALID_UNDER[key(minor)]?.includes(key(m)))) {
          checked++;
          expect({ minor, wider, violations: validateManifest(object, wider) }).toEqual({ minor, wider, violations: [] });
        }
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  test('the schema check still names exactly the minors that refuse an object', () => {
    const findings = checkManifests([{ object: deployment({ hostAliases: [{ hostnames: ['db.local'] }] }), file: 'a.yaml' }], { production: false, kubernetes: SUPPORTED_KUBERNETES_MINORS });
    const schema = findings.filter((f) => f.rule.id === 'schema-valid');
    expect(schema.map((f) => `${f.where}: ${f.message}`)).toEqual([`/spec/template/spec/hostAliases/0: ${validateManifest(deployment({ hostAliases: [{ hostnames: ['db.local'] }] }), '1.31')[0].message} (in Kubernetes 1.31-1.33)`]);
  });
});
