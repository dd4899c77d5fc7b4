import * as path from 'path';
import { App } from '../lib';
import { buildShop } from '../examples/shop/main';
import { readTree, tempDir } from './support/synth';

const REPO = path.resolve(__dirname, '..');

function synthShop(): Map<string, string> {
  const out = path.join(tempDir(), 'dist');
  const app = new App({ outdir: out, printSummary: false });
  buildShop(app);
  app.synth();
  return readTree(out);
}

describe('examples/shop', () => {
  const files = synthShop();

  test.each(['dev', 'staging', 'prod'])('%s manifests match the snapshot', (env) => {
    expect(files.get(`${env}/shop.k8s.yaml`)).toMatchSnapshot();
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

  test('environments differ only in namespace, replicas, hosts, config and resources', () => {
    const normalize = (text: string) => text
      .replace(/namespace: shop(-dev|-staging)?\b/g, 'namespace: NS')
      .replace(/name: shop(-dev|-staging)?\n/g, 'name: NS\n')
      .replace(/replicas: \d+/g, 'replicas: N')
      .replace(/api\.(dev\.|staging\.)?shop\.example\.com/g, 'HOST')
      .replace(/api-config-[0-9a-f]{10}/g, 'api-config-HASH')
      .replace(/GREETING: .*\n/g, 'GREETING: X\n')
      .replace(/LOG_LEVEL: .*\n/g, 'LOG_LEVEL: X\n')
      .replace(/resources:\n(\s+.*\n)+?(\s+)securityContext/g, 'resources: R\n$2securityContext');
    const dev = normalize(files.get('dev/shop.k8s.yaml')!);
    expect(normalize(files.get('staging/shop.k8s.yaml')!)).toBe(dev);
    expect(normalize(files.get('prod/shop.k8s.yaml')!)).toBe(dev);
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
