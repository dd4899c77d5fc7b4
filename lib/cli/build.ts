/**
 * `prodpath build`: builds every image of a synthesized output folder once per content hash
 * with a local engine (podman or docker), pushes when asked, and records each image's digest
 * in the lock file that `cdk8s synth` reads to pin `repository:tag@sha256:<digest>`.
 */
import * as path from 'path';
import { ContainerEngine, EngineError, registryHost, registryUnreachable } from '../images/engine';
import { readSynthesizedImages, SynthesizedImagesError } from '../images/synthesized';
import { DigestLock, LOCK_FILE_NAME, updateLockFile } from '../lock/lock';
import { ENGINE_CONFIG_VARIABLE, EngineConfig, readEngineConfig } from './engine-config';
import type { CliIo } from './io';

/** Options of {@link buildImages}, one per command-line flag. */
export interface BuildCommandOptions {
  /** The folder `cdk8s synth` wrote. @default 'dist' */
  readonly dist?: string;
  /** The app root image contexts are relative to. @default - the folder that holds `dist` */
  readonly root?: string;
  /** The lock file. @default - `<root>/prodpath.lock.json` */
  readonly lock?: string;
  /** `podman` or `docker`. @default - detected: podman, then docker */
  readonly engine?: string;
  /** The engine's executable (a wrapper script, say). @default - the engine's name on PATH */
  readonly engineCommand?: string;
  /** The environment of the engine's processes. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * The engine configuration file (`export NAME='value'` lines, such as the `env.sh` that
   * `.ci/podman-setup.sh` writes): its variables join the engine's environment, and
   * `PODMAN_FLAGS` / `DOCKER_FLAGS` go before every engine command.
   * @default - the file `PRODPATH_ENGINE_CONFIG` names in `env`, else none
   */
  readonly engineConfig?: string;
  /** Push each image and record the registry's digest. @default false */
  readonly push?: boolean;
  /** Build only these images (by name). @default - all */
  readonly only?: readonly string[];
  /** The base image pull policy passed to the engine. @default - the engine's own */
  readonly pull?: string;
  /** Print every line the engine prints, not only its steps. @default false */
  readonly verbose?: boolean;
}

/** What happened to one image. */
export interface BuiltImage {
  readonly name: string;
  /** `repository:tag`. */
  readonly ref: string;
  /** The digest recorded in the lock. */
  readonly digest: string;
  /** Whether the digest is the registry's. */
  readonly pushed: boolean;
  /** `built`: built now; `reused`: the tag existed locally; `locked`: the lock already had a pushed digest for this content. */
  readonly action: 'built' | 'reused' | 'locked';
}

/** Thrown for a problem with the input (the output folder, the lock, the engine): exit status 2. */
export class BuildInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BuildInputError';
  }
}

/** Thrown when an engine command fails: exit status 1. */
export class BuildFailedError extends Error {
  constructor(message: string, public readonly output: string) {
    super(message);
    this.name = 'BuildFailedError';
  }
}

/**
 * Builds the images of an output folder, each once per content hash, and records their
 * digests in the lock: an image whose tag already exists locally is not built again; with
 * `push`, an image the lock already records as pushed for its content hash is skipped
 * entirely, and the others are pushed (the registry must be reachable) and locked by the
 * registry's digest. Without `push`, the local digest is recorded (marked `pushed: false`),
 * unless the lock already holds a pushed digest for the same content.
 */
export async function buildImages(options: BuildCommandOptions, io: CliIo): Promise<BuiltImage[]> {
  const dist = path.resolve(options.dist ?? 'dist');
  const root = path.resolve(options.root ?? path.dirname(dist));
  const lockFile = path.resolve(root, options.lock ?? LOCK_FILE_NAME);
  let images;
  try {
    images = readSynthesizedImages(dist, root, options.only, options.pull);
  } catch (e) {
    throw e instanceof SynthesizedImagesError ? new BuildInputError(`prodpath build: ${e.message}`) : e;
  }
  let lock: DigestLock;
  try {
    lock = DigestLock.read(lockFile);
  } catch (e) {
    throw new BuildInputError(`prodpath build: ${(e as Error).message}`);
  }
  const baseEnv = options.env ?? process.env;
  const configFile = options.engineConfig ?? (baseEnv[ENGINE_CONFIG_VARIABLE] || undefined);
  let config: EngineConfig | undefined;
  let engine: ContainerEngine;
  try {
    config = configFile === undefined ? undefined : readEngineConfig(configFile);
    const env = config === undefined ? baseEnv : { ...baseEnv, ...config.env };
    engine = options.engine === undefined
      ? ContainerEngine.detect({ env, globalArgs: config?.globalArgs })
      : ContainerEngine.named(options.engine, { command: options.engineCommand, env, globalArgs: config?.globalArgs[options.engine as 'podman' | 'docker'] });
  } catch (e) {
    throw new BuildInputError(`prodpath build: ${(e as Error).message}`);
  }
  const rel = (p: string) => path.relative(process.cwd(), p) || '.';
  io.out(`prodpath build: ${images.length} image(s) from ${rel(dist)} with ${engine.version}${config ? ` (configuration ${rel(config.file)})` : ''}${options.push ? ', pushing' : ''}; lock ${rel(lockFile)}`);

  if (options.push) {
    const hosts = [...new Set(images.filter((i) => !lock.get(i.repository, i.tag)?.pushed).map((i) => registryHost(i.repository)))].sort();
    for (const host of hosts) {
      const reason = await registryUnreachable(host);
      if (reason !== undefined) {
        throw new BuildInputError(`prodpath build: registry ${host} is not reachable (${reason}); nothing was built or pushed. Fix: check the network and your login (\`${engine.name} login ${host}\`), or build without --push.`);
      }
    }
    // A digest the lock calls pushed must still be in the registry, or every environment pinned
    // to it would fail to pull: check before anything is built, pushed or written.
    for (const image of images) {
      const locked = lock.get(image.repository, image.tag);
      if (locked?.pushed && locked.contentHash === image.contentHash) {
        const missing = await engine.registryMissing(image.repository, locked.digest);
        if (missing !== undefined) {
          throw new BuildInputError(`prodpath build: ${rel(lockFile)} records ${image.ref}@${locked.digest} as pushed, but registry ${registryHost(image.repository)} does not have it (${missing}); nothing was built or pushed, and the lock is unchanged. Fix: delete that entry (images["${image.repository}"]["${image.tag}"]) from ${rel(lockFile)} and run \`prodpath build --push\` again, or push to the registry the lock was written for.`);
        }
      }
    }
  }

  const results: BuiltImage[] = [];
  for (const [i, image] of images.entries()) {
    const label = `[${i + 1}/${images.length}] ${image.name}`;
    const locked = lock.get(image.repository, image.tag);
    if (options.push && locked?.pushed && locked.contentHash === image.contentHash) {
      io.out(`${label}: ${image.ref} is locked and pushed (${locked.digest}); nothing to do`);
      results.push({ name: image.name, ref: image.ref, digest: locked.digest, pushed: true, action: 'locked' });
      continue;
    }
    const started = Date.now();
    let action: BuiltImage['action'];
    const onLine = (line: string) => {
      if (options.verbose) {
        io.out(`  ${image.name} | ${line}`);
      } else {
        // podman: "[1/2] STEP 3/7: RUN npm ci"; docker (plain progress): "#8 [build 3/7] RUN npm ci".
        const step = /^((?:\[\d+\/\d+\] )?STEP \d+\/\d+: .*)$/.exec(line) ?? /^#\d+ (\[[^\]]+\] .*)$/.exec(line);
        if (step) {
          const text = step[1];
          io.out(`  ${image.name} | ${text.length > 110 ? `${text.slice(0, 107)}...` : text}`);
        }
      }
    };
    try {
      if (await engine.imageExists(image.ref)) {
        action = 'reused';
        io.out(`${label}: ${image.ref} exists already; not building it again`);
      } else {
        action = 'built';
        io.out(`${label}: building ${image.ref} for ${image.platforms.join(', ')}`);
        await engine.build(image, onLine, { push: options.push });
      }
      let digest: string;
      let pushed: boolean;
      if (options.push) {
        io.out(`${label}: pushing ${image.ref}`);
        digest = await engine.push(image.ref, registryHost(image.repository), image.platforms.length > 1, onLine);
        pushed = true;
      } else if (locked?.pushed && locked.contentHash === image.contentHash) {
        // Keep the registry's digest: a local one would only resolve on this machine.
        digest = locked.digest;
        pushed = true;
      } else {
        digest = await engine.localDigest(image.ref);
        pushed = false;
      }
      lock = updateLockFile(lockFile, (l) => l.with({ repository: image.repository, tag: image.tag, contentHash: image.contentHash, digest, platforms: image.platforms, pushed }));
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      io.out(`${label}: ${action === 'built' ? `built in ${seconds}s` : 'reused'}; locked ${digest}${pushed ? ' (pushed)' : ' (local build, not pushed)'}`);
      results.push({ name: image.name, ref: image.ref, digest, pushed, action });
    } catch (e) {
      if (e instanceof EngineError) {
        const pushing = options.push && /\bpush\b/.test(e.message);
        const fix = pushing
          ? ` The registry ${registryHost(image.repository)} refused the push or failed during it; ${rel(lockFile)} is unchanged for ${image.ref}. Fix: check that you may push to ${image.repository} (\`${engine.name} login ${registryHost(image.repository)}\`) and that the registry accepts writes, then run prodpath build --push again.`
          : '';
        throw new BuildFailedError(`prodpath build: ${image.name} failed: ${e.message}${fix === '' ? '' : `.${fix}`}`, e.output);
      }
      throw e;
    }
  }
  const count = (a: BuiltImage['action']) => results.filter((r) => r.action === a).length;
  io.out(`prodpath build: ${count('built')} built, ${count('reused')} reused, ${count('locked')} already locked; ${results.filter((r) => r.pushed).length} with a pushed digest; lock ${rel(lockFile)}`);
  return results;
}
