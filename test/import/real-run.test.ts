/**
 * The round trip, for real: each fixture Compose file (a Node web app with Postgres and Redis, a
 * Python worker with a Redis queue, a static site behind a proxy) is imported, the generated app
 * is synthesized, its images are built with podman, and its dev Compose file is brought up with
 * podman-compose (Debian's 1.0.3); then the services are called and brought down.
 *
 * Redis has no image in the private store: the test makes `localhost/redis:7-bookworm` from
 * Debian bookworm's redis-server 7.0 (see ensureRedisStandin), about 20 s the first time.
 * podman-compose ignores depends_on conditions and runs no scheduled health checks, so the test
 * waits for health itself (`podman healthcheck run`), with bounded waits. podman-compose 1.0.3 also
 * mangles a `CMD` health check whose arguments hold spaces (`sh -c "test -f x"`): the fixtures'
 * checks have none.
 */
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { parse } from 'yaml';
import { buildImage, podman, podmanCompose, podmanComposeStatus, removeImage, waitForHttp, waitUntilHealthy } from '../support/podman';
import { describeWhenReady } from '../support/ready';
import { copyFixture, ensureRedisStandin, Fixture, importFixture, synthGeneratedPipeline } from './support';

const status = podmanComposeStatus();
const maybe = describeWhenReady('the import real-run test', status);

/** A TCP port nothing listens on at 127.0.0.1 right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `check` every 500 ms until it returns a value other than undefined, or throws after `timeoutMs`. */
async function waitFor<T>(what: string, timeoutMs: number, check: () => T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined) {
      return v;
    }
    if (Date.now() >= deadline) {
      throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** One fixture, imported, synthesized, built and brought up; torn down by `down()`. */
async function bringUp(fixture: Fixture, variables: Record<string, string>, secrets: Record<string, string>, longRunning: string[]) {
  const root = copyFixture(fixture);
  const result = importFixture(root, variables);
  const { pipeline } = synthGeneratedPipeline(root);
  const project = `i19-${fixture}-${process.pid}`;
  const composeFile = path.join(root, 'dist', 'dev', 'compose.yaml');
  const doc = parse(fs.readFileSync(composeFile, 'utf8'));
  const built: string[] = [];
  for (const image of pipeline.images) {
    if (podman(['image', 'exists', image.taggedRef], { allowFailure: true }).status !== 0) {
      buildImage({
        context: image.contextDir,
        dockerfile: path.join(root, 'dist', 'images', image.imageName, 'Dockerfile'),
        ignorefile: path.join(root, 'dist', 'images', image.imageName, 'Dockerfile.dockerignore'),
        tag: image.taggedRef,
      });
      built.push(image.taggedRef);
    }
  }
  // The local secret values go where the generated Compose file reads them; the import wrote none.
  expect(result.plan.devSecrets).toEqual(Object.keys(secrets).sort());
  const container = (service: string) => `${project}_${service}_1`;
  const down = () => {
    try {
      podmanCompose({ file: composeFile, project, args: ['down', '-v'], env: secrets, allowFailure: true });
    } finally {
      for (const network of Object.keys(doc.networks ?? {})) {
        podman(['network', 'rm', '--force', `${project}_${network}`], { allowFailure: true });
      }
      for (const volume of Object.keys(doc.volumes ?? {})) {
        podman(['volume', 'rm', '--force', `${project}_${volume}`], { allowFailure: true });
      }
      built.forEach(removeImage);
      fs.rmSync(root, { recursive: true, force: true });
    }
  };
  try {
    podmanCompose({ file: composeFile, project, args: ['up', '-d'], env: secrets });
    await Promise.all(longRunning.map((s) => waitUntilHealthy(container(s), 180_000)));
  } catch (e) {
    down();
    throw e;
  }
  return { root, result, doc, container, down };
}

maybe('imported Compose apps come up under podman-compose from their generated dev Compose file', () => {
  beforeAll(() => {
    ensureRedisStandin(podman);
  }, 600_000);

  describe('a Node web app with Postgres and Redis', () => {
    let run: Awaited<ReturnType<typeof bringUp>>;
    let port: number;
    beforeAll(async () => {
      port = await freePort();
      run = await bringUp('node-shop', { WEB_PORT: String(port) }, {
        DATABASE_URL_VALUE: 'postgres://app:devpass@db:5432/app',
        DB_POSTGRES_PASSWORD_VALUE: 'devpass',
        WEB_SESSION_SECRET_VALUE: 'dev-session-secret',
      }, ['db', 'cache', 'web']);
    }, 900_000);
    afterAll(() => run?.down(), 180_000);

    test('the web service answers on the published port, counting visits in Redis and reaching Postgres', async () => {
      expect(run.doc.services.web.ports).toEqual([`127.0.0.1:${port}:3000`]);
      const first = await waitForHttp(`http://127.0.0.1:${port}/`, 30_000);
      expect(first.status).toBe(200);
      const second = JSON.parse((await waitForHttp(`http://127.0.0.1:${port}/`, 10_000)).body);
      expect(second).toEqual({ visits: JSON.parse(first.body).visits + 1, db: true, logLevel: 'debug', price: '$5' });
    });

    test('the one-off migrate service ran as a migration and exited 0', async () => {
      const state = await waitFor('migrate exited', 60_000, () => {
        const s = podman(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', run.container('migrate')]).stdout.trim();
        return s.startsWith('exited') ? s : undefined;
      });
      expect(state).toBe('exited 0');
      expect(podman(['logs', run.container('migrate')]).stdout).toContain('migrate: schema is up to date');
    });

    test('the secret reaches the container from the local secrets file, and the generated source never holds it', () => {
      const value = podman(['exec', run.container('web'), 'node', '-e', 'process.stdout.write(process.env.SESSION_SECRET)']).stdout;
      expect(value).toBe('dev-session-secret');
      expect(run.result.source).not.toContain('dev-session-secret');
      expect(run.result.source).not.toContain('devpass');
    });
  });

  describe('a Python worker with a Redis queue', () => {
    let run: Awaited<ReturnType<typeof bringUp>>;
    beforeAll(async () => {
      run = await bringUp('python-worker', {}, { WORKER_API_TOKEN_VALUE: 'dev-token' }, ['queue', 'worker']);
    }, 900_000);
    afterAll(() => run?.down(), 180_000);

    test('a job pushed to the queue is processed by the worker, with the settings from its env_file', async () => {
      const cli = (...args: string[]) => podman(['exec', run.container('queue'), 'redis-cli', ...args]).stdout.trim();
      expect(cli('LPUSH', 'jobs', 'job-1')).toMatch(/^\d+$/);
      const result = await waitFor('job-1 processed', 30_000, () => cli('GET', 'done:job-1') || undefined);
      expect(result).toBe('processed by worker');
    });

    test('services only in an inactive profile are not imported', () => {
      expect(Object.keys(run.doc.services).sort()).toEqual(['queue', 'worker']);
    });
  });

  describe('a static site behind a proxy', () => {
    let run: Awaited<ReturnType<typeof bringUp>>;
    let port: number;
    beforeAll(async () => {
      port = await freePort();
      run = await bringUp('static-proxy', { PROXY_PORT: String(port) }, {}, ['site', 'proxy', 'ticker']);
    }, 900_000);
    afterAll(() => run?.down(), 180_000);

    test('the proxy serves the static site on the published port', async () => {
      const res = await waitForHttp(`http://127.0.0.1:${port}/`, 30_000);
      expect(res.status).toBe(200);
      expect(res.body).toContain('Hello from the imported static site');
    });

    test('the ticker, built from its own Dockerfile as a custom recipe, runs as the numeric user with a read-only root', () => {
      const inspect = JSON.parse(podman(['inspect', run.container('ticker')]).stdout)[0];
      expect(inspect.Config.User).toBe('10001:10001');
      expect(inspect.HostConfig.ReadonlyRootfs).toBe(true);
    });

    test('the proxy, privileged in the Compose file, runs unprivileged with no capabilities', () => {
      const inspect = JSON.parse(podman(['inspect', run.container('proxy')]).stdout)[0];
      expect(inspect.HostConfig.Privileged).toBe(false);
      expect(inspect.EffectiveCaps ?? []).toEqual([]);
    });
  });
});
