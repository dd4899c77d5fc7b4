import { IConstruct } from 'constructs';
import { ValidationError } from '../../policy/errors';
import { checkPort } from '../../policy/names';
import { DockerfileStage, execForm, renderDockerfile } from '../dockerfile';
import {
  argLines, BASE_IGNORE, checkBaseImage, checkBuildArgs, checkBuildCommand, checkEnv, checkHealthCheck, checkPlatforms,
  checkRelativePath, checkUser, CommonRecipeOptions, DEFAULT_IMAGE_USER, envLine, hasFile, healthCheckLine, RecipeBase,
  ImageHealthCheck, RenderedRecipe,
} from '../recipe-base';
import { NodePackageManager, planNodeInstall } from './node';

/** Options for `ImageRecipe.staticSite`. */
export interface StaticSiteRecipeOptions extends CommonRecipeOptions {
  /** The build context: the site's files, or the Node project that builds them. */
  readonly source: string;
  /**
   * A Node build that produces the site (`npm run build`), run in a build stage after the
   * dependencies are installed from the lockfile (npm, pnpm or yarn, as for `ImageRecipe.node`).
   * @default - no build: the files are served as they are
   */
  readonly build?: string;
  /**
   * The folder that is served, relative to the source folder (with `build`: the folder the build writes).
   * @default '.' without a build, 'dist' with one
   */
  readonly root?: string;
  /**
   * The port the server listens on (unprivileged: 1024 or above is best).
   * @default 8080
   */
  readonly port?: number;
  /**
   * The health check; an HTTP check is run with the server image's own wget.
   * @default { kind: 'http', path: '/' }
   */
  readonly healthCheck?: ImageHealthCheck;
  /**
   * The server image: a BusyBox with its `httpd` and `wget` applets, which serves the files
   * as the numeric non-root user, from a read-only root filesystem.
   * @default 'busybox:1.36'
   */
  readonly baseImage?: string;
  /**
   * The image of the build stage, when there is a build.
   * @default 'node:20-slim'
   */
  readonly buildImage?: string;
  /**
   * The package manager of the build.
   * @default - detected from the lockfile
   */
  readonly packageManager?: NodePackageManager;
}

/** Where the server image holds the site. */
export const STATIC_SITE_ROOT = '/srv/www';

/** The static-site recipe: see `ImageRecipe.staticSite`. */
export class StaticSiteRecipe extends RecipeBase<StaticSiteRecipeOptions> {
  public readonly kind = 'static';

  public render(scope: IConstruct, contextDir: string): RenderedRecipe {
    const o = this.options;
    const build = checkBuildCommand(scope, o.build, 'npm run build');
    const root = checkRelativePath(scope, 'root', o.root ?? (build === undefined ? '.' : 'dist'), build === undefined ? 'public' : 'dist');
    const port = checkPort(scope, 'port', o.port ?? 8080);
    const health = checkHealthCheck(scope, o.healthCheck ?? { kind: 'http', path: '/' });
    const baseImage = checkBaseImage(scope, 'baseImage', o.baseImage ?? 'busybox:1.36');
    const user = checkUser(scope, o.user ?? DEFAULT_IMAGE_USER);
    const env = o.env ?? {};
    checkEnv(scope, env);
    const buildArgs = checkBuildArgs(scope, o.buildArgs);
    const platforms = checkPlatforms(scope, o.platforms);

    const stages: DockerfileStage[] = [];
    // What does not depend on the site comes before the copy, so a rebuild reuses it.
    const runtime: string[] = [`WORKDIR ${STATIC_SITE_ROOT}`, ...envLine([], env), `EXPOSE ${port}`];
    const healthLine = healthCheckLine(health, port, (url) => ['busybox', 'wget', '-q', '-O', '/dev/null', url]);
    if (healthLine) {
      runtime.push(healthLine);
    }
    let requiredFiles: string[];
    const ignore = [...BASE_IGNORE];
    if (build !== undefined) {
      const buildImage = checkBaseImage(scope, 'buildImage', o.buildImage ?? 'node:20-slim');
      if (root === '.') {
        throw new ValidationError(scope, {
          field: 'root',
          value: root,
          rule: 'with a build, the served folder is the one the build writes, not the whole source folder',
          fix: 'use root: "dist" (or the folder your build writes)',
        });
      }
      const plan = planNodeInstall(scope, contextDir, o.source, o.packageManager);
      stages.push({
        name: 'build',
        from: buildImage,
        instructions: ['WORKDIR /app', ...argLines(buildArgs), ...plan.setup, ...plan.install, 'COPY . .', `RUN ${build}`],
      });
      runtime.push(`COPY --from=build /app/${root} ${STATIC_SITE_ROOT}`);
      requiredFiles = [...plan.requiredFiles];
      ignore.push(...plan.ignore, root);
    } else {
      if (!hasFile(contextDir, `${root === '.' ? '' : `${root}/`}index.html`)) {
        throw new ValidationError(scope, {
          field: 'source',
          value: o.source,
          rule: `the static-site recipe serves ${root === '.' ? 'the source folder' : `${root}/`}, which has no index.html`,
          fix: 'add index.html, point root at the folder that holds it, or set build to the command that writes it',
        });
      }
      runtime.unshift(...argLines(buildArgs));
      runtime.push(`COPY ${root === '.' ? '.' : root} ${STATIC_SITE_ROOT}`);
      requiredFiles = [`${root === '.' ? '' : `${root}/`}index.html`];
    }
    runtime.push(
      `USER ${user.uid}:${user.gid}`,
      `CMD ${execForm(['busybox', 'httpd', '-f', '-v', '-p', String(port), '-h', STATIC_SITE_ROOT])}`,
    );
    stages.push({ name: 'runtime', from: baseImage, instructions: runtime });

    return {
      dockerfile: renderDockerfile({
        header: 'Generated by prodpath from ImageRecipe.staticSite. Do not edit: change the recipe and run `cdk8s synth`.',
        stages,
      }),
      ignore: [...ignore, ...(o.ignore ?? [])],
      requiredFiles,
      port,
      healthPath: health.kind === 'http' ? health.path : undefined,
      user,
      platforms,
      buildArgs,
    };
  }
}
