import * as fs from 'fs';
import * as path from 'path';
import { Testing, ValidationError } from '../lib';
import { INIT_RECIPES, initApp, renderInit } from '../lib/cli/init';
import { run } from '../lib/cli/main';
import { packageInfo } from '../lib/peers';
import { readTree, tempDir } from './support/synth';

const quiet = { out: () => undefined, err: () => undefined };

async function cli(args: string[], cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  const before = process.cwd();
  process.chdir(cwd);
  try {
    const code = await run(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    process.chdir(before);
  }
}

/** Runs the generated main.ts's buildApp from inside the app folder (image sources are relative to it). */
function renderGenerated(dir: string) {
  const before = process.cwd();
  process.chdir(dir);
  try {
    const { buildApp } = require(path.join(dir, 'main.ts'));
    const app = Testing.app();
    buildApp(app);
    return Testing.render(app);
  } finally {
    process.chdir(before);
  }
}

describe('prodpath init', () => {
  test.each(INIT_RECIPES)('scaffolds a %s app whose main.ts renders dev, staging and prod with no warning', (recipe) => {
    const dir = path.join(tempDir(), `shop-${recipe}`);
    const result = initApp({ dir, recipe }, quiet);
    expect(result.files).toEqual(expect.arrayContaining(['.github/workflows/ci.yml', '.gitignore', 'README.md', 'cdk8s.yaml', 'jest.config.js',
      'main.ts', 'package.json', 'test/main.test.ts', 'tsconfig.json']));
    expect(result.files.filter((f) => f.startsWith('services/web/')).length).toBeGreaterThanOrEqual(2);
    const out = renderGenerated(dir);
    expect(out.warningMessages).toEqual([]);
    expect(out.environments.sort()).toEqual(['dev', 'prod', 'staging']);
    expect(out.find('prod', 'Namespace', `shop-${recipe}`)).toBeDefined();
    expect(out.find('prod', 'Ingress', 'web').spec.rules[0].host).toBe(`web.shop-${recipe}.example.com`);
    expect(out.find('dev', 'Deployment', 'web').spec.template.spec.containers[0].image).toMatch(new RegExp(`^ghcr\\.io/shop-${recipe}/web:[0-9a-f]{16}$`));
    expect(out.dockerfile('web')).toMatch(/^HEALTHCHECK .*healthz/m);
  });

  test('writes a package.json with prodpath, its peers, cdk8s-cli, tsx, TypeScript 5.9 and jest at the versions prodpath is tested with', () => {
    const dir = path.join(tempDir(), 'app');
    initApp({ dir, name: 'billing', registry: 'registry.example.com:5000/team' }, quiet);
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    const dev = packageInfo().devVersions;
    expect(pkg.name).toBe('billing');
    expect(pkg.dependencies).toEqual({ 'cdk8s': dev.cdk8s, 'cdk8s-plus-27': dev['cdk8s-plus-27'], 'constructs': dev.constructs, 'prodpath': `^${packageInfo().version}` });
    expect(Object.keys(pkg.devDependencies).sort()).toEqual(['@types/jest', '@types/node', 'cdk8s-cli', 'jest', 'ts-jest', 'tsx', 'typescript']);
    expect(pkg.devDependencies.typescript).toMatch(/^~5\.9\./);
    expect(pkg.scripts.synth).toBe('cdk8s synth --check-upgrade=false');
    expect(pkg.scripts.test).toBe('prodpath check dist && jest');
    expect(fs.readFileSync(path.join(dir, 'main.ts'), 'utf8')).toContain("registry: 'registry.example.com:5000/team'");
    // Type-checked before every synth: tsx alone would ignore a misspelled prop.
    expect(fs.readFileSync(path.join(dir, 'cdk8s.yaml'), 'utf8')).toContain('\napp: tsc --noEmit -p tsconfig.json 1>&2 && node --min-semi-space-size=16 --import tsx main.ts\n');
  });

  test('points package.json at a tarball by a path relative to the app, or keeps a version range', () => {
    const root = tempDir();
    const tarball = path.join(root, 'prodpath-9.9.9.tgz');
    fs.writeFileSync(tarball, 'not read by init');
    const fromTarball = renderInit({ dir: 'apps/one', prodpath: 'prodpath-9.9.9.tgz', cwd: root }).files.get('package.json')!;
    expect(JSON.parse(fromTarball).dependencies.prodpath).toBe('file:../../prodpath-9.9.9.tgz');
    expect(JSON.parse(renderInit({ dir: 'two', prodpath: '~0.1.0', cwd: root }).files.get('package.json')!).dependencies.prodpath).toBe('~0.1.0');
  });

  test('writes into a folder that holds only .git, and into a non-empty one with --force, keeping other files', () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, '.git'));
    expect(() => initApp({ dir, name: 'app' }, quiet)).not.toThrow();
    const other = tempDir('prodpath-init-');
    fs.writeFileSync(path.join(other, 'NOTES.md'), 'mine');
    initApp({ dir: other, name: 'app', force: true }, quiet);
    expect(fs.readFileSync(path.join(other, 'NOTES.md'), 'utf8')).toBe('mine');
    expect(fs.existsSync(path.join(other, 'main.ts'))).toBe(true);
  });

  test('fails when the folder is not empty, and writes nothing', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'main.ts'), '// mine');
    expect(() => initApp({ dir, name: 'app' }, quiet)).toThrow(ValidationError);
    expect(() => initApp({ dir, name: 'app' }, quiet)).toThrow(/^prodpath init: dir ".*" is invalid: the folder is not empty \(main\.ts\), and init would overwrite files of the same name\. Fix: give a new or empty folder, or pass --force/);
    expect(readTree(dir)).toEqual(new Map([['main.ts', '// mine']]));
  });

  const bad: Array<[string, Record<string, string>, RegExp]> = [
    ['the recipe is unknown', { recipe: 'rust' }, /^prodpath init: --recipe "rust" is invalid: the service recipe must be one of node, python, go, static\./],
    ['the name is not a DNS label', { name: 'My_App' }, /^prodpath init: --name "My_App" is invalid: must be a DNS-1035 label: 1 to 40 lowercase/],
    ['the name is too long for namespaces', { name: 'a'.repeat(41) }, /^prodpath init: --name "a{41}" is invalid/],
    ['the folder name is not a valid app name and no --name is given', {}, /^prodpath init: --name \(from the folder name "Not Valid"\) "Not Valid" is invalid/],
    ['the registry has a scheme', { registry: 'https://ghcr.io/acme' }, /^prodpath init: --registry "https:\/\/ghcr\.io\/acme" is invalid: a registry is a lowercase host/],
    ['the registry has a tag', { registry: 'ghcr.io/acme:v1' }, /^prodpath init: --registry "ghcr\.io\/acme:v1" is invalid/],
    ['the tarball does not exist', { prodpath: './prodpath-0.1.0.tgz' }, /^prodpath init: --prodpath "\.\/prodpath-0\.1\.0\.tgz" is invalid: it is neither a version range nor an existing tarball \(looked for .*prodpath-0\.1\.0\.tgz\)/],
    ['prodpath is neither a version nor a tarball', { prodpath: 'lots' }, /^prodpath init: --prodpath "lots" is invalid: it is neither a version range \(such as \^0\.1\.0\) nor the path of a packed tarball/],
  ];
  test.each(bad)('fails when %s, and creates nothing', (_what, options, message) => {
    const root = tempDir();
    const dir = path.join(root, 'Not Valid');
    const opts = { dir, cwd: root, name: options.name ?? (_what.startsWith('the folder name') ? undefined : 'app'), ...options };
    expect(() => initApp(opts, quiet)).toThrow(message);
    expect(fs.existsSync(dir)).toBe(false);
  });

  test('as a command: prints the next steps, and exits 2 with one clear line on bad input', async () => {
    const root = tempDir();
    const ok = await cli(['init', 'web-app', '--recipe', 'go'], root);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^prodpath init: wrote \d+ files to web-app\/\nNext:\n {2}cd web-app\n {2}npm install\n {2}npm run synth/);
    expect(fs.readFileSync(path.join(root, 'web-app', 'services', 'web', 'go.mod'), 'utf8')).toContain('module example.com/web');
    const refused = await cli(['init', 'web-app'], root);
    expect(refused.code).toBe(2);
    expect(refused.err.split('\n')).toHaveLength(1);
    expect(refused.err).toContain('the folder is not empty');
  });

  test('prints its version', async () => {
    const r = await cli(['--version'], process.cwd());
    expect({ code: r.code, out: r.out }).toEqual({ code: 0, out: packageInfo().version });
  });
});
