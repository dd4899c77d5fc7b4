/**
 * What every image recipe shares: the recipe interface, the options all recipes take
 * (base image, user, env, ignore rules, build args, target platforms) and their checks.
 * The recipes themselves live in `recipes/`; `recipe.ts` holds the public factory.
 */
import * as fs from 'fs';
import * as path from 'path';
import { IConstruct } from 'constructs';
import { ValidationError } from '../policy/errors';
import { checkCommand, checkHttpPath, hasLoneSurrogate } from '../policy/names';
import { CREDENTIAL_PATTERNS } from '../policy/image-rules';
import { execForm } from './dockerfile';

/** The numeric user and group an image runs as; the pods that run it use the same ids. */
export interface ImageUser {
  /** @default 10001 */
  readonly uid: number;
  /** @default 10001 */
  readonly gid: number;
}

/** How the image checks its own health (the Dockerfile HEALTHCHECK). */
export type ImageHealthCheck =
  /** GET `http://127.0.0.1:<port><path>` answers 2xx. */
  | { readonly kind: 'http'; readonly path: string }
  /** The command exits 0. */
  | { readonly kind: 'command'; readonly command: readonly string[] }
  /** No HEALTHCHECK (for images that are not long-running). */
  | { readonly kind: 'none' };

/** What a recipe produces for one image, given its context folder. */
export interface RenderedRecipe {
  /** The Dockerfile text. */
  readonly dockerfile: string;
  /** The .dockerignore patterns, in order. */
  readonly ignore: readonly string[];
  /** Files the Dockerfile copies by name: they must exist and must not be ignored. */
  readonly requiredFiles: readonly string[];
  /** The port the image listens on, if it serves traffic. */
  readonly port?: number;
  /** The HTTP health path, if the health check is HTTP. */
  readonly healthPath?: string;
  /** The health command, if the health check is a command. */
  readonly healthCommand?: readonly string[];
  /** The numeric user the image runs as. */
  readonly user: ImageUser;
  /**
   * The platforms to build for, sorted (`linux/amd64`, ...).
   * @default - [DEFAULT_PLATFORM] when a recipe leaves it out
   */
  readonly platforms?: readonly string[];
  /**
   * The build arguments, by name. The Dockerfile declares each with this value as its default,
   * so the value is part of the content hash; the bake file passes them too.
   * @default {}
   */
  readonly buildArgs?: Readonly<Record<string, string>>;
}

/**
 * A worker's liveness check, as an image run only by workers takes it for its HEALTHCHECK:
 * a command that exits 0, or a TCP port that accepts connections.
 */
export type WorkerImageCheck = { readonly exec: readonly string[] } | { readonly tcpPort: number };

/**
 * A recipe turns a source folder into a Dockerfile and ignore rules.
 * Use the factories on `ImageRecipe`.
 */
export interface IImageRecipe {
  /** The recipe's kind, for example `node`. */
  readonly kind: string;
  /** The build context folder, as given (relative to the app root, or absolute). */
  readonly source: string;
  /**
   * Checks the recipe against its context folder and renders it.
   * Throws a {@link ValidationError} naming `scope` for bad input.
   */
  render(scope: IConstruct, contextDir: string): RenderedRecipe;
  /**
   * The recipe for an image that only workers run, all with `check` as their liveness check:
   * no port, and `check` as the HEALTHCHECK. Undefined when the recipe's port or health check
   * was set (the user's choice stands) or the recipe cannot express it.
   */
  forWorkers?(check: WorkerImageCheck): IImageRecipe | undefined;
}

/**
 * What every recipe class shares: its options, and the context folder they name. A recipe
 * gives its `kind` and renders.
 */
export abstract class RecipeBase<O extends CommonRecipeOptions> implements IImageRecipe {
  public abstract readonly kind: string;
  public readonly source: string;

  constructor(protected readonly options: O) {
    this.source = options.source;
  }

  public abstract render(scope: IConstruct, contextDir: string): RenderedRecipe;
}

/** Options every recipe takes. */
export interface CommonRecipeOptions {
  /** The build context folder. Relative paths are resolved from the app root (where `cdk8s synth` runs). */
  readonly source: string;
  /**
   * The numeric user and group the app runs as (>= 10000, never root).
   * @default { uid: 10001, gid: 10001 }
   */
  readonly user?: ImageUser;
  /**
   * Extra environment variables baked into the final image. Secrets (by name or by value) are
   * refused at synth: they would stay in the image's layers.
   * @default {}
   */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Extra .dockerignore patterns, added after the defaults and the context's own `.dockerignore`.
   * @default []
   */
  readonly ignore?: readonly string[];
  /**
   * Build arguments, declared with these values as defaults (`ARG NAME="value"`) at the top of
   * the stage that runs the build, and passed by the bake file. Secrets (by name or by value)
   * are refused at synth: use a secret mount in a custom recipe for those.
   * @default {}
   */
  readonly buildArgs?: Readonly<Record<string, string>>;
  /**
   * The platforms to build the image for (`os/arch[/variant]`, such as `linux/amd64` or
   * `linux/arm64`). More than one gives a multi-platform image (an index under one tag).
   * @default ['linux/amd64']
   */
  readonly platforms?: readonly string[];
}

/** The default numeric user of generated images. */
export const DEFAULT_IMAGE_USER: ImageUser = { uid: 10001, gid: 10001 };

/** The platform images are built for when a recipe names none. */
export const DEFAULT_PLATFORM = 'linux/amd64';

/**
 * The platforms prodpath accepts: the Linux platforms BuildKit and podman build for
 * (the `os/arch[/variant]` values of the OCI image index).
 */
export const KNOWN_PLATFORMS: readonly string[] = [
  'linux/386',
  'linux/amd64',
  'linux/amd64/v2',
  'linux/amd64/v3',
  'linux/amd64/v4',
  'linux/arm/v5',
  'linux/arm/v6',
  'linux/arm/v7',
  'linux/arm64',
  'linux/arm64/v8',
  'linux/loong64',
  'linux/mips64le',
  'linux/ppc64le',
  'linux/riscv64',
  'linux/s390x',
];

/**
 * Ignore patterns every recipe starts with: VCS data, local dependencies, logs, Dockerfiles,
 * and every file tools write credentials into ({@link CREDENTIAL_PATTERNS}: env files, `.npmrc`,
 * `.aws/`, SSH and TLS keys, ...).
 */
export const BASE_IGNORE: readonly string[] = [
  '.git',
  '.gitignore',
  '.dockerignore',
  'Dockerfile*',
  'node_modules',
  '**/*.log',
  '**/.DS_Store',
  'coverage',
  ...CREDENTIAL_PATTERNS,
];

const TAGGED_IMAGE = /^(?:[a-z0-9.-]+(?::[0-9]+)?\/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*:([\w][\w.-]{0,127})(@sha256:[a-f0-9]{64})?$/;
const ARG_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Checks a base image reference: it must carry a tag that is not `latest`; a digest may follow. */
export function checkBaseImage(scope: IConstruct, field: string, value: unknown): string {
  const m = typeof value === 'string' ? TAGGED_IMAGE.exec(value) : null;
  if (!m || m[1] === 'latest') {
    throw new ValidationError(scope, {
      field,
      value,
      rule: 'a base image must be referenced by an explicit tag other than "latest" (a @sha256 digest may follow)',
      fix: 'use a reference such as "node:20-slim" or "node:20-slim@sha256:<64 hex>"',
    });
  }
  return value as string;
}

/** Checks the numeric user and group: integers from 10000, never root. */
export function checkUser(scope: IConstruct, user: ImageUser, field = 'user'): ImageUser {
  for (const key of ['uid', 'gid'] as const) {
    const v = user?.[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 10000 || v > 2147483647) {
      throw new ValidationError(scope, {
        field: `${field}.${key}`,
        value: v,
        rule: 'images run as a numeric non-root user and group of at least 10000 (Pod Security "restricted", kube-score)',
        fix: 'use { uid: 10001, gid: 10001 }',
      });
    }
  }
  return user;
}

/**
 * Refuses names that are not variable names and values that are not one-line strings. Secrets
 * (by name or value) are refused at synth by the `no-plaintext-secrets` rule on the Dockerfile.
 */
export function checkEnv(scope: IConstruct, env: Readonly<Record<string, string>>, field = 'env'): void {
  for (const [name, value] of Object.entries(env ?? {})) {
    if (!ARG_NAME.test(name)) {
      throw new ValidationError(scope, {
        field: `${field}.${name}`,
        value: name,
        rule: 'an environment variable name starts with a letter or \'_\' and holds only letters, digits and \'_\'',
        fix: 'use a name such as "LOG_LEVEL"',
      });
    }
    if (typeof value !== 'string' || /[\r\n]/.test(value)) {
      throw new ValidationError(scope, {
        field: `${field}.${name}`,
        value,
        rule: 'an environment value is a string on one line',
        fix: 'use a value such as "info"',
      });
    }
    if (hasLoneSurrogate(value)) {
      throw new ValidationError(scope, {
        field: `${field}.${name}`,
        value,
        rule: 'the value holds a lone UTF-16 surrogate, which is not valid Unicode (the Dockerfile would carry an escape instead of the character)',
        fix: 'write the character whole (both halves of the surrogate pair), or remove it',
      });
    }
  }
}

/** Checks build arguments: variable-like names, one-line string values (secrets are refused at synth, see {@link checkEnv}). */
export function checkBuildArgs(scope: IConstruct, args: unknown): Readonly<Record<string, string>> {
  if (args === undefined) {
    return {};
  }
  if (typeof args !== 'object' || args === null || Array.isArray(args)) {
    throw new ValidationError(scope, {
      field: 'buildArgs',
      value: args,
      rule: 'build arguments are an object of names to string values',
      fix: 'use { APP_VERSION: "1.2.3" }',
    });
  }
  const out: Record<string, string> = {};
  for (const name of Object.keys(args).sort()) {
    const value = (args as Record<string, unknown>)[name];
    if (!ARG_NAME.test(name)) {
      throw new ValidationError(scope, {
        field: `buildArgs.${name}`,
        value: name,
        rule: 'a build argument name starts with a letter or \'_\' and holds only letters, digits and \'_\'',
        fix: 'use a name such as "APP_VERSION"',
      });
    }
    if (typeof value !== 'string' || /[\r\n]/.test(value)) {
      throw new ValidationError(scope, {
        field: `buildArgs.${name}`,
        value,
        rule: 'a build argument value is a string on one line',
        fix: 'use a value such as "1.2.3"',
      });
    }
    out[name] = value;
  }
  return out;
}

/** Checks target platforms against {@link KNOWN_PLATFORMS}; returns them sorted, without duplicates. */
export function checkPlatforms(scope: IConstruct, value: unknown): readonly string[] {
  if (value === undefined) {
    return [DEFAULT_PLATFORM];
  }
  const fix = `use platforms from ${['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'linux/ppc64le', 'linux/s390x'].join(', ')} (see KNOWN_PLATFORMS)`;
  if (!Array.isArray(value) || value.length === 0) {
    throw new ValidationError(scope, {
      field: 'platforms',
      value,
      rule: 'platforms is a non-empty list of os/arch[/variant] names',
      fix,
    });
  }
  for (const p of value) {
    if (typeof p !== 'string' || !KNOWN_PLATFORMS.includes(p)) {
      throw new ValidationError(scope, {
        field: 'platforms',
        value,
        rule: `${JSON.stringify(p)} is not a known target platform (os/arch[/variant], Linux only)`,
        fix,
      });
    }
  }
  if (new Set(value).size !== value.length) {
    throw new ValidationError(scope, {
      field: 'platforms',
      value,
      rule: 'each platform may be listed once',
      fix: 'remove the duplicate',
    });
  }
  return [...(value as string[])].sort();
}

/** Checks a health check's own fields (an HTTP path, or a command). */
export function checkHealthCheck(scope: IConstruct, check: ImageHealthCheck): ImageHealthCheck {
  switch (check?.kind) {
    case 'http':
      checkHttpPath(scope, 'healthCheck.path', check.path);
      return check;
    case 'command':
      checkCommand(scope, 'healthCheck.command', check.command, '["/app/server", "-healthcheck"]');
      return check;
    case 'none':
      return check;
    default:
      throw new ValidationError(scope, {
        field: 'healthCheck',
        value: check,
        rule: 'a health check is { kind: "http", path }, { kind: "command", command } or { kind: "none" }',
        fix: 'use { kind: "http", path: "/healthz" }',
      });
  }
}

/** The timing flags of every generated HEALTHCHECK. */
export const HEALTHCHECK_TIMING = '--interval=10s --timeout=3s --start-period=5s --retries=3';

/** Renders the `HEALTHCHECK` line for a check, with `httpProbe` turning a URL into the command that probes it. */
export function healthCheckLine(check: ImageHealthCheck, port: number | undefined, httpProbe: (url: string) => readonly string[]): string | undefined {
  switch (check.kind) {
    case 'none':
      return undefined;
    case 'command':
      return `HEALTHCHECK ${HEALTHCHECK_TIMING} CMD ${execForm(check.command)}`;
    case 'http':
      return `HEALTHCHECK ${HEALTHCHECK_TIMING} CMD ${execForm(httpProbe(`http://127.0.0.1:${port ?? 8080}${check.path}`))}`;
  }
}

/** Renders the `HEALTHCHECK` line of a Node image: an HTTP check is run with node itself, so the image needs no curl. */
export function healthCheckInstruction(check: ImageHealthCheck, port: number | undefined): string | undefined {
  return healthCheckLine(check, port, (url) => ['node', '-e',
    `require('http').get('${url}', (r) => process.exit(r.statusCode >= 200 && r.statusCode < 300 ? 0 : 1)).on('error', () => process.exit(1))`]);
}

/** `ARG NAME="value"` lines, sorted by name. */
export function argLines(args: Readonly<Record<string, string>>): string[] {
  return Object.keys(args).sort().map((k) => `ARG ${k}=${JSON.stringify(args[k])}`);
}

/** `ENV A="1" B="2"` for the given variables after the fixed ones (which keep their order), or nothing. */
export function envLine(fixed: readonly string[], env: Readonly<Record<string, string>>): string[] {
  const all = [...fixed, ...Object.keys(env).sort().map((k) => `${k}=${JSON.stringify(env[k])}`)];
  return all.length > 0 ? [`ENV ${all.join(' ')}`] : [];
}

/** Whether `rel` exists below `dir` as a file. */
export function hasFile(dir: string, rel: string): boolean {
  try {
    return fs.statSync(path.join(dir, rel)).isFile();
  } catch {
    return false;
  }
}

/** Whether `rel` exists below `dir` as a folder. */
export function hasDir(dir: string, rel: string): boolean {
  try {
    return fs.statSync(path.join(dir, rel)).isDirectory();
  } catch {
    return false;
  }
}

/** Checks the optional one-line shell command a recipe runs after copying the source. */
export function checkBuildCommand(scope: IConstruct, value: unknown, example: string): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'string' || value.trim() === '' || /[\r\n]/.test(value)) {
    throw new ValidationError(scope, {
      field: 'build',
      value,
      rule: 'a build command is one non-empty line of shell',
      fix: `use "${example}", or leave build out`,
    });
  }
  return value;
}

/** Checks a path relative to the source folder: no absolute path, no `..`, `/` separators. */
export function checkRelativePath(scope: IConstruct, field: string, value: unknown, example: string): string {
  if (typeof value !== 'string' || value === '' || value.startsWith('/') || value.includes('\\')
    || value.split('/').some((s) => s === '..') || /[\s"'$`]/.test(value)) {
    throw new ValidationError(scope, {
      field,
      value,
      rule: 'a path inside the source folder is relative, uses \'/\', and has no \'..\', spaces or quotes',
      fix: `use a path such as "${example}"`,
    });
  }
  return value.replace(/^\.\/(?=.)/, '').replace(/\/+$/, '') || '.';
}
