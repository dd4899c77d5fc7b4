import { IConstruct } from 'constructs';
import { ValidationError } from '../../policy/errors';
import { checkCommand, checkPort } from '../../policy/names';
import { execForm, renderDockerfile } from '../dockerfile';
import {
  argLines, BASE_IGNORE, checkBaseImage, checkBuildArgs, checkBuildCommand, checkEnv, checkHealthCheck,
  checkPlatforms, checkUser, CommonRecipeOptions, DEFAULT_IMAGE_USER, envLine, hasFile, healthCheckLine, RecipeBase,
  ImageHealthCheck, RenderedRecipe,
} from '../recipe-base';

/** Options for `ImageRecipe.python`. */
export interface PythonRecipeOptions extends CommonRecipeOptions {
  /**
   * The build context: the folder with `requirements.txt`, or `pyproject.toml` listing
   * `[project] dependencies`. Relative paths are resolved from the app root.
   */
  readonly source: string;
  /** The command that starts the app, in exec form; `python` is the virtualenv's. */
  readonly start: readonly string[];
  /**
   * A command run after the source is copied, in the build stage (with the virtualenv on PATH),
   * for example `python -m compileall -q .`.
   * @default - no build step
   */
  readonly build?: string;
  /**
   * The port the app listens on; exposed and passed as `PORT`.
   * @default 8080
   */
  readonly port?: number;
  /**
   * The health check. An HTTP check is run with the image's own Python (urllib), so the image needs no curl.
   * @default { kind: 'http', path: '/healthz' }
   */
  readonly healthCheck?: ImageHealthCheck;
  /**
   * The base image of both stages, with a tag. Python 3.11 or later (pyproject.toml is read with tomllib).
   * @default 'python:3.11-slim'
   */
  readonly baseImage?: string;
}

/** The virtualenv the build stage installs into and the runtime stage copies. */
export const PYTHON_VENV = '/opt/venv';

/** The Python recipe: see `ImageRecipe.python`. */
export class PythonRecipe extends RecipeBase<PythonRecipeOptions> {
  public readonly kind = 'python';

  public render(scope: IConstruct, contextDir: string): RenderedRecipe {
    const o = this.options;
    const start = checkCommand(scope, 'start', o.start, '["python", "app.py"]');
    const port = checkPort(scope, 'port', o.port ?? 8080);
    const health = checkHealthCheck(scope, o.healthCheck ?? { kind: 'http', path: '/healthz' });
    const baseImage = checkBaseImage(scope, 'baseImage', o.baseImage ?? 'python:3.11-slim');
    const user = checkUser(scope, o.user ?? DEFAULT_IMAGE_USER);
    const env = o.env ?? {};
    checkEnv(scope, env);
    const build = checkBuildCommand(scope, o.build, 'python -m compileall -q .');
    const buildArgs = checkBuildArgs(scope, o.buildArgs);
    const platforms = checkPlatforms(scope, o.platforms);

    let install: string[];
    let requiredFiles: string[];
    if (hasFile(contextDir, 'requirements.txt')) {
      install = ['COPY requirements.txt ./', 'RUN pip install --no-cache-dir -r requirements.txt'];
      requiredFiles = ['requirements.txt'];
    } else if (hasFile(contextDir, 'pyproject.toml')) {
      // Only the dependencies, before the source: a source-only change reuses this layer.
      const list = 'import tomllib; print(\'\\n\'.join(tomllib.load(open(\'pyproject.toml\', \'rb\')).get(\'project\', {}).get(\'dependencies\', [])))';
      install = [
        'COPY pyproject.toml ./',
        `RUN python -c "${list}" > /tmp/requirements.txt && pip install --no-cache-dir -r /tmp/requirements.txt`,
      ];
      requiredFiles = ['pyproject.toml'];
    } else {
      throw new ValidationError(scope, {
        field: 'source',
        value: o.source,
        rule: 'the Python recipe needs requirements.txt or pyproject.toml in its source folder (dependencies are installed from it before the source is copied)',
        fix: 'add a requirements.txt with pinned versions (`pip freeze > requirements.txt`, `uv export`, `poetry export`), or a pyproject.toml with [project] dependencies',
      });
    }

    const buildStage = [
      'WORKDIR /app',
      ...argLines(buildArgs),
      'ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1',
      `RUN python3 -m venv ${PYTHON_VENV}`,
      `ENV PATH=${PYTHON_VENV}/bin:$PATH`,
      ...install,
      'COPY . .',
    ];
    if (build !== undefined) {
      buildStage.push(`RUN ${build}`);
    }

    // What does not depend on the source comes before the copies, so a rebuild reuses it.
    const runtime = [
      'WORKDIR /app',
      ...envLine([`PATH=${PYTHON_VENV}/bin:$PATH`, 'PYTHONDONTWRITEBYTECODE=1', 'PYTHONUNBUFFERED=1', `PORT=${port}`], env),
      `EXPOSE ${port}`,
    ];
    const healthLine = healthCheckLine(health, port, (url) => [`${PYTHON_VENV}/bin/python`, '-c',
      `import urllib.request; urllib.request.urlopen('${url}', timeout=3)`]);
    if (healthLine) {
      runtime.push(healthLine);
    }
    runtime.push(
      `COPY --from=build ${PYTHON_VENV} ${PYTHON_VENV}`,
      'COPY --from=build /app /app',
      `USER ${user.uid}:${user.gid}`,
      `CMD ${execForm(start)}`,
    );

    if (build === undefined && /^python3?$/.test(start[0]) && start.length > 1 && start[1].endsWith('.py')) {
      requiredFiles.push(start[1]);
    }
    return {
      dockerfile: renderDockerfile({
        header: 'Generated by prodpath from ImageRecipe.python. Do not edit: change the recipe and run `cdk8s synth`.',
        stages: [
          { name: 'build', from: baseImage, instructions: buildStage },
          { name: 'runtime', from: baseImage, instructions: runtime },
        ],
      }),
      ignore: [...BASE_IGNORE, '**/__pycache__', '**/*.py[cod]', '.venv', 'venv', '.pytest_cache', '.mypy_cache', '.ruff_cache', '.tox', '**/*.egg-info', ...(o.ignore ?? [])],
      requiredFiles,
      port,
      healthPath: health.kind === 'http' ? health.path : undefined,
      user,
      platforms,
      buildArgs,
    };
  }
}
