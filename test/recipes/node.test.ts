/**
 * ImageRecipe.node's package managers: npm (unchanged, see images.test.ts), pnpm and yarn,
 * detected from the lockfile and installed with npm at a pinned version.
 */
import { ImageRecipe } from '../../lib';
import { DEFAULT_PACKAGE_MANAGER_VERSIONS } from '../../lib/images/recipes/node';
import { imageFor, sourceFolder, stagesOf, validationMessage } from './support';

const PKG = JSON.stringify({ name: 'svc', version: '1.0.0', private: true });

function nodeImage(files: Record<string, string>, options: Partial<Parameters<typeof ImageRecipe.node>[0]> = {}) {
  const source = sourceFolder({ 'package.json': PKG, 'server.js': 'x\n', ...files });
  return imageFor(ImageRecipe.node({ source, start: ['node', 'server.js'], ...options }));
}

describe('ImageRecipe.node with pnpm', () => {
  test('detects pnpm from pnpm-lock.yaml and installs with a frozen lockfile before the source', () => {
    const [build, deps] = stagesOf(nodeImage({ 'pnpm-lock.yaml': 'lockfileVersion: 9.0\n' }, { build: 'pnpm build' }).dockerfile);
    const setup = [
      'WORKDIR /app',
      `RUN npm install --global pnpm@${DEFAULT_PACKAGE_MANAGER_VERSIONS.pnpm} --no-audit --no-fund`,
      'COPY package.json pnpm-lock.yaml ./',
    ];
    expect(build.lines).toEqual([...setup, 'RUN pnpm install --frozen-lockfile', 'COPY . .', 'RUN pnpm build']);
    expect(deps.lines).toEqual([...setup, 'RUN pnpm install --frozen-lockfile --prod']);
  });

  test('uses the version package.json\'s packageManager field names', () => {
    const pkg = JSON.stringify({ name: 'svc', packageManager: 'pnpm@9.1.4+sha512.abc' });
    const image = nodeImage({ 'package.json': pkg, 'pnpm-lock.yaml': 'lockfileVersion: 9.0\n' });
    expect(image.dockerfile).toContain('RUN npm install --global pnpm@9.1.4 --no-audit --no-fund');
  });

  test('copies the workspace file and .npmrc with the lockfile when they exist', () => {
    const image = nodeImage({ 'pnpm-lock.yaml': 'x\n', 'pnpm-workspace.yaml': 'packages: []\n', '.npmrc': 'fund=false\n' });
    expect(image.dockerfile).toContain('COPY package.json pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./');
  });
});

describe('ImageRecipe.node with yarn', () => {
  test('detects yarn 1 from yarn.lock and installs with a frozen lockfile, the production dependencies apart', () => {
    const image = nodeImage({ 'yarn.lock': '# yarn lockfile v1\n' }, { build: 'yarn build' });
    const [build, deps] = stagesOf(image.dockerfile);
    const setup = [
      `RUN npm install --global --force yarn@${DEFAULT_PACKAGE_MANAGER_VERSIONS.yarn} --no-audit --no-fund`,
      'COPY package.json yarn.lock ./',
    ];
    expect(build.lines.slice(1)).toEqual([...setup, 'RUN yarn install --frozen-lockfile --non-interactive', 'COPY . .', 'RUN yarn build']);
    expect(deps.lines.slice(1)).toEqual([...setup, 'RUN yarn install --frozen-lockfile --non-interactive --production']);
  });

  test('detects yarn 2+ from .yarnrc.yml and installs immutably with its release', () => {
    const image = nodeImage({ 'yarn.lock': '__metadata:\n  version: 8\n', '.yarnrc.yml': 'yarnPath: .yarn/releases/yarn-4.9.2.cjs\n', '.yarn/releases/yarn-4.9.2.cjs': '//\n' }, { build: 'yarn build' });
    const [build, deps] = stagesOf(image.dockerfile);
    const setup = [
      `RUN npm install --global --force @yarnpkg/cli-dist@${DEFAULT_PACKAGE_MANAGER_VERSIONS.yarnBerry} --no-audit --no-fund`,
      'COPY package.json yarn.lock .yarnrc.yml ./',
      'COPY .yarn/releases ./.yarn/releases',
    ];
    expect(build.lines).toEqual(expect.arrayContaining([...setup, 'RUN yarn install --immutable']));
    expect(deps.lines).toEqual(expect.arrayContaining([...setup, 'RUN yarn workspaces focus --all --production']));
    expect(image.ignoreFile.split('\n')).toEqual(expect.arrayContaining(['.yarn/cache', '.pnp.*']));
  });

  test('installs with the manager that packageManager names when several lockfiles exist', () => {
    const image = nodeImage({ 'yarn.lock': '# v1\n', 'package-lock.json': '{}' }, { packageManager: 'npm' });
    expect(image.dockerfile).toContain('RUN npm ci --omit=dev --no-audit --no-fund');
  });
});

describe('bad Node input', () => {
  const cases: [string, Record<string, string>, Partial<Parameters<typeof ImageRecipe.node>[0]>, string][] = [
    ['fails when the source folder has no lockfile', {}, {},
      'shop/image-api: source "<src>" is invalid: the Node recipe needs package-lock.json in its source folder, or pnpm-lock.yaml or yarn.lock (dependencies are installed with `npm ci`, pnpm or yarn from the lockfile). Fix: run `npm install` in that folder and commit package-lock.json (or the pnpm or yarn lockfile).'],
    ['fails when the source folder lacks the lockfile of the chosen package manager', { 'package-lock.json': '{}' }, { packageManager: 'pnpm' },
      'shop/image-api: source "<src>" is invalid: the Node recipe with packageManager "pnpm" needs pnpm-lock.yaml in its source folder (dependencies are installed from the lockfile). Fix: run `pnpm install` in that folder and commit pnpm-lock.yaml.'],
    ['fails when two lockfiles make the package manager ambiguous', { 'package-lock.json': '{}', 'yarn.lock': '# v1\n' }, {},
      'shop/image-api: source "<src>" is invalid: the source folder holds more than one lockfile (package-lock.json, yarn.lock), so the package manager is ambiguous. Fix: delete the lockfiles of the package managers you do not use, or set packageManager.'],
    ['fails when package.json\'s packageManager disagrees with the lockfile', { 'package.json': JSON.stringify({ packageManager: 'yarn@4.9.2' }), 'pnpm-lock.yaml': 'x\n' }, {},
      'shop/image-api: packageManager "yarn@4.9.2" is invalid: package.json\'s packageManager field names yarn, but the recipe installs with pnpm (from pnpm-lock.yaml). Fix: make the two agree: change packageManager in package.json, or set packageManager: "yarn" on the recipe.'],
    ['fails when packageManager has no exact version', { 'package.json': JSON.stringify({ packageManager: 'pnpm@latest' }), 'pnpm-lock.yaml': 'x\n' }, {},
      'shop/image-api: package.json packageManager "pnpm@latest" is invalid: the packageManager field names npm, pnpm or yarn with an exact version. Fix: use a value such as "pnpm@9.15.9".'],
    ['fails when the package manager is unknown', { 'package-lock.json': '{}' }, { packageManager: 'bun' as never },
      'shop/image-api: packageManager "bun" is invalid: the package manager is one of npm, pnpm or yarn. Fix: use "npm", "pnpm" or "yarn", or leave it out to detect it from the lockfile.'],
  ];
  test.each(cases)('%s', (_name, files, options, message) => {
    const source = sourceFolder({ 'package.json': PKG, 'server.js': 'x\n', ...files });
    const actual = validationMessage(() => imageFor(ImageRecipe.node({ source, start: ['node', 'server.js'], ...options })));
    expect(actual).toBe(message.replace('<src>', source));
  });
});
