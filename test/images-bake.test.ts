/** docker-bake.json: one target per image, so `docker buildx bake -f dist/docker-bake.json` builds them all. */
import * as path from 'path';
import { App, ImageRecipe, Pipeline, WebService } from '../lib';
import { BAKE_FILE } from '../lib/images/bake';
import { nodeServiceFixture, tempDir } from './support/synth';

function twoImages(outdir = path.join(tempDir(), 'dist')) {
  const app = new App({ outdir, printSummary: false });
  const pipeline = new Pipeline(app, 'shop', { registry: 'ghcr.io/acme', lockFile: false, environments: { dev: { namespace: 'shop-dev' } } });
  const web = pipeline.image('web', ImageRecipe.node({ source: nodeServiceFixture(), start: ['node', 'server.js'], platforms: ['linux/arm64', 'linux/amd64'] }));
  const api = pipeline.image('api', ImageRecipe.node({ source: nodeServiceFixture(), start: ['node', 'server.js'], buildArgs: { APP_VERSION: '1.2.3' } }));
  pipeline.define((env) => {
    new WebService(env, 'api', { image: api });
    new WebService(env, 'web', { image: web });
  });
  return { app, api, web, outdir };
}

describe('docker-bake.json', () => {
  test('has a default group and one target per image, sorted by name', () => {
    const { app } = twoImages();
    const bake = JSON.parse(app.render().get(BAKE_FILE)!);
    expect(bake.group).toEqual({ default: { targets: ['api', 'web'] } });
    expect(Object.keys(bake.target)).toEqual(['api', 'web']);
  });

  test('gives each target its tag, platforms and build args', () => {
    const { app, api, web } = twoImages();
    const { target } = JSON.parse(app.render().get(BAKE_FILE)!);
    expect(target.api).toMatchObject({ tags: [api.taggedRef], platforms: ['linux/amd64'], args: { APP_VERSION: '1.2.3' } });
    expect(target.web).toMatchObject({ tags: [web.taggedRef], platforms: ['linux/amd64', 'linux/arm64'], args: {} });
  });

  test('names the context from the app root and the Dockerfile from the context, as bake resolves them', () => {
    const { app, api, outdir } = twoImages();
    const { target } = JSON.parse(app.render().get(BAKE_FILE)!);
    expect(target.api.context).toBe(api.context);
    // bake joins a relative dockerfile to the context; the result is the Dockerfile prodpath writes.
    expect(path.resolve(path.join(target.api.context, target.api.dockerfile))).toBe(path.join(outdir, 'images', 'api', 'Dockerfile'));
  });

  test('is written with sorted keys and a final newline', () => {
    const text = twoImages().app.render().get(BAKE_FILE)!;
    expect(text.endsWith('}\n')).toBe(true);
    expect(Object.keys(JSON.parse(text).target.api)).toEqual(['args', 'context', 'dockerfile', 'platforms', 'tags']);
  });

  test('is left out when the app has no image', () => {
    const app = new App({ outdir: path.join(tempDir(), 'dist'), printSummary: false });
    new Pipeline(app, 'shop', { registry: 'ghcr.io/acme', lockFile: false, environments: { dev: { namespace: 'shop-dev' } } });
    expect(app.render().has(BAKE_FILE)).toBe(false);
  });
});
