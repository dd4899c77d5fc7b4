/** ImageRecipe.python: a virtualenv built in one stage and copied into a slim final stage. */
import { ImageRecipe } from '../../lib';
import { PYTHON_VENV } from '../../lib/images/recipes/python';
import { checkDockerfile } from '../../lib/policy/dockerfile-rules';
import { imageFor, pythonSource, stagesOf, validationMessage } from './support';

const start = ['python', 'app.py'];

describe('ImageRecipe.python', () => {
  test('installs requirements.txt into a virtualenv before copying the source', () => {
    const build = stagesOf(imageFor(ImageRecipe.python({ source: pythonSource(), start })).dockerfile)[0];
    expect(build.from).toBe('python:3.11-slim AS build');
    expect(build.lines).toEqual([
      'WORKDIR /app',
      'ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1',
      `RUN python3 -m venv ${PYTHON_VENV}`,
      `ENV PATH=${PYTHON_VENV}/bin:$PATH`,
      'COPY requirements.txt ./',
      'RUN pip install --no-cache-dir -r requirements.txt',
      'COPY . .',
    ]);
  });

  test('installs pyproject.toml\'s dependencies before the source when there is no requirements.txt', () => {
    const source = pythonSource({ 'pyproject.toml': '[project]\nname = "svc"\ndependencies = ["flask>=3"]\n' });
    require('fs').rmSync(`${source}/requirements.txt`);
    const lines = stagesOf(imageFor(ImageRecipe.python({ source, start })).dockerfile)[0].lines;
    const copy = lines.indexOf('COPY pyproject.toml ./');
    expect(copy).toBeGreaterThan(0);
    expect(lines[copy + 1]).toMatch(/^RUN python -c "import tomllib; .*" > \/tmp\/requirements\.txt && pip install --no-cache-dir -r \/tmp\/requirements\.txt$/);
    expect(lines[copy + 2]).toBe('COPY . .');
  });

  test('copies only the virtualenv and the app into the final stage, which runs as a numeric user and checks its health with urllib', () => {
    const image = imageFor(ImageRecipe.python({ source: pythonSource(), start }));
    const runtime = stagesOf(image.dockerfile)[1];
    expect(runtime.from).toBe('python:3.11-slim AS runtime');
    expect(runtime.lines).toEqual([
      'WORKDIR /app',
      `ENV PATH=${PYTHON_VENV}/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PORT=8080`,
      'EXPOSE 8080',
      `HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 CMD ["${PYTHON_VENV}/bin/python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=3)"]`,
      `COPY --from=build ${PYTHON_VENV} ${PYTHON_VENV}`,
      'COPY --from=build /app /app',
      'USER 10001:10001',
      'CMD ["python", "app.py"]',
    ]);
  });

  test('passes the Dockerfile policy', () => {
    const image = imageFor(ImageRecipe.python({ source: pythonSource(), start, build: 'python -m compileall -q .' }));
    expect(checkDockerfile(image.dockerfile, { expectedUser: '10001:10001' })).toEqual([]);
  });

  test('leaves virtualenvs and bytecode out of the context', () => {
    const image = imageFor(ImageRecipe.python({ source: pythonSource(), start }));
    expect(image.ignoreFile.split('\n')).toEqual(expect.arrayContaining(['.venv', 'venv', '**/__pycache__', '**/*.py[cod]']));
  });
});

describe('bad Python input', () => {
  test.each([
    ['fails when the source folder has neither requirements.txt nor pyproject.toml', () => {
      const source = pythonSource();
      require('fs').rmSync(`${source}/requirements.txt`);
      return { source, recipe: ImageRecipe.python({ source, start }) };
    }, 'shop/image-api: source "<src>" is invalid: the Python recipe needs requirements.txt or pyproject.toml in its source folder (dependencies are installed from it before the source is copied). Fix: add a requirements.txt with pinned versions (`pip freeze > requirements.txt`, `uv export`, `poetry export`), or a pyproject.toml with [project] dependencies.'],
    ['fails when the start script is not in the source folder', () => {
      const source = pythonSource();
      return { source, recipe: ImageRecipe.python({ source, start: ['python', 'main.py'] }) };
    }, 'shop/image-api: source "<src>" is invalid: the Dockerfile copies main.py, which is not in the source folder. Fix: add main.py to the source folder, or set a build command that creates it.'],
    ['fails when the start command is empty', () => {
      const source = pythonSource();
      return { source, recipe: ImageRecipe.python({ source, start: [] }) };
    }, 'shop/image-api: start [] is invalid: a command is a non-empty list of strings in exec form, the first naming the program. Fix: use ["python", "app.py"].'],
  ] as [string, () => { source: string; recipe: ReturnType<typeof ImageRecipe.python> }, string][])('%s', (_name, make, message) => {
    const { source, recipe } = make();
    expect(validationMessage(() => imageFor(recipe))).toBe(message.replace('<src>', source));
  });
});
