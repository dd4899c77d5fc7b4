import * as fs from 'fs';
import * as path from 'path';
import { ImageRecipe, Pipeline, ValidationError } from '../lib';
import { nodeServiceFixture, testApp } from './support/synth';

function pipelineWith(source: string, recipe = ImageRecipe.node({ source, start: ['node', 'server.js'] })) {
  const app = testApp();
  const pipeline = new Pipeline(app, 'shop', { registry: 'ghcr.io/acme', environments: { dev: { namespace: 'shop-dev' } } });
  return { app, pipeline, image: pipeline.image('api', recipe) };
}

describe('ImageRecipe.node', () => {
  test('installs dependencies from the lockfile before copying the source', () => {
    const source = nodeServiceFixture();
    const { image } = pipelineWith(source, ImageRecipe.node({ source, build: 'npm run build', start: ['node', 'dist/server.js'] }));
    const lines = image.dockerfile.split('\n');
    const copyManifests = lines.indexOf('COPY package.json package-lock.json ./');
    const install = lines.indexOf('RUN npm ci --no-audit --no-fund');
    const copySource = lines.indexOf('COPY . .');
    expect(copyManifests).toBeGreaterThan(0);
    expect(install).toBe(copyManifests + 1);
    expect(copySource).toBe(install + 1);
  });

  test('installs the production dependencies in a stage of their own, from the manifests alone', () => {
    const { image } = pipelineWith(nodeServiceFixture());
    const deps = image.dockerfile.split(/^FROM /m).find((stage) => stage.startsWith('node:20-slim AS deps\n'))!;
    expect(deps.trimEnd().split('\n').slice(1)).toEqual([
      'WORKDIR /app',
      'COPY package.json package-lock.json ./',
      'RUN npm ci --omit=dev --no-audit --no-fund',
    ]);
  });

  test('runs the build command, and gives the final stage the production dependencies, the source and the build output only', () => {
    const source = nodeServiceFixture();
    const { image } = pipelineWith(source, ImageRecipe.node({ source, build: 'npm run build', start: ['node', 'dist/server.js'] }));
    expect(image.dockerfile).toContain('COPY . .\nRUN npm run build\n');
    const runtime = image.dockerfile.slice(image.dockerfile.indexOf('AS runtime'));
    expect(runtime).toContain('COPY --from=deps /app ./\nCOPY . .\nCOPY --from=build /app/dist ./dist\nUSER 10001:10001\n');
    expect(runtime).not.toMatch(/npm (ci|install)/);
  });

  test('ends with a numeric non-root USER, a HEALTHCHECK and an exec-form CMD', () => {
    const { image } = pipelineWith(nodeServiceFixture());
    const stages = image.dockerfile.split(/^FROM /m);
    const last = stages[stages.length - 1];
    expect(last).toMatch(/^USER 10001:10001$/m);
    expect(last).toMatch(/^HEALTHCHECK .* CMD \["node", "-e", ".*127\.0\.0\.1:8080\/healthz.*"\]$/m);
    expect(last.trimEnd().split('\n').pop()).toBe('CMD ["node", "server.js"]');
    expect(image.user).toEqual({ uid: 10001, gid: 10001 });
  });

  test('uses the base image given, for tests that build against a local one', () => {
    const source = nodeServiceFixture();
    const { image } = pipelineWith(source, ImageRecipe.node({ source, start: ['node', 'server.js'], baseImage: 'localhost/node:20-slim' }));
    expect(image.dockerfile.match(/^FROM localhost\/node:20-slim AS /gm)).toHaveLength(2);
  });

  test('tags the image with the content hash under the registry', () => {
    const { image } = pipelineWith(nodeServiceFixture());
    expect(image.imageRef).toMatch(/^ghcr\.io\/acme\/api:[0-9a-f]{16}$/);
    expect(image.contentHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(image.contentHash.slice(7, 23)).toBe(image.tag);
  });

  test('same source gives the same tag, in another folder too', () => {
    const a = pipelineWith(nodeServiceFixture()).image;
    const b = pipelineWith(nodeServiceFixture()).image;
    expect(b.tag).toBe(a.tag);
  });

  test('one changed source file gives a new tag', () => {
    const source = nodeServiceFixture();
    const before = pipelineWith(source).image.tag;
    fs.writeFileSync(path.join(source, 'server.js'), '// changed\n');
    expect(pipelineWith(source).image.tag).not.toBe(before);
  });

  test('a changed recipe gives a new tag', () => {
    const source = nodeServiceFixture();
    const before = pipelineWith(source).image.tag;
    const after = pipelineWith(source, ImageRecipe.node({ source, start: ['node', 'server.js'], port: 9090 })).image.tag;
    expect(after).not.toBe(before);
  });

  test('files the ignore rules leave out do not change the tag', () => {
    const source = nodeServiceFixture();
    const before = pipelineWith(source).image;
    fs.mkdirSync(path.join(source, 'node_modules', 'x'), { recursive: true });
    fs.writeFileSync(path.join(source, 'node_modules', 'x', 'index.js'), 'junk');
    fs.writeFileSync(path.join(source, '.env'), 'PASSWORD=hunter2');
    fs.writeFileSync(path.join(source, 'debug.log'), 'log');
    const after = pipelineWith(source).image;
    expect(after.tag).toBe(before.tag);
    expect(after.contextFileCount).toBe(before.contextFileCount);
  });

  test('the context\'s own .dockerignore is merged into the generated ignore file', () => {
    const source = nodeServiceFixture({ '.dockerignore': '# local\nfixtures\n', 'fixtures/big.bin': 'x' });
    const { image } = pipelineWith(source);
    expect(image.ignoreFile.split('\n')).toContain('fixtures');
    const without = pipelineWith(nodeServiceFixture({ '.dockerignore': '# local\nfixtures\n' })).image;
    expect(image.tag).toBe(without.tag);
  });

  test('the ignore file leaves out VCS data, dependencies, env and credential files and build output', () => {
    const source = nodeServiceFixture();
    const { image } = pipelineWith(source, ImageRecipe.node({ source, build: 'npm run build', start: ['node', 'dist/server.js'] }));
    const patterns = image.ignoreFile.split('\n');
    for (const p of ['.git', 'node_modules', '**/.env*', '**/*.env', '**/.npmrc', '**/.aws', '**/id_rsa*', '**/*.pem', 'dist']) {
      expect(patterns).toContain(p);
    }
  });

  test('writes Dockerfile, ignore file and image.json with relative paths only', () => {
    const { image } = pipelineWith(nodeServiceFixture());
    const files = image.renderFiles();
    expect(Object.keys(files).sort()).toEqual(['images/api/Dockerfile', 'images/api/Dockerfile.dockerignore', 'images/api/image.json']);
    const meta = JSON.parse(files['images/api/image.json']);
    expect(meta).toMatchObject({ image: image.imageRef, tag: image.tag, dockerfile: 'images/api/Dockerfile', user: '10001:10001' });
    expect(path.isAbsolute(meta.context)).toBe(false);
  });
});

describe('bad image input', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['fails when the source folder does not exist', () => pipelineWith('no/such/folder'), /shop\/image-api: source "no\/such\/folder" is invalid: the image source must be an existing folder/],
    ['fails when the lockfile is missing', () => {
      const source = nodeServiceFixture();
      fs.rmSync(path.join(source, 'package-lock.json'));
      return pipelineWith(source);
    }, /needs package-lock\.json in its source folder.*Fix: run `npm install` in that folder/],
    ['fails when package.json is missing', () => {
      const source = nodeServiceFixture();
      fs.rmSync(path.join(source, 'package.json'));
      return pipelineWith(source);
    }, /needs package\.json/],
    ['fails when the start command is empty', () => {
      const source = nodeServiceFixture();
      return pipelineWith(source, ImageRecipe.node({ source, start: [] }));
    }, /start \[\] is invalid: a command is a non-empty list/],
    ['fails when the start command is a blank program', () => {
      const source = nodeServiceFixture();
      return pipelineWith(source, ImageRecipe.node({ source, start: [' '] }));
    }, /start \[" "\] is invalid/],
    ['fails when the start script is missing and there is no build', () => {
      const source = nodeServiceFixture();
      return pipelineWith(source, ImageRecipe.node({ source, start: ['node', 'main.js'] }));
    }, /copies main\.js, which is not in the source folder/],
    ['fails when the ignore rules leave out a file the Dockerfile copies', () => {
      const source = nodeServiceFixture();
      return pipelineWith(source, ImageRecipe.node({ source, start: ['node', 'server.js'], ignore: ['*.json'] }));
    }, /ignore \["\*\.json"\] is invalid: the ignore rules leave out package\.json/],
    ['fails when the base image is tagged latest', () => {
      const source = nodeServiceFixture();
      return pipelineWith(source, ImageRecipe.node({ source, start: ['node', 'server.js'], baseImage: 'node:latest' }));
    }, /baseImage "node:latest" is invalid: a base image must be referenced by an explicit tag/],
    ['fails when the base image has no tag', () => {
      const source = nodeServiceFixture();
      return pipelineWith(source, ImageRecipe.node({ source, start: ['node', 'server.js'], baseImage: 'node' }));
    }, /baseImage "node" is invalid/],
    ['fails when the base image digest is malformed', () => {
      const source = nodeServiceFixture();
      return pipelineWith(source, ImageRecipe.node({ source, start: ['node', 'server.js'], baseImage: 'node:20@sha256:abc' }));
    }, /baseImage "node:20@sha256:abc" is invalid/],
    ['fails when the port is out of range', () => {
      const source = nodeServiceFixture();
      return pipelineWith(source, ImageRecipe.node({ source, start: ['node', 'server.js'], port: 70000 }));
    }, /port 70000 is invalid: a port must be an integer from 1 to 65535/],
    ['fails when the user is root', () => {
      const source = nodeServiceFixture();
      return pipelineWith(source, ImageRecipe.node({ source, start: ['node', 'server.js'], user: { uid: 0, gid: 0 } }));
    }, /user\.uid 0 is invalid: images run as a numeric non-root user and group of at least 10000/],
    ['fails when the health path is not absolute', () => {
      const source = nodeServiceFixture();
      return pipelineWith(source, ImageRecipe.node({ source, start: ['node', 'server.js'], healthCheck: { kind: 'http', path: 'healthz' } }));
    }, /healthCheck\.path "healthz" is invalid: an HTTP path must start with '\/'/],
    ['fails when the image name is not a DNS label', () => {
      const app = testApp();
      const pipeline = new Pipeline(app, 'shop', { registry: 'ghcr.io/acme', environments: { dev: { namespace: 'shop-dev' } } });
      return pipeline.image('API_Server', ImageRecipe.node({ source: nodeServiceFixture(), start: ['node', 'server.js'] }));
    }, /name "API_Server" is invalid: must be a DNS-1123 label/],
    ['fails when two images share a name', () => {
      const { pipeline } = pipelineWith(nodeServiceFixture());
      return pipeline.image('api', ImageRecipe.node({ source: nodeServiceFixture(), start: ['node', 'server.js'] }));
    }, /shop: image name "api" is invalid: each image of a pipeline needs its own name/],
    ['fails when the registry has a tag or uppercase letters', () => {
      const app = testApp();
      const pipeline = new Pipeline(app, 'shop', { registry: 'GHCR.io/Acme:1', environments: { dev: { namespace: 'shop-dev' } } });
      return pipeline.image('api', ImageRecipe.node({ source: nodeServiceFixture(), start: ['node', 'server.js'] }));
    }, /registry "GHCR\.io\/Acme:1" is invalid/],
  ];
  test.each(cases)('%s', (_name, act, message) => {
    let error: unknown;
    try {
      act();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toMatch(/Fix: /);
  });
});
