/**
 * The whole build-once path against a real registry (Debian's docker-registry on 127.0.0.1,
 * started by `.ci/registry.sh`) and the real engine (podman, through the same engine
 * configuration as CI and the README: the setup's env.sh, given with --engine-config):
 * `prodpath build --push` pushes and locks the registry's digest, synth pins it, a clean store
 * pulls it by that digest and runs it healthy, `prodpath promote` moves exactly that digest from
 * dev to staging to prod, and a rebuild of unchanged source pushes nothing. Bad input: an
 * unreachable registry, a refused push, a locked digest the registry does not have.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App } from '../../lib';
import { DigestLock } from '../../lib/lock/lock';
import { run } from '../../lib/cli/main';
import { buildDocs } from '../../examples/static/main';
import { podmanStatus, podman, waitForHttp } from '../support/podman';
import { describeWhenReady } from '../support/ready';
import { registryDigest, registryStatus, registryTags, startRegistry, TestRegistry } from '../support/registry';
import { tempDir } from '../support/synth';

const status = ((): ReturnType<typeof podmanStatus> => {
  const p = podmanStatus();
  return p.available ? registryStatus() : p;
})();
const maybe = describeWhenReady('the real registry test', status);

const ENGINE_CONFIG = path.join(process.env.PRODPATH_PODMAN_DIR || '/tmp/prodpath-podman', 'env.sh');

/** Runs the prodpath command line; resolves to its exit code and output. */
async function prodpath(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** An app root with the static example's site, synthesized for `registry` into `<root>/dist`. */
function appRoot(): string {
  const root = tempDir('prodpath-registry-app-');
  fs.cpSync(path.resolve(__dirname, '..', '..', 'examples', 'static', 'site'), path.join(root, 'site'), { recursive: true });
  return root;
}

function synth(root: string, registry: string, requireDigests: 'warn' | 'error' = 'warn') {
  const app = new App({ outdir: path.join(root, 'dist'), printSummary: false });
  const pipeline = buildDocs(app, {
    registry: `${registry}/prodpath`,
    appRoot: root,
    requireDigests,
    environments: {
      dev: { namespace: 'docs-dev', replicas: 1, domain: 'dev.acme.example.com' },
      staging: { namespace: 'docs-staging', replicas: 2, domain: 'staging.acme.example.com' },
      prod: { namespace: 'docs', replicas: 2, domain: 'acme.example.com' },
    },
  });
  app.synth();
  const image = pipeline.images[0];
  const manifest = (env: string) => fs.readFileSync(path.join(root, 'dist', env, 'docs.k8s.yaml'), 'utf8');
  return { app, image, manifest };
}

/** Runs podman on a store of its own: nothing the shared store holds can be used by mistake. */
function cleanPodman(store: string, args: string[]): { status: number; stdout: string; stderr: string } {
  const conf = /^export CONTAINERS_CONF='([^']*)'$/m.exec(fs.readFileSync(ENGINE_CONFIG, 'utf8'))?.[1];
  const r = spawnSync('podman', ['--root', path.join(store, 'root'), '--runroot', path.join(store, 'runroot'), '--storage-driver', 'overlay', ...args], {
    encoding: 'utf8', env: { ...process.env, CONTAINERS_CONF: conf }, timeout: 120_000, killSignal: 'SIGKILL',
  });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

maybe('prodpath build --push with a real registry', () => {
  let registry: TestRegistry;
  const root = appRoot();
  const lockFile = path.join(root, 'prodpath.lock.json');
  const pushedRefs: string[] = [];

  beforeAll(() => {
    registry = startRegistry();
  }, 60_000);

  afterAll(() => {
    registry?.stop();
    for (const ref of pushedRefs) {
      podman(['rmi', '--force', ref], { allowFailure: true });
    }
  }, 60_000);

  test('fails at synth when production has no pushed digest and requireDigests is error; nothing is written', () => {
    expect(() => synth(root, registry.address, 'error')).toThrow(/has no digest in prodpath\.lock\.json/);
    expect(fs.existsSync(path.join(root, 'dist'))).toBe(false);
  });

  test('a build without --push records a local image id, never a pin', async () => {
    const { image } = synth(root, registry.address);
    pushedRefs.push(image.taggedRef);
    const r = await prodpath(['build', path.join(root, 'dist'), '--engine', 'podman', '--engine-config', ENGINE_CONFIG]);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toContain('(local build, not pushed)');
    const locked = DigestLock.read(lockFile).get(image.repository, image.tag)!;
    expect(locked.pushed).toBe(false);
    const again = synth(root, registry.address);
    expect(again.manifest('prod')).toContain(`image: ${image.taggedRef}\n`);
    expect(again.manifest('prod')).not.toContain(locked.digest);
    expect(() => synth(root, registry.address, 'error')).toThrow(/records only a local build of .*never pushed/);
  }, 300_000);

  test('build --push locks the digest the registry returned, and synth pins repo:tag@digest everywhere', async () => {
    const { image } = synth(root, registry.address);
    const r = await prodpath(['build', path.join(root, 'dist'), '--push', '--engine', 'podman', '--engine-config', ENGINE_CONFIG]);
    expect(r).toMatchObject({ code: 0, err: '' });
    const locked = DigestLock.read(lockFile).get(image.repository, image.tag)!;
    expect(locked.pushed).toBe(true);
    const name = image.repository.slice(registry.address.length + 1);
    expect(await registryDigest(registry.address, name, image.tag)).toBe(locked.digest);
    const pinned = synth(root, registry.address, 'error');
    for (const env of ['dev', 'staging', 'prod']) {
      expect(pinned.manifest(env)).toContain(`image: ${image.taggedRef}@${locked.digest}\n`);
    }
  }, 300_000);

  test('a clean store pulls the image by that digest and runs it healthy', async () => {
    const { image } = synth(root, registry.address, 'error');
    const store = tempDir('prodpath-clean-store-');
    const name = `prodpath-pulled-${process.pid}`;
    try {
      expect(cleanPodman(store, ['images', '--quiet']).stdout.trim()).toBe('');
      const pull = cleanPodman(store, ['pull', '--tls-verify=false', image.imageRef]);
      expect(pull.status).toBe(0);
      const started = cleanPodman(store, ['run', '--detach', '--pull=never', '--name', name, '--read-only', '--cap-drop', 'ALL',
        '--security-opt', 'no-new-privileges', '--publish', '127.0.0.1::8080', image.imageRef]);
      expect(started.stderr.replace(/^.*systemd.*$/gm, '').trim()).toBe('');
      const port = /:(\d+)$/m.exec(cleanPodman(store, ['port', name, '8080/tcp']).stdout.trim())![1];
      const res = await waitForHttp(`http://127.0.0.1:${port}/`, 30_000);
      expect(res.status).toBe(200);
      // Bounded: the image's own HEALTHCHECK, run until it passes (no systemd to schedule it).
      const deadline = Date.now() + 60_000;
      let check = cleanPodman(store, ['healthcheck', 'run', name]);
      while (check.status !== 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 1000));
        check = cleanPodman(store, ['healthcheck', 'run', name]);
      }
      expect(check.status).toBe(0);
    } finally {
      cleanPodman(store, ['rm', '--force', '--time', '0', name]);
      cleanPodman(store, ['rmi', '--all', '--force']);
      fs.rmSync(store, { recursive: true, force: true });
    }
  }, 300_000);

  test('promote moves exactly the pushed digest from dev to staging to prod', async () => {
    const { image } = synth(root, registry.address, 'error');
    const digest = DigestLock.read(lockFile).get(image.repository, image.tag)!.digest;
    for (const [from, to] of [['dev', 'staging'], ['staging', 'prod']]) {
      const r = await prodpath(['promote', from, to, '--dist', path.join(root, 'dist')]);
      expect(r).toMatchObject({ code: 0, err: '' });
      expect(DigestLock.read(lockFile).pin(to, image.repository)).toEqual({ tag: image.tag, digest, from });
    }
    const after = synth(root, registry.address, 'error');
    expect(after.manifest('prod')).toContain(`image: ${image.taggedRef}@${digest}\n`);
    expect(after.manifest('staging')).toContain(`image: ${image.taggedRef}@${digest}\n`);
  });

  test('rebuilding unchanged source pushes nothing and keeps the digest', async () => {
    const { image } = synth(root, registry.address, 'error');
    const before = fs.readFileSync(lockFile, 'utf8');
    const name = image.repository.slice(registry.address.length + 1);
    const tags = await registryTags(registry.address, name);
    const r = await prodpath(['build', path.join(root, 'dist'), '--push', '--engine', 'podman', '--engine-config', ENGINE_CONFIG]);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toContain('is locked and pushed');
    expect(r.out).not.toMatch(/: pushing /);
    expect(fs.readFileSync(lockFile, 'utf8')).toBe(before);
    expect(await registryTags(registry.address, name)).toEqual(tags);
  }, 120_000);

  test('fails when a digest the lock calls pushed is not in the registry; nothing is built and the lock is unchanged', async () => {
    const other = startRegistry();
    try {
      // The same lock, against an empty registry at another address.
      const moved = appRoot();
      const { image } = synth(moved, other.address);
      const locked = DigestLock.read(lockFile).get(`${registry.address}/prodpath/docs`, image.tag)!;
      const lock = DigestLock.empty().with({ repository: image.repository, tag: image.tag, ...locked });
      lock.write(path.join(moved, 'prodpath.lock.json'));
      const before = fs.readFileSync(path.join(moved, 'prodpath.lock.json'), 'utf8');
      const r = await prodpath(['build', path.join(moved, 'dist'), '--push', '--engine', 'podman', '--engine-config', ENGINE_CONFIG]);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`records ${image.taggedRef}@${locked.digest} as pushed, but registry ${other.address} does not have it (the registry answered 404 Not Found)`);
      expect(r.err).toContain('Fix: delete that entry');
      expect(fs.readFileSync(path.join(moved, 'prodpath.lock.json'), 'utf8')).toBe(before);
    } finally {
      other.stop();
    }
  }, 120_000);

  test('fails when the registry refuses the push; the lock gets no entry', async () => {
    const readOnly = startRegistry({ readOnly: true });
    try {
      const moved = appRoot();
      const { image } = synth(moved, readOnly.address);
      pushedRefs.push(image.taggedRef);
      const r = await prodpath(['build', path.join(moved, 'dist'), '--push', '--engine', 'podman', '--engine-config', ENGINE_CONFIG]);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`The registry ${readOnly.address} refused the push or failed during it`);
      expect(r.err).toMatch(/--- the engine's last output ---[\s\S]*(read-only|UNSUPPORTED|unsupported|405)/i);
      expect(fs.existsSync(path.join(moved, 'prodpath.lock.json'))).toBe(false);
    } finally {
      readOnly.stop();
    }
  }, 300_000);

  test('fails when the registry is not reachable, before building anything', async () => {
    const gone = startRegistry();
    gone.stop();
    const moved = appRoot();
    synth(moved, gone.address);
    const r = await prodpath(['build', path.join(moved, 'dist'), '--push', '--engine', 'podman', '--engine-config', ENGINE_CONFIG]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`registry ${gone.address} is not reachable (${gone.address}: ECONNREFUSED); nothing was built or pushed`);
    expect(fs.existsSync(path.join(moved, 'prodpath.lock.json'))).toBe(false);
  }, 60_000);

  test('reads the engine configuration that PRODPATH_ENGINE_CONFIG names (what the setup\'s env.sh exports), finding the setup\'s store', async () => {
    const saved = process.env.PRODPATH_ENGINE_CONFIG;
    process.env.PRODPATH_ENGINE_CONFIG = ENGINE_CONFIG;
    try {
      const r = await prodpath(['build', path.join(root, 'dist'), '--engine', 'podman']);
      expect(r).toMatchObject({ code: 0, err: '' });
      expect(r.out).toContain(`(configuration ${path.relative(process.cwd(), ENGINE_CONFIG)})`);
      // The image is in the setup's private store only: found there, not built again.
      expect(r.out).toContain('exists already; not building it again');
    } finally {
      if (saved === undefined) {
        delete process.env.PRODPATH_ENGINE_CONFIG;
      } else {
        process.env.PRODPATH_ENGINE_CONFIG = saved;
      }
    }
  }, 120_000);

  test('fails when the engine configuration file is missing, naming the file and the setup that writes it', async () => {
    const r = await prodpath(['build', path.join(root, 'dist'), '--engine', 'podman', '--engine-config', path.join(root, 'no-such-env.sh')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`the engine configuration ${path.join(root, 'no-such-env.sh')} cannot be read (ENOENT). Fix: run the setup that writes it`);
  });
});
