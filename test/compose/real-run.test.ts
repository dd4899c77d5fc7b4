/**
 * Brings the shop example's dev Compose file up with podman-compose (Debian's 1.0.3) against
 * the locally built image and the Postgres stand-in, waits until every long-running service is
 * healthy, calls the API on 127.0.0.1 and brings everything down. `.ci/podman-setup.sh` prepares
 * podman, podman-compose and the stand-in; CI always runs this test, and a machine without them
 * skips it with a message.
 *
 * podman-compose 1.0.3 starts services in depends_on order but ignores the conditions
 * (service_healthy, service_completed_successfully) and profiles, and podman runs no scheduled
 * health checks without systemd: so the test checks health itself, with `podman healthcheck run`.
 */
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { parse } from 'yaml';
import { App } from '../../lib';
import { buildShop } from '../../examples/shop/main';
import { buildImage, podman, podmanCompose, podmanComposeStatus, removeImage, waitForHttp, waitForState, waitUntilHealthy } from '../support/podman';
import { tempDir } from '../support/synth';
import { describeWhenReady } from '../support/ready';

const status = podmanComposeStatus();
const maybe = describeWhenReady('the Compose real-run test', status);

/** Whether nothing listens on 127.0.0.1:port. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

maybe('the shop example\'s dev Compose file, run with podman-compose', () => {
  const root = tempDir('prodpath-compose-run-');
  const project = `prodpath-compose-${process.pid}`;
  const composeFile = path.join(root, 'dist', 'dev', 'compose.yaml');
  const secrets = { DB_PASSWORD_PASSWORD: 'dev-db-password', SESSION_KEY_VALUE: 'dev-session-key' };
  const container = (service: string) => `${project}_${service}_1`;
  let compose: any;
  let builtImage: string | undefined;

  beforeAll(async () => {
    // Synthesize with the temporary folder as the app root, so the secrets folder (.secrets/dev,
    // relative to the app root) and the output are both inside it.
    const cwd = process.cwd();
    process.chdir(root);
    let image;
    try {
      const app = new App({ outdir: 'dist', printSummary: false });
      image = buildShop(app).images[0];
      app.synth();
    } finally {
      process.chdir(cwd);
    }
    compose = parse(fs.readFileSync(composeFile, 'utf8'));
    for (const [service, port] of [['api', 8080], ['db', 5432]] as const) {
      expect(compose.services[service].ports).toEqual([`127.0.0.1:${port}:${port}`]);
      if (!(await portFree(port))) {
        throw new Error(`127.0.0.1:${port} is taken, and the example's Compose file publishes ${service} there: stop what listens on it`);
      }
    }

    // The local secret values, where the Compose file says they go; prodpath wrote none of them.
    fs.mkdirSync(path.join(root, '.secrets', 'dev', 'smtp'), { recursive: true });
    fs.writeFileSync(path.join(root, '.secrets', 'dev', 'secrets.env'), Object.entries(secrets).map(([k, v]) => `${k}=${v}\n`).join(''));
    fs.writeFileSync(path.join(root, '.secrets', 'dev', 'smtp', 'password'), 'dev-smtp-password', { mode: 0o644 });

    // Build the image under the content tag the Compose file names, so `up` finds it and builds nothing.
    if (podman(['image', 'exists', image.taggedRef], { allowFailure: true }).status !== 0) {
      buildImage({
        context: image.contextDir,
        dockerfile: path.join(root, 'dist', 'images', 'api', 'Dockerfile'),
        ignorefile: path.join(root, 'dist', 'images', 'api', 'Dockerfile.dockerignore'),
        tag: image.taggedRef,
      });
      builtImage = image.taggedRef;
    }
    expect(compose.services.api.image).toBe(image.taggedRef);
    podmanCompose({ file: composeFile, project, args: ['up', '-d'], env: secrets });
    await Promise.all(['db', 'api', 'mailer'].map((s) => waitUntilHealthy(container(s), 180_000)));
  }, 600_000);

  afterAll(() => {
    try {
      podmanCompose({ file: composeFile, project, args: ['down', '-v'], env: secrets, allowFailure: true });
    } finally {
      // podman-compose 1.0.3's `down` leaves the network.
      podman(['network', 'rm', '--force', `${project}_shop`], { allowFailure: true });
      podman(['volume', 'rm', '--force', `${project}_db-data`], { allowFailure: true });
      if (builtImage !== undefined) {
        removeImage(builtImage);
      }
      fs.rmSync(root, { recursive: true, force: true });
    }
  }, 180_000);

  test('the API answers on 127.0.0.1 with the dev configuration', async () => {
    const res = await waitForHttp('http://127.0.0.1:8080/', 10_000);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ service: 'api', greeting: 'hello from dev', logLevel: 'debug' });
  }, 30_000);

  test('the migration reached the database by its service name and exited 0', async () => {
    // Bounded wait: on a loaded machine the migration may still run when the services are healthy.
    await waitForState(container('migrate'), 'exited 0', 120_000);
    expect(podman(['logs', container('migrate')]).stdout).toContain('migrate: applied 0 pending migrations');
  }, 150_000);

  test('secrets come from the local secrets folder: as variables and as files', () => {
    // The image has node and a shell, not coreutils: read with node.
    const read = (name: string, js: string) => podman(['exec', container(name), 'node', '-e', `process.stdout.write(${js})`]).stdout;
    expect(read('api', 'process.env.SESSION_KEY')).toBe('dev-session-key');
    expect(read('api', 'process.env.DB_PASSWORD')).toBe('dev-db-password');
    expect(read('mailer', 'require("fs").readFileSync("/etc/mailer/smtp-password", "utf8")')).toBe('dev-smtp-password');
  });

  test('the database accepts the password from the secrets folder over the network', () => {
    const r = podman(['exec', '--env', 'PGPASSWORD=dev-db-password', container('db'),
      'psql', '--host=127.0.0.1', '--username=app', '--dbname=app', '--tuples-only', '--command=select 1'], { allowFailure: true });
    expect({ status: r.status, out: r.stdout.trim() }).toEqual({ status: 0, out: '1' });
  });

  test('containers run hardened: numeric user, read-only root, no capabilities', () => {
    const inspect = JSON.parse(podman(['inspect', container('api')]).stdout)[0];
    expect(inspect.Config.User).toBe('10001:10001');
    expect(inspect.HostConfig.ReadonlyRootfs).toBe(true);
    expect(inspect.EffectiveCaps ?? []).toEqual([]);
    const write = (file: string) => podman(['exec', container('api'), 'node', '-e', `require("fs").writeFileSync(${JSON.stringify(file)}, "x")`], { allowFailure: true }).status;
    expect(write('/app/x')).not.toBe(0);
    expect(write('/tmp/x')).toBe(0);
  });

  test('the database keeps its data in the named volume', () => {
    const mounts = JSON.parse(podman(['inspect', container('db')]).stdout)[0].Mounts as { Type: string; Name?: string; Destination: string }[];
    expect(mounts).toEqual(expect.arrayContaining([expect.objectContaining({ Type: 'volume', Name: `${project}_db-data`, Destination: '/var/lib/postgresql/data' })]));
  });
});
