/**
 * Build contexts cannot carry credentials, proven with a real engine: a source folder with
 * every credential file planted (each holding the canary) is synthesized and built with podman
 * from the generated Dockerfile and ignore file; the image holds none of the files and no byte
 * of the canary. `.ci/podman-setup.sh` prepares podman; CI always runs this test.
 */
import * as fs from 'fs';
import * as path from 'path';
import { buildImage, listFilesInImage, podman, podmanStatus, removeImage } from './support/podman';
import { describeWhenReady } from './support/ready';
import { CANARY, canaryApp, canarySource, CREDENTIAL_FILES, filesHoldingCanary } from './support/canary';
import { tempDir } from './support/synth';

const maybe = describeWhenReady('the real-engine credentials test', podmanStatus());

/** Paths (inside the image) of the regular files below `root` of a mounted image that hold the canary. */
function imageFilesHoldingCanary(image: string): string[] {
  const mountpoint = podman(['image', 'mount', image]).stdout.trim();
  const hits: string[] = [];
  const needle = Buffer.from(CANARY);
  try {
    const walk = (abs: string, rel: string): void => {
      for (const entry of fs.readdirSync(abs, { withFileTypes: true })) {
        const p = path.join(abs, entry.name);
        if (entry.isDirectory()) {
          walk(p, `${rel}/${entry.name}`);
        } else if (entry.isFile() && fs.statSync(p).size < 64 << 20 && fs.readFileSync(p).includes(needle)) {
          hits.push(`${rel}/${entry.name}`);
        }
      }
    };
    walk(mountpoint, '');
  } finally {
    podman(['image', 'unmount', image], { allowFailure: true });
  }
  return hits;
}

maybe('a source folder full of credential files, built with podman', () => {
  const root = tempDir('prodpath-13a-creds-');
  const outdir = path.join(root, 'dist');
  const source = canarySource();
  let tag = '';

  beforeAll(() => {
    const app = canaryApp({ outdir, cdk8sOutdir: path.join(root, '.cdk8s.out'), source, channels: false });
    app.synth();
    const meta = JSON.parse(fs.readFileSync(path.join(outdir, 'images/api/image.json'), 'utf8'));
    tag = `localhost/prodpath-13a-creds/api:${meta.tag}`;
    buildImage({ context: source, dockerfile: path.join(outdir, meta.dockerfile), ignorefile: path.join(outdir, meta.ignorefile), tag });
  }, 600_000);

  afterAll(() => {
    if (tag !== '') {
      removeImage(tag);
    }
  });

  test('the synthesized output holds no byte of the canary', () => {
    expect(filesHoldingCanary(outdir)).toEqual([]);
  });

  test('the image holds none of the credential files', () => {
    const inApp = listFilesInImage(tag, '/app');
    expect(inApp).toContain('server.js');
    const planted = Object.keys(CREDENTIAL_FILES).flatMap((f) => [f, ...f.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'))]);
    const credentialDirs = ['.aws', '.ssh', '.docker', '.kube', '.secrets'];
    expect(inApp.filter((f) => planted.includes(f) && !['config', 'certs', 'deploy'].includes(f))).toEqual([]);
    expect(inApp.filter((f) => credentialDirs.some((d) => f === d || f.startsWith(`${d}/`)))).toEqual([]);
  });

  test('no file anywhere in the image holds the canary', () => {
    expect(imageFilesHoldingCanary(tag)).toEqual([]);
  });
});
