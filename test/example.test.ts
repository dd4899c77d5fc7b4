import * as path from 'path';
import { App, RenderedApp, Testing } from '../lib';
import { buildShop } from '../examples/shop/main';
import { readTree } from './support/synth';

const REPO = path.resolve(__dirname, '..');

/**
 * Renders the example in memory exactly as `npx cdk8s synth` writes it to the repository's
 * dist/ (the bake and Compose files name paths relative to where they are written), without
 * writing anything.
 */
function synthShop(): RenderedApp {
  const app = Testing.app({ outdir: path.join(REPO, 'dist') });
  buildShop(app);
  return Testing.render(app);
}

describe('examples/shop', () => {
  const rendered = synthShop();
  const files = rendered.files;

  // prod autoscales the API and the mailer and also asks for a Swarm stack (swarm: true), which has
  // no autoscaler: those two findings are the only warnings the example gives, and they say so.
  const EXPECTED_WARNINGS = ['shop/prod/api', 'shop/prod/mailer'].map((p) => `${p}: compose-no-equivalent`);

  test('renders with no warning but the two declared ones (an autoscaled prod in a Swarm stack)', () => {
    expect(rendered.warningMessages.map((m) => m.replace(/: \[([a-z-]+)\].*/s, ': $1'))).toEqual(EXPECTED_WARNINGS);
    expect(rendered.warningMessages.join('\n')).toMatch(/no autoscaler: the files run 3\. Fix: the files run the autoscaler's minimum/);
  });

  test.each(['dev', 'staging', 'prod'])('%s manifests match the snapshot', (env) => {
    expect(files.get(`${env}/shop.k8s.yaml`)).toMatchSnapshot();
  });

  test('targets Kubernetes 1.30 to 1.33 and synthesizes with no error and no warning of its own for each', () => {
    const app = new App({ outdir: path.join(REPO, 'dist'), printSummary: false });
    const pipeline = buildShop(app);
    app.render();
    expect(pipeline.environments.map((e) => [e.name, e.kubernetesMinors])).toEqual(
      ['dev', 'staging', 'prod'].map((e) => [e, ['1.30', '1.31', '1.32', '1.33']]),
    );
    expect(app.warnings.map((w) => `${w.constructPath}: ${w.rule.id}`)).toEqual(EXPECTED_WARNINGS);
    expect(app.warnings.every((w) => w.file === 'prod/stack.yaml')).toBe(true);
    expect(files.get('prod/shop.k8s.yaml')).toContain('prodpath.dev/kubernetes: 1.30-1.33');
  });

  test('the Dockerfile matches the snapshot', () => {
    expect(files.get('images/api/Dockerfile')).toMatchSnapshot();
  });

  test('the committed dist/ is what synthesis gives today (run `npx cdk8s synth` and commit it)', () => {
    const committed = readTree(path.join(REPO, 'dist'));
    expect([...committed.keys()].sort()).toEqual([...files.keys()].sort());
    for (const [file, content] of files) {
      expect({ file, same: committed.get(file) === content }).toEqual({ file, same: true });
    }
  });

  test('environments differ only where the source says: namespace, replicas, hosts, config, resources, storage, secret stores', () => {
    const { parseAllDocuments } = require('yaml') as typeof import('yaml');
    const docs = (env: string) => parseAllDocuments(files.get(`${env}/shop.k8s.yaml`)!).map((d) => d.toJS());
    const normalize = (env: string) => docs(env)
      // Production and multi-replica extras are compared below.
      .filter((d: any) => d.kind !== 'PodDisruptionBudget' && d.kind !== 'HorizontalPodAutoscaler')
      .map((d: any) => {
        const walk = (o: any): any => {
          if (Array.isArray(o)) {
            return o.map(walk);
          }
          if (typeof o !== 'object' || o === null) {
            return typeof o === 'string'
              ? o.replace(/^shop(-dev|-staging)?$/, 'NS').replace(/\.shop(-dev|-staging)?\.svc$/, '.NS.svc')
                .replace(/(dev\.|staging\.)?shop\.example\.com$/, 'DOMAIN').replace(/-[0-9a-f]{10}$/, '-HASH')
                .replace(/^shop\/(dev|staging|prod)\//, 'shop/ENV/').replace(/^vault(-dev)?$/, 'STORE')
              : o;
          }
          const out: any = {};
          for (const [k, v] of Object.entries(o)) {
            if (['replicas', 'resources', 'topologySpreadConstraints', 'prodpath.dev/environment', 'prodpath.dev/production'].includes(k)
              || (k === 'data' && !Array.isArray(v))) {
              continue;
            }
            out[k] = k === 'storage' ? 'SIZE' : walk(v);
          }
          return out;
        };
        return walk(d);
      });
    const dev = normalize('dev');
    expect(normalize('staging')).toEqual(dev);
    expect(normalize('prod')).toEqual(dev);

    const extras = (env: string) => docs(env).filter((d: any) => d.kind === 'PodDisruptionBudget' || d.kind === 'HorizontalPodAutoscaler')
      .map((d: any) => `${d.kind} ${d.metadata.name}`).sort();
    expect(extras('dev')).toEqual([]);
    expect(extras('staging')).toEqual(['PodDisruptionBudget api', 'PodDisruptionBudget mailer']);
    expect(extras('prod')).toEqual(['HorizontalPodAutoscaler api', 'HorizontalPodAutoscaler mailer', 'PodDisruptionBudget api', 'PodDisruptionBudget db', 'PodDisruptionBudget mailer']);
  });

  test('uses every workload construct: an API, a worker, Postgres, a nightly CronTask and a migration Job', () => {
    for (const kind of ['Deployment', 'StatefulSet', 'CronJob', 'Job', 'Ingress', 'NetworkPolicy', 'ExternalSecret', 'PodDisruptionBudget', 'HorizontalPodAutoscaler']) {
      expect(rendered.findAll('prod', kind).length).toBeGreaterThan(0);
    }
    expect(rendered.find('prod', 'CronJob', 'cleanup').spec.schedule).toBe('0 3 * * *');
  });

  test('runs the API as the numeric user its Dockerfile ends with', () => {
    const user = rendered.dockerfile('api').match(/^USER (\d+):(\d+)$/m)!;
    const pod = rendered.find('prod', 'Deployment', 'api').spec.template.spec;
    expect([pod.securityContext.runAsUser, pod.securityContext.runAsGroup]).toEqual([Number(user[1]), Number(user[2])]);
  });

  test('kubectl kustomize accepts every environment folder', () => {
    const { spawnSync } = require('child_process') as typeof import('child_process');
    const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
    if (kubectl.status !== 0) {
      if (process.env.CI) {
        throw new Error('kubectl is required in CI');
      }
      console.warn('kubectl not found: skipping the kustomize check');
      return;
    }
    for (const env of ['dev', 'staging', 'prod']) {
      const r = spawnSync('kubectl', ['kustomize', path.join(REPO, 'dist', env)], { encoding: 'utf8' });
      expect({ env, status: r.status, stderr: r.stderr }).toEqual({ env, status: 0, stderr: '' });
      expect(r.stdout).toContain('kind: Deployment');
    }
  });
});
