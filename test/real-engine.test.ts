/**
 * Builds the example's committed build context with a real engine (podman), runs the image
 * the way the pods run it (numeric user, read-only root, no capabilities) on 127.0.0.1, and
 * checks that it answers and reports healthy. `.ci/podman-setup.sh` prepares podman; CI
 * always runs this test, and a machine without podman skips it with a message.
 */
import * as fs from 'fs';
import * as path from 'path';
import { buildImage, healthcheck, listFilesInImage, podmanStatus, removeContainer, removeImage, runContainer, waitForHttp } from './support/podman';
import { tempDir } from './support/synth';
import { describeWhenReady } from './support/ready';

const REPO = path.resolve(__dirname, '..');
const DIST = path.join(REPO, 'dist');
const status = podmanStatus();

const maybe = describeWhenReady('the real-engine test', status);

maybe('the example image, built and run with podman', () => {
  const meta = JSON.parse(fs.readFileSync(path.join(DIST, 'images/api/image.json'), 'utf8'));
  const tag = `localhost/prodpath-test/api:${meta.tag}`;
  const name = `prodpath-test-api-${process.pid}`;
  let hostPort = 0;

  beforeAll(async () => {
    // A copy of the context with files the ignore rules must keep out of the image.
    const context = path.join(tempDir(), 'api');
    fs.cpSync(path.join(REPO, meta.context), context, { recursive: true });
    fs.writeFileSync(path.join(context, 'secret.env'), 'DATABASE_PASSWORD=hunter2\n');
    fs.mkdirSync(path.join(context, 'node_modules', 'junk'), { recursive: true });
    fs.writeFileSync(path.join(context, 'node_modules', 'junk', 'index.js'), 'junk\n');
    fs.mkdirSync(path.join(context, '.git'));
    fs.writeFileSync(path.join(context, '.git', 'HEAD'), 'ref: refs/heads/main\n');

    buildImage({ context, dockerfile: path.join(DIST, meta.dockerfile), ignorefile: path.join(DIST, meta.ignorefile), tag });
    const dev = fs.readFileSync(path.join(DIST, 'dev/shop.k8s.yaml'), 'utf8');
    const greeting = /GREETING: (.*)/.exec(dev)![1];
    ({ hostPort } = runContainer({ image: tag, name, port: meta.port, user: meta.user, readOnly: true, env: { GREETING: greeting } }));
    await waitForHttp(`http://127.0.0.1:${hostPort}/healthz`, 30_000);
  }, 600_000);

  afterAll(() => {
    removeContainer(name);
    removeImage(tag);
  });

  test('answers its health endpoint on 127.0.0.1', async () => {
    const res = await waitForHttp(`http://127.0.0.1:${hostPort}/healthz`, 10_000);
    expect(res.status).toBe(200);
  });

  test('serves the configuration the dev manifests give it', async () => {
    const res = await waitForHttp(`http://127.0.0.1:${hostPort}/`, 10_000);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ service: 'api', greeting: 'hello from dev' });
  });

  test('reports healthy through its own HEALTHCHECK', () => {
    const result = healthcheck(name);
    expect(result).toEqual({ healthy: true, output: expect.any(String) });
  });

  test('contains the build output but none of the ignored files', () => {
    const files = listFilesInImage(tag, '/app');
    expect(files).toEqual(expect.arrayContaining(['dist/server.js', 'package.json']));
    expect(files.filter((f) => /secret\.env|node_modules\/junk|^\.git/.test(f))).toEqual([]);
  });
});
