import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { GENERATED_HEADER } from '../../lib/app';
import { stringifyDocuments } from '../../lib/outputs/yaml';
import { tempDir } from '../support/synth';

/**
 * The schema results kept between runs (lib/policy/schema/result-cache.ts). Each run is a fresh
 * node process, as each `cdk8s synth` and `prodpath check` is: it checks the objects it is given
 * in all seven minors, saves the caches, and prints the schema findings, how many validations the
 * kept results saved, and which validator modules it had to load.
 */
const REPO = path.join(__dirname, '..', '..');
const CHILD = `
const { checkManifests } = require(${JSON.stringify(path.join(REPO, 'lib/policy/manifest-rules'))});
const { checkDist } = require(${JSON.stringify(path.join(REPO, 'lib/cli/check'))});
const { stringifyDocument } = require(${JSON.stringify(path.join(REPO, 'lib/outputs/yaml'))});
const { saveCodeCaches, codeCacheUses } = require(${JSON.stringify(path.join(REPO, 'lib/policy/schema/code-cache'))});
const { objectDigest, saveResultCache, resultCacheUse } = require(${JSON.stringify(path.join(REPO, 'lib/policy/schema/result-cache'))});
const schema = (findings) => findings.filter((f) => f.rule.id === 'schema-valid').map((f) => f.object.name + ' ' + f.where + ' ' + f.message);
let findings;
if (process.env.CHECK_DIR) {
  // prodpath check of a folder of manifests (it saves the caches itself)
  findings = schema(checkDist(process.env.CHECK_DIR).findings);
} else {
  // as synth checks what it writes: each object with the digest of its YAML text
  const objects = JSON.parse(process.env.OBJECTS);
  findings = schema(checkManifests(objects.map((object) => ({ object, textDigest: objectDigest(stringifyDocument(object)) })), { production: false }));
  saveCodeCaches();
  saveResultCache();
}
process.stdout.write(JSON.stringify({ findings, use: resultCacheUse(), loaded: codeCacheUses().map((u) => u.module).sort() }));
`;

interface Run { findings: string[]; use: { reused: number; added: number }; loaded: string[] }

function run(dir: string, objects: object[], env: Record<string, string> = {}): Run {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', CHILD], {
    cwd: REPO, encoding: 'utf8', env: { ...process.env, PRODPATH_CODE_CACHE_DIR: dir, OBJECTS: JSON.stringify(objects), ...env }, timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as Run;
}

const deployment = (name: string) => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
  spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: `registry.example.com/${name}:1` }] } } },
});
const service = (name: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80 }] } });
const broken = (name: string) => {
  const d = deployment(name);
  (d.spec as Record<string, unknown>).replicas = 'three';
  return d;
};
/** The results files in a cache folder (one, named by the validators and ajv's versions). */
const resultFiles = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^schema-results-[0-9a-f]{16}\.bin$/.test(f)) : []);
const resultFile = (dir: string) => {
  const files = resultFiles(dir);
  expect(files).toHaveLength(1);
  return path.join(dir, files[0]);
};

describe('schema results kept between runs', () => {
  const objects = [deployment('api'), deployment('web'), service('api')];

  test('a second run of the same objects validates none of them, loads no validator, and finds the same', () => {
    const dir = path.join(tempDir(), 'cache');
    const first = run(dir, objects);
    expect(first.use.reused).toBe(0);
    expect(first.use.added).toBeGreaterThanOrEqual(3);
    expect(first.loaded).toEqual(['service', 'workloads']);
    expect(fs.existsSync(resultFile(dir))).toBe(true);
    const second = run(dir, objects);
    expect(second.use).toEqual({ reused: first.use.added, added: 0 });
    expect(second.loaded).toEqual([]);
    expect(second.findings).toEqual(first.findings);
    expect(second.findings).toEqual([]);
  }, 120_000);

  test('an object that changed is validated, and its violations reported, in exactly the minors as without the cache', () => {
    const dir = path.join(tempDir(), 'cache');
    run(dir, objects);
    const changed = [broken('api'), deployment('web'), service('api')];
    const cached = run(dir, changed);
    const uncached = run(path.join(tempDir(), 'other'), changed, { PRODPATH_RESULT_CACHE: '0' });
    expect(uncached.findings).toEqual([expect.stringMatching(/^api \/spec\/replicas must be an integer, got "three" \(in Kubernetes 1\.27-1\.33\)$/)]);
    expect(cached.findings).toEqual(uncached.findings);
    expect(cached.use.reused).toBeGreaterThan(0); // web and the Service
    expect(uncached.use).toEqual({ reused: 0, added: 0 });
  }, 120_000);

  test('the results of the objects before an edit stay for the next run (switching back to a branch validates nothing)', () => {
    const dir = path.join(tempDir(), 'cache');
    const first = run(dir, objects);
    const other = [deployment('api'), deployment('web2'), service('api')];
    expect(run(dir, other).use.added).toBeGreaterThan(0);
    const back = run(dir, objects);
    expect(back.use).toEqual({ reused: first.use.added, added: 0 });
    expect(back.loaded).toEqual([]);
  }, 120_000);

  test('violations are never kept: an invalid object is validated and reported every run', () => {
    const dir = path.join(tempDir(), 'cache');
    const runs = [run(dir, [broken('api')]), run(dir, [broken('api')])];
    for (const r of runs) {
      expect(r.findings).toHaveLength(1);
      expect(r.use.reused).toBe(0);
      expect(r.loaded).toEqual(['workloads']);
    }
  }, 120_000);

  test('a damaged file is not trusted: every object is validated again and the file rewritten', () => {
    const dir = path.join(tempDir(), 'cache');
    const first = run(dir, objects);
    const bytes = fs.readFileSync(resultFile(dir));
    bytes[bytes.length - 1] ^= 0xff;
    fs.writeFileSync(resultFile(dir), bytes);
    const after = run(dir, objects);
    expect(after.use).toEqual({ reused: 0, added: first.use.added });
    expect(run(dir, objects).use.reused).toBe(first.use.added);
  }, 120_000);

  test('prodpath check after a synth reuses the synth\'s results: they are kept by the YAML text the files hold', () => {
    const dir = path.join(tempDir(), 'cache');
    const synth = run(dir, objects);
    const dist = tempDir();
    fs.mkdirSync(path.join(dist, 'dev'));
    fs.writeFileSync(path.join(dist, 'dev', 'shop.k8s.yaml'), `${GENERATED_HEADER}\n${stringifyDocuments(...objects)}`);
    const check = run(dir, [], { CHECK_DIR: dist });
    expect(check.use).toEqual({ reused: synth.use.added, added: 0 });
    expect(check.loaded).toEqual([]);
    // A hand edit of one object in the file: only it is validated again.
    const edited = fs.readFileSync(path.join(dist, 'dev', 'shop.k8s.yaml'), 'utf8').replace('image: registry.example.com/web:1', 'image: registry.example.com/web:2');
    fs.writeFileSync(path.join(dist, 'dev', 'shop.k8s.yaml'), edited);
    const after = run(dir, [], { CHECK_DIR: dist });
    expect(after.use.added).toBeGreaterThan(0);
    expect(after.use.reused).toBeGreaterThan(0);
    expect(after.use.reused + after.use.added).toBe(synth.use.added);
    expect(after.loaded).toEqual(['workloads']);
  }, 120_000);

  test('results of other validators are removed, and with PRODPATH_RESULT_CACHE=0 nothing is read or written', () => {
    const dir = path.join(tempDir(), 'cache');
    const off = run(dir, objects, { PRODPATH_RESULT_CACHE: '0' });
    expect(off.use).toEqual({ reused: 0, added: 0 });
    expect(resultFiles(dir)).toEqual([]);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'schema-results-0000000000000000.bin'), 'old');
    run(dir, objects);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('schema-results-'))).toEqual(resultFiles(dir));
    expect(resultFiles(dir)).toHaveLength(1);
  }, 120_000);
});
