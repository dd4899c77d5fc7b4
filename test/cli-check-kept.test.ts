import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { codeDigest, inputsDigest, keptCheck } from '../lib/cli/check-kept';
import { tempDir } from './support/synth';

/**
 * `prodpath check` results kept between runs (lib/cli/check-kept.ts). Each run is a fresh node
 * process, as each `prodpath check` is: it runs the command line, then reports its exit code and
 * whether it parsed any manifest (whether js-yaml, which only the check itself loads, was loaded).
 */
const REPO = path.join(__dirname, '..');
const DIST = path.join(REPO, 'dist');
const MARK = '\n@@kept-test@@';
const CHILD = `
const { run } = require(${JSON.stringify(path.join(REPO, 'lib/cli/main'))});
run(process.argv.slice(1)).then((code) => {
  const parsed = Object.keys(require.cache).some((f) => f.includes(\`\${require('path').sep}js-yaml\${require('path').sep}\`));
  process.stdout.write(${JSON.stringify(MARK)} + JSON.stringify({ code, parsed }));
});
`;

interface Run { code: number; parsed: boolean; out: string; err: string }

function check(cache: string, args: string[], env: Record<string, string> = {}): Run {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', CHILD, 'check', ...args], {
    cwd: REPO, encoding: 'utf8', env: { ...process.env, PRODPATH_CODE_CACHE_DIR: cache, ...env }, timeout: 60_000,
  });
  const at = r.stdout.lastIndexOf(MARK);
  if (r.status !== 0 || at < 0) throw new Error(`child failed (${r.status}): ${r.stderr}`);
  return { ...JSON.parse(r.stdout.slice(at + MARK.length)), out: r.stdout.slice(0, at), err: r.stderr };
}

/** A copy of the example's committed output. */
function copyOfDist(): string {
  const dist = path.join(tempDir(), 'dist');
  fs.cpSync(DIST, dist, { recursive: true });
  return dist;
}

/** Breaks the first Deployment of a manifest file: a replica count that is not a number. */
function breakReplicas(dist: string, file: string): void {
  const p = path.join(dist, file);
  const text = fs.readFileSync(p, 'utf8');
  const broken = text.replace(/^ {2}replicas: \d+$/m, '  replicas: three');
  expect(broken).not.toBe(text);
  fs.writeFileSync(p, broken);
}

const keptFile = (cache: string) => path.join(cache, 'check-results.bin');

describe('prodpath check keeps its result for an unchanged folder', () => {
  test('a second check of an unchanged folder prints the same, exits the same and parses nothing; errors are kept too', () => {
    const cache = path.join(tempDir(), 'cache');
    const dist = copyOfDist();
    const first = check(cache, [dist]);
    expect(first).toMatchObject({ code: 0, parsed: true });
    expect(first.out).toMatch(/prodpath check: 0 error\(s\), 0 warning\(s\) in 3 manifest file\(s\)/);
    expect(fs.existsSync(keptFile(cache))).toBe(true);
    const second = check(cache, [dist]);
    expect(second).toEqual({ ...first, parsed: false });

    breakReplicas(dist, 'staging/shop.k8s.yaml');
    const broken = check(cache, [dist, '--json']);
    expect(broken).toMatchObject({ code: 1, parsed: true });
    expect(JSON.parse(broken.out).findings).toEqual(expect.arrayContaining([expect.objectContaining({ rule: 'schema-valid', file: 'staging/shop.k8s.yaml', where: '/spec/replicas' })]));
    const again = check(cache, [dist, '--json']);
    expect(again).toEqual({ ...broken, parsed: false });
  }, 180_000);

  test('a changed file, other options or another folder is checked again, and each kept result stays for its own inputs', () => {
    const cache = path.join(tempDir(), 'cache');
    const dist = copyOfDist();
    const plain = check(cache, [dist]);
    const kube = check(cache, [dist, '--kube', '1.33']);
    expect(kube.parsed).toBe(true);
    expect(check(cache, [dist, '--production', 'dev']).parsed).toBe(true);
    // Another folder with the same files: its own inputs.
    const other = copyOfDist();
    expect(check(cache, [other]).parsed).toBe(true);
    // Back to the first options and folder: both kept.
    expect(check(cache, [dist])).toEqual({ ...plain, parsed: false });
    expect(check(cache, [dist, '--kube', '1.33'])).toEqual({ ...kube, parsed: false });
    // A one-byte edit of the Dockerfile, which no manifest holds, is checked again and reported.
    const dockerfile = path.join(dist, 'images/api/Dockerfile');
    fs.writeFileSync(dockerfile, fs.readFileSync(dockerfile, 'utf8').replace(/^USER .*$/m, 'USER root'));
    const edited = check(cache, [dist]);
    expect(edited).toMatchObject({ code: 1, parsed: true });
    expect(edited.err).toMatch(/\[dockerfile-numeric-user\]/);
  }, 180_000);

  test('a folder holding a symbolic link is checked every time; a damaged results file is not trusted; PRODPATH_RESULT_CACHE=0 keeps nothing', () => {
    const cache = path.join(tempDir(), 'cache');
    const linked = copyOfDist();
    fs.symlinkSync('/etc/hostname', path.join(linked, 'dev', 'extra.k8s.yaml'));
    for (const r of [check(cache, [linked]), check(cache, [linked])]) {
      expect(r).toMatchObject({ code: 1, parsed: true });
      expect(r.err).toMatch(/\[plain-files\] dev\/extra\.k8s\.yaml is a symbolic link/);
    }

    const dist = copyOfDist();
    check(cache, [dist]);
    const bytes = fs.readFileSync(keptFile(cache));
    bytes[bytes.length - 2] ^= 0x01;
    fs.writeFileSync(keptFile(cache), bytes);
    expect(check(cache, [dist]).parsed).toBe(true);
    expect(check(cache, [dist]).parsed).toBe(false);

    const off = path.join(tempDir(), 'off');
    const runs = [check(off, [dist], { PRODPATH_RESULT_CACHE: '0' }), check(off, [dist], { PRODPATH_RESULT_CACHE: '0' })];
    expect(runs.map((r) => r.parsed)).toEqual([true, true]);
    expect(fs.existsSync(keptFile(off))).toBe(false);
  }, 180_000);
});

describe('what a kept check depends on', () => {
  test('a folder that changed while it was checked keeps no result', () => {
    const cache = path.join(tempDir(), 'cache');
    const dist = copyOfDist();
    const script = `
      const fs = require('fs');
      const { keptCheck } = require(${JSON.stringify(path.join(REPO, 'lib/cli/check-kept'))});
      const result = { findings: [], counts: { manifestFiles: 3, objects: 1, images: 1 } };
      const kept = keptCheck(process.env.DIST, {});
      if (process.env.EDIT === '1') fs.appendFileSync(process.env.DIST + '/dev/compose.yaml', '# edited\\n');
      kept.save(result);
      process.stdout.write(String(fs.existsSync(process.env.PRODPATH_CODE_CACHE_DIR + '/check-results.bin')));
    `;
    const run = (edit: string) => spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: REPO, encoding: 'utf8', env: { ...process.env, PRODPATH_CODE_CACHE_DIR: cache, DIST: dist, EDIT: edit }, timeout: 60_000,
    });
    const edited = run('1');
    expect(edited.stderr).toBe('');
    expect(edited.stdout).toBe('false');
    expect(run('0').stdout).toBe('true');
  }, 60_000);

  test('the code digest changes when a file of the lib folder is added, rewritten (even to the same size) or removed, and when a loaded module is gone', () => {
    // npm gives every file it installs this modification time (1985-10-26T08:15:00Z).
    const NPM_TIME = new Date(499162500000);
    const root = tempDir();
    fs.mkdirSync(path.join(root, 'policy'));
    const rules = path.join(root, 'policy', 'rules.js');
    fs.writeFileSync(rules, 'module.exports = 1;\n');
    fs.utimesSync(rules, NPM_TIME, NPM_TIME);
    const outside = path.join(tempDir(), 'dep.js');
    fs.writeFileSync(outside, 'module.exports = 2;\n');
    fs.utimesSync(outside, NPM_TIME, NPM_TIME);
    const digests = [codeDigest(root, [outside])];
    expect(codeDigest(root, [outside])).toBe(digests[0]);
    fs.writeFileSync(path.join(root, 'policy', 'data.json'), '{}');
    digests.push(codeDigest(root, [outside]));
    // Rewritten to the same size with the same modification time, as npm installs another version
    // of a file: the change time still tells.
    fs.writeFileSync(rules, 'module.exports = 3;\n');
    fs.utimesSync(rules, NPM_TIME, NPM_TIME);
    digests.push(codeDigest(root, [outside]));
    fs.writeFileSync(outside, 'module.exports = 4;\n');
    fs.utimesSync(outside, NPM_TIME, NPM_TIME);
    digests.push(codeDigest(root, [outside]));
    fs.rmSync(path.join(root, 'policy', 'data.json'));
    digests.push(codeDigest(root, [outside]));
    expect(new Set(digests).size).toBe(digests.length);
    expect(digests.every((d) => /^[0-9a-f]{64}$/.test(d ?? ''))).toBe(true);
    expect(codeDigest(root, [path.join(root, 'gone.js')])).toBeUndefined();
  });

  test('the inputs digest follows every file\'s path and content and the options, and refuses a folder with a link', () => {
    const dist = tempDir();
    fs.mkdirSync(path.join(dist, 'dev'));
    fs.writeFileSync(path.join(dist, 'dev', 'a.k8s.yaml'), 'kind: A\n');
    const base = inputsDigest(dist, {});
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(inputsDigest(dist, {})).toBe(base);
    const others = [
      inputsDigest(dist, { production: ['dev'] }),
      inputsDigest(dist, { kubernetes: ['1.33'] }),
      inputsDigest(dist, { allowEmpty: true }),
    ];
    fs.writeFileSync(path.join(dist, 'dev', 'a.k8s.yaml'), 'kind: B\n');
    others.push(inputsDigest(dist, {}));
    fs.renameSync(path.join(dist, 'dev', 'a.k8s.yaml'), path.join(dist, 'dev', 'b.k8s.yaml'));
    others.push(inputsDigest(dist, {}));
    fs.mkdirSync(path.join(dist, 'staging'));
    others.push(inputsDigest(dist, {}));
    expect(new Set([base, ...others]).size).toBe(others.length + 1);
    fs.symlinkSync('b.k8s.yaml', path.join(dist, 'dev', 'c.k8s.yaml'));
    expect(inputsDigest(dist, {})).toBeUndefined();
    expect(inputsDigest(path.join(dist, 'missing'), {})).toBeUndefined();
  });

  test('under jest, whose modules may be mocks, nothing is used or kept', () => {
    const cache = path.join(tempDir(), 'cache');
    const saved = process.env.PRODPATH_CODE_CACHE_DIR;
    process.env.PRODPATH_CODE_CACHE_DIR = cache;
    try {
      expect(keptCheck(DIST, {})).toBeUndefined();
    } finally {
      if (saved === undefined) delete process.env.PRODPATH_CODE_CACHE_DIR;
      else process.env.PRODPATH_CODE_CACHE_DIR = saved;
    }
    expect(fs.existsSync(keptFile(cache))).toBe(false);
  });
});
