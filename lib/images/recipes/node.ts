import * as fs from 'fs';
import * as path from 'path';
import { IConstruct } from 'constructs';
import { ValidationError } from '../../policy/errors';
import { checkCommand, checkPort } from '../../policy/names';
import { DockerfileModel, DockerfileStage, execForm, renderDockerfile } from '../dockerfile';
import {
  argLines, BASE_IGNORE, checkBaseImage, checkBuildArgs, checkBuildCommand, checkEnv, checkHealthCheck,
  checkPlatforms, checkRelativePath, checkUser, CommonRecipeOptions, DEFAULT_IMAGE_USER, envLine, hasDir, hasFile, healthCheckInstruction,
  RecipeBase, ImageHealthCheck, RenderedRecipe, WorkerImageCheck,
} from '../recipe-base';

/** The package managers the Node recipe installs dependencies with. */
export type NodePackageManager = 'npm' | 'pnpm' | 'yarn';

/** Options for `ImageRecipe.node`. */
export interface NodeRecipeOptions extends CommonRecipeOptions {
  /**
   * The build context: the folder with `package.json` and a lockfile (`package-lock.json`,
   * `pnpm-lock.yaml` or `yarn.lock`). Relative paths are resolved from the app root.
   */
  readonly source: string;
  /** The command that starts the app, in exec form. */
  readonly start: readonly string[];
  /**
   * A build command run after the source is copied, for example `npm run build`.
   * @default - no build step
   */
  readonly build?: string;
  /**
   * Folders the build creates: they are left out of the build context, and copied from the
   * build stage into the image (next to the source and the production dependencies).
   * @default ['dist'] when `build` is set, otherwise []
   */
  readonly buildOutput?: readonly string[];
  /**
   * The port the app listens on; exposed and passed as `PORT`. `false` for an image that serves
   * nothing, such as a queue worker: no `EXPOSE`, no `PORT`, and its health check is a command
   * (a `Worker` running the image then takes that command as its probe).
   * @default 8080; for an image only workers run, all with one check: none (see `healthCheck`)
   */
  readonly port?: number | false;
  /**
   * The health check. An HTTP check is run with node itself, so the image needs no curl.
   * @default { kind: 'http', path: '/healthz' }; with `port: false`, required and a command;
   * left out with `port` also left out, for an image that only workers run, all with the same
   * check: that check (an exec command as is, a TCP port checked with node), decided at synth
   */
  readonly healthCheck?: ImageHealthCheck;
  /**
   * The base image, with a tag; a digest may follow (`node:20-slim@sha256:...`).
   * @default 'node:20-slim'
   */
  readonly baseImage?: string;
  /**
   * The package manager. pnpm and yarn are installed with npm in the build stages, at the
   * version package.json's `packageManager` field names, or a pinned default.
   * @default - detected from the lockfile in the source folder
   */
  readonly packageManager?: NodePackageManager;
}

/** The lockfile each package manager installs from. */
export const NODE_LOCKFILES: Readonly<Record<NodePackageManager, string>> = {
  npm: 'package-lock.json',
  pnpm: 'pnpm-lock.yaml',
  yarn: 'yarn.lock',
};

/** The pnpm and yarn versions installed when package.json does not name one in `packageManager`. */
export const DEFAULT_PACKAGE_MANAGER_VERSIONS = { pnpm: '9.15.9', yarn: '1.22.22', yarnBerry: '4.9.2' } as const;

/** How a Node project's dependencies are installed: all of them for the build, the production ones for the image. */
export interface NodeInstallPlan {
  /** The package manager, with yarn 2+ reported as `yarn` and `berry: true`. */
  readonly manager: NodePackageManager;
  /** Yarn 2 or later (Berry). */
  readonly berry: boolean;
  /** Instructions that prepare the package manager (nothing for npm). */
  readonly setup: readonly string[];
  /** The COPY of the dependency manifests, then the install of every dependency (for the build). */
  readonly install: readonly string[];
  /** The COPY of the dependency manifests, then the install of the production dependencies only. */
  readonly prodInstall: readonly string[];
  /** The files the install copies by name. */
  readonly requiredFiles: readonly string[];
  /** Ignore patterns for the package manager's own litter. */
  readonly ignore: readonly string[];
}

/**
 * Works out how to install a Node project's dependencies from its lockfile: npm (`npm ci`),
 * pnpm (`pnpm install --frozen-lockfile`) or yarn (`--frozen-lockfile`, or `--immutable` for
 * yarn 2+). Throws when the lockfile is missing or ambiguous.
 */
export function planNodeInstall(scope: IConstruct, contextDir: string, source: string, forced?: NodePackageManager): NodeInstallPlan {
  if (!hasFile(contextDir, 'package.json')) {
    throw new ValidationError(scope, {
      field: 'source',
      value: source,
      rule: 'the Node recipe needs package.json in its source folder (dependencies are installed from it and its lockfile)',
      fix: 'point source at the folder that holds package.json',
    });
  }
  if (forced !== undefined && !(forced in NODE_LOCKFILES)) {
    throw new ValidationError(scope, {
      field: 'packageManager',
      value: forced,
      rule: 'the package manager is one of npm, pnpm or yarn',
      fix: 'use "npm", "pnpm" or "yarn", or leave it out to detect it from the lockfile',
    });
  }
  const present = (Object.keys(NODE_LOCKFILES) as NodePackageManager[]).filter((m) => hasFile(contextDir, NODE_LOCKFILES[m]));
  let manager: NodePackageManager;
  if (forced !== undefined) {
    if (!present.includes(forced)) {
      throw new ValidationError(scope, {
        field: 'source',
        value: source,
        rule: `the Node recipe with packageManager "${forced}" needs ${NODE_LOCKFILES[forced]} in its source folder (dependencies are installed from the lockfile)`,
        fix: `run \`${forced} install\` in that folder and commit ${NODE_LOCKFILES[forced]}`,
      });
    }
    manager = forced;
  } else if (present.length === 0) {
    throw new ValidationError(scope, {
      field: 'source',
      value: source,
      rule: 'the Node recipe needs package-lock.json in its source folder, or pnpm-lock.yaml or yarn.lock (dependencies are installed with `npm ci`, pnpm or yarn from the lockfile)',
      fix: 'run `npm install` in that folder and commit package-lock.json (or the pnpm or yarn lockfile)',
    });
  } else if (present.length > 1) {
    throw new ValidationError(scope, {
      field: 'source',
      value: source,
      rule: `the source folder holds more than one lockfile (${present.map((m) => NODE_LOCKFILES[m]).join(', ')}), so the package manager is ambiguous`,
      fix: 'delete the lockfiles of the package managers you do not use, or set packageManager',
    });
  } else {
    manager = present[0];
  }

  const declared = declaredPackageManager(scope, contextDir);
  if (declared && declared.name !== manager) {
    throw new ValidationError(scope, {
      field: 'packageManager',
      value: `${declared.name}@${declared.version}`,
      rule: `package.json's packageManager field names ${declared.name}, but the recipe installs with ${manager} (from ${NODE_LOCKFILES[manager]})`,
      fix: `make the two agree: change packageManager in package.json, or set packageManager: "${declared.name}" on the recipe`,
    });
  }

  const lockfile = NODE_LOCKFILES[manager];
  const optional = (files: readonly string[]) => files.filter((f) => hasFile(contextDir, f));
  // The defaults leave out every .npmrc (it is where npm keeps tokens); the one the install
  // copies is brought back, and synth refuses it when it holds a credential.
  const npmrc = (files: readonly string[]) => (files.includes('.npmrc') ? ['!.npmrc'] : []);
  if (manager === 'npm') {
    const files = ['package.json', lockfile, ...optional(['.npmrc'])];
    return {
      manager,
      berry: false,
      setup: [],
      install: [`COPY ${files.join(' ')} ./`, 'RUN npm ci --no-audit --no-fund'],
      prodInstall: [`COPY ${files.join(' ')} ./`, 'RUN npm ci --omit=dev --no-audit --no-fund'],
      requiredFiles: files,
      ignore: ['**/npm-debug.log*', ...npmrc(files)],
    };
  }
  const berry = manager === 'yarn' && (hasFile(contextDir, '.yarnrc.yml') || /^__metadata:/m.test(fs.readFileSync(path.join(contextDir, lockfile), 'utf8')));
  const version = declared?.version ?? (manager === 'pnpm' ? DEFAULT_PACKAGE_MANAGER_VERSIONS.pnpm : berry ? DEFAULT_PACKAGE_MANAGER_VERSIONS.yarnBerry : DEFAULT_PACKAGE_MANAGER_VERSIONS.yarn);
  // Installed with npm, at a pinned version, from the registry npm is configured for: works on
  // the official images (which ship yarn 1, hence --force) and behind registry mirrors.
  const tool = manager === 'pnpm' ? 'pnpm' : berry ? '@yarnpkg/cli-dist' : 'yarn';
  const setup = [`RUN npm install --global ${manager === 'yarn' ? '--force ' : ''}${tool}@${version} --no-audit --no-fund`];
  if (manager === 'pnpm') {
    const files = ['package.json', lockfile, ...optional(['pnpm-workspace.yaml', '.npmrc', '.pnpmfile.cjs'])];
    return {
      manager,
      berry: false,
      setup,
      install: [`COPY ${files.join(' ')} ./`, 'RUN pnpm install --frozen-lockfile'],
      prodInstall: [`COPY ${files.join(' ')} ./`, 'RUN pnpm install --frozen-lockfile --prod'],
      requiredFiles: files,
      ignore: ['.pnpm-store', '**/npm-debug.log*', ...npmrc(files)],
    };
  }
  if (!berry) {
    const files = ['package.json', lockfile, ...optional(['.yarnrc', '.npmrc'])];
    return {
      manager,
      berry,
      setup,
      install: [`COPY ${files.join(' ')} ./`, 'RUN yarn install --frozen-lockfile --non-interactive'],
      prodInstall: [`COPY ${files.join(' ')} ./`, 'RUN yarn install --frozen-lockfile --non-interactive --production'],
      requiredFiles: files,
      ignore: [...npmrc(files)],
    };
  }
  const files = ['package.json', lockfile, ...optional(['.yarnrc.yml'])];
  const copies = [`COPY ${files.join(' ')} ./`];
  for (const dir of ['.yarn/releases', '.yarn/plugins']) {
    if (hasDir(contextDir, dir)) {
      copies.push(`COPY ${dir} ./${dir}`);
    }
  }
  return {
    manager,
    berry,
    setup,
    install: [...copies, 'RUN yarn install --immutable'],
    prodInstall: [...copies, 'RUN yarn workspaces focus --all --production'],
    requiredFiles: files,
    ignore: ['.yarn/cache', '.yarn/install-state.gz', '.pnp.*'],
  };
}

/** package.json's `packageManager` field (`pnpm@9.1.0+sha512...`), when it names a manager. */
function declaredPackageManager(scope: IConstruct, contextDir: string): { name: NodePackageManager; version: string } | undefined {
  let pkg: any;
  try {
    pkg = JSON.parse(fs.readFileSync(path.join(contextDir, 'package.json'), 'utf8'));
  } catch (e) {
    throw new ValidationError(scope, {
      field: 'package.json',
      value: (e as Error).message,
      rule: 'package.json must be valid JSON',
      fix: 'fix the syntax of package.json',
    });
  }
  const field = pkg?.packageManager;
  if (field === undefined) {
    return undefined;
  }
  const m = typeof field === 'string' ? /^(npm|pnpm|yarn)@(\d+\.\d+\.\d+(?:-[\w.]+)?)(?:\+[\w.-]+)?$/.exec(field) : null;
  if (!m) {
    throw new ValidationError(scope, {
      field: 'package.json packageManager',
      value: field,
      rule: 'the packageManager field names npm, pnpm or yarn with an exact version',
      fix: 'use a value such as "pnpm@9.15.9"',
    });
  }
  return { name: m[1] as NodePackageManager, version: m[2] };
}

/** A command, run with the image's own node, that exits 0 when `port` on 127.0.0.1 accepts a connection. */
export function nodeTcpCheck(port: number): string[] {
  return ['node', '-e', `require('net').connect(${port}, '127.0.0.1').on('connect', () => process.exit(0)).on('error', () => process.exit(1))`];
}

/** The Node.js recipe: see `ImageRecipe.node`. */
export class NodeRecipe extends RecipeBase<NodeRecipeOptions> {
  public readonly kind = 'node';

  /**
   * Left at its defaults (no `port`, no `healthCheck`), an image only workers run serves no
   * HTTP: no port, and the workers' own check as its HEALTHCHECK (a TCP check runs with node).
   */
  public forWorkers(check: WorkerImageCheck): NodeRecipe | undefined {
    if (this.options.port !== undefined || this.options.healthCheck !== undefined) {
      return undefined;
    }
    const command = 'exec' in check ? check.exec : nodeTcpCheck(check.tcpPort);
    return new NodeRecipe({ ...this.options, port: false, healthCheck: { kind: 'command', command: [...command] } });
  }

  public render(scope: IConstruct, contextDir: string): RenderedRecipe {
    const o = this.options;
    const start = checkCommand(scope, 'start', o.start);
    const serves = o.port !== false;
    const port = serves ? checkPort(scope, 'port', o.port ?? 8080) : undefined;
    if (!serves && o.healthCheck?.kind !== 'command') {
      throw new ValidationError(scope, {
        field: 'healthCheck',
        value: o.healthCheck,
        rule: 'an image with port: false serves no HTTP, so its HEALTHCHECK runs a command (the one its worker is checked with)',
        fix: 'use healthCheck: { kind: "command", command: ["node", "dist/worker.js", "--check"] }',
      });
    }
    const health = checkHealthCheck(scope, o.healthCheck ?? { kind: 'http', path: '/healthz' });
    const baseImage = checkBaseImage(scope, 'baseImage', o.baseImage ?? 'node:20-slim');
    const user = checkUser(scope, o.user ?? DEFAULT_IMAGE_USER);
    const env = o.env ?? {};
    checkEnv(scope, env);
    const build = checkBuildCommand(scope, o.build, 'npm run build');
    const buildArgs = checkBuildArgs(scope, o.buildArgs);
    const platforms = checkPlatforms(scope, o.platforms);
    const plan = planNodeInstall(scope, contextDir, o.source, o.packageManager);

    const buildOutput = o.buildOutput ?? (build !== undefined ? ['dist'] : []);
    buildOutput.forEach((dir, i) => checkRelativePath(scope, `buildOutput[${i}]`, dir, 'dist'));
    const stages: DockerfileStage[] = [];
    if (build !== undefined) {
      stages.push({
        name: 'build',
        from: baseImage,
        instructions: ['WORKDIR /app', ...argLines(buildArgs), ...plan.setup, ...plan.install, 'COPY . .', `RUN ${build}`],
      });
    }
    // Production dependencies in their own stage: they depend on the manifests alone, so a
    // source-only change reuses them (and the image's layer holding them) as they are.
    stages.push({
      name: 'deps',
      from: baseImage,
      instructions: ['WORKDIR /app', ...argLines(buildArgs), ...plan.setup, ...plan.prodInstall],
    });

    // What does not depend on the source comes before the copies, so a rebuild reuses it.
    const runtime: string[] = [
      'WORKDIR /app',
      ...envLine(['NODE_ENV=production', ...(port === undefined ? [] : [`PORT=${port}`])], env),
      ...(port === undefined ? [] : [`EXPOSE ${port}`]),
    ];
    const healthLine = healthCheckInstruction(health, port);
    if (healthLine) {
      runtime.push(healthLine);
    }
    runtime.push(
      'COPY --from=deps /app ./',
      'COPY . .',
      ...(build === undefined ? [] : buildOutput.map((dir) => `COPY --from=build /app/${dir} ./${dir}`)),
      `USER ${user.uid}:${user.gid}`,
      `CMD ${execForm(start)}`,
    );
    stages.push({ name: 'runtime', from: baseImage, instructions: runtime });

    const model: DockerfileModel = {
      header: 'Generated by prodpath from ImageRecipe.node. Do not edit: change the recipe and run `cdk8s synth`.',
      stages,
    };

    const ignore = [...BASE_IGNORE, ...plan.ignore, ...buildOutput, ...(o.ignore ?? [])];
    const requiredFiles = [...plan.requiredFiles];
    // Without a build step, the start script must come from the context itself.
    if (build === undefined && start[0] === 'node' && start.length > 1 && !start[1].startsWith('-')) {
      requiredFiles.push(start[1]);
    }
    return {
      dockerfile: renderDockerfile(model),
      ignore,
      requiredFiles,
      port,
      healthPath: health.kind === 'http' ? health.path : undefined,
      healthCommand: health.kind === 'command' ? health.command : undefined,
      user,
      platforms,
      buildArgs,
    };
  }
}
