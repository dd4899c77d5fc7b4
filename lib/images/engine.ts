/**
 * The local container engines `prodpath build` drives: podman and docker, through their
 * command lines. Every argument list is built by a pure function, so tests can check it
 * without an engine; {@link ContainerEngine} runs them.
 */
import { spawn, spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

/** The engines prodpath can build with. */
export type EngineName = 'podman' | 'docker';

/** The engines, in the order detection tries them when both are usable. */
export const ENGINES: readonly EngineName[] = ['podman', 'docker'];

/** Everything one image build needs, with absolute paths. */
export interface BuildPlan {
  /** The image name, for messages. */
  readonly name: string;
  /** `repository:tag`. */
  readonly ref: string;
  /** The build context folder. */
  readonly context: string;
  /** The Dockerfile. */
  readonly dockerfile: string;
  /** The ignore file. */
  readonly ignorefile: string;
  /** The platforms, sorted. */
  readonly platforms: readonly string[];
  /** The build arguments. */
  readonly buildArgs: Readonly<Record<string, string>>;
  /**
   * The base image pull policy (`always`, `missing`, `never`).
   * @default - the engine's default
   */
  readonly pull?: string;
}

/** How to run an engine. */
export interface EngineRunOptions {
  /**
   * The engine's executable.
   * @default - the engine's name, found on PATH
   */
  readonly command?: string;
  /**
   * The environment of every engine process.
   * @default process.env
   */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Arguments put before every engine command, such as podman's private store
   * (`--root ... --runroot ...`) from an engine configuration file.
   * @default - none
   */
  readonly globalArgs?: readonly string[];
}

/** Thrown when an engine cannot be used, or a command it runs fails. */
export class EngineError extends Error {
  constructor(message: string, public readonly output: string = '') {
    super(message);
    this.name = 'EngineError';
  }
}

/**
 * The arguments of `<engine> build` for a plan. Podman gets `--format docker` (the OCI format
 * drops HEALTHCHECK) and `--ignorefile` (podman 4 does not read `Dockerfile.dockerignore`
 * next to the Dockerfile; BuildKit does). More than one platform builds a manifest list
 * (podman `--manifest`) or, with docker, needs buildx and a push.
 */
export function buildArguments(engine: EngineName, plan: BuildPlan, options: { push?: boolean } = {}): string[] {
  const args: string[] = [];
  const multi = plan.platforms.length > 1;
  if (engine === 'podman') {
    args.push('build', '--format', 'docker', '-f', plan.dockerfile, '--ignorefile', plan.ignorefile);
    args.push(multi ? '--manifest' : '-t', plan.ref);
  } else {
    args.push(...(multi ? ['buildx', 'build'] : ['build']), '--progress', 'plain', '-f', plan.dockerfile, '-t', plan.ref);
    if (multi) {
      if (!options.push) {
        throw new EngineError(`${plan.name}: docker builds an image for ${plan.platforms.length} platforms only straight into a registry. Fix: run prodpath build --push, or build with podman.`);
      }
      args.push('--push');
    }
  }
  args.push('--platform', plan.platforms.join(','));
  if (plan.pull !== undefined) {
    args.push(`--pull=${plan.pull}`);
  }
  for (const name of Object.keys(plan.buildArgs).sort()) {
    args.push('--build-arg', `${name}=${plan.buildArgs[name]}`);
  }
  args.push(plan.context);
  return args;
}

/** The registry host of a repository (`ghcr.io/acme/api` -> `ghcr.io`; `acme/api` -> `docker.io`). */
export function registryHost(repository: string): string {
  const first = repository.split('/')[0];
  return repository.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : 'docker.io';
}

/** Whether a registry is on this machine (plain HTTP is then allowed, as docker does for 127.0.0.0/8). */
export function isLocalRegistry(host: string): boolean {
  const name = host.replace(/:\d+$/, '');
  return name === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(name);
}

/**
 * Checks that a registry accepts TCP connections, within `timeoutMs`. Resolves to undefined
 * when it does, or to the reason it does not.
 */
export function registryUnreachable(host: string, timeoutMs = 3000): Promise<string | undefined> {
  const m = /^(.*?)(?::(\d+))?$/.exec(host)!;
  const hostname = m[1] === 'docker.io' ? 'registry-1.docker.io' : m[1];
  const port = m[2] !== undefined ? Number(m[2]) : 443;
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port });
    const done = (reason: string | undefined) => {
      socket.destroy();
      resolve(reason);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer from ${hostname}:${port} within ${timeoutMs} ms`));
    socket.once('connect', () => done(undefined));
    socket.once('error', (e: NodeJS.ErrnoException) => done(`${hostname}:${port}: ${e.code ?? e.message}`));
  });
}

/** A container engine on this machine. Create one with {@link ContainerEngine.detect} or {@link ContainerEngine.named}. */
export class ContainerEngine {
  /**
   * The engine called `name`, after checking that its command runs. Throws an
   * {@link EngineError} saying how to install it when it does not.
   */
  public static named(name: string, options: EngineRunOptions = {}): ContainerEngine {
    if (!ENGINES.includes(name as EngineName)) {
      throw new EngineError(`engine ${JSON.stringify(name)} is not one prodpath can build with. Fix: use --engine podman or --engine docker.`);
    }
    const engine = name as EngineName;
    const command = options.command ?? engine;
    const globalArgs = options.globalArgs ?? [];
    const r = spawnSync(command, [...globalArgs, '--version'], { encoding: 'utf8', env: options.env ?? process.env, timeout: 30_000 });
    if (r.error || r.status !== 0) {
      const why = r.error ? (r.error as NodeJS.ErrnoException).code ?? r.error.message : `exit status ${r.status}: ${(r.stderr ?? '').trim()}`;
      throw new EngineError(`engine ${engine} is not installed or does not run (\`${command} --version\`: ${why}). Fix: install ${engine} (${engine === 'podman' ? 'apt-get install podman' : 'https://docs.docker.com/engine/install/'}), or choose the other engine with --engine.`);
    }
    return new ContainerEngine(engine, command, r.stdout.trim(), options.env ?? process.env, globalArgs);
  }

  /**
   * The first engine that runs: podman, then docker (a `docker` that is podman in disguise, as
   * from the podman-docker package, counts as podman). Throws when neither does.
   */
  public static detect(options: { env?: NodeJS.ProcessEnv; globalArgs?: Partial<Record<EngineName, readonly string[]>> } = {}): ContainerEngine {
    const reasons: string[] = [];
    for (const name of ENGINES) {
      try {
        const engine = ContainerEngine.named(name, { env: options.env, globalArgs: options.globalArgs?.[name] });
        if (name === 'docker' && /podman/i.test(engine.version)) {
          return new ContainerEngine('podman', 'docker', engine.version, options.env ?? process.env, engine.globalArgs);
        }
        return engine;
      } catch (e) {
        reasons.push((e as Error).message.replace(/ Fix: .*$/, '').replace(/\.$/, ''));
      }
    }
    throw new EngineError(`no container engine found: ${reasons.join('; ')}. Fix: install podman or docker, or name one with --engine.`);
  }

  private constructor(
    /** Which engine this is. */
    public readonly name: EngineName,
    /** The executable. */
    public readonly command: string,
    /** What `--version` printed. */
    public readonly version: string,
    private readonly env: NodeJS.ProcessEnv,
    /** Put before every command's own arguments. */
    public readonly globalArgs: readonly string[] = [],
  ) {}

  /** Whether an image (or, with podman, a manifest list) of that reference exists locally. */
  public async imageExists(ref: string): Promise<boolean> {
    if (this.name === 'podman') {
      return (await this.exec(['image', 'exists', ref], { allowFailure: true })).status === 0
        || (await this.exec(['manifest', 'exists', ref], { allowFailure: true })).status === 0;
    }
    return (await this.exec(['image', 'inspect', '--format', '{{.Id}}', ref], { allowFailure: true })).status === 0;
  }

  /**
   * The digest of a local image: podman's manifest digest (what `ref@digest` resolves to
   * locally), or docker's image id.
   */
  public async localDigest(ref: string): Promise<string> {
    const format = this.name === 'podman' ? '{{.Digest}}' : '{{.Id}}';
    const r = await this.exec(['image', 'inspect', '--format', format, ref], { allowFailure: true });
    let out = r.stdout.trim();
    if (r.status !== 0 && this.name === 'podman') {
      // A manifest list: its digest is the sha256 of the list as podman stores it.
      const m = await this.exec(['manifest', 'inspect', ref]);
      out = `sha256:${crypto.createHash('sha256').update(m.stdout).digest('hex')}`;
    }
    if (!/^sha256:[a-f0-9]{64}$/.test(out)) {
      throw new EngineError(`${this.name} gave no digest for ${ref} (got ${JSON.stringify(out)}${r.stderr ? `; ${r.stderr.trim()}` : ''})`);
    }
    return out;
  }

  /**
   * Builds an image, calling `onLine` with every line of the engine's output.
   * Rejects with the output's end when the build fails.
   */
  public async build(plan: BuildPlan, onLine: (line: string) => void, options: { push?: boolean } = {}): Promise<void> {
    await this.exec(buildArguments(this.name, plan, options), { onLine, timeoutMs: 60 * 60_000 });
  }

  /** Pushes `ref` (whose registry is `host`) and resolves to the registry's digest of it. */
  public async push(ref: string, host: string, multiPlatform: boolean, onLine: (line: string) => void): Promise<string> {
    if (this.name === 'podman') {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prodpath-push-'));
      try {
        const digestFile = path.join(dir, 'digest');
        const tls = isLocalRegistry(host) ? ['--tls-verify=false'] : [];
        const args = multiPlatform
          ? ['manifest', 'push', '--all', ...tls, '--digestfile', digestFile, ref, `docker://${ref}`]
          : ['push', ...tls, '--digestfile', digestFile, ref];
        await this.exec(args, { onLine, timeoutMs: 60 * 60_000 });
        return checkDigest(fs.readFileSync(digestFile, 'utf8').trim(), `${this.name} push ${ref}`);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
    if (multiPlatform) {
      // buildx pushed the index while building; ask the registry for its digest.
      const inspect = await this.exec(['buildx', 'imagetools', 'inspect', '--format', '{{.Manifest.Digest}}', ref], { onLine });
      return checkDigest(inspect.stdout.trim(), `docker buildx imagetools inspect ${ref}`);
    }
    const r = await this.exec(['push', ref], { onLine, timeoutMs: 60 * 60_000 });
    const m = /digest: (sha256:[a-f0-9]{64})/.exec(r.stdout);
    return checkDigest(m?.[1] ?? '', `docker push ${ref}`);
  }

  /**
   * Whether the registry holds `repository@digest`: asked over HTTP for a registry on this
   * machine, through the engine for others (with the engine's login). Resolves to undefined when
   * it does, or to why not.
   */
  public async registryMissing(repository: string, digest: string): Promise<string | undefined> {
    const host = registryHost(repository);
    if (isLocalRegistry(host)) {
      return localManifestMissing(host, repository.slice(host.length + 1), digest);
    }
    const args = this.name === 'podman'
      ? ['manifest', 'inspect', `docker://${repository}@${digest}`]
      : ['buildx', 'imagetools', 'inspect', `${repository}@${digest}`];
    const r = await this.exec(args, { allowFailure: true, timeoutMs: 60_000 });
    return r.status === 0 ? undefined : (r.stderr.trim().split('\n').pop() ?? `exit status ${r.status}`);
  }

  /** Runs the engine; rejects with the end of its output when it fails (unless `allowFailure`). */
  public exec(args: readonly string[], options: { onLine?: (line: string) => void; allowFailure?: boolean; timeoutMs?: number } = {}): Promise<{ status: number; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.command, [...this.globalArgs, ...args], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      const tail: string[] = [];
      const lines = (chunk: string, partial: { rest: string }) => {
        const text = partial.rest + chunk;
        const parts = text.split(/\r?\n/);
        partial.rest = parts.pop() ?? '';
        for (const line of parts) {
          tail.push(line);
          if (tail.length > 60) {
            tail.shift();
          }
          options.onLine?.(line);
        }
      };
      const outRest = { rest: '' };
      const errRest = { rest: '' };
      child.stdout.setEncoding('utf8').on('data', (c: string) => { stdout += c; lines(c, outRest); });
      child.stderr.setEncoding('utf8').on('data', (c: string) => { stderr += c; lines(c, errRest); });
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(new EngineError(`${this.command} ${args[0]}: ${(e as NodeJS.ErrnoException).code ?? e.message}`));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        for (const rest of [outRest, errRest]) {
          if (rest.rest !== '') {
            lines('\n', rest);
          }
        }
        const status = code ?? -1;
        if (status !== 0 && !options.allowFailure) {
          const how = signal ? `was killed by ${signal}` : `exited with status ${status}`;
          reject(new EngineError(`\`${this.name} ${args.slice(0, 2).join(' ')} ...\` ${how}`, tail.join('\n')));
          return;
        }
        resolve({ status, stdout, stderr });
      });
    });
  }
}

/** Asks a registry on this machine (plain HTTP) for a manifest by digest. */
function localManifestMissing(host: string, name: string, digest: string, timeoutMs = 10_000): Promise<string | undefined> {
  const accept = [
    'application/vnd.oci.image.index.v1+json', 'application/vnd.oci.image.manifest.v1+json',
    'application/vnd.docker.distribution.manifest.list.v2+json', 'application/vnd.docker.distribution.manifest.v2+json',
  ].join(', ');
  return new Promise((resolve) => {
    const req = http.request(`http://${host}/v2/${name}/manifests/${digest}`, { method: 'HEAD', headers: { accept }, timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200 ? undefined : `the registry answered ${res.statusCode} ${res.statusMessage ?? ''}`.trim());
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (e: NodeJS.ErrnoException) => resolve(`${host}: ${e.code ?? e.message}`));
    req.end();
  });
}

function checkDigest(value: string, what: string): string {
  if (!/^sha256:[a-f0-9]{64}$/.test(value)) {
    throw new EngineError(`${what} reported no digest (got ${JSON.stringify(value)})`);
  }
  return value;
}
