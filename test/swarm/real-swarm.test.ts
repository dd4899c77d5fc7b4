/**
 * The production stack file on a real one-node Docker Swarm (Debian's dockerd 20.10, started by
 * `.ci/swarm.sh` with its own data root, exec root, pid file and socket, vfs, no iptables, no
 * bridge), with images built by `prodpath build --push` into a real registry (`.ci/registry.sh`)
 * and pinned by digest: `docker stack deploy` converges with every replica healthy, an update to
 * a new image rolls start-first, an image whose health check fails is rolled back by Swarm
 * itself, and `prodpath stack-wait` names the service and its last task error when a stack never
 * converges. Everything is torn down: stack rm, swarm leave, dockerd stopped by its pid, data
 * removed.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { App, EnvironmentSettings, ImageRecipe, Pipeline, WebService } from '../../lib';
import { DigestLock } from '../../lib/lock/lock';
import { run } from '../../lib/cli/main';
import { StackInputError, StackNotConvergedError, waitForStack } from '../../lib/cli/stack-wait';
import { podman, podmanStatus } from '../support/podman';
import { describeWhenReady } from '../support/ready';
import { registryStatus, startRegistry, TestRegistry } from '../support/registry';
import { tempDir } from '../support/synth';
import type { ToolStatus } from '../support/ready';

const SWARM_SCRIPT = path.resolve(__dirname, '..', '..', '.ci', 'swarm.sh');
/** Debian's docker client (docker.io), the one CI installs with dockerd. */
const DOCKER = fs.existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';
const ENGINE_CONFIG = path.join(process.env.PRODPATH_PODMAN_DIR || '/tmp/prodpath-podman', 'env.sh');
const STACK = 'docs-prod';

function swarmStatus(): ToolStatus {
  for (const status of [podmanStatus(), registryStatus()]) {
    if (!status.available) {
      return status;
    }
  }
  const d = spawnSync('dockerd', ['--version'], { encoding: 'utf8' });
  if (d.error || d.status !== 0) {
    return { available: false, reason: 'dockerd is not installed: apt-get install -y --no-install-recommends docker.io' };
  }
  if (process.getuid?.() !== 0) {
    return { available: false, reason: 'dockerd needs root' };
  }
  return { available: true };
}

const maybe = describeWhenReady('the real Swarm test', swarmStatus());

type DocsSettings = EnvironmentSettings;

const noIo = { out: () => undefined, err: () => undefined };

maybe('the prod stack file on a real one-node swarm', () => {
  const root = tempDir('prodpath-swarm-app-');
  const swarmDir = tempDir('prodpath-swarm-');
  let registry: TestRegistry;
  let dockerEnv: NodeJS.ProcessEnv;
  const built: string[] = [];

  const docker = (args: string[], allowFailure = false) => {
    const r = spawnSync(DOCKER, args, { encoding: 'utf8', env: dockerEnv, timeout: 120_000 });
    if (!allowFailure && r.status !== 0) {
      throw new Error(`docker ${args.join(' ')} exited with ${r.status}: ${r.stderr}`);
    }
    return r;
  };

  /** Writes the site (`healthy` false: no /healthz, so the image's health check fails), synthesizes, builds and pushes. */
  async function release(index: string, healthy = true): Promise<{ digest: string; stack: any }> {
    const site = path.join(root, 'site');
    fs.rmSync(site, { recursive: true, force: true });
    fs.mkdirSync(site);
    fs.writeFileSync(path.join(site, 'index.html'), index);
    if (healthy) {
      fs.writeFileSync(path.join(site, 'healthz'), 'ok\n');
    }
    const synth = (requireDigests: 'warn' | 'error') => {
      const app = new App({ outdir: path.join(root, 'dist'), printSummary: false });
      const pipeline = new Pipeline<DocsSettings>(app, 'docs', {
        registry: `${registry.address}/prodpath`,
        appRoot: root,
        requireDigests,
        environments: {
          dev: { namespace: 'docs-dev', replicas: 1 },
          prod: { namespace: 'docs', replicas: 2, swarm: true },
        },
      });
      const image = pipeline.image('docs', ImageRecipe.staticSite({ source: 'site', healthCheck: { kind: 'http', path: '/healthz' } }));
      pipeline.define((env) => {
        new WebService(env, 'docs', { image, health: { path: '/healthz' } });
      });
      app.synth();
      return image;
    };
    const image = synth('warn');
    built.push(image.taggedRef);
    const out: string[] = [];
    const code = await run(['build', path.join(root, 'dist'), '--push', '--engine', 'podman', '--engine-config', ENGINE_CONFIG], { out: (l) => out.push(l), err: (l) => out.push(l) });
    expect({ code, out: out.join('\n') }).toMatchObject({ code: 0 });
    synth('error');
    const digest = DigestLock.read(path.join(root, 'prodpath.lock.json')).get(image.repository, image.tag)!.digest;
    const stack = parse(fs.readFileSync(path.join(root, 'dist', 'prod', 'stack.yaml'), 'utf8'));
    expect(stack.services.docs.image).toBe(`${image.taggedRef}@${digest}`);
    return { digest, stack };
  }

  const deploy = () => docker(['stack', 'deploy', '--prune', '-c', path.join(root, 'dist', 'prod', 'stack.yaml'), STACK]);
  const tasks = () => docker(['service', 'ps', '--no-trunc', '--format', '{{.DesiredState}} {{.CurrentState}} {{.Image}}', `${STACK}_docs`]).stdout
    .trim().split('\n').map((l) => l.split(' '));
  const runningImages = () => tasks().filter((t) => t[0] === 'Running' && t[1] === 'Running').map((t) => t[t.length - 1]);
  let first: { digest: string; stack: any };
  let second: { digest: string; stack: any };

  beforeAll(() => {
    registry = startRegistry();
    const r = spawnSync('bash', [SWARM_SCRIPT, 'start', swarmDir], { encoding: 'utf8', timeout: 120_000 });
    const host = /^export DOCKER_HOST='([^']+)'$/m.exec(r.stdout ?? '')?.[1];
    if (r.status !== 0 || host === undefined) {
      throw new Error(`.ci/swarm.sh start failed: ${r.stderr}${r.stdout}`);
    }
    dockerEnv = { ...process.env, DOCKER_HOST: host };
  }, 180_000);

  afterAll(() => {
    if (dockerEnv !== undefined) {
      docker(['stack', 'rm', STACK], true);
      docker(['stack', 'rm', 'never'], true);
    }
    spawnSync('bash', [SWARM_SCRIPT, 'stop', swarmDir], { timeout: 120_000 });
    registry?.stop();
    for (const ref of built) {
      podman(['rmi', '--force', ref], { allowFailure: true });
    }
  }, 240_000);

  test('the prod stack pins the pushed digest and carries rolling updates, rollback, restarts, resources and a health check', async () => {
    first = await release('<h1>v1</h1>\n');
    const s = first.stack;
    expect(s.version).toBe('3.8');
    expect(s.services.docs.deploy).toMatchObject({
      replicas: 2,
      update_config: { order: 'start-first', failure_action: 'rollback', parallelism: 1 },
      rollback_config: { order: 'start-first', failure_action: 'pause', parallelism: 1 },
      restart_policy: { condition: 'any' },
      resources: { limits: { memory: expect.any(String) }, reservations: { cpus: expect.any(String), memory: expect.any(String) } },
    });
    expect(s.services.docs.healthcheck).toMatchObject({ interval: '5s', retries: 3 });
  }, 300_000);

  test('docker stack deploy converges: every replica runs healthy', async () => {
    deploy();
    const states = await waitForStack({ stack: STACK, docker: DOCKER, env: dockerEnv, timeoutMs: 120_000, progress: false }, noIo);
    expect(states).toEqual([expect.objectContaining({ name: `${STACK}_docs`, desired: 2, running: 2, converged: true })]);
    const ps = docker(['ps', '--filter', `label=com.docker.stack.namespace=${STACK}`, '--format', '{{.Status}}']).stdout.trim().split('\n');
    expect(ps).toHaveLength(2);
    expect(ps.every((s) => s.includes('(healthy)'))).toBe(true);
    expect(runningImages()).toEqual([`${first.stack.services.docs.image}`, `${first.stack.services.docs.image}`]);
  }, 180_000);

  test('a new image rolls out start-first, and the tasks serve it', async () => {
    second = await release('<h1>v2</h1>\n');
    expect(second.digest).not.toBe(first.digest);
    deploy();
    const states = await waitForStack({ stack: STACK, docker: DOCKER, env: dockerEnv, timeoutMs: 180_000, progress: false }, noIo);
    expect(states[0]).toMatchObject({ updateState: 'completed', running: 2, image: second.stack.services.docs.image });
    expect(runningImages()).toEqual([second.stack.services.docs.image, second.stack.services.docs.image]);
    // The old tasks were shut down after the new ones ran.
    expect(tasks().filter((t) => t[0] === 'Shutdown').map((t) => t[t.length - 1])).toEqual(expect.arrayContaining([first.stack.services.docs.image]));
    const id = docker(['ps', '--quiet', '--filter', `label=com.docker.swarm.service.name=${STACK}_docs`]).stdout.trim().split('\n')[0];
    expect(docker(['exec', id, 'busybox', 'wget', '-q', '-O', '-', 'http://127.0.0.1:8080/']).stdout).toBe('<h1>v2</h1>\n');
  }, 300_000);

  test('an image whose health check fails is rolled back by Swarm itself', async () => {
    const bad = await release('<h1>v3</h1>\n', false);
    deploy();
    const states = await waitForStack({ stack: STACK, docker: DOCKER, env: dockerEnv, timeoutMs: 240_000, progress: false }, noIo);
    expect(states[0]).toMatchObject({ updateState: 'rollback_completed', running: 2, image: second.stack.services.docs.image });
    expect(runningImages()).toEqual([second.stack.services.docs.image, second.stack.services.docs.image]);
    expect(runningImages()).not.toContain(bad.stack.services.docs.image);
  }, 360_000);

  test('fails when a stack never converges, naming the service and its last task error (bounded)', async () => {
    const file = path.join(root, 'never.yaml');
    fs.writeFileSync(file, [
      'version: "3.8"',
      'services:',
      '  crash:',
      `    image: ${second.stack.services.docs.image}`,
      '    entrypoint: ["busybox", "false"]',
      '    deploy:',
      '      restart_policy: { condition: any, delay: 1s }',
      '',
    ].join('\n'));
    docker(['stack', 'deploy', '-c', file, 'never']);
    const started = Date.now();
    const error = await waitForStack({ stack: 'never', docker: DOCKER, env: dockerEnv, timeoutMs: 20_000, pollMs: 1000, progress: false }, noIo).catch((e) => e);
    expect(Date.now() - started).toBeLessThan(40_000);
    expect(error).toBeInstanceOf(StackNotConvergedError);
    expect(error.message).toMatch(/service never_crash: never_crash 0\/1 running; last task error: task: non-zero exit \(1\)/);
    docker(['stack', 'rm', 'never'], true);
  }, 120_000);

  test('fails when the docker command is missing, or no such stack exists', async () => {
    await expect(waitForStack({ stack: STACK, docker: '/nonexistent/docker', env: dockerEnv, timeoutMs: 1000 }, noIo))
      .rejects.toThrow(new StackInputError('the docker command "/nonexistent/docker" cannot run (ENOENT). Fix: install it (apt-get install -y --no-install-recommends docker.io), or name it with --docker.'));
    await expect(waitForStack({ stack: 'no-such-stack', docker: DOCKER, env: dockerEnv, timeoutMs: 1000 }, noIo))
      .rejects.toThrow(/there is no stack "no-such-stack"/);
  });
});
