/**
 * The generated ajv standalone validators (lib/policy/schema/validators/) are what validate.ts
 * runs: they must match the schema files they were generated from, and cover every kind of them.
 */
import * as fs from 'fs';
import * as path from 'path';
import { SUPPORTED_KUBERNETES_MINORS } from '../../lib/policy/schema/minors';
import { validateManifest } from '../../lib/policy/schema/validate';
import { VALIDATORS } from '../../lib/policy/schema/validators';
import { generateValidators, VALIDATORS_DIR } from '../../scripts/gen-validators';

const SCHEMA_DIR = path.join(__dirname, '..', '..', 'lib', 'policy', 'schema');

describe('generated validators', () => {
  test('are up to date with the schema files (npm run gen:validators)', () => {
    const fresh = generateValidators();
    const committed = fs.readdirSync(VALIDATORS_DIR).sort();
    expect(committed).toEqual([...fresh.keys()].sort());
    const stale = [...fresh].filter(([name, text]) => fs.readFileSync(path.join(VALIDATORS_DIR, name), 'utf8') !== text).map(([name]) => name);
    if (stale.length > 0) throw new Error(`lib/policy/schema/validators is out of date (${stale.join(', ')}): run npm run gen:validators`);
  });

  test('exist for every kind of every schema file, and only for those', () => {
    const keys = new Set<string>();
    for (const file of [...SUPPORTED_KUBERNETES_MINORS.map((m) => `k8s-${m}.schema.json`), 'crds.schema.json']) {
      const document = JSON.parse(fs.readFileSync(path.join(SCHEMA_DIR, file), 'utf8'));
      for (const byKind of Object.values(document.kinds) as Array<Record<string, string>>) {
        for (const definition of Object.values(byKind)) keys.add(`${definition}@${document.fingerprints[definition]}`);
      }
    }
    expect(Object.keys(VALIDATORS).sort()).toEqual([...keys].sort());
    for (const load of Object.values(VALIDATORS)) expect(typeof load()).toBe('function');
  });

  test('are shared across minors: a kind whose schema did not change has one validator', () => {
    const namespaces = Object.keys(VALIDATORS).filter((k) => k.startsWith('io.k8s.api.core.v1.Namespace@'));
    expect(namespaces).toHaveLength(1);
  });

  test('fails when an object breaks the schema, in every minor, with the same message', () => {
    for (const minor of SUPPORTED_KUBERNETES_MINORS) {
      expect(validateManifest({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 'http' }], tpye: 'ClusterIP' } }, minor)).toEqual([
        { path: '/spec/tpye', message: expect.stringMatching(/^unknown field "tpye" \(allowed: allocateLoadBalancerNodePorts, .*, type\)$/) },
        { path: '/spec/ports/0/port', message: 'must be an integer, got "http"' },
      ]);
    }
  });
});
