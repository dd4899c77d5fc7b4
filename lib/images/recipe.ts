/**
 * Image recipes: the public factory, one method per ecosystem, and the types they share.
 */
import { IImageRecipe } from './recipe-base';
import { CustomRecipe, CustomRecipeOptions } from './recipes/custom';
import { GoRecipe, GoRecipeOptions } from './recipes/go';
import { NodeRecipe, NodeRecipeOptions } from './recipes/node';
import { PythonRecipe, PythonRecipeOptions } from './recipes/python';
import { StaticSiteRecipe, StaticSiteRecipeOptions } from './recipes/static';

export * from './recipe-base';
export type { CacheMount, CustomRecipeOptions, CustomStage, CustomStep, RunMount, SecretMount } from './recipes/custom';
export { GO_HEALTHCHECK_SOURCE } from './recipes/go';
export type { GoRecipeOptions } from './recipes/go';
export { DEFAULT_PACKAGE_MANAGER_VERSIONS, NODE_LOCKFILES } from './recipes/node';
export type { NodePackageManager, NodeRecipeOptions } from './recipes/node';
export { PYTHON_VENV } from './recipes/python';
export type { PythonRecipeOptions } from './recipes/python';
export { STATIC_SITE_ROOT } from './recipes/static';
export type { StaticSiteRecipeOptions } from './recipes/static';

/**
 * Factories for image recipes, one per ecosystem. Every recipe installs dependencies before it
 * copies the source (so a source-only change reuses that layer), ends with a numeric non-root
 * `USER`, a `HEALTHCHECK` and a JSON-form `CMD`, renders the same text for the same input, and
 * takes build arguments and target platforms.
 *
 * @example
 * ImageRecipe.node({ source: 'services/api', build: 'npm run build', start: ['node', 'dist/server.js'] })
 */
export class ImageRecipe {
  /**
   * A Node.js image: a build stage installs dependencies from the lockfile before the source is
   * copied (`npm ci`; pnpm and yarn, detected from `pnpm-lock.yaml` or `yarn.lock`, at a pinned
   * version) and runs the optional build; a `deps` stage installs the production dependencies
   * from the manifests alone; the runtime stage gets those, the source and the build output,
   * runs as a numeric non-root user and checks its own health with node.
   */
  public static node(options: NodeRecipeOptions): IImageRecipe {
    return new NodeRecipe(options);
  }

  /**
   * A Python image: a build stage creates a virtualenv in `/opt/venv` and installs the
   * dependencies from `requirements.txt` (or `pyproject.toml`'s `[project] dependencies`) before
   * the source is copied; the runtime stage, on the same slim base, gets the virtualenv and the
   * source, runs as a numeric non-root user and checks its own health with Python's urllib.
   */
  public static python(options: PythonRecipeOptions): IImageRecipe {
    return new PythonRecipe(options);
  }

  /**
   * A Go image: a build stage downloads the modules from `go.mod`/`go.sum` before the source is
   * copied and cross-compiles a static binary (`CGO_ENABLED=0`, with a build cache mount); the
   * final stage is `scratch` with the binary, the CA bundle and a tiny compiled HTTP probe.
   */
  public static go(options: GoRecipeOptions): IImageRecipe {
    return new GoRecipe(options);
  }

  /**
   * A static site: the files (or the output of a Node build stage) served by BusyBox `httpd`
   * as a numeric non-root user on an unprivileged port, from a read-only root filesystem.
   */
  public static staticSite(options: StaticSiteRecipeOptions): IImageRecipe {
    return new StaticSiteRecipe(options);
  }

  /**
   * Anything else, typed: stages, `COPY --from`, `RUN` with cache and secret mounts, `ENV`, `ARG`,
   * `EXPOSE`; the final stage always ends with the numeric non-root `USER`, the `HEALTHCHECK` and
   * the JSON-form `CMD` from the options, and the synth-time Dockerfile rules still apply.
   *
   * @example
   * ImageRecipe.custom({
   *   source: 'services/report',
   *   stages: [
   *     { name: 'build', from: 'rust:1.80-bookworm', steps: [
   *       { workdir: '/src' },
   *       { copy: ['Cargo.toml', 'Cargo.lock'], to: './' },
   *       { run: 'cargo fetch', mounts: [{ type: 'cache', target: '/usr/local/cargo/registry' }] },
   *       { copy: ['.'], to: '.' },
   *       { run: 'cargo build --release' },
   *     ] },
   *     { name: 'runtime', from: 'debian:bookworm-slim', steps: [
   *       { copy: ['/src/target/release/report'], to: '/usr/local/bin/report', from: 'build' },
   *     ] },
   *   ],
   *   start: ['/usr/local/bin/report'],
   *   port: 8080,
   *   healthCheck: { kind: 'command', command: ['/usr/local/bin/report', '--check'] },
   * })
   */
  public static custom(options: CustomRecipeOptions): IImageRecipe {
    return new CustomRecipe(options);
  }

  private constructor() {}
}
