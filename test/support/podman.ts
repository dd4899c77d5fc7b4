/**
 * Helpers for tests that build and run generated images with a real engine: podman,
 * with the private store and configuration that `.ci/podman-setup.sh` prepares.
 *
 * Every call runs podman as
 *   CONTAINERS_CONF=$PRODPATH_PODMAN_DIR/containers.conf podman $PODMAN_FLAGS ...
 * with the values read from `$PRODPATH_PODMAN_DIR/env.sh` (default directory
 * `/tmp/prodpath-podman`). Podman runs rootful: the tests must run as root.
 *
 * Typical use:
 * ```ts
 * const status = podmanStatus();
 * const maybe = status.available ? describe : describe.skip;
 * ```
 * and remove containers and images in `afterAll`.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { ToolStatus } from './ready';

/** The base image `.ci/podman-setup.sh` makes; `FROM node:20-slim` resolves to it. */
export const BASE_IMAGE = 'localhost/node:20-slim';

/** Result of one podman invocation. */
export interface PodmanResult {
  stdout: string;
  stderr: string;
  status: number;
}

/** Options for {@link podman}. */
export interface PodmanOptions {
  /** Kill podman after this long (default 120 000 ms). */
  timeoutMs?: number;
  /** Return a non-zero exit status instead of throwing. */
  allowFailure?: boolean;
}

interface PodmanEnv {
  containersConf: string;
  flags: string[];
}

/** Private podman home written by `.ci/podman-setup.sh`. */
function podmanDir(): string {
  return process.env.PRODPATH_PODMAN_DIR || '/tmp/prodpath-podman';
}

/** Reads CONTAINERS_CONF and PODMAN_FLAGS from `env.sh`, or explains why it cannot. */
function readPodmanEnv(): PodmanEnv | string {
  const envFile = path.join(podmanDir(), 'env.sh');
  if (!fs.existsSync(envFile)) {
    return `${envFile} is missing: run .ci/podman-setup.sh first`;
  }
  const vars: Record<string, string> = {};
  for (const m of fs.readFileSync(envFile, 'utf8').matchAll(/^export (\w+)='([^']*)'$/gm)) {
    vars[m[1]] = m[2];
  }
  if (!vars.CONTAINERS_CONF || !vars.PODMAN_FLAGS) {
    return `${envFile} does not export CONTAINERS_CONF and PODMAN_FLAGS: run .ci/podman-setup.sh again`;
  }
  return { containersConf: vars.CONTAINERS_CONF, flags: vars.PODMAN_FLAGS.split(/\s+/).filter(Boolean) };
}

/**
 * Whether the real-engine tests can run: the `podman` binary exists, `.ci/podman-setup.sh`
 * has written `$PRODPATH_PODMAN_DIR/env.sh`, and `localhost/node:20-slim` is in the
 * private store. When not, `reason` says what is missing.
 */
export function podmanStatus(): ToolStatus {
  const { CONTAINERS_CONF: _ignored, ...cleanEnv } = process.env;
  const version = spawnSync('podman', ['--version'], { encoding: 'utf8', env: cleanEnv });
  if (version.error || version.status !== 0) {
    return { available: false, reason: `podman is not installed (${version.error?.message ?? version.stderr.trim()})` };
  }
  const env = readPodmanEnv();
  if (typeof env === 'string') {
    return { available: false, reason: env };
  }
  const exists = podman(['image', 'exists', BASE_IMAGE], { allowFailure: true });
  if (exists.status !== 0) {
    return { available: false, reason: `${BASE_IMAGE} is not in the private store: run .ci/podman-setup.sh` };
  }
  return { available: true };
}

/**
 * Runs `podman <private store flags> ...args` with CONTAINERS_CONF from the setup.
 * Throws when podman cannot start, times out, or (unless `allowFailure`) exits non-zero;
 * the error message includes stderr and the end of stdout.
 *
 * Note: with no systemd here, podman logs `level=error ... unable to get systemd
 * connection ... healthchecks` on stderr when it starts or removes a container that
 * has a HEALTHCHECK. That noise is harmless; only the exit status counts.
 */
export function podman(args: string[], opts: PodmanOptions = {}): PodmanResult {
  const env = readPodmanEnv();
  if (typeof env === 'string') {
    throw new Error(`podman is not set up: ${env}`);
  }
  const r = spawnSync('podman', [...env.flags, ...args], {
    encoding: 'utf8',
    env: { ...process.env, CONTAINERS_CONF: env.containersConf },
    timeout: opts.timeoutMs ?? 120_000,
    killSignal: 'SIGKILL',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const cmd = `podman ${args.join(' ')}`;
  if (r.error) {
    throw new Error(`${cmd}: ${r.error.message}\n${tail(r.stderr ?? '')}`);
  }
  const result: PodmanResult = { stdout: r.stdout, stderr: r.stderr, status: r.status ?? -1 };
  if (result.status !== 0 && !opts.allowFailure) {
    const how = r.status === null ? `was killed by ${r.signal}` : `exited with status ${r.status}`;
    throw new Error(`${cmd} ${how}\n--- stderr ---\n${tail(r.stderr)}\n--- stdout ---\n${tail(r.stdout)}`);
  }
  return result;
}

/** The last `max` characters of `s`. */
function tail(s: string, max = 4000): string {
  return s.length > max ? `...${s.slice(-max)}` : s;
}

/**
 * Builds an image:
 *   podman build --format docker --pull=never -f <dockerfile> --ignorefile <ignorefile> -t <tag> <context>
 *
 * `--format docker` keeps HEALTHCHECK (the OCI format drops it). `--ignorefile` is
 * required: podman 4.3 does not read a `Dockerfile.dockerignore` next to the
 * Dockerfile (BuildKit does). `--pull=never` makes `FROM node:20-slim` resolve to
 * `localhost/node:20-slim`. RUN steps use podman's default network, so `npm ci` can
 * reach the registry. Times out after 10 minutes.
 */
export function buildImage(o: { context: string; dockerfile: string; ignorefile: string; tag: string }): void {
  podman(
    [
      'build',
      '--format', 'docker',
      '--pull=never',
      '-f', path.resolve(o.dockerfile),
      '--ignorefile', path.resolve(o.ignorefile),
      '-t', o.tag,
      path.resolve(o.context),
    ],
    { timeoutMs: 600_000 },
  );
}

/**
 * Starts a container in the background and publishes `port` on 127.0.0.1 only, on a
 * free host port that podman picks (`-p 127.0.0.1::<port>`, read back with
 * `podman port`), so parallel tests cannot race for a port.
 *
 * Always drops all capabilities and sets no-new-privileges; `readOnly` adds
 * `--read-only --tmpfs /tmp`; `user` is passed to `--user` (e.g. "10001:10001").
 * A leftover container with the same name is removed first.
 */
export function runContainer(o: {
  image: string;
  name: string;
  port: number;
  env?: Record<string, string>;
  readOnly?: boolean;
  user?: string;
}): { hostPort: number } {
  removeContainer(o.name);
  const args = [
    'run', '--detach', '--pull=never',
    '--name', o.name,
    '--publish', `127.0.0.1::${o.port}`,
    '--cap-drop', 'ALL',
    '--security-opt', 'no-new-privileges',
  ];
  if (o.readOnly) args.push('--read-only', '--tmpfs', '/tmp');
  if (o.user) args.push('--user', o.user);
  for (const [key, value] of Object.entries(o.env ?? {})) args.push('--env', `${key}=${value}`);
  args.push(o.image);
  podman(args);

  const mapped = podman(['port', o.name, `${o.port}/tcp`]).stdout.trim();
  const m = /^127\.0\.0\.1:(\d+)$/m.exec(mapped);
  if (!m) {
    throw new Error(`unexpected \`podman port ${o.name} ${o.port}/tcp\` output: ${JSON.stringify(mapped)}`);
  }
  return { hostPort: Number(m[1]) };
}

/**
 * Polls `url` (http, host 127.0.0.1 only) every 200 ms until the server answers, and
 * resolves with the first complete response, whatever its status. Connection errors
 * (refused, reset: the server is not up yet) are retried until `timeoutMs`, then the
 * promise rejects with the last error.
 */
export async function waitForHttp(url: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  if (target.protocol !== 'http:' || target.hostname !== '127.0.0.1') {
    throw new Error(`waitForHttp only polls http://127.0.0.1 URLs, not ${url}`);
  }
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no attempt made';
  for (;;) {
    try {
      return await httpGet(target, Math.max(500, Math.min(3000, deadline - Date.now())));
    } catch (err) {
      lastError = (err as Error).message;
    }
    if (Date.now() + 200 >= deadline) {
      throw new Error(`no HTTP response from ${url} within ${timeoutMs} ms (last error: ${lastError})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** One GET request, with no keep-alive. */
function httpGet(url: URL, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/**
 * Runs the image's HEALTHCHECK once, now: `podman healthcheck run <name>` (exit 0 means
 * healthy). Scheduled checks need systemd, which is absent, so tests call this instead.
 * `output` is podman's stdout and stderr ("unhealthy", or an error such as a missing
 * healthcheck).
 */
export function healthcheck(name: string): { healthy: boolean; output: string } {
  const r = podman(['healthcheck', 'run', name], { allowFailure: true });
  return { healthy: r.status === 0, output: `${r.stdout}${r.stderr}`.trim() };
}

/**
 * Lists everything under `dir` in an image's filesystem, recursively: files,
 * directories and symlinks, as paths relative to `dir` with `/` separators, sorted
 * (e.g. `["dist", "dist/server.js", "package.json"]`). Symlinks are listed, not followed.
 *
 * Works on the image itself (`podman image mount`, read from the host, then unmount), so
 * it needs no shell or `find` inside the image and runs nothing in it. Needs root.
 * Throws when `dir` does not exist in the image.
 */
export function listFilesInImage(image: string, dir: string): string[] {
  const mountpoint = podman(['image', 'mount', image]).stdout.trim();
  try {
    const start = resolveInRoot(mountpoint, dir);
    const found: string[] = [];
    const walk = (abs: string, rel: string): void => {
      for (const entry of fs.readdirSync(abs, { withFileTypes: true })) {
        const relPath = rel ? `${rel}/${entry.name}` : entry.name;
        found.push(relPath);
        if (entry.isDirectory()) walk(path.join(abs, entry.name), relPath);
      }
    };
    walk(start, '');
    return found.sort();
  } finally {
    podman(['image', 'unmount', image], { allowFailure: true });
  }
}

/**
 * Resolves `p` (absolute, as seen inside the image) to a host path under `root`,
 * following symlinks the way the container would (absolute targets stay inside `root`).
 */
function resolveInRoot(root: string, p: string): string {
  const pending = p.split('/').filter(Boolean);
  const resolved: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.shift() as string;
    if (part === '.') continue;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const host = path.join(root, ...resolved, part);
    const st = fs.lstatSync(host, { throwIfNoEntry: false });
    if (!st) throw new Error(`${p} does not exist in the image`);
    if (st.isSymbolicLink()) {
      if (++hops > 40) throw new Error(`too many symlinks resolving ${p} in the image`);
      const target = fs.readlinkSync(host);
      if (target.startsWith('/')) resolved.length = 0;
      pending.unshift(...target.split('/').filter(Boolean));
      continue;
    }
    resolved.push(part);
  }
  const final = path.join(root, ...resolved);
  if (!fs.statSync(final).isDirectory()) throw new Error(`${p} is not a directory in the image`);
  return final;
}

/** Removes a container, stopping it at once if it runs; ignores failures (e.g. no such container). */
export function removeContainer(name: string): void {
  try {
    podman(['rm', '--force', '--ignore', '--time', '0', name], { allowFailure: true });
  } catch {
    // podman missing or not set up: nothing to remove.
  }
}

/** Removes an image by tag or id, forcefully; ignores failures (e.g. no such image). */
export function removeImage(tag: string): void {
  try {
    podman(['rmi', '--force', tag], { allowFailure: true });
  } catch {
    // podman missing or not set up: nothing to remove.
  }
}

/** The stand-in for `postgres:16-bookworm` that `.ci/podman-setup.sh` makes for the Compose real run. */
export const POSTGRES_STANDIN = 'localhost/postgres:16-bookworm';

/**
 * Whether the Compose real-run test can run: podman is ready ({@link podmanStatus}),
 * `podman-compose` is installed and the Postgres stand-in is in the private store.
 */
export function podmanComposeStatus(): ToolStatus {
  const base = podmanStatus();
  if (!base.available) {
    return base;
  }
  const version = spawnSync('podman-compose', ['version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) {
    return { available: false, reason: `podman-compose is not installed (${version.error?.message ?? version.stderr.trim()}): run .ci/podman-setup.sh` };
  }
  if (podman(['image', 'exists', POSTGRES_STANDIN], { allowFailure: true }).status !== 0) {
    return { available: false, reason: `${POSTGRES_STANDIN} is not in the private store: run .ci/podman-setup.sh` };
  }
  return { available: true };
}

/**
 * Runs `podman-compose -p <project> -f <file> ...args` against the private store: podman-compose
 * 1.0.3 passes no global flags to podman, so it gets a wrapper script as `--podman-path` that adds
 * `$PODMAN_FLAGS`. `env` adds variables (the values Compose interpolates). Throws on a non-zero
 * exit unless `allowFailure`; the message has the end of the output.
 */
export function podmanCompose(o: { file: string; project: string; args: string[]; env?: Record<string, string>; timeoutMs?: number; allowFailure?: boolean }): PodmanResult {
  const env = readPodmanEnv();
  if (typeof env === 'string') {
    throw new Error(`podman is not set up: ${env}`);
  }
  const wrapper = path.join(podmanDir(), 'podman-for-compose');
  const script = `#!/bin/sh\n# Written by test/support/podman.ts: podman with the private store, for podman-compose.\nexec podman ${env.flags.join(' ')} "$@"\n`;
  if (!fs.existsSync(wrapper) || fs.readFileSync(wrapper, 'utf8') !== script) {
    const tmp = `${wrapper}.${process.pid}`;
    fs.writeFileSync(tmp, script, { mode: 0o755 });
    fs.renameSync(tmp, wrapper);
  }
  const args = ['--podman-path', wrapper, '-p', o.project, '-f', path.resolve(o.file), ...o.args];
  const r = spawnSync('podman-compose', args, {
    encoding: 'utf8',
    env: { ...process.env, ...(o.env ?? {}), CONTAINERS_CONF: env.containersConf },
    timeout: o.timeoutMs ?? 300_000,
    killSignal: 'SIGKILL',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const cmd = `podman-compose ${args.join(' ')}`;
  if (r.error) {
    throw new Error(`${cmd}: ${r.error.message}\n${tail(r.stderr ?? '')}`);
  }
  const result: PodmanResult = { stdout: r.stdout, stderr: r.stderr, status: r.status ?? -1 };
  if (result.status !== 0 && !o.allowFailure) {
    throw new Error(`${cmd} exited with status ${r.status}\n--- stderr ---\n${tail(r.stderr)}\n--- stdout ---\n${tail(r.stdout)}`);
  }
  return result;
}

/**
 * Polls `podman healthcheck run <name>` (see {@link healthcheck}) every second until it reports
 * healthy, and throws after `timeoutMs` with the last output and the container's log tail.
 */
export async function waitUntilHealthy(name: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = healthcheck(name);
    if (r.healthy) {
      return;
    }
    if (Date.now() >= deadline) {
      const logs = podman(['logs', '--tail', '20', name], { allowFailure: true });
      throw new Error(`${name} is not healthy after ${timeoutMs} ms (last check: ${r.output})\n--- logs ---\n${logs.stdout}${logs.stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/**
 * Polls `podman inspect` every 500 ms until the container's `{{.State.Status}} {{.State.ExitCode}}`
 * is `expected` (such as `exited 0`), and throws after `timeoutMs` with the last state seen and
 * the container's log tail: a container's state is never read just once.
 */
export async function waitForState(name: string, expected: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let state = '';
  for (;;) {
    const r = podman(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', name], { allowFailure: true });
    state = r.status === 0 ? r.stdout.trim() : `(inspect failed: ${r.stderr.trim()})`;
    if (state === expected) {
      return;
    }
    if (Date.now() >= deadline) {
      const logs = podman(['logs', '--tail', '20', name], { allowFailure: true });
      throw new Error(`${name} is "${state}", not "${expected}", after ${timeoutMs} ms\n--- logs ---\n${logs.stdout}${logs.stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
