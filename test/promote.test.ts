/**
 * `prodpath promote`: pins per environment in the lock, synth rendering them, parity with
 * promoted pins, rollback by digest and by git revision, and refused promotions.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { App, LockFileError } from '../lib';
import { DigestLock } from '../lib/lock/lock';
import { run } from '../lib/cli/main';
import { buildShop } from '../examples/shop/main';
import { readTree, tempDir } from './support/synth';

const D1 = `sha256:${'1'.repeat(64)}`;
const D0 = `sha256:${'0'.repeat(64)}`;
const OLD_TAG = 'aaaaaaaaaaaaaaaa';
const REPO = 'ghcr.io/acme/api';

const cwd = process.cwd();
let root: string;
let dist: string;
let lockFile: string;
let tag: string;
let contentHash: string;

/** Synthesizes the shop example into `<root>/dist`, reading `<root>/prodpath.lock.json`. */
function synth(): Map<string, string> {
  const app = new App({ outdir: dist, printSummary: false });
  buildShop(app);
  app.synth();
  return readTree(dist);
}

function docs(files: Map<string, string>, env: string): any[] {
  return parseAllDocuments(files.get(`${env}/shop.k8s.yaml`)!).map((d) => d.toJS());
}

/** Every container image and every app.kubernetes.io/version label of the api image's objects. */
function imagesOf(files: Map<string, string>, env: string): string[] {
  const out = new Set<string>();
  const walk = (o: any) => {
    if (Array.isArray(o)) {
      o.forEach(walk);
    } else if (typeof o === 'object' && o !== null) {
      if (typeof o.image === 'string') {
        out.add(o.image);
      }
      Object.values(o).forEach(walk);
    }
  };
  docs(files, env).forEach(walk);
  return [...out].filter((i) => i.startsWith(REPO)).sort();
}

function versionLabels(files: Map<string, string>, env: string): string[] {
  const text = files.get(`${env}/shop.k8s.yaml`)!;
  return [...new Set([...text.matchAll(/app\.kubernetes\.io\/version: (\S+)/g)].map((m) => m[1]).filter((v) => v !== '16-bookworm'))].sort();
}

async function cli(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(['promote', ...args, '--dist', dist], { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

const lockJson = () => JSON.parse(fs.readFileSync(lockFile, 'utf8'));

beforeAll(() => {
  root = fs.realpathSync(tempDir('prodpath-promote-'));
  dist = path.join(root, 'dist');
  lockFile = path.join(root, 'prodpath.lock.json');
  // The example reads its lock and resolves its source from the working directory (the app root).
  process.chdir(root);
  const first = synth();
  const meta = JSON.parse(first.get('images/api/image.json')!);
  expect(meta.environments).toEqual(['dev', 'staging', 'prod']);
  tag = meta.tag;
  contentHash = meta.contentHash;
  // What `prodpath build --push` records: the current build, and an older one.
  fs.writeFileSync(lockFile, DigestLock.empty()
    .with({ repository: REPO, tag, contentHash, digest: D1, platforms: ['linux/amd64'], pushed: true })
    .with({ repository: REPO, tag: OLD_TAG, contentHash: `sha256:${OLD_TAG}${'a'.repeat(48)}`, digest: D0, platforms: ['linux/amd64'], pushed: true })
    .toString());
});

afterAll(() => {
  process.chdir(cwd);
});

describe('prodpath promote on the shop example', () => {
  let beforePromotion: Map<string, string>;

  test('dev to staging pins the digest dev runs, and synth renders it', async () => {
    beforePromotion = synth();
    const before = fs.readFileSync(lockFile, 'utf8');
    expect(JSON.parse(before).pins).toBeUndefined();

    const r = await cli('dev', 'staging');
    expect(r).toMatchObject({ code: 0, err: [] });
    expect(r.out[0]).toBe(`staging: api → ${REPO}:${tag}@${D1} (from dev; was unpinned)`);
    const after = lockJson();
    expect(after.pins).toEqual({ staging: { [REPO]: { digest: D1, from: 'dev', tag } } });
    expect(after.images).toEqual(JSON.parse(before).images);
    // Sorted, deterministic text.
    expect(fs.readFileSync(lockFile, 'utf8')).toBe(DigestLock.parse(fs.readFileSync(lockFile, 'utf8')).toString());

    const files = synth();
    expect(imagesOf(files, 'staging')).toEqual([`${REPO}:${tag}@${D1}`]);
    expect(files.get('dev/shop.k8s.yaml')).toBe(beforePromotion.get('dev/shop.k8s.yaml'));
  });

  test('prod refuses a promotion from dev without --force, and writes nothing', async () => {
    const before = fs.readFileSync(lockFile, 'utf8');
    const r = await cli('dev', 'prod');
    expect(r.code).toBe(2);
    expect(r.err).toEqual(['prodpath promote: prod does not come right after dev in the promotion order of api (dev → staging → prod), so prod would run a build that staging never ran. '
      + 'Fix: promote through each environment in turn (prodpath promote dev staging, ...), or pass --force --reason "<why>" to record the exception in the pin.']);
    expect(fs.readFileSync(lockFile, 'utf8')).toBe(before);
  });

  test('--force --reason records the reason in the pin', async () => {
    const r = await cli('dev', 'prod', '--force', '--reason', 'hotfix for incident 42, staging is down');
    expect(r.code).toBe(0);
    expect(lockJson().pins.prod).toEqual({ [REPO]: { digest: D1, forced: { reason: 'hotfix for incident 42, staging is down' }, from: 'dev', tag } });
  });

  test('staging to prod needs no force, and replaces the forced pin', async () => {
    const r = await cli('staging', 'prod');
    expect(r.code).toBe(0);
    expect(lockJson().pins.prod).toEqual({ [REPO]: { digest: D1, from: 'staging', tag } });
  });

  test('rollback by digest pins an older recorded build; the version label follows; parity passes', async () => {
    const r = await cli('--to', 'prod', '--digest', D0);
    expect(r.code).toBe(0);
    expect(r.out[0]).toBe(`prod: api → ${REPO}:${OLD_TAG}@${D0} (by digest; was ${tag}@${D1})`);
    expect(lockJson().pins.prod).toEqual({ [REPO]: { digest: D0, tag: OLD_TAG } });
    // synth runs the parity check: prod differs from staging only by the promoted image.
    const files = synth();
    expect(imagesOf(files, 'prod')).toEqual([`${REPO}:${OLD_TAG}@${D0}`]);
    expect(versionLabels(files, 'prod')).toEqual([OLD_TAG]);
    expect(imagesOf(files, 'staging')).toEqual([`${REPO}:${tag}@${D1}`]);
    expect(versionLabels(files, 'staging')).toEqual([tag]);
    expect(files.get('dev/shop.k8s.yaml')).toBe(beforePromotion.get('dev/shop.k8s.yaml'));
    const deployment = docs(files, 'prod').find((d) => d.kind === 'Deployment' && d.metadata.name === 'api');
    expect(deployment.spec.template.metadata.labels['app.kubernetes.io/version']).toBe(OLD_TAG);
  });

  test('rollback by git revision restores the pin the environment had then', async () => {
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    git('init', '-q');
    git('add', 'prodpath.lock.json');
    git('commit', '-q', '-m', 'prod on the old build');
    const commit = git('rev-parse', 'HEAD').trim();
    expect((await cli('staging', 'prod')).code).toBe(0);
    expect(lockJson().pins.prod[REPO].digest).toBe(D1);

    const r = await cli('--to', 'prod', '--revision', 'HEAD');
    expect(r.code).toBe(0);
    expect(lockJson().pins.prod).toEqual({ [REPO]: { digest: D0, revision: commit, tag: OLD_TAG } });
    const bad = await cli('--to', 'staging', '--revision', 'no-such-ref');
    expect(bad.err).toEqual(['prodpath promote: "no-such-ref" is not a commit. Fix: name a branch, tag or commit, such as HEAD~1']);
  });

  test('a digest the lock does not record is refused, and pinned only with --force --reason and --tag', async () => {
    const unknown = `sha256:${'9'.repeat(64)}`;
    const r = await cli('--to', 'staging', '--digest', unknown);
    expect(r.code).toBe(2);
    expect(r.err).toEqual([`prodpath promote: ${unknown} is not recorded in prodpath.lock.json for ${REPO}, so staging would run a build prodpath never recorded. `
      + 'Fix: use a digest from the lock\'s images (a build `prodpath build` recorded), or pass --force --reason "<why>" to record the exception in the pin (with --image and --tag).']);
    const forced = await cli('--to', 'staging', '--digest', unknown, '--tag', 'bbbbbbbbbbbbbbbb', '--force', '--reason', 'built by hand during the outage');
    expect(forced.code).toBe(0);
    expect(lockJson().pins.staging).toEqual({ [REPO]: { digest: unknown, forced: { reason: 'built by hand during the outage' }, tag: 'bbbbbbbbbbbbbbbb' } });
  });
});

describe('bad input', () => {
  const cases: [string, string[], string][] = [
    ['an unknown environment', ['dev', 'qa'],
      'prodpath promote: there is no environment "qa" (to promote to) in dist; it has dev, staging, prod. Fix: name one of them.'],
    ['the same environment twice', ['staging', 'staging'],
      'prodpath promote: staging is both the source and the target. Fix: promote into the next environment, such as `prodpath promote staging prod`.'],
    ['a malformed digest', ['--to', 'prod', '--digest', 'sha256:abc'],
      'prodpath promote: --digest "sha256:abc" is not a digest: it is "sha256:" followed by 64 lowercase hex digits. Fix: copy it from prodpath.lock.json or from the registry.'],
    ['--force without a reason', ['dev', 'prod', '--force'],
      'prodpath promote: --force needs --reason "<why>" of at least 10 characters; it is recorded in the pin for reviewers.'],
    ['no environments', [],
      'prodpath promote: name the environment to promote from and the one to promote to, such as `prodpath promote dev staging`; or roll back with --to <env> and --digest or --revision.'],
  ];
  test.each(cases)('refuses %s, and writes nothing', async (_name, args, message) => {
    const before = fs.readFileSync(lockFile, 'utf8');
    const r = await cli(...args);
    expect(r).toEqual({ code: 2, out: [], err: [message] });
    expect(fs.readFileSync(lockFile, 'utf8')).toBe(before);
  });

  test('refuses a promotion from an environment with nothing recorded', async () => {
    const fresh = DigestLock.parse(fs.readFileSync(lockFile, 'utf8')).filter(() => true);
    const noPins = path.join(root, 'nopins.lock.json');
    fs.writeFileSync(noPins, JSON.stringify({ ...JSON.parse(fresh.toString()), pins: undefined }));
    const out: string[] = [];
    const code = await run(['promote', 'staging', 'prod', '--dist', dist, '--lock', 'nopins.lock.json'], { out: (l) => out.push(l), err: (l) => out.push(l) });
    expect(code).toBe(2);
    expect(out).toEqual(['prodpath promote: staging has no recorded build of ghcr.io/acme/api (no pin in nopins.lock.json), so there is nothing it ran to promote. '
      + 'Fix: promote into staging first (prodpath promote dev staging), or pass --force --reason "<why>" to record the exception in the pin.']);
  });

  test('--help lists the rollback options', async () => {
    const out: string[] = [];
    expect(await run(['promote', '--help'], { out: (l) => out.push(l), err: (l) => out.push(l) })).toBe(0);
    expect(out.join('\n')).toMatch(/--digest <digest>[\s\S]*--revision <ref>[\s\S]*--force[\s\S]*--reason <text>/);
  });
});

describe('pins in the lock file', () => {
  const base = { lockfileVersion: 1, images: {} };
  test('reads, sorts and writes pins; a lock without pins has no pins key', () => {
    const lock = DigestLock.parse(JSON.stringify({ ...base, pins: { prod: { [REPO]: { tag: OLD_TAG, digest: D0 } }, dev: { [REPO]: { tag: OLD_TAG, digest: D0, from: 'x' } } } }));
    expect(lock.pins().map((p) => p.environment)).toEqual(['dev', 'prod']);
    expect(Object.keys(JSON.parse(lock.toString()).pins)).toEqual(['dev', 'prod']);
    expect(JSON.parse(DigestLock.empty().toString())).toEqual({ images: {}, lockfileVersion: 1 });
  });

  test.each([
    [{ tag: 'latest', digest: D0 }, `prodpath.lock.json: pins["prod"]["${REPO}"].tag "latest" is invalid: a tag is the 16 hex digits of the content tag prodpath gives the image. Fix: run \`prodpath promote\` again, or restore the lock from version control.`],
    [{ tag: OLD_TAG, digest: 'sha256:abc' }, `prodpath.lock.json: pins["prod"]["${REPO}"].digest "sha256:abc" is invalid: a digest is "sha256:" followed by 64 lowercase hex digits. Fix: run \`prodpath promote\` again, or restore the lock from version control.`],
    [{ tag: OLD_TAG, digest: D0, forced: { reason: 'x' } }, `prodpath.lock.json: pins["prod"]["${REPO}"].forced {"reason":"x"} is invalid: forced is { "reason": "<why>" } with a reason of at least 10 characters. Fix: run \`prodpath promote\` again, or restore the lock from version control.`],
  ])('refuses a bad pin %j', (pin, message) => {
    expect(() => DigestLock.parse(JSON.stringify({ ...base, pins: { prod: { [REPO]: pin } } }))).toThrow(LockFileError);
    expect(() => DigestLock.parse(JSON.stringify({ ...base, pins: { prod: { [REPO]: pin } } }))).toThrow(message);
  });
});

describe('parity with promoted pins', () => {
  const { Parity } = require('../lib') as typeof import('../lib');
  const deployment = (image: string) => ({ object: {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api' },
    spec: { template: { spec: { containers: [{ name: 'api', image }] } } },
  } });
  const check = (a: string, b: string) => Parity.check([{ name: 'staging', objects: [deployment(a)] }, { name: 'prod', objects: [deployment(b)] }]);
  test('the same repository may differ when a side is pinned by digest', () => {
    expect(check(`${REPO}:${'b'.repeat(16)}`, `${REPO}:${OLD_TAG}@${D0}`)).toEqual([]);
    expect(check(`${REPO}:${'b'.repeat(16)}@${D1}`, `${REPO}:${OLD_TAG}@${D0}`)).toEqual([]);
  });
  test('but not by tag alone, nor across repositories', () => {
    expect(check(`${REPO}:${'b'.repeat(16)}`, `${REPO}:${OLD_TAG}`)).toHaveLength(1);
    expect(check(`${REPO}:${'b'.repeat(16)}@${D1}`, `ghcr.io/acme/web:${OLD_TAG}@${D0}`)).toHaveLength(1);
    expect(check('postgres:16@' + D1, 'postgres:17@' + D0)).toHaveLength(1);
  });
});

describe('promoting a local build', () => {
  test('fails when the build dev runs was never pushed, and writes nothing', async () => {
    const saved = fs.readFileSync(lockFile, 'utf8');
    try {
      fs.writeFileSync(lockFile, DigestLock.empty()
        .with({ repository: REPO, tag, contentHash, digest: D1, platforms: ['linux/amd64'], pushed: false })
        .toString());
      const before = fs.readFileSync(lockFile, 'utf8');
      const r = await cli('dev', 'staging');
      expect(r.code).toBe(2);
      expect(r.err).toEqual([`prodpath promote: prodpath.lock.json records ${REPO}:${tag}@${D1} only from a local build that was never pushed, so staging could not pull it; nothing was written. Fix: run \`prodpath build --push\` (it locks the registry's digest), then promote again.`]);
      expect(fs.readFileSync(lockFile, 'utf8')).toBe(before);
    } finally {
      fs.writeFileSync(lockFile, saved);
    }
  });
});
