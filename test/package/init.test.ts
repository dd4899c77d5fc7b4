/**
 * A new user's path, from an empty folder: `prodpath init` (run from the packed tarball), then
 * `npm install`, `npm run synth`, `npx prodpath check dist` and `npm test` in the generated app.
 * Real npm against the registry; nothing is mocked.
 */
import * as fs from 'fs';
import * as path from 'path';
import { describeWhenReady } from '../support/ready';
import { installedCopies, mustSh, npmRegistryStatus, packTarball, REPO, sh } from '../support/pack';
import { readTree, tempDir } from '../support/synth';
import { parse } from 'yaml';

describeWhenReady('prodpath init from the packed tarball (npm registry)', npmRegistryStatus())('prodpath init, from an empty folder', () => {
  let tarball: string;
  let prodpath: string;
  /** The app the first test makes, installed; the second test edits it. */
  let app: string;
  beforeAll(() => {
    tarball = packTarball();
    // The packed files, as installed, with the repository's dependencies next to them.
    const unpacked = tempDir('prodpath-unpacked-');
    mustSh('tar', ['xzf', tarball, '-C', unpacked], unpacked);
    fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(unpacked, 'package', 'node_modules'));
    prodpath = path.join(unpacked, 'package', 'bin', 'prodpath.js');
  }, 300_000);

  test('gives an app that installs, synthesizes, passes prodpath check and its own test', () => {
    const root = tempDir('prodpath-newuser-');
    const init = mustSh('node', [prodpath, 'init', 'my-app', '--prodpath', tarball, '--registry', 'registry.example.com/acme'], root);
    expect(init.stdout).toContain('prodpath init: wrote');
    app = path.join(root, 'my-app');

    const install = mustSh('npm', ['install', '--no-audit', '--no-fund'], app, 400_000);
    expect(Object.fromEntries(installedCopies(app, ['cdk8s', 'cdk8s-plus-27', 'constructs'])))
      .toEqual({ 'cdk8s': ['node_modules/cdk8s'], 'cdk8s-plus-27': ['node_modules/cdk8s-plus-27'], 'constructs': ['node_modules/constructs'] });

    const synth = mustSh('npm', ['run', 'synth'], app);
    expect(synth.stderr).toContain('prodpath: wrote');
    // Quiet offline: no upgrade check, no stack trace.
    expect(synth.stderr).not.toMatch(/\n\s+at /);
    const first = readTree(path.join(app, 'dist'));
    expect([...first.keys()]).toEqual(expect.arrayContaining(['images/web/Dockerfile', 'dev/my-app.k8s.yaml', 'staging/my-app.k8s.yaml', 'prod/my-app.k8s.yaml', 'dev/compose.yaml']));
    expect(first.get('prod/my-app.k8s.yaml')).toContain('image: registry.example.com/acme/web:');

    const check = mustSh('npx', ['prodpath', 'check', 'dist'], app);
    expect(check.stdout).toMatch(/^prodpath check: 0 error\(s\), 0 warning\(s\) in 3 manifest file\(s\)/m);

    const test = mustSh('npm', ['test'], app);
    expect(test.stdout).toMatch(/^prodpath check: 0 error\(s\)/m);
    expect(test.stderr).toMatch(/Tests: {7}4 passed, 4 total/);
    // The snapshot it wrote is what CI (--ci, never writing snapshots) then compares with.
    const again = mustSh('npx', ['jest', '--ci'], app);
    expect(again.stderr).toMatch(/Snapshots: {3}1 passed, 1 total/);

    // Same source, same bytes: the CI workflow's stale-dist check relies on it.
    mustSh('npm', ['run', 'synth'], app);
    expect(readTree(path.join(app, 'dist'))).toEqual(first);

    // eslint-disable-next-line no-console
    console.log(`init ${init.ms} ms, npm install ${install.ms} ms, first synth ${synth.ms} ms, prodpath check ${check.ms} ms, npm test ${test.ms} ms`);
  }, 900_000);

  test('its CI workflow keeps prodpath\'s caches outside node_modules, so a run on a fresh runner validates nothing the last run did', () => {
    expect(app).toBeDefined();
    const workflow = parse(fs.readFileSync(path.join(app, '.github/workflows/ci.yml'), 'utf8'));
    const job = workflow.jobs.synth;
    const steps: any[] = job.steps;
    const cacheStep = steps.findIndex((s) => typeof s.uses === 'string' && s.uses.startsWith('actions/cache@'));
    const synthStep = steps.findIndex((s) => s.run === 'npm run synth');
    expect(cacheStep).toBeGreaterThanOrEqual(0);
    expect(cacheStep).toBeLessThan(synthStep);
    expect(steps.findIndex((s) => typeof s.run === 'string' && s.run.startsWith('npm ci'))).toBeLessThan(cacheStep);
    const kept: string = steps[cacheStep].with.path;
    expect(job.env.PRODPATH_CODE_CACHE_DIR).toBe(`\${{ github.workspace }}/${kept}`);
    expect(fs.readFileSync(path.join(app, '.gitignore'), 'utf8').split('\n')).toContain(`${kept}/`);

    // As the runner runs it (github.workspace is the checkout): two runs, each with a node_modules
    // that npm ci has just emptied of caches, and the kept folder restored between them.
    const env = { PRODPATH_CODE_CACHE_DIR: job.env.PRODPATH_CODE_CACHE_DIR.replace('${{ github.workspace }}', app) };
    const cache = path.join(app, kept);
    const inNodeModules = path.join(app, 'node_modules', '.cache', 'prodpath');
    fs.rmSync(inNodeModules, { recursive: true, force: true });
    mustSh('npm', ['run', 'synth'], app, undefined, env);
    const results = fs.readdirSync(cache).filter((f) => /^schema-results-[0-9a-f]+\.bin$/.test(f));
    expect(results).toHaveLength(1);
    expect(fs.readdirSync(cache).filter((f) => f.endsWith('.v8cache')).length).toBeGreaterThan(0);
    const before = new Map(fs.readdirSync(cache).map((f) => [f, fs.readFileSync(path.join(cache, f))]));
    fs.rmSync(inNodeModules, { recursive: true, force: true });
    mustSh('npm', ['run', 'synth'], app, undefined, env);
    // Nothing new was validated or compiled: no kept file was rewritten, none added, and nothing
    // went to node_modules.
    expect(new Map(fs.readdirSync(cache).map((f) => [f, fs.readFileSync(path.join(cache, f))]))).toEqual(before);
    expect(fs.existsSync(inNodeModules)).toBe(false);
  }, 900_000);

  test('fails the synth with TypeScript\'s message when main.ts misspells a prop, and leaves dist/ as it was', () => {
    expect(app).toBeDefined();
    const before = readTree(path.join(app, 'dist'));
    const main = path.join(app, 'main.ts');
    const source = fs.readFileSync(main, 'utf8');
    fs.writeFileSync(main, source.replace("health: { path: '/healthz' }", "helth: { path: '/healthz' }"));
    const synth = sh('npm', ['run', 'synth'], app);
    fs.writeFileSync(main, source);
    expect(synth.status).not.toBe(0);
    expect(synth.stderr).toContain("error TS2561: Object literal may only specify known properties, but 'helth' does not exist in type 'WebServiceProps'. Did you mean to write 'health'?");
    expect(readTree(path.join(app, 'dist'))).toEqual(before);
  }, 900_000);
});
