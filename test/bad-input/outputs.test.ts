/**
 * Bad input, the output folder: shape and permission faults are found before the swap,
 * refused with the path, the rule and the fix, and leave the output as it was and nothing
 * that blocks the next synth.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App, ImageRecipe, Pipeline, WebService } from '../../lib';
import { previousOutput, snapshot, SOURCE } from './support';

function synth(dist: string, cdk8sOutdir?: string): unknown {
  const app = new App({ outdir: dist, cdk8sOutdir, printSummary: false, reportRefusals: false });
  const pipeline = new Pipeline(app, 'shop', { registry: 'ghcr.io/acme', environments: { dev: { namespace: 'shop-dev' } } });
  const image = pipeline.image('api', ImageRecipe.node({ source: SOURCE, start: ['node', 'server.js'] }));
  pipeline.define((env) => new WebService(env, 'api', { image }));
  try {
    app.synth();
    return undefined;
  } catch (e) {
    return e;
  }
}

const cases: [string, (root: string, dist: string) => { dist: string; cdk8sOutdir?: string }, RegExp, RegExp][] = [
  ['fails when dist is a file', (_root, dist) => {
    fs.rmSync(dist, { recursive: true });
    fs.writeFileSync(dist, 'not a folder\n');
    return { dist };
  }, /it is a file, not a folder/, /remove or rename the file/],
  ['fails when dist is a symbolic link to a folder', (root, dist) => {
    fs.renameSync(dist, path.join(root, 'real'));
    fs.symlinkSync(path.join(root, 'real'), dist);
    return { dist };
  }, /it is a symbolic link/, /remove the link/],
  ['fails when dist is a dangling symbolic link', (root, dist) => {
    fs.rmSync(dist, { recursive: true });
    fs.symlinkSync(path.join(root, 'nowhere'), dist);
    return { dist };
  }, /it is a symbolic link/, /remove the link/],
  ['fails when dist is a link that loops', (_root, dist) => {
    fs.rmSync(dist, { recursive: true });
    fs.symlinkSync(dist, dist);
    return { dist };
  }, /it is a symbolic link/, /remove the link/],
  ['fails when the cdk8s CLI copy folder (.cdk8s.out) is a file', (root, dist) => {
    fs.writeFileSync(path.join(root, '.cdk8s.out'), 'a file\n');
    return { dist, cdk8sOutdir: path.join(root, '.cdk8s.out') };
  }, /cdk8s CLI's copy of the manifests is a file/, /remove the file/],
];

describe.each(cases)('atomic: %s', (_title, arrange, rule, fix) => {
  test('is refused before the swap, with the path, rule and fix, and everything is left as it was', () => {
    const { root, dist } = previousOutput();
    const { dist: out, cdk8sOutdir } = arrange(root, dist);
    const before = snapshot(root);
    const error: any = synth(out, cdk8sOutdir);
    expect(error?.name).toBe('OutputShapeError');
    expect(error.rule).toMatch(rule);
    expect(error.fix).toMatch(fix);
    expect(error.message).toMatch(/^prodpath: cannot write \/.+: .+\. Fix: .+\.$/);
    expect(snapshot(root)).toEqual(before);
  });
});

/** Runs a synth as the unprivileged user nobody (root may write anywhere), returning its exit and stderr. */
function synthAsNobody(root: string, dist: string) {
  const script = path.join(root, 'main.ts');
  const lib = path.resolve(__dirname, '..', '..', 'lib');
  fs.writeFileSync(script, [
    `import { App, ExternalImage, Pipeline, WebService } from ${JSON.stringify(lib)};`,
    `const app = new App({ outdir: ${JSON.stringify(dist)}, progressAfterMs: 600000 });`,
    'const p = new Pipeline(app, "shop", { registry: "ghcr.io/acme", environments: { dev: { namespace: "shop-dev" } } });',
    'p.define((env) => new WebService(env, "api", { image: ExternalImage.of("nginx:1.25-bookworm", { user: { uid: 10001, gid: 10001 }, port: 8080 }) }));',
    'app.synth();',
  ].join('\n'));
  const asNobody = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--'] : [];
  const [cmd, ...args] = [...asNobody, process.execPath, '--import', 'tsx', script];
  return spawnSync(cmd, args, { cwd: path.resolve(__dirname, '..', '..'), encoding: 'utf8', env: { ...process.env, HOME: root, PRODPATH_DEBUG: '' }, timeout: 60_000 });
}

test.each([
  ['a folder in dist is read-only', (_root: string, dist: string) => fs.chmodSync(path.join(dist, 'dev'), 0o555), /the folder .*\/dist\/dev in it is not writable/, /chmod -R u\+w/],
  ['the folder that holds dist is read-only', (root: string) => fs.chmodSync(root, 0o555), /its parent folder .* is not writable/, /make .* writable/],
])('atomic: fails when %s, as one block before anything is written, and the next synth works once fixed', (_title, arrange, rule, fix) => {
  const { root, dist } = previousOutput();
  spawnSync('chown', ['-R', '65534:65534', root]);
  fs.chmodSync(root, 0o755);
  arrange(root, dist);
  const before = snapshot(root);
  const r = synthAsNobody(root, dist);
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/^prodpath: synth refused: 1 problem\(s\); nothing was written\.\n\n {2}\/.+\n {4}- output folder\n/);
  expect(r.stderr).toMatch(rule);
  expect(r.stderr).toMatch(fix);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  const after = snapshot(root);
  delete after['main.ts'];
  delete before['main.ts'];
  expect(after).toEqual(before);
  fs.chmodSync(root, 0o755);
  fs.chmodSync(path.join(dist, 'dev'), 0o755);
  const again = synthAsNobody(root, dist);
  expect(again.stderr).toMatch(/^prodpath: wrote \d+ files/);
  expect(again.status).toBe(0);
  expect(fs.readdirSync(root).sort()).toEqual(['dist', 'main.ts']);
}, 60_000);
