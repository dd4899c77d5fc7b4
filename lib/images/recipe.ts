import * as fs from 'fs';
import * as path from 'path';
import { IConstruct } from 'constructs';
import { ValidationError } from '../policy/errors';
import { checkHttpPath, checkPort, looksSecret } from '../policy/names';
import { DockerfileModel, execForm, renderDockerfile } from './dockerfile';

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
  /** The numeric user the image runs as. */
  readonly user: ImageUser;
}

/**
 * A recipe turns a source folder into a Dockerfile and ignore rules.
 * Use the factories on {@link ImageRecipe}.
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
}

/** Options for {@link ImageRecipe.node}. */
export interface NodeRecipeOptions {
  /** The build context: the folder with `package.json` and `package-lock.json`. Relative paths are resolved from the app root (where `cdk8s synth` runs). */
  readonly source: string;
  /** The command that starts the app, in exec form. */
  readonly start: readonly string[];
  /**
   * A build command run after the source is copied, for example `npm run build`.
   * @default - no build step
   */
  readonly build?: string;
  /**
   * Folders the build creates; they are left out of the build context.
   * @default ['dist'] when `build` is set, otherwise []
   */
  readonly buildOutput?: readonly string[];
  /**
   * The port the app listens on; exposed and passed as `PORT`.
   * @default 8080
   */
  readonly port?: number;
  /**
   * The health check. An HTTP check is run with node itself, so the image needs no curl.
   * @default { kind: 'http', path: '/healthz' }
   */
  readonly healthCheck?: ImageHealthCheck;
  /**
   * The base image, with a tag; a digest may follow (`node:20-slim@sha256:...`).
   * @default 'node:20-slim'
   */
  readonly baseImage?: string;
  /**
   * The numeric user and group the app runs as (>= 10000, never root).
   * @default { uid: 10001, gid: 10001 }
   */
  readonly user?: ImageUser;
  /**
   * Extra environment variables baked into the image. Names that look secret are refused.
   * @default {}
   */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Extra .dockerignore patterns, added after the defaults and the context's own `.dockerignore`.
   * @default []
   */
  readonly ignore?: readonly string[];
}

/** The default numeric user of generated images. */
export const DEFAULT_IMAGE_USER: ImageUser = { uid: 10001, gid: 10001 };

/** Ignore patterns every recipe starts with: VCS data, local dependencies, env files, logs, Dockerfiles. */
export const BASE_IGNORE: readonly string[] = [
  '.git',
  '.gitignore',
  '.dockerignore',
  'Dockerfile*',
  'node_modules',
  '**/.env',
  '**/.env.*',
  '**/*.env',
  '**/*.log',
  '**/.DS_Store',
  'coverage',
];

const TAGGED_IMAGE = /^(?:[a-z0-9.-]+(?::[0-9]+)?\/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*:([\w][\w.-]{0,127})(@sha256:[a-f0-9]{64})?$/;

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

function checkUser(scope: IConstruct, user: ImageUser): ImageUser {
  for (const key of ['uid', 'gid'] as const) {
    const v = user[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 10000 || v > 2147483647) {
      throw new ValidationError(scope, {
        field: `user.${key}`,
        value: v,
        rule: 'images run as a numeric non-root user and group of at least 10000 (Pod Security "restricted", kube-score)',
        fix: 'use { uid: 10001, gid: 10001 }',
      });
    }
  }
  return user;
}

function checkCommand(scope: IConstruct, field: string, value: unknown): readonly string[] {
  if (!Array.isArray(value) || value.length === 0 || value.some((a) => typeof a !== 'string') || (value[0] as string).trim() === '') {
    throw new ValidationError(scope, {
      field,
      value,
      rule: 'a command is a non-empty list of strings in exec form, the first naming the program',
      fix: 'use ["node", "dist/server.js"]',
    });
  }
  return value as string[];
}

function checkEnv(scope: IConstruct, env: Readonly<Record<string, string>>): void {
  for (const name of Object.keys(env)) {
    if (looksSecret(name)) {
      throw new ValidationError(scope, {
        field: `env.${name}`,
        value: name,
        rule: 'secret-looking names may not be baked into an image as ENV (they stay in its layers)',
        fix: 'pass the value at run time from a secret reference instead',
      });
    }
  }
}

/** Renders the `HEALTHCHECK` line for a check. */
export function healthCheckInstruction(check: ImageHealthCheck, port: number | undefined): string | undefined {
  const timing = '--interval=10s --timeout=3s --start-period=5s --retries=3';
  switch (check.kind) {
    case 'none':
      return undefined;
    case 'command':
      return `HEALTHCHECK ${timing} CMD ${execForm(check.command)}`;
    case 'http': {
      const url = `http://127.0.0.1:${port ?? 8080}${check.path}`;
      const script = `require('http').get('${url}', (r) => process.exit(r.statusCode >= 200 && r.statusCode < 300 ? 0 : 1)).on('error', () => process.exit(1))`;
      return `HEALTHCHECK ${timing} CMD ${execForm(['node', '-e', script])}`;
    }
  }
}

class NodeRecipe implements IImageRecipe {
  public readonly kind = 'node';
  public readonly source: string;

  constructor(private readonly options: NodeRecipeOptions) {
    this.source = options.source;
  }

  public render(scope: IConstruct, contextDir: string): RenderedRecipe {
    const o = this.options;
    const start = checkCommand(scope, 'start', o.start);
    const port = checkPort(scope, 'port', o.port ?? 8080);
    const health: ImageHealthCheck = o.healthCheck ?? { kind: 'http', path: '/healthz' };
    if (health.kind === 'http') {
      checkHttpPath(scope, 'healthCheck.path', health.path);
    } else if (health.kind === 'command') {
      checkCommand(scope, 'healthCheck.command', health.command);
    }
    const baseImage = checkBaseImage(scope, 'baseImage', o.baseImage ?? 'node:20-slim');
    const user = checkUser(scope, o.user ?? DEFAULT_IMAGE_USER);
    const env = o.env ?? {};
    checkEnv(scope, env);
    if (o.build !== undefined && o.build.trim() === '') {
      throw new ValidationError(scope, {
        field: 'build',
        value: o.build,
        rule: 'a build command may not be empty',
        fix: 'use "npm run build", or leave build out',
      });
    }

    const lockfile = 'package-lock.json';
    for (const file of ['package.json', lockfile]) {
      if (!fs.existsSync(path.join(contextDir, file))) {
        throw new ValidationError(scope, {
          field: 'source',
          value: o.source,
          rule: `the Node recipe needs ${file} in its source folder (dependencies are installed with \`npm ci\` from the lockfile)`,
          fix: file === lockfile ? 'run `npm install` in that folder and commit package-lock.json' : 'point source at the folder that holds package.json',
        });
      }
    }

    const buildStage: string[] = [
      'WORKDIR /app',
      `COPY package.json ${lockfile} ./`,
      'RUN npm ci --no-audit --no-fund',
      'COPY . .',
    ];
    if (o.build !== undefined) {
      buildStage.push(`RUN ${o.build}`);
    }
    buildStage.push('RUN npm prune --omit=dev --no-audit --no-fund');

    const envLines = [`NODE_ENV=production`, `PORT=${port}`,
      ...Object.keys(env).sort().map((k) => `${k}=${JSON.stringify(env[k])}`)];
    const runtime: string[] = [
      'WORKDIR /app',
      `ENV ${envLines.join(' ')}`,
      'COPY --from=build /app /app',
      `USER ${user.uid}:${user.gid}`,
      `EXPOSE ${port}`,
    ];
    const healthLine = healthCheckInstruction(health, port);
    if (healthLine) {
      runtime.push(healthLine);
    }
    runtime.push(`CMD ${execForm(start)}`);

    const model: DockerfileModel = {
      header: 'Generated by prodpath from ImageRecipe.node. Do not edit: change the recipe and run `cdk8s synth`.',
      stages: [
        { name: 'build', from: baseImage, instructions: buildStage },
        { name: 'runtime', from: baseImage, instructions: runtime },
      ],
    };

    const buildOutput = o.buildOutput ?? (o.build !== undefined ? ['dist'] : []);
    const ignore = [...BASE_IGNORE, '**/npm-debug.log*', ...buildOutput, ...(o.ignore ?? [])];
    const requiredFiles = ['package.json', lockfile];
    // Without a build step, the start script must come from the context itself.
    if (o.build === undefined && start[0] === 'node' && start.length > 1 && !start[1].startsWith('-')) {
      requiredFiles.push(start[1]);
    }
    return {
      dockerfile: renderDockerfile(model),
      ignore,
      requiredFiles,
      port,
      healthPath: health.kind === 'http' ? health.path : undefined,
      user,
    };
  }
}

/**
 * Factories for image recipes, one per ecosystem.
 *
 * @example
 * ImageRecipe.node({ source: 'services/api', build: 'npm run build', start: ['node', 'dist/server.js'] })
 */
export class ImageRecipe {
  /**
   * A Node.js (npm) image: a build stage installs dependencies with `npm ci` from the lockfile
   * before the source is copied (so a source-only change reuses that layer), runs the optional
   * build and prunes dev dependencies; the runtime stage holds only the result, runs as a
   * numeric non-root user and checks its own health with node.
   */
  public static node(options: NodeRecipeOptions): IImageRecipe {
    return new NodeRecipe(options);
  }

  private constructor() {}
}
