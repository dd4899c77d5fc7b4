/**
 * `prodpath import`: the three fixture Compose files import into apps that type-check and
 * synthesize with no errors and no warnings; secrets stay references; what has no equivalent is
 * listed at the top of main.ts and in the command's output; the same input gives the same bytes.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { run } from '../../lib/cli/main';
import { importCompose } from '../../lib/import/import-compose';
import { copyFixture, FIXTURES, importFixture, synthGenerated } from './support';

const REPO = path.resolve(__dirname, '..', '..');

describe('prodpath import of the fixture Compose files', () => {
  test.each(FIXTURES)('%s imports and the generated app synthesizes with no errors and no warnings', (name) => {
    const root = copyFixture(name);
    const r = importFixture(root, { WEB_PORT: '13000', PROXY_PORT: '18080' });
    expect(fs.readFileSync(path.join(root, 'main.ts'), 'utf8')).toBe(r.source);
    const app = synthGenerated(root);
    expect(app.warnings.map((w) => w.message)).toEqual([]);
    for (const env of ['dev', 'staging', 'prod']) {
      expect(fs.readdirSync(path.join(root, 'dist', env)).some((f) => f.endsWith('.k8s.yaml'))).toBe(true);
    }
    expect(fs.existsSync(path.join(root, 'dist', 'dev', 'compose.yaml'))).toBe(true);
  });

  test('the generated main.ts files type-check (tsc --noEmit, strict, no unused locals)', () => {
    const files = FIXTURES.map((name) => {
      const root = copyFixture(name);
      importFixture(root);
      return path.join(root, 'main.ts');
    });
    // Written elsewhere than next to the Compose file: the app root is a path from main.ts's folder.
    const elsewhere = copyFixture('node-shop');
    files.push(importCompose({ file: path.join(elsewhere, 'compose.yaml'), out: path.join(elsewhere, 'deploy', 'main.ts') }).out);
    expect(fs.readFileSync(files[3], 'utf8')).toContain('appRoot: string = path.join(__dirname, \'..\')');
    const dir = path.dirname(path.dirname(files[0]));
    const tsconfig = path.join(dir, `tsconfig.check-${process.pid}.json`);
    fs.writeFileSync(tsconfig, JSON.stringify({
      extends: path.join(REPO, 'tsconfig.json'),
      compilerOptions: { noEmit: true, rootDir: '/', baseUrl: REPO, paths: { prodpath: ['./lib/index.ts'] }, types: ['node'], typeRoots: [path.join(REPO, 'node_modules', '@types')] },
      files,
      include: [],
    }));
    const r = spawnSync(process.execPath, [path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', tsconfig], { encoding: 'utf8', cwd: dir });
    expect(`${r.stdout}${r.stderr}`).toBe('');
    expect(r.status).toBe(0);
    fs.rmSync(tsconfig);
  }, 180_000);

  test('services become the workloads their Compose definition calls for', () => {
    const kinds = (name: string) => importFixture(copyFixture(name)).plan.workloads.map((w) => `${w.service}: ${w.kind}`);
    expect(kinds('node-shop')).toEqual(['cache: StatefulService', 'db: Postgres', 'migrate: MigrationJob', 'web: WebService']);
    expect(kinds('python-worker')).toEqual(['queue: StatefulService', 'worker: Worker']);
    expect(kinds('static-proxy')).toEqual(['site: WebService', 'proxy: WebService', 'ticker: Worker']);
  });

  test('recipes follow the build folder: package.json, requirements.txt, only static files, else the Dockerfile', () => {
    const recipes = (name: string) => importFixture(copyFixture(name)).plan.images.map((i) => `${i.name}: ${i.recipe}`);
    expect(recipes('node-shop')).toEqual(['web: node']);
    expect(recipes('python-worker')).toEqual(['worker: python']);
    expect(recipes('static-proxy')).toEqual(['proxy: node', 'site: staticSite', 'ticker: custom']);
  });

  test('values that look secret become SecretRefs with a TODO, and no secret value reaches main.ts', () => {
    const r = importFixture(copyFixture('node-shop'), { DB_PASSWORD: 'hunter2-from-env' });
    expect(r.source).toContain('SESSION_SECRET: SecretRef.fromSecretName(\'web-session-secret\', \'value\')');
    // web and migrate share the DATABASE_URL value: one Secret.
    expect(r.source.match(/DATABASE_URL: SecretRef\.fromSecretName\('database-url', 'value'\)/g)).toHaveLength(2);
    expect(r.source).toContain('password: SecretRef.fromSecretName(\'db-postgres-password\', \'value\')');
    for (const secret of ['hunter2-from-env', 'dev-session-secret']) {
      expect(r.source).not.toContain(secret);
    }
    expect(r.plan.todos.filter((t) => t.includes('looked secret')).length).toBe(3);
  });

  test('connections, migration ordering, health, replicas and resources carry over', () => {
    const r = importFixture(copyFixture('node-shop'), { WEB_PORT: '13000' });
    const web = r.plan.workloads.find((w) => w.service === 'web')!;
    expect(web.props.connectsTo).toEqual({ code: '[cache, db]' });
    expect(web.props.waitFor).toEqual({ code: '[migrate]' });
    expect(web.props.health).toEqual({ path: '/healthz' });
    expect(web.props.replicas).toEqual({ code: 'env.is(\'dev\') ? 1 : 2' });
    expect(web.props.resources).toEqual({ cpu: { request: '500m', limit: '500m' }, memory: { request: '128Mi', limit: '256Mi' } });
    expect(r.plan.hostPorts).toEqual({ cache: false, db: false, web: 13000 });
    const queue = importFixture(copyFixture('python-worker')).plan.workloads.find((w) => w.service === 'queue')!;
    expect(queue.props.readinessCommand).toEqual(['redis-cli', 'ping']);
  });

  test('what has no safe equivalent is listed, with why, at the top of main.ts and in the command output', async () => {
    const root = copyFixture('static-proxy');
    const out: string[] = [];
    const code = await run(['import', path.join(root, 'compose.yaml')], { out: (l) => out.push(l), err: (l) => out.push(l) });
    expect(code).toBe(0);
    const source = fs.readFileSync(path.join(root, 'main.ts'), 'utf8');
    const header = source.slice(0, source.indexOf('*/'));
    for (const flagged of ['proxy: privileged: true: a privileged container', 'proxy: volumes: ./proxy/conf:/etc/proxy: a bind mount of a host path', 'ticker: Dockerfile: USER nobody']) {
      expect(header.replace(/\n \* {5}/g, ' ')).toContain(flagged);
      expect(out.join('\n')).toContain(flagged);
    }
  });

  test('importing the same file twice gives the same bytes', () => {
    const root = copyFixture('node-shop');
    const a = importCompose({ file: path.join(root, 'compose.yaml'), out: path.join(root, 'a.ts') }).source;
    const b = importCompose({ file: path.join(root, 'compose.yaml'), out: path.join(root, 'b.ts') }).source;
    expect(a).toBe(b);
  });
});
