/**
 * Bad input, lock integrity: a pin to a digest the lock never recorded for that image (or
 * records for another tag), or a pin for an environment the pipeline does not have, is refused
 * at synth with the lock entry, the rule and the fix, unless `promote --force --reason`
 * recorded it; dist/ is left as it was.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, ImageRecipe, Pipeline, WebService } from '../../lib';
import { DigestLock } from '../../lib/lock/lock';
import { previousOutput, snapshot, SOURCE } from './support';

const REPO = 'ghcr.io/acme/api';
const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const D9 = `sha256:${'9'.repeat(64)}`;
const OTHER_TAG = 'bbbbbbbbbbbbbbbb';

function synth(root: string, dist: string): unknown {
  const app = new App({ outdir: dist, printSummary: false, reportRefusals: false });
  const pipeline = new Pipeline(app, 'shop', {
    registry: 'ghcr.io/acme',
    appRoot: root,
    environments: { dev: { namespace: 'shop-dev' }, staging: { namespace: 'shop-staging' } },
  });
  const image = pipeline.image('api', ImageRecipe.node({ source: SOURCE, start: ['node', 'server.js'] }));
  pipeline.define((env) => new WebService(env, 'api', { image }));
  try {
    app.synth();
    return undefined;
  } catch (e) {
    return e;
  }
}

/** The current build's tag and content hash, from a synth without a lock. */
function currentBuild(): { tag: string; contentHash: string } {
  const { root, dist } = previousOutput();
  expect(synth(root, dist)).toBeUndefined();
  return JSON.parse(fs.readFileSync(path.join(dist, 'images', 'api', 'image.json'), 'utf8'));
}

const build = currentBuild();
const recorded = () => DigestLock.empty()
  .with({ repository: REPO, tag: build.tag, contentHash: build.contentHash, digest: D1, platforms: ['linux/amd64'], pushed: true })
  .with({ repository: REPO, tag: OTHER_TAG, contentHash: `sha256:${OTHER_TAG}${'b'.repeat(48)}`, digest: D2, platforms: ['linux/amd64'], pushed: true });

function withLock(lock: DigestLock) {
  const { root, dist } = previousOutput();
  fs.writeFileSync(path.join(root, 'prodpath.lock.json'), lock.toString());
  const before = snapshot(dist);
  return { error: synth(root, dist) as any, dist, before };
}

test.each([
  ['a pin to a digest the lock never recorded', { environment: 'staging', repository: REPO, tag: build.tag, digest: D9 },
    'prodpath.lock.json pins["staging"]["ghcr.io/acme/api"].digest', /staging is pinned to ghcr\.io\/acme\/api:[a-f0-9]{16}@sha256:9{64}, a digest the lock never recorded for that image/],
  ['a pin whose digest the lock records for another tag', { environment: 'staging', repository: REPO, tag: build.tag, digest: D2 },
    'prodpath.lock.json pins["staging"]["ghcr.io/acme/api"].digest', /but the lock records that digest for tag bbbbbbbbbbbbbbbb/],
  ['a pin whose tag was edited to another build', { environment: 'dev', repository: REPO, tag: OTHER_TAG, digest: D1 },
    'prodpath.lock.json pins["dev"]["ghcr.io/acme/api"].digest', /but the lock records that digest for tag [a-f0-9]{16}/],
  ['a pin for an environment the pipeline does not have', { environment: 'prd', repository: REPO, tag: build.tag, digest: D1 },
    'prodpath.lock.json pins["prd"]["ghcr.io/acme/api"]', /pins ghcr\.io\/acme\/api in environment "prd", which the pipeline does not have \(it has dev, staging\)/],
])('lock: fails when the lock holds %s, naming the entry, and dist/ is left as it was', (_title, pin, where, message) => {
  const { error, dist, before } = withLock(recorded().withPin(pin));
  expect(error?.name).toBe('PolicyError');
  expect(error.findings).toHaveLength(1);
  const f = error.findings[0];
  expect(f.rule.id).toBe('lock-pins-recorded');
  expect(f.constructPath).toBe('shop/image-api');
  expect(f.where).toBe(where);
  expect(f.message).toMatch(message);
  expect(f.fix).toMatch(/prodpath promote .*--force --reason "<why>"/);
  expect(snapshot(dist)).toEqual(before);
});

test.each([
  ['a recorded build', { environment: 'staging', repository: REPO, tag: OTHER_TAG, digest: D2 }],
  ['an unrecorded digest forced with a reason', { environment: 'staging', repository: REPO, tag: build.tag, digest: D9, forced: { reason: 'built by hand during the outage' } }],
  ['an unknown environment forced with a reason', { environment: 'qa', repository: REPO, tag: build.tag, digest: D1, forced: { reason: 'qa cluster is managed by the other app' } }],
  ['a repository no image of the pipeline has', { environment: 'prd', repository: 'ghcr.io/acme/other', tag: build.tag, digest: D9 }],
])('lock: accepts a pin of %s', (_title, pin) => {
  const { error, dist } = withLock(recorded().withPin(pin));
  expect(error).toBeUndefined();
  if (pin.repository === REPO && pin.environment === 'staging') {
    expect(fs.readFileSync(path.join(dist, 'staging', 'shop.k8s.yaml'), 'utf8')).toContain(`${REPO}:${pin.tag}@${pin.digest}`);
  }
});
