/**
 * The `prodpath/pulumi` program, run against Pulumi's mocks (the Pulumi CLI and its docker
 * plugin cannot be installed here): the docker.Image resources it creates from a synthesized
 * output folder, their inputs, the exported repo digests and the lock they are written to.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as pulumi from '@pulumi/pulumi';
import { App, ImageRecipe, Pipeline, WebService } from '../lib';
import { DigestLock } from '../lib/lock/lock';
import { ProdpathImages } from 'prodpath/pulumi';
import { manifests, nodeServiceFixture, tempDir } from './support/synth';

interface Created {
  type: string;
  name: string;
  inputs: any;
}
const created: Created[] = [];
/** How Pulumi marks a secret value in mocked inputs. */
const SECRET_SIG = '4dabf18193072939515e22adb298388d';
const SECRET_VALUE = '1b47061264138c4ac30d75fd1eb44270';

function fakeDigest(text: string): string {
  return `sha256:${crypto.createHash('sha256').update(text).digest('hex')}`;
}

beforeAll(async () => {
  await pulumi.runtime.setMocks({
    newResource(args) {
      created.push({ type: args.type, name: args.name, inputs: args.inputs });
      const state = { ...args.inputs };
      if (args.type === 'docker:index/image:Image') {
        const repository = String(args.inputs.imageName).replace(/:[^:/]+$/, '');
        state.repoDigest = args.inputs.skipPush ? fakeDigest(`local ${args.inputs.imageName}`) : `${repository}@${fakeDigest(args.inputs.imageName)}`;
        state.baseImageName = args.inputs.imageName;
      }
      return { id: `${args.name}-id`, state };
    },
    call: () => ({}),
  }, 'shop-images', 'test', false);
  pulumi.runtime.setAllConfig({
    'prodpath:registryUsername': 'ci-bot',
    'prodpath:registryPassword': 'not-a-real-token',
  }, ['prodpath:registryPassword']);
});

beforeEach(() => {
  created.length = 0;
});

/** Resolves a Pulumi output (mocks resolve them asynchronously). */
function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => { resolve(v); return v; }));
}

/** An app root with one Node service, synthesized into `<root>/dist`. */
function synthesizedApp(files: Record<string, string> = {}) {
  const root = tempDir('prodpath-pulumi-');
  const service = nodeServiceFixture(files);
  fs.cpSync(service, path.join(root, 'services', 'api'), { recursive: true });
  const build = () => {
    const app = new App({ outdir: path.join(root, 'dist'), printSummary: false });
    const pipeline = new Pipeline(app, 'shop', { registry: 'ghcr.io/acme', appRoot: root, environments: { dev: { namespace: 'shop-dev' } } });
    const image = pipeline.image('api', ImageRecipe.node({ source: 'services/api', start: ['node', 'server.js'], buildArgs: { APP_VERSION: '1.2.3' } }));
    pipeline.define((env) => new WebService(env, 'api', { image }));
    return { app, image };
  };
  const first = build();
  first.app.synth();
  return { root, dist: path.join(root, 'dist'), image: first.image, build };
}

describe('ProdpathImages', () => {
  test('creates one docker.Image per synthesized image, named by its content tag', async () => {
    const { dist, image } = synthesizedApp();
    new ProdpathImages('shop', { dist });
    await new Promise((r) => setImmediate(r));
    const images = created.filter((c) => c.type === 'docker:index/image:Image');
    expect(images.map((c) => [c.name, c.inputs.imageName])).toEqual([['shop-api', image.taggedRef]]);
  });

  test('builds from the context and the Dockerfile in dist, for the image\'s platform and build args', async () => {
    const { root, dist } = synthesizedApp();
    const images = new ProdpathImages('shop', { dist });
    await valueOf(images.repoDigests);
    expect(created.find((c) => c.name === 'shop-api')!.inputs.build).toEqual({
      context: path.relative(process.cwd(), path.join(root, 'services', 'api')),
      dockerfile: path.relative(process.cwd(), path.join(root, 'dist', 'images', 'api', 'Dockerfile')),
      platform: 'linux/amd64',
      args: { APP_VERSION: '1.2.3' },
    });
  });

  test('pushes with the registry credentials from the stack config', async () => {
    const { dist } = synthesizedApp();
    const images = new ProdpathImages('shop', { dist });
    await valueOf(images.repoDigests);
    // The password is a secret, so Pulumi marks the whole registry input secret.
    const registry = created.find((c) => c.name === 'shop-api')!.inputs.registry;
    expect(registry[SECRET_SIG]).toBe(SECRET_VALUE);
    expect(registry.value).toEqual({ server: 'ghcr.io', username: 'ci-bot', password: 'not-a-real-token' });
    expect(created.find((c) => c.name === 'shop-api')!.inputs.skipPush).toBe(false);
  });

  test('exports each image\'s repo digest', async () => {
    const { dist, image } = synthesizedApp();
    const images = new ProdpathImages('shop', { dist });
    expect(await valueOf(images.repoDigests)).toEqual({ api: `ghcr.io/acme/api@${fakeDigest(image.taggedRef)}` });
  });

  test('writes the digests to the lock that synth reads, which then pins the image by digest', async () => {
    const { root, dist, image, build } = synthesizedApp();
    const images = new ProdpathImages('shop', { dist });
    expect(await valueOf(images.lockFileWritten)).toBe(path.join(root, 'prodpath.lock.json'));
    const digest = fakeDigest(image.taggedRef);
    expect(DigestLock.read(path.join(root, 'prodpath.lock.json')).get('ghcr.io/acme/api', image.tag)).toEqual({
      contentHash: image.contentHash, digest, platforms: ['linux/amd64'], pushed: true,
    });
    const again = build();
    const deployment = manifests(again.app, 'dev').find((d) => d.kind === 'Deployment');
    expect(deployment.spec.template.spec.containers[0].image).toBe(`${image.taggedRef}@${digest}`);
  });

  test('locks nothing when it only builds (skipPush)', async () => {
    const { root, dist } = synthesizedApp();
    const images = new ProdpathImages('shop', { dist, skipPush: true });
    expect(await valueOf(images.lockFileWritten)).toBeUndefined();
    expect(fs.existsSync(path.join(root, 'prodpath.lock.json'))).toBe(false);
    expect(created.find((c) => c.name === 'shop-api')!.inputs.skipPush).toBe(true);
  });

  test('fails when @pulumi/docker would send files the ignore rules leave out', () => {
    const { dist } = synthesizedApp();
    fs.writeFileSync(path.join(path.dirname(dist), 'services', 'api', 'local.env'), 'PASSWORD=hunter2\n');
    expect(() => new ProdpathImages('shop', { dist })).toThrow(
      /image api: @pulumi\/docker would send 1 file\(s\) that prodpath's ignore rules leave out \(local\.env\), because it reads only .*services\/api\/\.dockerignore.*Fix: add "\*\*\/\*\.env" to .*\.dockerignore/,
    );
  });

  test('fails when the output is stale', () => {
    const { dist } = synthesizedApp();
    fs.writeFileSync(path.join(path.dirname(dist), 'services', 'api', 'server.js'), '// changed after synth\n');
    expect(() => new ProdpathImages('shop', { dist })).toThrow(/image api is stale: its source now hashes to .*Fix: synthesize again/);
  });
});

describe('the prodpath/pulumi entry point', () => {
  test('is exported by the package, with its types, from the compiled library', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
    expect(pkg.exports['./pulumi']).toEqual({ types: './build/lib/pulumi/index.d.ts', default: './build/lib/pulumi/index.js' });
    expect(pkg.peerDependenciesMeta).toEqual({ '@pulumi/docker': { optional: true }, '@pulumi/pulumi': { optional: true } });
  });
});
