import * as fs from 'fs';
import * as path from 'path';
import { App, PeerDependencyError } from '../lib';
import { readCacheFile } from '../lib/cache-files';
import { checkPeers, packageInfo } from '../lib/peers';
import { tempDir } from './support/synth';

const REPO = path.resolve(__dirname, '..');

/** A folder with a node_modules holding the given package versions (real files, as npm lays them out). */
function installed(versions: Record<string, string>): string {
  const dir = tempDir('prodpath-peers-');
  for (const [name, version] of Object.entries(versions)) {
    fs.mkdirSync(path.join(dir, 'node_modules', name), { recursive: true });
    fs.writeFileSync(path.join(dir, 'node_modules', name, 'package.json'), JSON.stringify({ name, version }));
  }
  return dir;
}

describe('peer dependency check', () => {
  test('finds nothing wrong in this repository, where one copy of each is installed within the range', () => {
    expect(checkPeers(REPO)).toEqual([]);
  });

  test('reads prodpath\'s version and peer ranges from its package.json', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
    expect(packageInfo()).toEqual({ version: pkg.version, peerRanges: pkg.peerDependencies, devVersions: pkg.devDependencies, root: REPO });
  });

  test('fails when the app loads a second copy of cdk8s, naming both copies and the fix', () => {
    const app = installed({ cdk8s: '2.70.0' });
    const problems = checkPeers(app);
    expect(problems.map((p) => p.name)).toEqual(['cdk8s']);
    expect(problems[0].message).toContain(`two copies of cdk8s are installed: 2.70.0 (${fs.realpathSync(path.join(app, 'node_modules', 'cdk8s'))}), which the app loads, and `);
    expect(problems[0].message).toContain(`Fix: install one cdk8s matching ${packageInfo().peerRanges.cdk8s} at the app root`);
  });

  test('fails when a framework package is outside the supported range, with the npm command that fixes it', () => {
    const dir = installed({ 'cdk8s': '2.10.0', 'cdk8s-plus-27': '2.9.5', 'constructs': '9.0.0' });
    const problems = checkPeers(dir, dir);
    const range = packageInfo().peerRanges;
    expect(problems.map((p) => p.message)).toEqual([
      `cdk8s 2.10.0 (${fs.realpathSync(path.join(dir, 'node_modules', 'cdk8s'))}) is outside the range prodpath ${packageInfo().version} supports (${range.cdk8s}). Fix: npm install cdk8s@"${range.cdk8s}"`,
      `constructs 9.0.0 (${fs.realpathSync(path.join(dir, 'node_modules', 'constructs'))}) is outside the range prodpath ${packageInfo().version} supports (${range.constructs}). Fix: npm install constructs@"${range.constructs}"`,
    ]);
  });

  test('fails when new App() runs in an app root with a second copy: a PeerDependencyError before anything else', () => {
    const app = installed({ 'constructs': '10.3.0' });
    const before = process.cwd();
    process.chdir(app);
    try {
      expect(() => new App({ outdir: path.join(app, 'dist'), printSummary: false })).toThrow(PeerDependencyError);
      expect(() => new App({ outdir: path.join(app, 'dist'), printSummary: false }))
        .toThrow(/^prodpath: the installed framework packages do not fit this version of prodpath:\n {2}- two copies of constructs are installed: 10\.3\.0 /);
    } finally {
      process.chdir(before);
    }
    expect(fs.existsSync(path.join(app, 'dist'))).toBe(false);
  });
});

describe('peer range answers kept between runs', () => {
  /** Runs checkPeers in a fresh process, as each synth is, with the cache folder set. */
  function checkInChild(cacheDir: string, appRoot: string, prodpathDir?: string): unknown {
    const script = path.join(tempDir('prodpath-peers-run-'), 'run.ts');
    fs.writeFileSync(script, `import { checkPeers } from ${JSON.stringify(path.join(REPO, 'lib', 'peers'))};\nprocess.stdout.write(JSON.stringify(checkPeers(${JSON.stringify(appRoot)}${prodpathDir !== undefined ? `, ${JSON.stringify(prodpathDir)}` : ''}).map((p) => p.name)));\n`);
    const { execFileSync } = require('child_process') as typeof import('child_process');
    return JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', script], { cwd: REPO, env: { ...process.env, PRODPATH_CODE_CACHE_DIR: cacheDir }, encoding: 'utf8' }));
  }

  test('only pairs found in range are kept, so a version outside the range is refused every run', () => {
    const cacheDir = tempDir('prodpath-peers-cache-');
    const file = path.join(cacheDir, 'peer-ranges.json');
    const saved = (): string[] => JSON.parse((readCacheFile(file) as Buffer).toString('utf8'));
    expect(checkInChild(cacheDir, REPO)).toEqual([]);
    const ranges = packageInfo().peerRanges;
    const version = (name: string) => JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`, { paths: [REPO] }), 'utf8')).version;
    expect(saved().sort()).toEqual(['cdk8s', 'cdk8s-plus-27', 'constructs'].map((n) => `${version(n)} ${ranges[n]}`).sort());
    // Answered from the file now; and a run with versions outside the range still fails, twice.
    expect(checkInChild(cacheDir, REPO)).toEqual([]);
    const old = installed({ 'cdk8s': '2.10.0', 'cdk8s-plus-27': '2.9.5', 'constructs': '9.0.0' });
    expect(checkInChild(cacheDir, old, old)).toEqual(['cdk8s', 'constructs']);
    expect(checkInChild(cacheDir, old, old)).toEqual(['cdk8s', 'constructs']);
    expect(saved()).not.toContain(`2.10.0 ${ranges.cdk8s}`);
    expect(saved()).toContain(`2.9.5 ${ranges['cdk8s-plus-27']}`);
  });

  test('a damaged file is ignored and written again', () => {
    const cacheDir = tempDir('prodpath-peers-cache-');
    fs.writeFileSync(path.join(cacheDir, 'peer-ranges.json'), '{not json');
    expect(checkInChild(cacheDir, REPO)).toEqual([]);
    expect(JSON.parse((readCacheFile(path.join(cacheDir, 'peer-ranges.json')) as Buffer).toString('utf8'))).toHaveLength(3);
  });
});
