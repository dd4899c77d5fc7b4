/**
 * A refused synth, run as a process the way users run it (`node --import tsx main.ts` and
 * `npx cdk8s synth`), prints one block of findings grouped by construct path, exits 1, and
 * shows no stack trace and no object dump unless PRODPATH_DEBUG=1.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { tempDir } from './support/synth';

const ROOT = path.resolve(__dirname, '..');
const LIB = path.join(ROOT, 'lib');

/** Writes an app script into a temp folder with an old dist/ next to it, and returns both. */
function appScript(body: string): { script: string; dist: string; before: string } {
  const dir = tempDir('prodpath-refusal-');
  const dist = path.join(dir, 'dist');
  fs.mkdirSync(path.join(dist, 'dev'), { recursive: true });
  fs.writeFileSync(path.join(dist, 'dev', 'shop.k8s.yaml'), 'kind: Old\n');
  const script = path.join(dir, 'main.ts');
  fs.writeFileSync(script, [
    `import { App, ExternalImage, Pipeline, Postgres, SecretRef, WebService } from ${JSON.stringify(LIB)};`,
    `const app = new App({ outdir: ${JSON.stringify(dist)} });`,
    'const nginx = ExternalImage.of("nginx:1.25-bookworm", { user: { uid: 10001, gid: 10001 }, port: 8080 });',
    body,
    'app.synth();',
  ].join('\n'));
  return { script, dist, before: fs.readFileSync(path.join(dist, 'dev', 'shop.k8s.yaml'), 'utf8') };
}

function run(command: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, PRODPATH_DEBUG: '', ...env }, timeout: 60_000 });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

const BAD_PORT = 'const p = new Pipeline(app, "shop", { registry: "ghcr.io/acme", environments: { dev: { namespace: "shop-dev" } } });\n'
  + 'p.define((env) => new WebService(env, "api", { image: nginx, port: 70000 }));';
const TWO_POLICY = 'const p = new Pipeline(app, "shop", { registry: "ghcr.io/acme", environments: { prod: { namespace: "shop" } } });\n'
  + 'p.define((env) => { for (const id of ["db", "db2"]) new Postgres(env, id, { storage: "1Gi", password: SecretRef.fromSecretName("db", "password") }); });';

/** No line of a JavaScript stack and none of Node's dump of an error's properties. */
function expectNoTrace(stderr: string): void {
  expect(stderr).not.toMatch(/^\s+at /m);
  expect(stderr).not.toMatch(/constructPath:|problem: \{|findings: \[/);
  expect(stderr).not.toMatch(/^\s*\^\s*$/m);
}

describe('a refused synth under node --import tsx', () => {
  test('fails when a value is invalid, with one block naming the path, field, value, rule and fix', () => {
    const app = appScript(BAD_PORT);
    const r = run('node', ['--import', 'tsx', app.script]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe([
      'prodpath: synth refused: 1 problem(s); nothing was written.',
      '',
      '  shop/dev/api',
      '    - port',
      '      value: 70000',
      '      rule:  a port must be an integer from 1 to 65535',
      '      fix:   use a port such as 8080',
      '',
      'Set PRODPATH_DEBUG=1 to see where in the code the refusal was raised.',
      '',
    ].join('\n'));
    expect(fs.readFileSync(path.join(app.dist, 'dev', 'shop.k8s.yaml'), 'utf8')).toBe(app.before);
  });

  test('fails when several objects break the policy, listing every finding grouped by construct path', () => {
    const app = appScript(TWO_POLICY);
    const r = run('node', ['--import', 'tsx', app.script]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^prodpath: synth refused: 2 problem\(s\); nothing was written\.\n\n {2}shop\/prod\/db\/stateful-set\n {4}- StatefulSet shop\/db \/spec\/replicas\n {6}rule: {2}\[production-replicas\] .+\n {6}fix: {3}.+\n\n {2}shop\/prod\/db2\/stateful-set\n/);
    expectNoTrace(r.stderr);
    expect(fs.readFileSync(path.join(app.dist, 'dev', 'shop.k8s.yaml'), 'utf8')).toBe(app.before);
  });

  test('PRODPATH_DEBUG=1 adds the stack after the block', () => {
    const app = appScript(BAD_PORT);
    const r = run('node', ['--import', 'tsx', app.script], { PRODPATH_DEBUG: '1' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^prodpath: synth refused: 1 problem/);
    expect(r.stderr).toMatch(/ValidationError: shop\/dev\/api: port 70000 is invalid.*\n\s+at checkPort /);
  });

  test('an error that is not a refusal keeps its stack', () => {
    const app = appScript('throw new TypeError("a bug in the app");');
    const r = run('node', ['--import', 'tsx', app.script]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/TypeError: a bug in the app\n\s+at /);
  });
});

test('fails under npx cdk8s synth with the same block first, and no prodpath stack', () => {
  const app = appScript(BAD_PORT);
  const r = run('npx', ['cdk8s', 'synth', '--check-upgrade=false', '--app', `node --import tsx ${app.script}`]);
  expect(r.status).toBe(1);
  const block = r.stderr.slice(r.stderr.indexOf('prodpath: synth refused'));
  expect(block).toMatch(/^prodpath: synth refused: 1 problem\(s\); nothing was written\.\n\n {2}shop\/dev\/api\n {4}- port\n {6}value: 70000\n/);
  // The cdk8s CLI adds its own line and trace about the child's exit code (outside prodpath);
  // nothing before it comes from prodpath's code or dumps the error object.
  const ours = block.slice(0, block.indexOf('Error: command'));
  expectNoTrace(ours);
  expect(block).not.toMatch(/lib\/policy|lib\/workloads/);
  expect(fs.readFileSync(path.join(app.dist, 'dev', 'shop.k8s.yaml'), 'utf8')).toBe(app.before);
}, 60_000);
