import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Yaml } from 'cdk8s';
import * as fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { stringifyDocument, stringifyDocumentFast, stringifyDocuments } from '../../lib/outputs/yaml';
import { describeWhenReady } from '../support/ready';
import { document, jsonArbitraries, MULTILINE, TRICKY } from '../support/yaml-arbitraries';

/**
 * Strings cdk8s's writer leaves as they are and prodpath quotes on purpose, so that PyYAML,
 * go-yaml and kustomize read them back: YAML 1.2 octals (`0o17`), `<<` and `=` (YAML 1.1's merge
 * and value keys), one-line strings with a tab, strings with U+2028/U+2029, and multi-line
 * strings of only blanks (which cdk8s writes as a block that loses the blanks).
 */
const quotedOnPurpose = (v: unknown): boolean => (typeof v === 'string'
  ? v === '<<' || v === '=' || /^0o[0-7]+$/.test(v) || /^[\t ]*\n[\t \n]*$/.test(v) || /[\u2028\u2029]/.test(v) || (!v.includes('\n') && v.includes('\t'))
  : Array.isArray(v) ? v.some(quotedOnPurpose)
    : typeof v === 'object' && v !== null ? Object.entries(v).some(([k, x]) => quotedOnPurpose(k) || quotedOnPurpose(x)) : false);

/** A document read back by a YAML reader of `version`. */
const readBack = (text: string, version: '1.1' | '1.2') => parseAllDocuments(text, { version }).map((d) => {
  expect(d.errors).toEqual([]);
  return d.toJS();
});

describe('the fast YAML writer', () => {
  test('writes exactly what cdk8s Yaml.stringify writes, for any JSON document', () => {
    fc.assert(fc.property(fc.array(document, { minLength: 1, maxLength: 3 }), (docs) => {
      fc.pre(!quotedOnPurpose(docs));
      expect(stringifyDocuments(...docs)).toBe(Yaml.stringify(...docs));
    }), { numRuns: Number(process.env.YAML_RUNS ?? 3000) });
  });

  test('what it writes reads back as the same data with YAML 1.1 and YAML 1.2 readers', () => {
    fc.assert(fc.property(document, (doc) => {
      const text = stringifyDocument(doc);
      // Compared as JSON, which is what a Kubernetes client sends (-0 and 0 are the same there).
      const asJson = (v: unknown) => JSON.parse(JSON.stringify(v));
      expect(asJson(readBack(text, '1.1'))).toEqual([asJson(doc)]);
      expect(asJson(readBack(text, '1.2'))).toEqual([asJson(doc)]);
    }), { numRuns: Number(process.env.YAML_RUNS ?? 3000) });
  });

  test.each(TRICKY.filter((s) => !quotedOnPurpose(s)))('quotes %j exactly where cdk8s does, as a key and as a value', (s) => {
    const doc = { [s]: s, list: [s, { [s]: [s] }] };
    expect(stringifyDocumentFast(doc) ?? Yaml.stringify(doc)).toBe(Yaml.stringify(doc));
  });

  test('quotes YAML 1.2 octals, which cdk8s leaves plain and kustomize would read as numbers', () => {
    const doc = { data: { mode: '0o17', other: '0o8' } };
    expect(Yaml.stringify(doc)).toContain('mode: 0o17\n');
    expect(stringifyDocument(doc)).toBe('data:\n  mode: "0o17"\n  other: 0o8\n');
    expect(readBack(stringifyDocument(doc), '1.2')).toEqual([doc]);
    // The same in a document the fast writer hands to the general one (a float).
    const general = { ratio: 0.5, mode: '0o17' };
    expect(stringifyDocumentFast(general)).toBeUndefined();
    expect(stringifyDocument(general)).toBe('ratio: 0.5\nmode: "0o17"\n');
  });

  test('tags <<, which YAML 1.1 readers take for a merge key, as a string where cdk8s leaves it plain', () => {
    const doc = { '<<': '<<', a: { '<<': 0.5 }, b: ['<<'] };
    expect(Yaml.stringify(doc)).toBe('<<: <<\na:\n  <<: 0.5\nb:\n  - <<\n');
    expect(stringifyDocument(doc)).toBe('!!str "<<": !!str "<<"\na:\n  !!str "<<": 0.5\nb:\n  - !!str "<<"\n');
    expect(readBack(stringifyDocument(doc), '1.1')).toEqual([doc]);
  });

  test.each([
    ['=', '"="'], ['tab\there', '"tab\\there"'], ['a\u2028b', '"a\\Lb"'], ['a\u2029b', '"a\\Pb"'],
  ])('double-quotes %j, which PyYAML refuses or misreads when plain, where cdk8s leaves it plain', (value, written) => {
    expect(Yaml.stringify({ k: value })).toBe(`k: ${value}\n`);
    expect(stringifyDocument({ k: value })).toBe(`k: ${written}\n`);
    // The same from the general writer (a float sends the document there).
    expect(stringifyDocument({ k: value, f: 0.5 })).toBe(`k: ${written}\nf: 0.5\n`);
  });

  test('double-quotes multi-line strings of only blanks, which a literal block would not keep', () => {
    const doc = { a: ' \n', b: ['\t\n\n '] };
    expect(readBack(Yaml.stringify(doc), '1.1')).not.toEqual([doc]);
    expect(stringifyDocument(doc)).toBe('a: "\\ \\n"\nb:\n  - "\\t\\n\\n "\n');
    expect(readBack(stringifyDocument(doc), '1.1')).toEqual([doc]);
  });

  test.each<[string, unknown]>([
    ['a float', { a: 1.5 }],
    ['undefined', { a: undefined }],
    ['a class instance', { a: new Date(0) }],
    ['the same object twice (an alias)', (() => { const shared = { x: 1 }; return { a: shared, b: shared }; })()],
    ['a control character', { a: 'bell\u0007' }],
    ['a carriage return', { a: 'a\r\nb' }],
    ['a multi-line string ending in blank lines', { a: 'x\n\n' }],
    ['a document marker line', { a: 'x\n---\ny' }],
  ])('hands a document with %s to the general writer, with the same output', (_what, doc) => {
    expect(stringifyDocumentFast(doc)).toBeUndefined();
    expect(stringifyDocument(doc)).toBe(Yaml.stringify(doc));
  });

  test('writes every committed example manifest by the fast path, byte-identical to the committed files', () => {
    const root = path.join(__dirname, '..', '..');
    const files = [path.join(root, 'dist'), ...['go', 'python', 'static'].map((e) => path.join(root, 'examples', e, 'dist'))]
      .flatMap((dist) => fs.readdirSync(dist).filter((env) => env !== 'images' && fs.statSync(path.join(dist, env)).isDirectory())
        .flatMap((env) => fs.readdirSync(path.join(dist, env)).filter((f) => f.endsWith('.k8s.yaml')).map((f) => path.join(dist, env, f))));
    expect(files.length).toBeGreaterThanOrEqual(9);
    for (const file of files) {
      const text = fs.readFileSync(file, 'utf8');
      const docs = readBack(text, '1.1');
      docs.forEach((d) => expect(stringifyDocumentFast(d)).toBeDefined());
      expect(text.slice(text.indexOf('\n') + 1)).toBe(stringifyDocuments(...docs));
    }
  });
});

/** PyYAML, a YAML 1.1 reader (podman-compose, Ansible and many Kubernetes scripts read manifests with it). */
const describePyyaml = describeWhenReady('the PyYAML read-back test', spawnSync('python3', ['-c', 'import yaml'], { encoding: 'utf8' }).status === 0
  ? { available: true } : { available: false, reason: 'python3 with the yaml module (python3-yaml) is not installed' });

describePyyaml('the fast YAML writer, read by PyYAML', () => {
  test('every written document reads back as the same data', () => {
    const docs = [
      // PyYAML wants a dot in a float (`1.0e+3`); Kubernetes objects have none.
      ...fc.sample(jsonArbitraries({ floats: false }).document, { seed: 42, numRuns: 2000 }),
      ...TRICKY.map((s) => ({ [s || 'empty']: s, list: [s] })),
    ];
    const text = stringifyDocuments(...docs);
    const r = spawnSync('python3', ['-c', 'import json, sys, yaml; json.dump(list(yaml.safe_load_all(sys.stdin)), sys.stdout)'], { input: text, encoding: 'utf8', maxBuffer: 1 << 28 });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(JSON.stringify(docs)));
  });
});

/** kubectl's kustomize: kyaml, on go-yaml v3 (a YAML 1.2 reader), reads the files and writes them again. */
const describeKubectl = describeWhenReady('the kubectl kustomize read-back test', spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0
  ? { available: true } : { available: false, reason: 'kubectl is not installed' });

describeKubectl('the fast YAML writer, read by kubectl kustomize', () => {
  test('every string value reaches kustomize\'s output unchanged (cdk8s\'s writer loses "0o17" and blank lines)', () => {
    // ConfigMap data accepts any string; escapes YAML has and JSON has not are left out
    // (kyaml writes them back in another form, which is the same string).
    const values = [...TRICKY, ...MULTILINE].filter((v) => !/[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]/.test(v));
    const data = Object.fromEntries(values.map((v, i) => [`k${String(i).padStart(3, '0')}`, v]));
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'strings', annotations: data }, data };
    const dir = fs.mkdtempSync(path.join(require('os').tmpdir(), 'prodpath-yaml-'));
    try {
      fs.writeFileSync(path.join(dir, 'cm.yaml'), stringifyDocuments(configMap));
      fs.writeFileSync(path.join(dir, 'kustomization.yaml'), stringifyDocuments({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: ['cm.yaml'] }));
      const r = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      const [out] = readBack(r.stdout, '1.2') as { data: Record<string, string>; metadata: { annotations: Record<string, string> } }[];
      expect(out.data).toEqual(data);
      expect(out.metadata.annotations).toEqual(data);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
