import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { tempDir } from '../support/synth';

/**
 * The V8 code cache of the generated validator modules (lib/policy/schema/code-cache.ts). Each run
 * is a fresh node process, as each `cdk8s synth` and `prodpath check` is: it validates two
 * Deployments (one valid, one with three faults) in all seven minors, saves the caches, and
 * prints how each module loaded and what the validation found.
 */
const REPO = path.join(__dirname, '..', '..');
const CHILD = `
const { validateManifest } = require(${JSON.stringify(path.join(REPO, 'lib/policy/schema/validate'))});
const { saveCodeCaches, codeCacheUses } = require(${JSON.stringify(path.join(REPO, 'lib/policy/schema/code-cache'))});
const good = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api' }, spec: { selector: { matchLabels: { app: 'api' } },
  template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: 'registry.example.com/api:1', ports: [{ containerPort: 8080 }] }] } } } };
const bad = JSON.parse(JSON.stringify(good));
bad.spec.replicas = 'three';
bad.spec.template.spec.containers[0].resources = { limits: { memory: 'lots' } };
bad.spec.template.spec.containers[0].imagePullPolicy = 'Sometimes';
const minors = ['1.27', '1.28', '1.29', '1.30', '1.31', '1.32', '1.33'];
const found = minors.map((m) => [validateManifest(good, m), validateManifest(bad, m)]);
if (process.env.WITH_STATEFUL_SET === '1') {
  const set = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db' }, spec: { serviceName: 'db', selector: good.spec.selector, template: good.spec.template } };
  found.push(minors.map((m) => validateManifest(set, m)));
}
saveCodeCaches();
process.stdout.write(JSON.stringify({ uses: codeCacheUses(), found }));
`;

interface Run { uses: { module: string; cache: string; wrote: boolean }[]; found: unknown }

function run(env: Record<string, string>, nodeOptions: string[] = []): Run {
  const r = spawnSync(process.execPath, [...nodeOptions, '--import', 'tsx', '-e', CHILD], {
    cwd: REPO, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as Run;
}

const cacheOf = (r: Run) => r.uses.find((u) => u.module === 'workloads')?.cache;
const wrote = (r: Run) => r.uses.find((u) => u.module === 'workloads')?.wrote;
const cacheFiles = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.startsWith('workloads-')).sort() : []);

/** A fresh cache folder after one run: the folder, the workloads cache file's path and its bytes. */
function firstCache(): { dir: string; file: string; bytes: Buffer } {
  const dir = path.join(tempDir(), 'cache');
  run({ PRODPATH_CODE_CACHE_DIR: dir });
  const file = path.join(dir, cacheFiles(dir)[0]);
  return { dir, file, bytes: fs.readFileSync(file) };
}

describe('the code cache of the schema validators', () => {
  test('is written after the first run, used by the next, and changes nothing that validation finds', () => {
    const dir = path.join(tempDir(), 'cache');
    const first = run({ PRODPATH_CODE_CACHE_DIR: dir });
    expect(cacheOf(first)).toBe('none');
    expect(wrote(first)).toBe(true);
    expect(cacheFiles(dir)).toHaveLength(1);
    const second = run({ PRODPATH_CODE_CACHE_DIR: dir });
    expect(cacheOf(second)).toBe('used');
    expect(wrote(second)).toBe(false);
    const off = run({ PRODPATH_CODE_CACHE: '0', PRODPATH_CODE_CACHE_DIR: dir });
    expect(cacheOf(off)).toBe('off');
    // The same violations with and without the cache: three faults in every minor, none in the valid object.
    expect(second.found).toEqual(off.found);
    expect(first.found).toEqual(off.found);
    for (const [good, bad] of off.found as unknown[][][]) {
      expect(good).toEqual([]);
      expect((bad as { path: string }[]).map((v) => v.path).sort()).toEqual([
        '/spec/replicas', '/spec/template/spec/containers/0/imagePullPolicy', '/spec/template/spec/containers/0/resources/limits/memory',
      ]);
    }
  }, 120_000);

  test('a run that uses validators the cache lacks (a StatefulSet added to Deployments) writes it again, covering both', () => {
    const { dir, file, bytes: before } = firstCache();
    const added = run({ PRODPATH_CODE_CACHE_DIR: dir, WITH_STATEFUL_SET: '1' });
    expect(cacheOf(added)).toBe('used');
    expect(wrote(added)).toBe(true);
    const after = fs.readFileSync(file);
    expect(after.equals(before)).toBe(false);
    // The list of validators the file covers (after the checksum and its length) grew.
    const covers = (bytes: Buffer) => JSON.parse(bytes.subarray(36, 36 + bytes.readUInt32BE(32)).toString('utf8')) as string[];
    expect(covers(after).length).toBeGreaterThan(covers(before).length);
    expect(covers(after)).toEqual(expect.arrayContaining(covers(before)));
    const again = run({ PRODPATH_CODE_CACHE_DIR: dir, WITH_STATEFUL_SET: '1' });
    expect(cacheOf(again)).toBe('used');
    expect(wrote(again)).toBe(false);
    expect(again.found).toEqual(run({ PRODPATH_CODE_CACHE: '0', WITH_STATEFUL_SET: '1' }).found);
  }, 180_000);

  test('a damaged cache file is refused before V8 reads it, and written again', () => {
    const { dir, file, bytes } = firstCache();
    bytes[bytes.length - 100] ^= 0xff;
    fs.writeFileSync(file, bytes);
    const damaged = run({ PRODPATH_CODE_CACHE_DIR: dir });
    expect(cacheOf(damaged)).toBe('rejected');
    expect(cacheOf(run({ PRODPATH_CODE_CACHE_DIR: dir }))).toBe('used');
  }, 120_000);

  test('node options that V8 compiles under get their own cache file, and old files are pruned to three', () => {
    const dir = path.join(tempDir(), 'cache');
    run({ PRODPATH_CODE_CACHE_DIR: dir });
    run({ PRODPATH_CODE_CACHE_DIR: dir }, ['--min-semi-space-size=16']);
    expect(cacheFiles(dir)).toHaveLength(2);
    expect(cacheOf(run({ PRODPATH_CODE_CACHE_DIR: dir }, ['--min-semi-space-size=16']))).toBe('used');
    for (const stale of ['0123456789abcdef', 'fedcba9876543210']) {
      fs.writeFileSync(path.join(dir, `workloads-${stale}.v8cache`), 'old');
      fs.utimesSync(path.join(dir, `workloads-${stale}.v8cache`), new Date(2020, 0, 1), new Date(2020, 0, 1));
    }
    run({ PRODPATH_CODE_CACHE_DIR: dir }, ['--max-old-space-size=2000']);
    expect(cacheFiles(dir)).toHaveLength(3);
    expect(cacheFiles(dir).some((f) => f.includes('0123456789abcdef') || f.includes('fedcba9876543210'))).toBe(false);
  }, 180_000);

  test('a cache folder that cannot be written costs nothing but the time', () => {
    const blocker = path.join(tempDir(), 'a-file');
    fs.writeFileSync(blocker, 'not a folder');
    const r = run({ PRODPATH_CODE_CACHE_DIR: path.join(blocker, 'cache') });
    expect(cacheOf(r)).toBe('none');
    expect(r.found).toEqual(run({ PRODPATH_CODE_CACHE: '0' }).found);
  }, 120_000);
});
