/**
 * The recipe examples built for real: `prodpath build --engine podman` (the command line, run
 * as a child process) builds each example's image from a copy of the example, locks its local
 * image id (never pinned: only pushed digests are, see test/registry), skips it the second time;
 * and the image, run by the reference synth wrote the way the pods run it (numeric user, read-only root, no capabilities), answers on
 * 127.0.0.1 and reports healthy through its own HEALTHCHECK.
 *
 * `.ci/podman-setup.sh` prepares podman and the local base images (python:3.11-slim,
 * golang:1.23-bookworm, busybox:1.36). CI always runs this test; a machine without them
 * skips it with a message.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App } from '../lib';
import { DigestLock } from '../lib/lock/lock';
import { buildSearch } from '../examples/go/main';
import { buildCatalog } from '../examples/python/main';
import { buildDocs } from '../examples/static/main';
import { healthcheck, listFilesInImage, podman, podmanStatus, removeContainer, removeImage, runContainer, waitForHttp } from './support/podman';
import { find, manifests, tempDir } from './support/synth';
import { describeWhenReady, type ToolStatus } from './support/ready';

const REPO = path.resolve(__dirname, '..');
const RECIPE_BASES = ['localhost/python:3.11-slim', 'localhost/golang:1.23-bookworm', 'localhost/busybox:1.36'];

function status(): ToolStatus {
  const s = podmanStatus();
  if (!s.available) {
    return s;
  }
  const missing = RECIPE_BASES.filter((image) => podman(['image', 'exists', image], { allowFailure: true }).status !== 0);
  return missing.length === 0 ? s : { available: false, reason: `${missing.join(', ')} missing from the private store: run .ci/podman-setup.sh` };
}

const ready = status();
const maybe = describeWhenReady('the recipe real-engine test', ready);

/** A folder holding a `podman` that runs the real one with the private store of .ci/podman-setup.sh. */
function podmanWrapper(): string {
  const envFile = path.join(process.env.PRODPATH_PODMAN_DIR || '/tmp/prodpath-podman', 'env.sh');
  const dir = tempDir('prodpath-wrapper-');
  const real = spawnSync('sh', ['-c', 'command -v podman'], { encoding: 'utf8' }).stdout.trim();
  fs.writeFileSync(path.join(dir, 'podman'), `#!/bin/sh\n. '${envFile}'\nexec '${real}' $PODMAN_FLAGS "$@"\n`, { mode: 0o755 });
  return dir;
}

/** Runs `prodpath build <dist> --engine podman` as a child process; returns its exit status and output. */
function prodpathBuild(dist: string, wrapper: string): { status: number; output: string } {
  const r = spawnSync(path.join(REPO, 'node_modules', '.bin', 'tsx'), [path.join(REPO, 'lib/cli/main.ts'), 'build', dist, '--engine', 'podman'], {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, PATH: `${wrapper}:${process.env.PATH}` },
    timeout: 600_000,
  });
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

interface Example {
  name: string;
  folder: string;
  build: (app: App, overrides: { appRoot: string }) => unknown;
  /** What GET / answers, given the environment's greeting. */
  home: (body: string) => void;
  /** The image source, inside the example folder. */
  context: string;
  /** The path the image checks its health on. */
  healthPath: string;
  /** Files to plant in the context that the image must not contain. */
  junk?: Record<string, string>;
  /** Where the app lives in the image, and what it must hold. */
  contents?: { dir: string; has: string[] };
}

const EXAMPLES: Example[] = [
  {
    name: 'catalog',
    folder: 'python',
    build: buildCatalog,
    context: 'app',
    healthPath: '/healthz',
    home: (body) => expect(JSON.parse(body)).toMatchObject({ service: 'catalog', greeting: 'hello from dev' }),
    junk: { 'secret.env': 'DB_PASSWORD=hunter2\n', '.venv/bin/python': 'junk\n', '__pycache__/app.cpython-311.pyc': 'junk\n' },
    contents: { dir: '/app', has: ['app.py', 'requirements.txt'] },
  },
  {
    name: 'search',
    folder: 'go',
    build: buildSearch,
    context: 'app',
    healthPath: '/healthz',
    home: (body) => expect(JSON.parse(body)).toMatchObject({ service: 'search', greeting: 'hello from dev' }),
    contents: { dir: '/app', has: ['server'] },
  },
  {
    name: 'docs',
    folder: 'static',
    build: buildDocs,
    context: 'site',
    healthPath: '/',
    home: (body) => expect(body).toContain('<title>Acme docs</title>'),
    junk: { '.git/HEAD': 'ref: refs/heads/main\n', 'local.env': 'TOKEN=x\n' },
    contents: { dir: '/srv/www', has: ['index.html', 'style.css'] },
  },
];

maybe.each(EXAMPLES)('examples/$folder built with prodpath build --engine podman', (example) => {
  const root = tempDir(`prodpath-${example.folder}-`);
  const container = `prodpath-test-${example.name}-${process.pid}`;
  const wrapper = podmanWrapper();
  let first = { status: -1, output: '' };
  let second = { status: -1, output: '' };
  let pinned = '';
  let tag = '';
  let hostPort = 0;
  let devGreeting: string | undefined;

  const synth = () => {
    const app = new App({ outdir: path.join(root, 'dist'), printSummary: false });
    example.build(app, { appRoot: root });
    return app;
  };

  beforeAll(async () => {
    fs.cpSync(path.join(REPO, 'examples', example.folder), root, { recursive: true, filter: (src) => !/\/dist(\/|$)/.test(path.relative(REPO, src)) });
    for (const [rel, content] of Object.entries(example.junk ?? {})) {
      const file = path.join(root, example.context, rel);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
    }
    const app = synth();
    app.synth();
    tag = JSON.parse(fs.readFileSync(path.join(root, 'dist', 'images', example.name, 'image.json'), 'utf8')).image;
    removeImage(tag);
    first = prodpathBuild(path.join(root, 'dist'), wrapper);
    second = prodpathBuild(path.join(root, 'dist'), wrapper);
    const again = synth();
    const dev = manifests(again, 'dev', example.name);
    const deployment = find(dev, 'Deployment');
    pinned = deployment.spec.template.spec.containers[0].image;
    devGreeting = deployment.spec.template.spec.containers[0].env?.find((e: { name: string }) => e.name === 'GREETING')?.value
      ?? dev.find((d) => d.kind === 'ConfigMap')?.data?.GREETING;
    if (first.status === 0) {
      ({ hostPort } = runContainer({ image: pinned, name: container, port: 8080, user: '10001:10001', readOnly: true, env: devGreeting ? { GREETING: devGreeting } : {} }));
    }
  }, 900_000);

  afterAll(() => {
    removeContainer(container);
    removeImage(tag);
  });

  test('builds the image and locks its digest', () => {
    expect({ status: first.status, output: first.output }).toEqual({ status: 0, output: expect.stringContaining(`: building ${tag} for linux/amd64`) });
    const entry = DigestLock.read(path.join(root, 'prodpath.lock.json')).get(tag.split(':')[0], tag.split(':')[1]);
    expect(entry).toEqual({ contentHash: expect.stringMatching(/^sha256:/), digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), platforms: ['linux/amd64'], pushed: false });
  });

  test('does not build it again when the tag exists', () => {
    expect(second.status).toBe(0);
    expect(second.output).toContain(`${tag} exists already; not building it again`);
  });

  test('is locked as a local build, never pinned: the next synth runs it by tag (only a pushed digest is pinned)', () => {
    const entry = DigestLock.read(path.join(root, 'prodpath.lock.json')).get(tag.split(':')[0], tag.split(':')[1]);
    expect(entry).toMatchObject({ pushed: false, digest: expect.stringMatching(/^sha256:[a-f0-9]{64}$/) });
    expect(pinned).toBe(tag);
  });

  test('runs by the reference synth wrote and answers on 127.0.0.1', async () => {
    expect(hostPort).toBeGreaterThan(0);
    const health = await waitForHttp(`http://127.0.0.1:${hostPort}${example.healthPath}`, 30_000);
    expect(health.status).toBe(200);
    const home = await waitForHttp(`http://127.0.0.1:${hostPort}/`, 10_000);
    expect(home.status).toBe(200);
    example.home(home.body);
  });

  test('reports healthy through its own HEALTHCHECK', () => {
    expect(healthcheck(container)).toEqual({ healthy: true, output: expect.any(String) });
  });

  if (example.contents) {
    test('holds the app but none of the ignored files', () => {
      const files = listFilesInImage(tag, example.contents!.dir);
      expect(files).toEqual(expect.arrayContaining(example.contents!.has));
      expect(files.filter((f) => /secret\.env|local\.env|\.venv|__pycache__|^\.git/.test(f))).toEqual([]);
    });
  }
});
