/**
 * A worker's health command with quoted words (spaces, quotes, `$`) survives podman-compose
 * 1.0.3, which joins a `CMD` list into one shell string: prodpath writes such a command as a
 * quoted `CMD-SHELL`, and this test brings it up for real and waits (bounded) until podman
 * reports the worker healthy.
 */
import * as path from 'path';
import { parse } from 'yaml';
import { App, ExternalImage, Pipeline, Worker } from '../../lib';
import { podman, podmanCompose, podmanStatus, waitUntilHealthy } from '../support/podman';
import { describeWhenReady } from '../support/ready';
import { tempDir } from '../support/synth';

const maybe = describeWhenReady('the Compose health-command test', podmanStatus());

/** The busybox image `.ci/podman-setup.sh` makes; a shell and test(1) are all the check needs. */
const BUSYBOX = 'localhost/busybox:1.36';

maybe('a quoted health command under podman-compose', () => {
  const root = tempDir('prodpath-compose-health-');
  const project = `prodpath-health-${process.pid}`;
  const file = path.join(root, 'dist', 'dev', 'compose.yaml');
  // Two words with spaces and quotes: joined by podman-compose without quoting, they would run `test ok = it's ok`.
  const check = ['busybox', 'sh', '-c', 'test "$(busybox cat /tmp/state)" = "it\'s ok"'];

  beforeAll(() => {
    const app = new App({ outdir: path.join(root, 'dist'), printSummary: false });
    const pipeline = new Pipeline(app, 'health', { registry: 'ghcr.io/acme', appRoot: root, environments: { dev: { namespace: 'health-dev', replicas: 1 } } });
    pipeline.define((env) => {
      new Worker(env, 'worker', {
        image: ExternalImage.of(BUSYBOX, { user: { uid: 10001, gid: 10001 } }),
        command: ['busybox', 'sh', '-c', 'printf "%s" "it\'s ok" > /tmp/state && exec busybox sleep 600'],
        health: { exec: check },
      });
    });
    app.synth();
  });

  afterAll(() => {
    podmanCompose({ file, project, args: ['down'], allowFailure: true });
    podman(['network', 'rm', '--force', `${project}_health`], { allowFailure: true });
  }, 120_000);

  test('the Compose file carries the words quoted, as CMD-SHELL', () => {
    const doc = parse(require('fs').readFileSync(file, 'utf8'));
    expect(doc.services.worker.healthcheck.test).toEqual(['CMD-SHELL', `busybox sh -c 'test "$$(busybox cat /tmp/state)" = "it'\\''s ok"'`]);
  });

  test('podman-compose runs the worker and its health check passes', async () => {
    podmanCompose({ file, project, args: ['up', '-d'] });
    await waitUntilHealthy(`${project}_worker_1`, 60_000);
  }, 120_000);
});
