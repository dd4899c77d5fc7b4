import * as path from 'path';
import { ImageHealthCheck, ImageRecipe, Pipeline, Testing, WebService, Worker, WorkerHealth } from '../../lib';
import { nodeServiceFixture, tempDir } from '../support/synth';

const source = nodeServiceFixture({ 'worker.js': 'setInterval(() => {}, 1000);\n' });

/** An app with one Node image run by a worker (and, when asked, by a web service or a second worker too). */
function build(options: { health: WorkerHealth; healthCheck?: ImageHealthCheck; alsoWeb?: boolean; secondWorker?: WorkerHealth; readTagFirst?: boolean }) {
  const app = Testing.app({ outdir: path.join(tempDir(), 'dist') });
  const pipeline = new Pipeline(app, 'jobs', { registry: 'ghcr.io/acme', environments: { dev: { namespace: 'jobs-dev', replicas: 1 }, prod: { namespace: 'jobs-prod', replicas: 2 } } });
  const image = pipeline.image('mailer', ImageRecipe.node({
    source: path.relative(process.cwd(), source), start: ['node', 'worker.js'], healthCheck: options.healthCheck,
  }));
  if (options.readTagFirst) {
    expect(image.tag).toMatch(/^[a-f0-9]{16}$/);
  }
  pipeline.define((env) => {
    new Worker(env, 'mailer', { image, command: ['node', 'worker.js'], health: options.health });
    if (options.secondWorker) {
      new Worker(env, 'digest', { image, command: ['node', 'worker.js', 'digest'], health: options.secondWorker });
    }
    if (options.alsoWeb) {
      new WebService(env, 'api', { image, health: { path: '/healthz' } });
    }
  });
  return { app, image };
}

function render(options: Parameters<typeof build>[0]) {
  return Testing.render(build(options).app);
}

describe('a Node image left at its defaults', () => {
  const check = ['node', 'worker.js', '--check'];

  test('run only by workers: no port, and the workers\' own command as its HEALTHCHECK, in the Dockerfile and the manifests alike', () => {
    const out = render({ health: { exec: check } });
    const dockerfile = out.dockerfile('mailer');
    expect(dockerfile).not.toMatch(/^EXPOSE/m);
    expect(dockerfile).not.toContain('PORT=');
    expect(dockerfile).toMatch(/^HEALTHCHECK .* CMD \["node", "worker\.js", "--check"\]$/m);
    expect(out.image('mailer').port).toBeUndefined();
    for (const env of ['dev', 'prod']) {
      const deployment = out.find(env, 'Deployment', 'mailer');
      const container = deployment.spec.template.spec.containers[0];
      expect(container.ports).toBeUndefined();
      expect(container.livenessProbe.exec.command).toEqual(check);
      // The manifests run the image as decided at synth: its own tag, no placeholder left.
      expect(container.image).toBe(out.image('mailer').image);
      expect(deployment.metadata.labels['app.kubernetes.io/version']).toBe(out.image('mailer').tag);
      expect(deployment.spec.template.metadata.labels['app.kubernetes.io/version']).toBe(out.image('mailer').tag);
    }
    expect([...out.files.values()].filter((text) => text.includes('${prodpath:'))).toEqual([]);
    expect(out.warnings).toEqual([]);
  });

  test('the Compose file runs the same build, with the worker\'s check', () => {
    const out = render({ health: { exec: check } });
    const compose = out.files.get('dev/compose.yaml')!;
    expect(compose).toContain(`image: ${out.image('mailer').image}`);
    expect(compose).not.toContain('${prodpath:');
  });

  test('run only by a worker checked on a TCP port: a TCP check run with node', () => {
    const out = render({ health: { tcpPort: 9090 } });
    expect(out.dockerfile('mailer')).toContain('CMD ["node", "-e", "require(\'net\').connect(9090, \'127.0.0.1\')');
    expect(out.dockerfile('mailer')).not.toMatch(/^EXPOSE/m);
    expect(out.warnings).toEqual([]);
  });

  test('gets a tag of its own: the worker build is another content than the web build', () => {
    const worker = render({ health: { exec: check } }).image('mailer');
    const web = render({ health: { exec: check }, alsoWeb: true }).image('mailer');
    expect(worker.tag).not.toBe(web.tag);
  });

  test('run by a web service too: keeps port 8080 and its HTTP check, with no warning', () => {
    const out = render({ health: { exec: check }, alsoWeb: true });
    expect(out.dockerfile('mailer')).toMatch(/^EXPOSE 8080$/m);
    expect(out.dockerfile('mailer')).toContain('http://127.0.0.1:8080/healthz');
    expect(out.image('mailer').port).toBe(8080);
    expect(out.warnings).toEqual([]);
  });

  test('run by workers with different checks: keeps the HTTP check and warns, naming a check as the fix', () => {
    const out = render({ health: { exec: check }, secondWorker: { exec: ['node', 'worker.js', '--ping'] } });
    expect(out.warnings.map((w) => w.rule.id)).toEqual(['image-health-unserved']);
    expect(out.warningMessages[0]).toBe('jobs/image-mailer: [image-health-unserved] image "mailer" is run only by workers and jobs (digest, mailer), which serve no HTTP, '
      + 'but its HEALTHCHECK GETs /healthz on port 8080. Fix: give the node recipe of "mailer" the worker\'s check: '
      + 'healthCheck: { kind: \'command\', command: ["node","worker.js","--check"] }. (an image\'s HEALTHCHECK must check what its containers do: '
      + 'a worker serves no HTTP, so an HTTP check marks it unhealthy under docker run, Compose and Swarm)');
  });

  test('a recipe health check the user set stands: no warning once it is the worker\'s command', () => {
    const out = render({ health: { exec: check }, healthCheck: { kind: 'command', command: check } });
    expect(out.warnings).toEqual([]);
    expect(out.dockerfile('mailer')).toContain('CMD ["node", "worker.js", "--check"]');
    expect(out.find('dev', 'Deployment', 'mailer').spec.template.spec.containers[0].livenessProbe.exec.command).toEqual(check);
  });

  test('read before its workers are defined: the worker that would change it is refused, naming the fix', () => {
    expect(() => build({ health: { exec: check }, readTagFirst: true })).toThrow(
      /^jobs\/dev\/mailer: image "mailer" is invalid: image "mailer" was already rendered \(its tag or Dockerfile was read\) before this workload used it.*Fix: read image\.tag or image\.dockerfile only after every workload is defined, or set port and healthCheck on the image recipe/s);
  });

  test('read once every workload is defined: the tag is the one synth writes', () => {
    const { app, image } = build({ health: { exec: check }, alsoWeb: true });
    expect(Testing.render(app).image('mailer').tag).toBe(image.tag);
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
