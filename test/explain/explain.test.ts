import { execFileSync } from 'child_process';
import * as fs from 'fs';
import { valueAt } from '../../lib/diff/semantic-diff';
import { readEnvironment } from '../../lib/diff/sources';
import { run } from '../../lib/cli/main';
import { leafPointers } from '../../lib/explain/explain';
import { userFrame } from '../../lib/explain/creation-site';

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const APP = ['--app', 'examples/shop/main.ts#buildShop'];

describe('prodpath explain', () => {
  test('names the file and line that created the workload, and the prop that set a field (as the command runs, with tsx)', () => {
    // A real process: jest's transform does not map the stack's line numbers back to the source, tsx does.
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'lib/cli/main.ts', 'explain', 'prod', 'Deployment/api', '/spec/template/spec/containers/0/resources/requests/cpu', ...APP], { encoding: 'utf8' });
    const r = { out: out.trimEnd() };
    expect(r.out.split('\n')).toEqual([
      expect.stringMatching(/^Deployment\/api in prod: rendered by shop\/prod\/api\/deployment\/Resource \(WebService api, created at examples\/shop\/main\.ts:\d+:\d+\)$/),
      '/spec/template/spec/containers/0/resources/requests/cpu = "250m"',
      'set by prop: resources of WebService api',
      expect.stringMatching(/^at: examples\/shop\/main\.ts:\d+:\d+$/),
    ]);
    // The line is the `new WebService(` line of the example.
    const line = Number(/main\.ts:(\d+)/.exec(r.out)![1]);
    expect(fs.readFileSync('examples/shop/main.ts', 'utf8').split('\n')[line - 1]).toMatch(/new WebService\(env, 'api'/);
  });

  test('names the environment setting, or the prodpath default with its rule and where it is decided', async () => {
    const ns = await cli(['explain', 'prod', 'Deployment/api', '/metadata/namespace', ...APP]);
    expect(ns.out.split('\n').slice(1)).toEqual(['/metadata/namespace = "shop"', 'set by setting: environments.prod.namespace', 'at: the Pipeline\'s environments table']);
    const sc = await cli(['explain', 'dev', 'Deployment/mailer', '/spec/template/spec/containers/0/securityContext/runAsNonRoot', ...APP]);
    expect(sc.out.split('\n').slice(1)).toEqual([
      '/spec/template/spec/containers/0/securityContext/runAsNonRoot = true',
      'set by prodpath default: Pod Security Standards "restricted": non-root, no privilege escalation, all capabilities dropped, read-only root, RuntimeDefault seccomp',
      'at: lib/workloads/_pod.ts',
    ]);
    // The dev api sets no resources: the default decides them.
    const res = await cli(['explain', 'dev', 'Deployment/api', '/spec/template/spec/containers/0/resources/requests/cpu', ...APP]);
    expect(res.out.split('\n')[2]).toBe('set by prodpath default: default requests and limits per workload kind');
  });

  test('answers for every field of a Deployment, with a table row for each', async () => {
    const r = await cli(['explain', 'prod', 'Deployment/api', ...APP]);
    expect(r.code).toBe(0);
    const rows = r.out.split('\n').slice(3);
    const deployment = readEnvironment('dist', 'prod').find((o) => o.object.kind === 'Deployment' && o.object.metadata.name === 'api')!.object;
    const pointers = leafPointers(deployment);
    expect(pointers.length).toBeGreaterThan(60);
    expect(rows).toHaveLength(pointers.length);
    for (const [i, p] of pointers.entries()) {
      expect(valueAt(deployment, p)).toBeDefined();
      expect(rows[i]).toMatch(new RegExp(`^\\| \`${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\` \\| .+ \\| (prop|setting|prodpath default) \\| .+ \\| .+ \\|$`));
    }
  });

  test('fails when the object is not in the environment, naming those that are', async () => {
    const r = await cli(['explain', 'prod', 'Deployment/nope', ...APP]);
    expect(r.code).toBe(2);
    expect(r.err).toBe('prodpath explain: no Deployment/nope in dist/prod. Fix: name one of Deployment/api, Deployment/mailer.');
  });

  test('fails when the pointer is not a JSON pointer', async () => {
    const r = await cli(['explain', 'prod', 'Deployment/api', 'spec.replicas', ...APP]);
    expect(r.code).toBe(2);
    expect(r.err).toBe('prodpath explain: "spec.replicas" is not a JSON pointer. Fix: start it with /, such as /spec/replicas or /spec/template/spec/containers/0/resources.');
  });

  test('the creation site is the first frame outside prodpath and node_modules, relative to the working directory', () => {
    const stack = [
      'Error',
      `    at recordCreation (${process.cwd()}/lib/explain/creation-site.ts:40:16)`,
      `    at new Workload (${process.cwd()}/lib/workloads/workload.ts:266:5)`,
      `    at Pipeline.define (${process.cwd()}/node_modules/x/index.js:1:1)`,
      `    at buildShop (${process.cwd()}/examples/shop/main.ts:61:5)`,
    ].join('\n');
    expect(userFrame(stack)).toBe('examples/shop/main.ts:61:5');
  });
});
