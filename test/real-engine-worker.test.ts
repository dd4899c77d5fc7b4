/**
 * A Node image left at its recipe's defaults and run only by a worker, built and run for real
 * with podman: synth renders it with no port and the worker's own TCP check as its HEALTHCHECK
 * (issue 14), and the container reports healthy through that HEALTHCHECK, where the default HTTP
 * check of /healthz would never pass. CI always runs this test; a machine without podman skips
 * it with a message.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ImageRecipe, Pipeline, Testing, Worker } from '../lib';
import { buildImage, podman, podmanStatus, removeContainer, removeImage, runContainer, waitUntilHealthy } from './support/podman';
import { describeWhenReady } from './support/ready';
import { nodeServiceFixture, tempDir } from './support/synth';

const maybe = describeWhenReady('the worker real-engine test', podmanStatus());

/** A queue worker stand-in: serves no HTTP, accepts TCP connections on its health port. */
const WORKER = 'require("net").createServer((s) => s.end()).listen(9090, "0.0.0.0");\n';

maybe('a Node image that only a worker runs, built and run with podman', () => {
  const name = `prodpath-test-worker-${process.pid}`;
  let tag = '';
  let dockerfile = '';

  beforeAll(async () => {
    const source = nodeServiceFixture({ 'worker.js': WORKER });
    const dist = path.join(tempDir(), 'dist');
    const app = Testing.app({ outdir: dist });
    const pipeline = new Pipeline(app, 'jobs', { registry: 'localhost/prodpath-test', environments: { dev: { namespace: 'jobs-dev' } } });
    const image = pipeline.image('queue', ImageRecipe.node({ source: path.relative(process.cwd(), source), start: ['node', 'worker.js'] }));
    pipeline.define((env) => new Worker(env, 'queue', { image, health: { tcpPort: 9090 } }));
    app.synth();
    const meta = JSON.parse(fs.readFileSync(path.join(dist, 'images/queue/image.json'), 'utf8'));
    tag = meta.image;
    dockerfile = fs.readFileSync(path.join(dist, meta.dockerfile), 'utf8');
    buildImage({ context: source, dockerfile: path.join(dist, meta.dockerfile), ignorefile: path.join(dist, meta.ignorefile), tag });
    runContainer({ image: tag, name, port: 9090, user: meta.user, readOnly: true });
  }, 600_000);

  afterAll(() => {
    removeContainer(name);
    removeImage(tag);
  });

  test('has no EXPOSE and no PORT, and checks the worker\'s TCP port', () => {
    expect(dockerfile).not.toMatch(/^EXPOSE/m);
    expect(dockerfile).not.toContain('PORT=');
    expect(dockerfile).toMatch(/^HEALTHCHECK .*require\('net'\)\.connect\(9090, '127\.0\.0\.1'\)/m);
  });

  test('reports healthy through its own HEALTHCHECK', async () => {
    await waitUntilHealthy(name, 60_000);
    const inspect = podman(['inspect', '--format', '{{json .Config.Healthcheck.Test}}', name]).stdout;
    expect(JSON.parse(inspect)).toEqual(['CMD', 'node', '-e', expect.stringContaining('connect(9090')]);
  }, 90_000);
});
