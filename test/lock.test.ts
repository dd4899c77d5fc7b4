/**
 * The digest lock: the file model (read, validate, write; sorted and deterministic), how synth
 * picks digests from it, and the production digest rule.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, ExternalImage, ImageRecipe, LockFileError, Pipeline, PolicyError, ValidationError, WebService, Worker } from '../lib';
import { DigestLock } from '../lib/lock/lock';
import { find, manifests, nodeServiceFixture, tempDir } from './support/synth';

const HASH = `sha256:0123456789abcdef${'0'.repeat(48)}`;
const DIGEST = `sha256:${'d'.repeat(64)}`;
const ENTRY = { contentHash: HASH, digest: DIGEST, platforms: ['linux/amd64'], pushed: true };

function lockText(images: unknown, extra: object = {}): string {
  return JSON.stringify({ lockfileVersion: 1, images, ...extra });
}

describe('DigestLock', () => {
  test('reads an entry by repository and tag', () => {
    const lock = DigestLock.parse(lockText({ 'ghcr.io/acme/api': { '0123456789abcdef': ENTRY } }));
    expect(lock.get('ghcr.io/acme/api', '0123456789abcdef')).toEqual(ENTRY);
    expect(lock.get('ghcr.io/acme/api', 'ffffffffffffffff')).toBeUndefined();
  });

  test('writes sorted keys, two-space indents and a final newline, whatever order it was given', () => {
    const a = DigestLock.empty()
      .with({ repository: 'ghcr.io/acme/web', tag: '0123456789abcdef', ...ENTRY })
      .with({ repository: 'ghcr.io/acme/api', tag: '0123456789abcdef', ...ENTRY, platforms: ['linux/arm64', 'linux/amd64'] });
    const b = DigestLock.parse(a.toString());
    expect(b.toString()).toBe(a.toString());
    expect(a.toString()).toBe(`${JSON.stringify({
      images: {
        'ghcr.io/acme/api': { '0123456789abcdef': { contentHash: HASH, digest: DIGEST, platforms: ['linux/amd64', 'linux/arm64'], pushed: true } },
        'ghcr.io/acme/web': { '0123456789abcdef': ENTRY },
      },
      lockfileVersion: 1,
    }, null, 2)}\n`);
  });

  test('lists entries sorted by repository, then tag', () => {
    const lock = DigestLock.empty()
      .with({ repository: 'ghcr.io/acme/web', tag: '0123456789abcdef', ...ENTRY })
      .with({ repository: 'ghcr.io/acme/api', tag: 'ffffffffffffffff', ...ENTRY, contentHash: `sha256:${'f'.repeat(64)}` })
      .with({ repository: 'ghcr.io/acme/api', tag: '0123456789abcdef', ...ENTRY });
    expect(lock.entries().map((e) => `${e.repository}:${e.tag}`)).toEqual([
      'ghcr.io/acme/api:0123456789abcdef', 'ghcr.io/acme/api:ffffffffffffffff', 'ghcr.io/acme/web:0123456789abcdef',
    ]);
  });

  test('keeps top-level keys it does not know when it writes the lock again', () => {
    const lock = DigestLock.parse(lockText({}, { environments: { prod: { 'ghcr.io/acme/api': DIGEST } } }));
    expect(JSON.parse(lock.with({ repository: 'ghcr.io/acme/api', tag: '0123456789abcdef', ...ENTRY }).toString()).environments)
      .toEqual({ prod: { 'ghcr.io/acme/api': DIGEST } });
  });

  test('a missing file is an empty lock, unless it must exist', () => {
    const file = path.join(tempDir(), 'prodpath.lock.json');
    expect(DigestLock.read(file).size).toBe(0);
    expect(() => DigestLock.read(file, { missingOk: false })).toThrow(LockFileError);
  });

  test('writes atomically and leaves an unchanged file alone', () => {
    const dir = tempDir();
    const file = path.join(dir, 'prodpath.lock.json');
    const lock = DigestLock.empty().with({ repository: 'ghcr.io/acme/api', tag: '0123456789abcdef', ...ENTRY });
    lock.write(file);
    const before = fs.statSync(file).mtimeMs;
    fs.utimesSync(file, new Date(0), new Date(0));
    lock.write(file);
    expect(fs.statSync(file).mtimeMs).toBe(0);
    expect(before).toBeGreaterThan(0);
    expect(fs.readdirSync(dir)).toEqual(['prodpath.lock.json']);
    expect(DigestLock.read(file).toString()).toBe(lock.toString());
  });
});

describe('bad lock files', () => {
  const entry = (e: object) => lockText({ 'ghcr.io/acme/api': { '0123456789abcdef': { ...ENTRY, ...e } } });
  const cases: [string, string, string][] = [
    ['fails when a digest is malformed', entry({ digest: 'sha256:abc' }),
      'prodpath.lock.json: images["ghcr.io/acme/api"]["0123456789abcdef"].digest "sha256:abc" is invalid: a digest is "sha256:" followed by 64 lowercase hex digits. Fix: run `prodpath build` to record the image again, or correct the entry by hand.'],
    ['fails when a digest is uppercase', entry({ digest: `sha256:${'D'.repeat(64)}` }),
      `prodpath.lock.json: images["ghcr.io/acme/api"]["0123456789abcdef"].digest "sha256:${'D'.repeat(64)}" is invalid: a digest is "sha256:" followed by 64 lowercase hex digits. Fix: run \`prodpath build\` to record the image again, or correct the entry by hand.`],
    ['fails when the content hash does not start with the tag', entry({ contentHash: `sha256:${'e'.repeat(64)}` }),
      `prodpath.lock.json: images["ghcr.io/acme/api"]["0123456789abcdef"].contentHash "sha256:${'e'.repeat(64)}" is invalid: a content hash is "sha256:" and 64 lowercase hex digits, starting with the tag. Fix: run \`prodpath build\` to record the image again, or correct the entry by hand.`],
    ['fails when a tag is not a content tag', lockText({ 'ghcr.io/acme/api': { latest: ENTRY } }),
      'prodpath.lock.json: images["ghcr.io/acme/api"]["latest"] "latest" is invalid: a tag is the 16 hex digits of the content tag prodpath gives the image. Fix: run `prodpath build` to record the image again, or correct the entry by hand.'],
    ['fails when a repository carries a tag', lockText({ 'ghcr.io/acme/api:1.0': {} }),
      'prodpath.lock.json: images["ghcr.io/acme/api:1.0"] "ghcr.io/acme/api:1.0" is invalid: a repository is a lowercase registry host and path, such as "ghcr.io/acme/api", without a tag. Fix: run `prodpath build` to record the image again, or correct the entry by hand.'],
    ['fails when a platform is unknown', entry({ platforms: ['linux/amd65'] }),
      'prodpath.lock.json: images["ghcr.io/acme/api"]["0123456789abcdef"].platforms ["linux/amd65"] is invalid: platforms is a non-empty list of known os/arch[/variant] names. Fix: run `prodpath build` to record the image again, or correct the entry by hand.'],
    ['fails when pushed is not a boolean', entry({ pushed: 'yes' }),
      'prodpath.lock.json: images["ghcr.io/acme/api"]["0123456789abcdef"].pushed "yes" is invalid: pushed is true or false. Fix: run `prodpath build` to record the image again, or correct the entry by hand.'],
    ['fails when an entry has a field it does not know', entry({ size: 12 }),
      'prodpath.lock.json: images["ghcr.io/acme/api"]["0123456789abcdef"].size 12 is invalid: an entry holds only contentHash, digest, platforms, pushed. Fix: run `prodpath build` to record the image again, or correct the entry by hand.'],
    ['fails when the version is unknown', JSON.stringify({ lockfileVersion: 2, images: {} }),
      'prodpath.lock.json: lockfileVersion 2 is invalid: this prodpath reads lock files of version 1. Fix: upgrade prodpath, or write the lock again with `prodpath build`.'],
    ['fails when the file is not JSON', '{ "images": ',
      'prodpath.lock.json: text "Unexpected end of JSON input" is invalid: the lock file must be valid JSON. Fix: restore it from version control, or delete it and run `prodpath build`.'],
  ];
  test.each(cases)('%s', (_name, text, message) => {
    let error: unknown;
    try {
      DigestLock.parse(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LockFileError);
    expect((error as Error).message).toBe(message);
  });
});

/** An app root with one Node service under `services/api` and, optionally, a lock file. */
function appRoot(lock?: (tag: string, contentHash: string) => string) {
  const root = tempDir('prodpath-lock-');
  fs.cpSync(nodeServiceFixture(), path.join(root, 'services', 'api'), { recursive: true });
  const make = (props: { lockFile?: string | false; requireDigests?: 'off' | 'warn' | 'error' } = {}) => {
    const app = new App({ outdir: path.join(root, 'dist'), printSummary: false });
    const pipeline = new Pipeline(app, 'shop', {
      registry: 'ghcr.io/acme',
      appRoot: root,
      environments: { dev: { namespace: 'shop-dev' }, prod: { namespace: 'shop', replicas: 2 } },
      ...props,
    });
    const image = pipeline.image('api', ImageRecipe.node({ source: 'services/api', start: ['node', 'server.js'] }));
    pipeline.define((env) => new WebService(env, 'api', { image }));
    return { app, image };
  };
  if (lock) {
    const { image } = make({ lockFile: false });
    fs.writeFileSync(path.join(root, 'prodpath.lock.json'), lock(image.tag, image.contentHash));
  }
  return { root, make };
}

function lockFor(digest: string, pushed = true) {
  return (tag: string, contentHash: string) => lockText({ 'ghcr.io/acme/api': { [tag]: { contentHash, digest, platforms: ['linux/amd64'], pushed } } });
}

describe('synth with a lock', () => {
  test('pins the image by digest in every environment when the lock records its content hash', () => {
    const { make } = appRoot(lockFor(DIGEST));
    const { app, image } = make();
    for (const env of ['dev', 'prod']) {
      expect(find(manifests(app, env), 'Deployment').spec.template.spec.containers[0].image).toBe(`ghcr.io/acme/api:${image.tag}@${DIGEST}`);
    }
    expect(image.imageRef).toBe(`${image.taggedRef}@${DIGEST}`);
  });

  test('records the digest in image.json, and keeps the content tag as the version label', () => {
    const { make } = appRoot(lockFor(DIGEST));
    const { app, image } = make();
    const files = app.render();
    expect(JSON.parse(files.get('images/api/image.json')!)).toMatchObject({ image: image.taggedRef, digest: DIGEST, pushed: true });
    expect(find(manifests(app, 'prod'), 'Deployment').metadata.labels['app.kubernetes.io/version']).toBe(image.tag);
  });

  test('references the image by tag when the lock records only other builds', () => {
    const { make } = appRoot(() => lockText({ 'ghcr.io/acme/api': { '0123456789abcdef': ENTRY } }));
    const { app, image } = make();
    expect(find(manifests(app, 'prod'), 'Deployment').spec.template.spec.containers[0].image).toBe(image.taggedRef);
  });

  test('ignores the lock when lockFile is false', () => {
    const { make } = appRoot(lockFor(DIGEST));
    expect(make({ lockFile: false }).image.digest).toBeUndefined();
  });

  test('reads a lock file under another name', () => {
    const { root, make } = appRoot(lockFor(DIGEST));
    fs.renameSync(path.join(root, 'prodpath.lock.json'), path.join(root, 'images.lock.json'));
    expect(make({ lockFile: 'images.lock.json' }).image.digest).toBe(DIGEST);
  });
});

describe('the production digest rule', () => {
  test('is off by default: no warning for an image without a digest', () => {
    const { make } = appRoot();
    const { app } = make();
    app.render();
    expect(app.warnings.filter((w) => w.rule.id === 'production-image-digest')).toEqual([]);
  });

  test('warns, under requireDigests: "warn", that production would run an image by tag', () => {
    const { make } = appRoot();
    const { app, image } = make({ requireDigests: 'warn' });
    app.render();
    expect(app.warnings.filter((w) => w.rule.id === 'production-image-digest').map((w) => [w.constructPath, w.message, w.fix])).toEqual([[
      'shop/image-api',
      `image ${image.taggedRef} has no digest in prodpath.lock.json for its content hash, so prod would run it by tag`,
      'run `prodpath build --push` and commit prodpath.lock.json, then synthesize again',
    ]]);
  });

  test('stops the synth under requireDigests: "error"', () => {
    const { make } = appRoot();
    const { app } = make({ requireDigests: 'error' });
    expect(() => app.render()).toThrow(PolicyError);
    expect(() => app.render()).toThrow(/shop\/image-api: \[production-image-digest\] image ghcr\.io\/acme\/api:[0-9a-f]{16} has no digest in prodpath\.lock\.json/);
  });

  test('warns about a locked digest that was never pushed', () => {
    const { make } = appRoot(lockFor(DIGEST, false));
    const { app, image } = make({ requireDigests: 'warn' });
    app.render();
    expect(app.warnings.map((w) => w.message)).toContain(`prodpath.lock.json records only a local build of ${image.taggedRef} (image id ${DIGEST}, never pushed); a local id is never pinned, so prod would run it by tag`);
  });

  test('never pins a local build\'s id: every environment runs it by tag', () => {
    const { make } = appRoot(lockFor(DIGEST, false));
    const { app, image } = make({ requireDigests: 'warn' });
    expect(image.imageRef).toBe(image.taggedRef);
    const text = [...app.render().entries()].filter(([file]) => file.endsWith('.yaml')).map(([, t]) => t).join('\n');
    expect(text).toContain(`image: ${image.taggedRef}\n`);
    expect(text).not.toContain(DIGEST);
  });

  test('fails when a production image has only a local build\'s id and requireDigests is error', () => {
    const { make } = appRoot(lockFor(DIGEST, false));
    const { app } = make({ requireDigests: 'error' });
    expect(() => app.render()).toThrow(/records only a local build of .* never pushed/);
  });

  test('is satisfied by a pushed digest', () => {
    const { make } = appRoot(lockFor(DIGEST));
    const { app } = make({ requireDigests: 'error' });
    expect(() => app.render()).not.toThrow();
  });
});

describe('bad lock input at synth', () => {
  test('fails when the lock records another content hash for the image\'s tag', () => {
    const { make, root } = appRoot(lockFor(DIGEST));
    const text = fs.readFileSync(path.join(root, 'prodpath.lock.json'), 'utf8');
    const { image } = make({ lockFile: false });
    const other = `sha256:${image.tag}${'9'.repeat(48)}`;
    fs.writeFileSync(path.join(root, 'prodpath.lock.json'), text.replace(image.contentHash, other));
    expect(() => make()).toThrow(new ValidationError('shop/image-api', {
      field: `lock entry ${image.taggedRef}`,
      value: other,
      rule: `prodpath.lock.json records another content hash for this tag than the source gives (${image.contentHash})`,
      fix: 'delete that entry from prodpath.lock.json and run `prodpath build` again',
    }).message);
  });

  test('fails, naming the pipeline and the file, when the lock holds a malformed digest', () => {
    const { make } = appRoot(lockFor('sha256:abc'));
    let message = '';
    try {
      make();
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      message = (e as Error).message;
    }
    expect(message).toMatch(/^shop: lockFile prodpath\.lock\.json: images\["ghcr\.io\/acme\/api"\]\["[0-9a-f]{16}"\]\.digest "sha256:abc" is invalid: a digest is "sha256:" followed by 64 lowercase hex digits\. Fix: run `prodpath build` to record the image again, or correct the entry by hand\.$/);
  });

  test('fails when a lock file named on purpose does not exist', () => {
    const { make } = appRoot();
    expect(() => make({ lockFile: 'missing.lock.json' })).toThrow(/^shop: lockFile missing\.lock\.json: file ".*missing\.lock\.json" is invalid: the lock file cannot be read \(ENOENT\)\. Fix: run `prodpath build` to write it, or point lockFile at the right path\.$/);
  });

  test('fails when requireDigests is not off, warn or error', () => {
    const { make } = appRoot();
    expect(() => make({ requireDigests: 'strict' as never })).toThrow('shop: requireDigests "strict" is invalid: requireDigests is "off", "warn" or "error". Fix: use "warn" to be told about production images without a locked digest, or "error" to refuse them.');
  });
});

describe('external images in production', () => {
  const PINNED = `sha256:${'e'.repeat(64)}`;
  const make = (reference: string, requireDigests: 'off' | 'warn' | 'error') => {
    const app = new App({ outdir: path.join(tempDir('prodpath-external-'), 'dist'), printSummary: false });
    const pipeline = new Pipeline(app, 'shop', {
      registry: 'ghcr.io/acme',
      lockFile: false,
      requireDigests,
      environments: { dev: { namespace: 'shop-dev', replicas: 1 }, prod: { namespace: 'shop', replicas: 2 } },
    });
    pipeline.define((env) => {
      new Worker(env, 'relay', {
        image: ExternalImage.of(reference, { user: { uid: 10001, gid: 10001 } }),
        command: ['relay'],
        health: { exec: ['relay', '--check'] },
      });
    });
    return app;
  };

  test('fails when production runs an external image by tag alone and requireDigests is error', () => {
    expect(() => make('example.com/relay:1.2', 'error').render())
      .toThrow(/shop\/prod\/relay.*the external image example\.com\/relay:1\.2 has no digest, so prod would run whatever the tag points to/s);
  });

  test('warns under requireDigests warn, and says nothing under off', () => {
    const warned = make('example.com/relay:1.2', 'warn');
    warned.render();
    expect(warned.warnings.filter((w) => w.message.includes('the external image example.com/relay:1.2 has no digest'))).toHaveLength(1);
    const off = make('example.com/relay:1.2', 'off');
    off.render();
    expect(off.warnings.filter((w) => w.message.includes('has no digest'))).toEqual([]);
  });

  test('accepts an external image pinned by digest, and renders it as given', () => {
    const app = make(`example.com/relay:1.2@${PINNED}`, 'error');
    const files = app.render();
    expect(files.get('prod/shop.k8s.yaml')).toContain(`image: example.com/relay:1.2@${PINNED}\n`);
  });
});
