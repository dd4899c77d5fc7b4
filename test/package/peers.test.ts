/**
 * prodpath as an app repository gets it: the packed tarball, installed from the npm registry
 * next to the app's own cdk8s, cdk8s-plus-27 and constructs, at the lowest versions prodpath
 * declares and at the newest the ranges allow. Real npm, real installs; nothing is mocked.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as semver from 'semver';
import { describeWhenReady } from '../support/ready';
import { installedCopies, mustSh, npmRegistryStatus, packTarball, REPO, sh, tarballFiles } from '../support/pack';
import { tempDir } from '../support/synth';

const PKG = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
const PEERS = ['cdk8s', 'cdk8s-plus-27', 'constructs'] as const;
const RANGES: Record<string, string> = Object.fromEntries(PEERS.map((p) => [p, PKG.peerDependencies[p]]));

/** An app of the user's own: a construct of theirs (from their constructs and cdk8s) around a prodpath WebService. */
const MAIN_TS = `import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { App, Image, ImageRecipe, Pipeline, WebService } from 'prodpath';

class Api extends Construct {
  constructor(scope: Construct, id: string, image: Image, host: string) {
    super(scope, id);
    new WebService(this, 'api', { image, host, health: { path: '/healthz' } });
    new ApiObject(this, 'account', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'api-extra' } });
  }
}

const app = new App();
const pipeline = new Pipeline(app, 'demo', {
  registry: 'ghcr.io/acme',
  environments: { dev: { namespace: 'demo-dev', replicas: 1 }, prod: { namespace: 'demo', replicas: 2 } },
});
const image = pipeline.image('api', ImageRecipe.node({ source: 'svc', start: ['node', 'server.js'] }));
pipeline.define((env) => {
  new Api(env, 'api', image, \`api.\${env.name}.example.com\`);
});
app.synth();
`;

/** A scratch app repository with a small Node service, before any install. */
function scratchApp(name: string): string {
  const dir = tempDir(`prodpath-peer-${name}-`);
  const files: Record<string, string> = {
    'package.json': JSON.stringify({ name: `peer-${name}`, version: '1.0.0', private: true }, null, 2),
    'tsconfig.json': JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'node16', moduleResolution: 'node16', strict: true, skipLibCheck: true, noEmit: true }, include: ['main.ts'] }, null, 2),
    'main.ts': MAIN_TS,
    'svc/package.json': JSON.stringify({ name: 'svc', version: '1.0.0', private: true }, null, 2),
    'svc/package-lock.json': JSON.stringify({ name: 'svc', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'svc', version: '1.0.0' } } }, null, 2),
    'svc/server.js': 'require("http").createServer((q, s) => s.end("ok")).listen(8080);\n',
  };
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
  }
  return dir;
}

const installedVersion = (project: string, name: string): string =>
  JSON.parse(fs.readFileSync(path.join(project, 'node_modules', name, 'package.json'), 'utf8')).version;

describeWhenReady('the packed tarball in an app repository (npm registry)', npmRegistryStatus())('the packed tarball in an app repository', () => {
  let tarball: string;
  beforeAll(() => {
    tarball = packTarball();
  }, 300_000);

  test('is complete: compiled library with declarations, the command, the init template and the license', () => {
    const files = tarballFiles(tarball);
    for (const f of ['package/package.json', 'package/LICENSE', 'package/README.md', 'package/bin/prodpath.js',
      'package/build/lib/index.js', 'package/build/lib/index.d.ts', 'package/build/lib/pulumi/index.js',
      'package/build/lib/cli/main.js', 'package/build/lib/policy/schema/k8s-1.27.schema.json',
      'package/build/lib/policy/schema/validators/index.js', 'package/build/lib/policy/schema/validators/workloads.cjs']) {
      expect(files).toContain(f);
    }
    expect(files.filter((f) => f.startsWith('package/templates/init/')).length).toBeGreaterThan(5);
    // Sources, tests and the example's output stay out.
    expect(files.filter((f) => /^package\/(lib|test|examples|dist|bench)\//.test(f) || f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.includes('/templates/'))).toEqual([]);
    expect(fs.readFileSync(path.join(REPO, 'LICENSE'), 'utf8')).toMatch(/Apache License\s+Version 2\.0, January 2004[\s\S]*END OF TERMS AND CONDITIONS/);
  });

  test('declares cdk8s, cdk8s-plus-27 and constructs as peers, not as its own dependencies', () => {
    for (const p of PEERS) {
      expect(PKG.dependencies[p]).toBeUndefined();
      expect(semver.validRange(PKG.peerDependencies[p])).not.toBeNull();
      // The repository develops against versions inside the range it declares.
      expect(semver.satisfies(installedVersion(REPO, p), PKG.peerDependencies[p])).toBe(true);
    }
  });

  const cases: Array<[string, (p: string) => string]> = [
    // The lowest version each range allows, exactly.
    ['lowest', (p) => semver.minVersion(RANGES[p])!.version],
    // Whatever is newest within the range today.
    ['newest', (p) => RANGES[p]],
  ];
  test.each(cases)('with the %s supported peer versions: installs one copy of each, type-checks, synthesizes and checks', (label, version) => {
    const app = scratchApp(label);
    const specs = PEERS.map((p) => `${p}@${version(p)}`);
    const install = mustSh('npm', ['install', '--no-audit', '--no-fund', tarball, ...specs, 'typescript@~5.9.3', 'tsx@^4'], app, 300_000);
    const versions = Object.fromEntries(PEERS.map((p) => [p, installedVersion(app, p)]));
    // eslint-disable-next-line no-console
    console.log(`${label} peers: ${JSON.stringify(versions)} (install ${install.ms} ms)`);
    for (const p of PEERS) {
      expect(semver.satisfies(versions[p], RANGES[p])).toBe(true);
      if (label === 'lowest') {
        expect(versions[p]).toBe(semver.minVersion(RANGES[p])!.version);
      }
    }
    const copies = installedCopies(app, PEERS);
    expect(Object.fromEntries(copies)).toEqual({ 'cdk8s': ['node_modules/cdk8s'], 'cdk8s-plus-27': ['node_modules/cdk8s-plus-27'], 'constructs': ['node_modules/constructs'] });

    mustSh('npx', ['tsc', '-p', 'tsconfig.json'], app);
    const synth = mustSh('node', ['--import', 'tsx', 'main.ts'], app);
    expect(synth.stderr).toContain('prodpath: wrote');
    const prod = fs.readFileSync(path.join(app, 'dist', 'prod', 'demo.k8s.yaml'), 'utf8');
    expect(prod).toMatch(/kind: Deployment\nmetadata:\n(?: {2}.*\n)*? {2}name: api\n/);
    expect(prod).toMatch(/kind: ServiceAccount\nmetadata:\n(?: {2}.*\n)*? {2}name: api-extra\n/);
    expect(mustSh('npx', ['prodpath', 'check', 'dist'], app).stdout).toMatch(/prodpath check: 0 error\(s\)/);
    expect(mustSh('npx', ['prodpath', '--version'], app).stdout.trim()).toBe(PKG.version);

    if (label === 'lowest') {
      // Below the range (npm refuses it unless told to ignore peers): a clear message at start, not a crash in cdk8s.
      const below = semver.minVersion(RANGES.cdk8s)!;
      const older = `${below.major}.${below.minor - 1}.0`;
      mustSh('npm', ['install', '--no-audit', '--no-fund', '--legacy-peer-deps', `cdk8s@${older}`], app, 300_000);
      fs.rmSync(path.join(app, 'dist'), { recursive: true, force: true });
      const refused = sh('node', ['--import', 'tsx', 'main.ts'], app);
      expect(refused.status).not.toBe(0);
      expect(refused.stderr).toContain(`prodpath: the installed framework packages do not fit this version of prodpath:\n  - cdk8s ${older} (`);
      expect(refused.stderr).toContain(`is outside the range prodpath ${PKG.version} supports (${RANGES.cdk8s}). Fix: npm install cdk8s@"${RANGES.cdk8s}"`);
      expect(fs.existsSync(path.join(app, 'dist'))).toBe(false);
    }
  }, 600_000);
});
