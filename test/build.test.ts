/**
 * `prodpath build`, against a fake engine: a small script installed as `podman` or `docker`
 * on a private PATH that records every call and answers like the real command line. The real
 * engine is exercised in real-engine-recipes.test.ts.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';
import { App, ImageRecipe, Pipeline, WebService } from '../lib';
import { DigestLock } from '../lib/lock/lock';
import { buildImages, BuildCommandOptions, BuildFailedError, BuildInputError } from '../lib/cli/build';
import { run } from '../lib/cli/main';
import { buildArguments, BuildPlan } from '../lib/images/engine';
import { nodeServiceFixture, tempDir } from './support/synth';

const FAKE_ENGINE = `#!/usr/bin/env node
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const state = process.env.FAKE_ENGINE_STATE;
const name = path.basename(process.argv[1]);
const args = process.argv.slice(2);
fs.appendFileSync(path.join(state, 'calls.log'), JSON.stringify([name, ...args]) + '\\n');
const file = path.join(state, 'images.json');
const images = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : [];
const digest = (s) => 'sha256:' + crypto.createHash('sha256').update(s).digest('hex');
const flag = (f) => args[args.indexOf(f) + 1];
if (args[0] === '--version') {
  console.log(process.env.FAKE_ENGINE_VERSION || name + ' version 9.9.9 (fake)');
} else if (args[0] === 'image' && args[1] === 'exists') {
  process.exit(images.includes(args[2]) ? 0 : 1);
} else if (args[0] === 'manifest' && args[1] === 'exists') {
  process.exit(1);
} else if (args[0] === 'image' && args[1] === 'inspect') {
  const ref = args[args.length - 1];
  if (!images.includes(ref)) { console.error('Error: ' + ref + ': image not known'); process.exit(125); }
  console.log(digest('local ' + ref));
} else if (args[0] === 'build') {
  const ref = args.includes('-t') ? flag('-t') : flag('--manifest');
  console.log('[1/2] STEP 1/3: FROM node:20-slim AS build');
  console.log('--> Using cache 0123');
  console.log('[2/2] STEP 3/3: CMD ["node", "server.js"]');
  if (process.env.FAKE_ENGINE_FAIL) { console.error('Error: building at STEP "RUN npm ci": exit status 1'); process.exit(1); }
  fs.writeFileSync(file, JSON.stringify([...images, ref]));
  console.log('Successfully tagged ' + ref);
} else if (args[0] === 'push') {
  const ref = args[args.length - 1];
  if (name === 'docker') { console.log(ref.split(':').pop() + ': digest: ' + digest('registry ' + ref) + ' size: 1234'); }
  else { fs.writeFileSync(flag('--digestfile'), digest('registry ' + ref)); }
} else {
  console.error('fake engine: unexpected ' + args.join(' ')); process.exit(2);
}
`;

/** A private PATH holding fake engines, and the folder where they keep their state. */
function fakeEngines(names: string[] = ['podman'], env: Record<string, string> = {}) {
  const dir = tempDir('prodpath-engine-');
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.mkdirSync(path.join(dir, 'state'));
  for (const name of names) {
    fs.writeFileSync(path.join(dir, 'bin', name), FAKE_ENGINE, { mode: 0o755 });
  }
  // Only the fakes and node (for their shebang) are on this PATH: no real engine is found.
  fs.symlinkSync(process.execPath, path.join(dir, 'bin', 'node'));
  return {
    env: { ...process.env, PATH: path.join(dir, 'bin'), FAKE_ENGINE_STATE: path.join(dir, 'state'), ...env } as NodeJS.ProcessEnv,
    calls: (): string[][] => {
      const log = path.join(dir, 'state', 'calls.log');
      return fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : [];
    },
  };
}

/** An app root with two Node images synthesized into `<root>/dist`. */
function synthesized(registry = 'ghcr.io/acme') {
  const root = tempDir('prodpath-build-');
  for (const name of ['api', 'web']) {
    fs.cpSync(nodeServiceFixture({ 'server.js': `// ${name}\n` }), path.join(root, 'services', name), { recursive: true });
  }
  const app = new App({ outdir: path.join(root, 'dist'), printSummary: false });
  const pipeline = new Pipeline(app, 'shop', { registry, appRoot: root, environments: { dev: { namespace: 'shop-dev' } } });
  const api = pipeline.image('api', ImageRecipe.node({ source: 'services/api', start: ['node', 'server.js'], buildArgs: { APP_VERSION: '1.0.0' } }));
  const web = pipeline.image('web', ImageRecipe.node({ source: 'services/web', start: ['node', 'server.js'] }));
  pipeline.define((env) => {
    new WebService(env, 'api', { image: api });
    new WebService(env, 'web', { image: web });
  });
  app.synth();
  return { root, dist: path.join(root, 'dist'), lock: path.join(root, 'prodpath.lock.json'), api, web };
}

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

function build(options: BuildCommandOptions) {
  const c = capture();
  return { result: buildImages(options, c.io), ...c };
}

function digestOf(s: string): string {
  return `sha256:${crypto.createHash('sha256').update(s).digest('hex')}`;
}

describe('prodpath build', () => {
  test('builds each image with the engine and locks its local digest', async () => {
    const { dist, lock, api, web } = synthesized();
    const engine = fakeEngines();
    const { result } = build({ dist, engine: 'podman', env: engine.env });
    expect((await result).map((r) => [r.name, r.action, r.pushed])).toEqual([['api', 'built', false], ['web', 'built', false]]);
    expect(engine.calls().filter((c) => c[1] === 'build').map((c) => c[c.indexOf('-t') + 1])).toEqual([api.taggedRef, web.taggedRef]);
    expect(DigestLock.read(lock).get('ghcr.io/acme/api', api.tag)).toEqual({
      contentHash: api.contentHash, digest: digestOf(`local ${api.taggedRef}`), platforms: ['linux/amd64'], pushed: false,
    });
  });

  test('passes the Dockerfile, ignore file, platform and build args from dist to the engine', async () => {
    const { root, dist } = synthesized();
    const engine = fakeEngines();
    await build({ dist, engine: 'podman', env: engine.env, only: ['api'] }).result;
    const call = engine.calls().find((c) => c[1] === 'build')!;
    expect(call.slice(1)).toEqual([
      'build', '--format', 'docker',
      '-f', path.join(dist, 'images/api/Dockerfile'),
      '--ignorefile', path.join(dist, 'images/api/Dockerfile.dockerignore'),
      '-t', expect.stringMatching(/^ghcr\.io\/acme\/api:[0-9a-f]{16}$/),
      '--platform', 'linux/amd64',
      '--build-arg', 'APP_VERSION=1.0.0',
      path.join(root, 'services/api'),
    ]);
  });

  test('shows progress: each image, the engine\'s steps, and a summary', async () => {
    const { dist, api } = synthesized();
    const engine = fakeEngines();
    const { result, out } = build({ dist, engine: 'podman', env: engine.env, only: ['api'] });
    await result;
    expect(out).toEqual([
      expect.stringMatching(/^prodpath build: 1 image\(s\) from .*dist with podman version 9\.9\.9 \(fake\); lock .*prodpath\.lock\.json$/),
      `[1/1] api: building ${api.taggedRef} for linux/amd64`,
      '  api | [1/2] STEP 1/3: FROM node:20-slim AS build',
      '  api | [2/2] STEP 3/3: CMD ["node", "server.js"]',
      expect.stringMatching(/^\[1\/1\] api: built in \d+\.\ds; locked sha256:[0-9a-f]{64} \(local build, not pushed\)$/),
      expect.stringMatching(/^prodpath build: 1 built, 0 reused, 0 already locked; 0 with a pushed digest; lock /),
    ]);
  });

  test('does not build an image whose tag exists already', async () => {
    const { dist } = synthesized();
    const engine = fakeEngines();
    await build({ dist, engine: 'podman', env: engine.env }).result;
    const again = await build({ dist, engine: 'podman', env: engine.env }).result;
    expect(again.map((r) => r.action)).toEqual(['reused', 'reused']);
    expect(engine.calls().filter((c) => c[1] === 'build')).toHaveLength(2);
  });

  test('writes the same lock bytes for the same builds', async () => {
    const { dist, lock } = synthesized();
    const engine = fakeEngines();
    await build({ dist, engine: 'podman', env: engine.env }).result;
    const first = fs.readFileSync(lock, 'utf8');
    await build({ dist, engine: 'podman', env: engine.env }).result;
    expect(fs.readFileSync(lock, 'utf8')).toBe(first);
  });

  test('builds with docker, and finds an engine on PATH when none is named', async () => {
    const { dist } = synthesized();
    const engine = fakeEngines(['docker']);
    const results = await build({ dist, env: engine.env }).result;
    expect(results).toHaveLength(2);
    const call = engine.calls().find((c) => c[1] === 'build')!;
    expect(call.slice(0, 6)).toEqual(['docker', 'build', '--progress', 'plain', '-f', path.join(dist, 'images/api/Dockerfile')]);
  });

  test('prefers podman when both engines are installed, and takes a docker that is podman for podman', async () => {
    const { dist } = synthesized();
    const both = fakeEngines(['podman', 'docker']);
    await build({ dist, env: both.env, only: ['api'] }).result;
    expect(both.calls().find((c) => c[1] === 'build')![0]).toBe('podman');
    const disguised = fakeEngines(['docker'], { FAKE_ENGINE_VERSION: 'podman version 4.3.1' });
    await build({ dist, env: disguised.env, only: ['api'] }).result;
    expect(disguised.calls().find((c) => c[1] === 'build')!.slice(0, 3)).toEqual(['docker', 'build', '--format']);
  });

  test('keeps a pushed digest in the lock when it builds the same content locally', async () => {
    const { dist, lock, api } = synthesized();
    const pushed = `sha256:${'a'.repeat(64)}`;
    DigestLock.empty().with({ repository: 'ghcr.io/acme/api', tag: api.tag, contentHash: api.contentHash, digest: pushed, platforms: ['linux/amd64'], pushed: true }).write(lock);
    await build({ dist, engine: 'podman', env: fakeEngines().env, only: ['api'] }).result;
    expect(DigestLock.read(lock).get('ghcr.io/acme/api', api.tag)?.digest).toBe(pushed);
  });
});

describe('prodpath build --push', () => {
  let registry: net.Server;
  let port = 0;
  beforeAll(async () => {
    // Answers every request 200: enough for the reachability check and the manifest lookup.
    registry = http.createServer((_req, res) => res.writeHead(200).end());
    await new Promise<void>((r) => registry.listen(0, '127.0.0.1', r));
    port = (registry.address() as net.AddressInfo).port;
  });
  afterAll(() => registry.close());

  test('pushes each image to its reachable registry and locks the registry digest', async () => {
    const { dist, lock, api } = synthesized(`127.0.0.1:${port}/acme`);
    const engine = fakeEngines();
    const results = await build({ dist, engine: 'podman', env: engine.env, push: true }).result;
    expect(results.map((r) => r.pushed)).toEqual([true, true]);
    const push = engine.calls().find((c) => c[1] === 'push')!;
    expect(push).toEqual(['podman', 'push', '--tls-verify=false', '--digestfile', expect.any(String), api.taggedRef]);
    expect(DigestLock.read(lock).get(`127.0.0.1:${port}/acme/api`, api.tag)).toMatchObject({ digest: digestOf(`registry ${api.taggedRef}`), pushed: true });
  });

  test('reads docker\'s push digest from its output', async () => {
    const { dist, lock, api } = synthesized(`127.0.0.1:${port}/acme`);
    await build({ dist, engine: 'docker', env: fakeEngines(['docker']).env, push: true, only: ['api'] }).result;
    expect(DigestLock.read(lock).get(`127.0.0.1:${port}/acme/api`, api.tag)?.digest).toBe(digestOf(`registry ${api.taggedRef}`));
  });

  test('does nothing for images the lock already records as pushed for their content', async () => {
    const { dist } = synthesized(`127.0.0.1:${port}/acme`);
    await build({ dist, engine: 'podman', env: fakeEngines().env, push: true }).result;
    const fresh = fakeEngines();
    const results = await build({ dist, engine: 'podman', env: fresh.env, push: true }).result;
    expect(results.map((r) => r.action)).toEqual(['locked', 'locked']);
    expect(fresh.calls().map((c) => c[1])).toEqual(['--version']);
  });

  test('fails before building anything when the registry is not reachable', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = (closed.address() as net.AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const { dist } = synthesized(`127.0.0.1:${closedPort}/acme`);
    const engine = fakeEngines();
    await expect(build({ dist, engine: 'podman', env: engine.env, push: true }).result).rejects.toThrow(new BuildInputError(
      `prodpath build: registry 127.0.0.1:${closedPort} is not reachable (127.0.0.1:${closedPort}: ECONNREFUSED); nothing was built or pushed. Fix: check the network and your login (\`podman login 127.0.0.1:${closedPort}\`), or build without --push.`,
    ));
    expect(engine.calls().filter((c) => c[1] === 'build')).toEqual([]);
  });
});

describe('bad build input', () => {
  test('fails when the engine is not installed', async () => {
    const { dist } = synthesized();
    await expect(build({ dist, engine: 'docker', env: fakeEngines(['podman']).env }).result).rejects.toThrow(
      'prodpath build: engine docker is not installed or does not run (`docker --version`: ENOENT). Fix: install docker (https://docs.docker.com/engine/install/), or choose the other engine with --engine.',
    );
  });

  test('fails when no engine is installed', async () => {
    const { dist } = synthesized();
    await expect(build({ dist, env: fakeEngines([]).env }).result).rejects.toThrow(
      'prodpath build: no container engine found: engine podman is not installed or does not run (`podman --version`: ENOENT); engine docker is not installed or does not run (`docker --version`: ENOENT). Fix: install podman or docker, or name one with --engine.',
    );
  });

  test('fails when the engine is not one prodpath knows', async () => {
    const { dist } = synthesized();
    await expect(build({ dist, engine: 'buildah', env: fakeEngines().env }).result).rejects.toThrow(
      'prodpath build: engine "buildah" is not one prodpath can build with. Fix: use --engine podman or --engine docker.',
    );
  });

  test('fails when a source changed after synth, so the tag would lie', async () => {
    const { root, dist, api } = synthesized();
    fs.writeFileSync(path.join(root, 'services/api/server.js'), '// edited after synth\n');
    await expect(build({ dist, engine: 'podman', env: fakeEngines().env }).result).rejects.toThrow(
      new RegExp(`^prodpath build: image api is stale: its source now hashes to sha256:[0-9a-f]{16}\\.\\.\\., but .*images/api/image\\.json records ${api.contentHash.slice(0, 23)}\\.\\.\\. \\(tag ${api.tag}\\)\\. Fix: synthesize again \\(\`cdk8s synth\`\\), then build\\.$`),
    );
  });

  test('fails when the output folder has no images', async () => {
    const dist = path.join(tempDir(), 'dist');
    await expect(build({ dist, engine: 'podman', env: fakeEngines().env }).result).rejects.toThrow(
      `prodpath build: ${path.join(dist, 'images')} is not a folder. Fix: run \`cdk8s synth\` first, or name the folder it wrote: prodpath build <dist>.`,
    );
  });

  test('fails when --only names an image that does not exist', async () => {
    const { dist } = synthesized();
    await expect(build({ dist, engine: 'podman', env: fakeEngines().env, only: ['worker'] }).result).rejects.toThrow(
      `prodpath build: --only "worker" is invalid: there is no image of that name under ${path.join(dist, 'images')}. Fix: use one of api, web.`,
    );
  });

  test('fails when the lock file is malformed', async () => {
    const { dist, lock } = synthesized();
    fs.writeFileSync(lock, '{"lockfileVersion": 1, "images": {"ghcr.io/acme/api": {"0123456789abcdef": {"digest": "sha256:abc"}}}}');
    await expect(build({ dist, engine: 'podman', env: fakeEngines().env }).result).rejects.toThrow(
      /^prodpath build: .*prodpath\.lock\.json: images\["ghcr\.io\/acme\/api"\]\["0123456789abcdef"\]\.contentHash \(missing\) is invalid/,
    );
  });

  test('reports a failed build with the end of the engine\'s output', async () => {
    const { dist, lock } = synthesized();
    const failure = build({ dist, engine: 'podman', env: fakeEngines(['podman'], { FAKE_ENGINE_FAIL: '1' }).env }).result;
    await expect(failure).rejects.toBeInstanceOf(BuildFailedError);
    await failure.catch((e: BuildFailedError) => {
      expect(e.message).toBe('prodpath build: api failed: `podman build --format ...` exited with status 1');
      expect(e.output).toContain('Error: building at STEP "RUN npm ci": exit status 1');
    });
    expect(fs.existsSync(lock)).toBe(false);
  });
});

describe('the build command line', () => {
  test('explains itself with --help', async () => {
    const c = capture();
    expect(await run(['build', '--help'], c.io)).toBe(0);
    const help = c.out.join('\n');
    for (const flag of ['--engine <engine>', '--root <dir>', '--lock <file>', '--push', '--only <names>', '--pull <policy>', '--verbose']) {
      expect(help).toContain(flag);
    }
  });

  test('exits 1 when a build fails and 2 when the input is wrong', async () => {
    const { dist } = synthesized();
    const saved = process.env.PATH;
    const engine = fakeEngines(['podman'], { FAKE_ENGINE_FAIL: '1' });
    process.env.PATH = engine.env.PATH;
    process.env.FAKE_ENGINE_STATE = engine.env.FAKE_ENGINE_STATE;
    process.env.FAKE_ENGINE_FAIL = '1';
    try {
      const failed = capture();
      expect(await run(['build', dist, '--engine', 'podman'], failed.io)).toBe(1);
      expect(failed.err[0]).toBe('prodpath build: api failed: `podman build --format ...` exited with status 1');
      const wrong = capture();
      expect(await run(['build', dist, '--engine', 'podman', '--pull', 'sometimes'], wrong.io)).toBe(2);
      expect(wrong.err).toEqual(['prodpath build: --pull "sometimes" is invalid: the pull policy is one of always, missing, never, newer. Fix: use --pull missing.']);
    } finally {
      process.env.PATH = saved;
      delete process.env.FAKE_ENGINE_STATE;
      delete process.env.FAKE_ENGINE_FAIL;
    }
  });
});

describe('engine arguments', () => {
  const plan: BuildPlan = {
    name: 'api', ref: 'ghcr.io/acme/api:0123456789abcdef', context: '/src/api', dockerfile: '/dist/images/api/Dockerfile',
    ignorefile: '/dist/images/api/Dockerfile.dockerignore', platforms: ['linux/amd64', 'linux/arm64'], buildArgs: {}, pull: 'never',
  };

  test('podman builds a manifest list for several platforms', () => {
    expect(buildArguments('podman', plan)).toEqual([
      'build', '--format', 'docker', '-f', plan.dockerfile, '--ignorefile', plan.ignorefile, '--manifest', plan.ref,
      '--platform', 'linux/amd64,linux/arm64', '--pull=never', '/src/api',
    ]);
  });

  test('docker builds several platforms with buildx, straight into the registry', () => {
    expect(buildArguments('docker', plan, { push: true })).toEqual([
      'buildx', 'build', '--progress', 'plain', '-f', plan.dockerfile, '-t', plan.ref, '--push',
      '--platform', 'linux/amd64,linux/arm64', '--pull=never', '/src/api',
    ]);
    expect(() => buildArguments('docker', plan)).toThrow('api: docker builds an image for 2 platforms only straight into a registry. Fix: run prodpath build --push, or build with podman.');
  });
});
