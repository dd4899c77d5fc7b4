/**
 * Runs the example's worker, migration and cron commands, as the committed prod manifests
 * give them, in the committed image built with a real engine (podman), under the pods'
 * constraints: numeric user, read-only root with a /tmp tmpfs, no capabilities. Checks the
 * worker's exec probe passes and the migration's wait command returns once its database
 * answers. Skipped with a message when podman is not set up (CI always runs it).
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { buildImage, podman, podmanStatus, removeContainer, removeImage } from '../support/podman';
import { describeWhenReady } from '../support/ready';

const REPO = path.resolve(__dirname, '..', '..');
const DIST = path.join(REPO, 'dist');
const status = podmanStatus();

const maybe = describeWhenReady('the workloads real-engine test', status);

maybe('the example workloads, run with podman as their pods run them', () => {
  const meta = JSON.parse(fs.readFileSync(path.join(DIST, 'images/api/image.json'), 'utf8'));
  const tag = `localhost/prodpath-test/workloads-api:${meta.tag}`;
  const docs = parseAllDocuments(fs.readFileSync(path.join(DIST, 'prod/shop.k8s.yaml'), 'utf8')).map((d) => d.toJS());
  const mailer = docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'mailer').spec.template.spec;
  const cleanup = docs.find((d) => d.kind === 'CronJob').spec.jobTemplate.spec.template.spec;
  const api = docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'api').spec.template.spec;
  const names = { mailer: `prodpath-test-mailer-${process.pid}`, db: `prodpath-test-fake-db-${process.pid}` };
  /** podman run flags that match a container's securityContext in the manifests. */
  const asPod = (c: any) => [
    '--pull=never', '--user', `${c.securityContext.runAsUser}:${c.securityContext.runAsGroup}`,
    '--read-only', '--tmpfs', '/tmp', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges',
  ];

  beforeAll(() => {
    buildImage({ context: path.join(REPO, meta.context), dockerfile: path.join(DIST, meta.dockerfile), ignorefile: path.join(DIST, meta.ignorefile), tag });
  }, 600_000);

  afterAll(() => {
    removeContainer(names.mailer);
    removeContainer(names.db);
    removeImage(tag);
  });

  test('the worker runs, and its exec liveness probe passes inside it', async () => {
    const c = mailer.containers[0];
    podman(['run', '--detach', '--name', names.mailer, ...asPod(c), tag, ...c.command]);
    await new Promise((r) => setTimeout(r, 1500));
    const probe = podman(['exec', names.mailer, ...c.livenessProbe.exec.command], { allowFailure: true });
    expect({ status: probe.status, stderr: probe.stderr }).toEqual({ status: 0, stderr: '' });
  }, 60_000);

  test('the migration gate waits for the database and then lets the pod start', () => {
    // A stand-in database that starts listening 3 s late: anything that accepts TCP
    // connections (the API server).
    const apiPort = api.containers[0].ports[0].containerPort;
    podman(['run', '--detach', '--name', names.db, ...asPod(api.containers[0]), tag, 'node', '-e', 'setTimeout(() => require("/app/dist/server.js"), 3000)']);
    const gate = mailer.initContainers[0];
    const env = ['--env', 'DB_HOST=127.0.0.1', '--env', `DB_PORT=${apiPort}`];
    const r = podman(['run', '--rm', '--network', `container:${names.db}`, ...asPod(gate), ...env, tag, ...gate.command], { allowFailure: true, timeoutMs: 60_000 });
    const lines = r.stdout.trim().split('\n');
    expect({ status: r.status, last: lines[lines.length - 1] }).toEqual({ status: 0, last: 'migrate: schema is current' });
    expect(lines[0]).toBe(`migrate: waiting for 127.0.0.1:${apiPort}`);
  }, 60_000);

  test('the nightly task runs to completion', () => {
    const c = cleanup.containers[0];
    const r = podman(['run', '--rm', ...asPod(c), '--env', 'DB_HOST=db.shop.svc', '--env', 'DB_PORT=5432', tag, ...c.command], { allowFailure: true });
    expect({ status: r.status, stdout: r.stdout.trim() }).toEqual({ status: 0, stdout: 'cleanup: would delete carts older than 30 days from db.shop.svc:5432' });
  }, 60_000);

  test('the image holds the worker, migration and cleanup entry points', () => {
    const r = podman(['run', '--rm', ...asPod(mailer.containers[0]), tag, 'node', '-e',
      'for (const f of ["mailer", "migrate", "cleanup"]) require("fs").accessSync(`dist/${f}.js`)'], { allowFailure: true });
    expect(r.status).toBe(0);
  }, 60_000);
});
