import * as fs from 'fs';
import * as path from 'path';
import { ImageRecipe, Pipeline, Testing, WebService, Worker } from '../lib';
import { nodeServiceFixture, tempDir } from './support/synth';

/**
 * A small app: one image, a web service and a worker in dev and prod. The service's readiness path
 * is not the image's HEALTHCHECK path, which the dev Compose file warns about.
 */
function smallApp(outdir: string, source: string) {
  const app = Testing.app({ outdir });
  const pipeline = new Pipeline(app, 'demo', {
    registry: 'ghcr.io/acme',
    environments: { dev: { namespace: 'demo-dev', replicas: 1 }, prod: { namespace: 'demo', replicas: 2 } },
  });
  const image = pipeline.image('api', ImageRecipe.node({ source: path.relative(process.cwd(), source), start: ['node', 'server.js'] }));
  pipeline.define((env) => {
    new WebService(env, 'api', { image, host: `api.${env.name}.example.com`, health: { path: '/ready' } });
    new Worker(env, 'jobs', { image, command: ['node', 'server.js'], health: { tcpPort: 8080 } });
  });
  return app;
}

describe('Testing', () => {
  const outdir = path.join(tempDir(), 'dist');
  const source = nodeServiceFixture();
  const out = Testing.render(smallApp(outdir, source));

  test('renders every environment in memory and writes nothing', () => {
    expect(out.environments).toEqual(['dev', 'prod']);
    expect([...out.files.keys()]).toContain('prod/demo.k8s.yaml');
    expect([...out.files.keys()]).toEqual([...out.files.keys()].sort());
    expect(fs.existsSync(outdir)).toBe(false);
  });

  test('finds an object by environment, kind and name', () => {
    const deployment = out.find('prod', 'Deployment', 'api');
    expect(deployment.metadata.namespace).toBe('demo');
    expect(out.findAll('dev', 'Deployment').map((d) => d.metadata.name).sort()).toEqual(['api', 'jobs']);
    expect(Testing.environment(smallApp(outdir, source), 'dev').some((o) => o.kind === 'Namespace' && o.metadata.name === 'demo-dev')).toBe(true);
  });

  test('reads an image\'s generated Dockerfile and its tag', () => {
    expect(out.dockerfile('api')).toMatch(/^USER 10001:10001$/m);
    expect(out.find('dev', 'Deployment', 'api').spec.template.spec.containers[0].image).toBe(`ghcr.io/acme/api:${out.image('api').tag}`);
  });

  test('collects the warnings, formatted as the CLI prints them', () => {
    expect(out.warnings.map((w) => [w.rule.id, w.constructPath])).toEqual([['compose-no-equivalent', 'demo/dev/api']]);
    expect(out.warningMessages).toEqual([expect.stringMatching(/^demo\/dev\/api: \[compose-no-equivalent\] the readiness check GETs \/ready on port 8080, but Compose runs the image's HEALTHCHECK, which checks \/healthz /)]);
  });

  test('gives snapshot-friendly output: parsed files in sorted order, image tags masked', () => {
    const snap = out.snapshot({ environment: 'prod' });
    expect(Object.keys(snap)).toEqual(['prod/demo.k8s.yaml', 'prod/kustomization.yaml']);
    const text = JSON.stringify(snap);
    expect(text).toContain('ghcr.io/acme/api:<api:tag>');
    expect(text).not.toContain(out.image('api').tag);
    expect(JSON.stringify(out.snapshot({ maskImageTags: false }))).toContain(out.image('api').tag);
    // Same source, same snapshot.
    expect(Testing.render(smallApp(outdir, source)).snapshot()).toEqual(out.snapshot());
  });

  test('fails when an object is not there, listing the objects of that kind', () => {
    expect(() => out.find('prod', 'Deployment', 'ap')).toThrow('prodpath Testing: expected one Deployment "ap" in prod, found 0; Deployment objects there: api, jobs');
  });

  test('fails when an environment or an image does not exist, naming those that do', () => {
    expect(() => out.manifests('staging')).toThrow('prodpath Testing: no manifests for environment "staging"; the app renders: dev, prod');
    expect(() => out.dockerfile('web')).toThrow('prodpath Testing: no image "web"; the app\'s images: api');
  });
});
