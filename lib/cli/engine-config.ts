/**
 * The engine configuration `prodpath build` shares with CI and the README's setup: one shell
 * file of `export NAME='value'` lines, such as the `env.sh` that `.ci/podman-setup.sh` writes.
 * Its variables reach the engine's processes (`CONTAINERS_CONF`, `DOCKER_HOST`, ...), and
 * `PODMAN_FLAGS` / `DOCKER_FLAGS` are put before every podman / docker command (a private
 * store: `--root ... --runroot ...`).
 *
 * Named with `--engine-config <file>`, or by the `PRODPATH_ENGINE_CONFIG` variable (which the
 * setup's `env.sh` exports, so `source /tmp/prodpath-podman/env.sh` is enough).
 */
import * as fs from 'fs';
import type { EngineName } from '../images/engine';

/** The variable that names the engine configuration file when `--engine-config` is not given. */
export const ENGINE_CONFIG_VARIABLE = 'PRODPATH_ENGINE_CONFIG';

/** An engine configuration file, read. */
export interface EngineConfig {
  /** The file. */
  readonly file: string;
  /** The variables it exports, for the engine's environment. */
  readonly env: Readonly<Record<string, string>>;
  /** The arguments put before each engine's commands. */
  readonly globalArgs: Readonly<Record<EngineName, readonly string[]>>;
}

/** Thrown for an engine configuration file that cannot be read. */
export class EngineConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EngineConfigError';
  }
}

/**
 * Reads an engine configuration file: `export NAME='value'`, `export NAME="value"`,
 * `export NAME=value` or `NAME=...` lines; blank lines and `#` comments are skipped. Anything
 * else is an error (the file is read, never run).
 */
export function readEngineConfig(file: string): EngineConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new EngineConfigError(`the engine configuration ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). Fix: run the setup that writes it (bash .ci/podman-setup.sh writes /tmp/prodpath-podman/env.sh), or point --engine-config / ${ENGINE_CONFIG_VARIABLE} at the right file.`);
  }
  const env: Record<string, string> = {};
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) {
      continue;
    }
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(?:'([^']*)'|"([^"$`\\]*)"|([^\s'"$`\\;&|]*))$/.exec(line);
    if (!m) {
      throw new EngineConfigError(`${file}:${i + 1}: ${JSON.stringify(line)} is not a NAME='value' line. Fix: the engine configuration holds only lines such as export PODMAN_FLAGS='--root /var/lib/x'; it is read, not run by a shell.`);
    }
    env[m[1]] = m[2] ?? m[3] ?? m[4] ?? '';
  }
  const words = (s: string | undefined) => (s ?? '').split(/\s+/).filter(Boolean);
  return { file, env, globalArgs: { podman: words(env.PODMAN_FLAGS), docker: words(env.DOCKER_FLAGS) } };
}
