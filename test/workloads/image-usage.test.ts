import * as path from 'path';
import { ImageHealthCheck, ImageRecipe, Pipeline, Testing, WebService, Worker, WorkerHealth } from '../../lib';
import { nodeServiceFixture, tempDir } from '../support/synth';

const source = nodeServiceFixture({ 'worker.js': 'setInterval(() => {}, 1000);\n' });

/** An app with one Node image run by a worker (and, when asked, by a web service too). */
function render(options: { health: WorkerHealth; healthCheck?: ImageHealthCheck; alsoWeb?: boolean }) {
  const app = Testing.app({ outdir: path.join(tempDir(), 'dist') });
  const pipeline = new Pipeline(app, 'jobs', { registry: 'ghcr.io/acme', environments: { dev: { namespace: 'jobs-dev', replicas: 1 } } });
  const image = pipeline.image('mailer', ImageRecipe.node({
    source: path.relative(process.cwd(), source), start: ['node', 'worker.js'], healthCheck: options.healthCheck,
  }));
  pipeline.define((env) => {
    new Worker(env, 'mailer', { image, command: ['node', 'worker.js'], health: options.health });
    if (options.alsoWeb) {
      new WebService(env, 'api', { image, health: { path: '/healthz' } });
    }
  });
  return Testing.render(app);
}

describe('an image that only workers run', () => {
  test('warns when its HEALTHCHECK is HTTP, and names the worker\'s own check as the fix', () => {
    const out = render({ health: { exec: ['node', 'worker.js', '--check'] } });
    expect(out.warnings.map((w) => w.rule.id)).toEqual(['image-health-unserved']);
    expect(out.warningMessages[0]).toBe('jobs/image-mailer: [image-health-unserved] image "mailer" is run only by workers and jobs (mailer), which serve no HTTP, '
      + 'but its HEALTHCHECK GETs /healthz on port 8080. Fix: give the node recipe of "mailer" the worker\'s check: '
      + 'healthCheck: { kind: \'command\', command: ["node","worker.js","--check"] }. (an image\'s HEALTHCHECK must check what its containers do: '
      + 'a worker serves no HTTP, so an HTTP check marks it unhealthy under docker run, Compose and Swarm)');
  });

  test('suggests a TCP check run with node for a worker checked on a TCP port', () => {
    const out = render({ health: { tcpPort: 9090 } });
    expect(out.warnings[0].fix).toContain('command: ["node","-e","require(\'net\').connect(9090, \'127.0.0.1\')');
  });

  test('has no warning once the recipe takes the worker\'s check: the Dockerfile and the probes run the same command', () => {
    const check = ['node', 'worker.js', '--check'];
    const out = render({ health: { exec: check }, healthCheck: { kind: 'command', command: check } });
    expect(out.warnings).toEqual([]);
    expect(out.dockerfile('mailer')).toContain('CMD ["node", "worker.js", "--check"]');
    expect(out.find('dev', 'Deployment', 'mailer').spec.template.spec.containers[0].livenessProbe.exec.command).toEqual(check);
  });

  test('has no warning when a web service runs the same image', () => {
    expect(render({ health: { exec: ['node', 'worker.js', '--check'] }, alsoWeb: true }).warnings).toEqual([]);
  });
});

describe('a Node image with port: false (a worker image)', () => {
  const check = ['node', 'worker.js', '--check'];
  function workerApp(recipe: { healthCheck?: ImageHealthCheck }, health?: WorkerHealth) {
    const app = Testing.app({ outdir: path.join(tempDir(), 'dist') });
    const pipeline = new Pipeline(app, 'jobs', { registry: 'ghcr.io/acme', environments: { dev: { namespace: 'jobs-dev', replicas: 1 } } });
    const image = pipeline.image('mailer', ImageRecipe.node({ source: path.relative(process.cwd(), source), start: ['node', 'worker.js'], port: false, ...recipe }));
    pipeline.define((env) => {
      new Worker(env, 'mailer', { image, command: ['node', 'worker.js'], health });
    });
    return app;
  }

  test('has no EXPOSE and no PORT, and its HEALTHCHECK and the worker\'s probes run the same command', () => {
    const out = Testing.render(workerApp({ healthCheck: { kind: 'command', command: check } }));
    const dockerfile = out.dockerfile('mailer');
    expect(dockerfile).not.toMatch(/^EXPOSE/m);
    expect(dockerfile).not.toContain('PORT=');
    expect(dockerfile).toMatch(/^HEALTHCHECK .* CMD \["node", "worker\.js", "--check"\]$/m);
    const container = out.find('dev', 'Deployment', 'mailer').spec.template.spec.containers[0];
    expect(container.ports).toBeUndefined();
    expect([container.readinessProbe.exec.command, container.livenessProbe.exec.command]).toEqual([check, check]);
    expect(out.image('mailer').port).toBeUndefined();
    expect(out.warnings).toEqual([]);
  });

  test('fails when its health check is not a command', () => {
    expect(() => workerApp({ healthCheck: { kind: 'http', path: '/healthz' } })).toThrow(/^jobs\/image-mailer: healthCheck \{"kind":"http","path":"\/healthz"\} is invalid: an image with port: false serves no HTTP, so its HEALTHCHECK runs a command/);
    expect(() => workerApp({})).toThrow(/^jobs\/image-mailer: healthCheck \(missing\) is invalid: an image with port: false serves no HTTP/);
  });

  test('fails when a worker has no health and its image has no command check', () => {
    const app = Testing.app({ outdir: path.join(tempDir(), 'dist') });
    const pipeline = new Pipeline(app, 'jobs', { registry: 'ghcr.io/acme', environments: { dev: { namespace: 'jobs-dev', replicas: 1 } } });
    const image = pipeline.image('mailer', ImageRecipe.node({ source: path.relative(process.cwd(), source), start: ['node', 'worker.js'] }));
    expect(() => pipeline.define((env) => new Worker(env, 'mailer', { image, command: ['node', 'worker.js'] })))
      .toThrow(/^jobs\/dev\/mailer: health \(missing\) is invalid: a worker has a liveness check/);
  });
});
