import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App as Cdk8sApp, Chart } from 'cdk8s';
import { App, AppProps, Environment, ImageRecipe, Pipeline, WebService } from '../lib';
import { writeTreeAtomically } from '../lib/outputs/atomic-write';
import { nodeServiceFixture, readTree, tempDir } from './support/synth';

const SOURCE = nodeServiceFixture();

/** A dev and prod app with one web service; quiet unless `props` says otherwise. */
function shop(outdir: string, { port = 8080, ...props }: AppProps & { port?: number } = {}, define?: (env: Environment) => void): App {
  const app = new App({ outdir, printSummary: false, ...props });
  const pipeline = new Pipeline(app, 'shop', { registry: 'ghcr.io/acme', environments: { dev: { namespace: 'shop-dev' }, prod: { namespace: 'shop' } } });
  const image = pipeline.image('api', ImageRecipe.node({ source: SOURCE, start: ['node', 'server.js'] }));
  pipeline.define(define ?? ((env) => new WebService(env, 'api', { image, port })));
  return app;
}

describe('App.synth', () => {
  test('writes image contexts and one folder per environment', () => {
    const out = path.join(tempDir(), 'dist');
    shop(out).synth();
    expect([...readTree(out).keys()].sort()).toEqual([
      'dev/compose.yaml', 'dev/kustomization.yaml', 'dev/shop.k8s.yaml', 'dev/stack.yaml', 'docker-bake.json',
      'images/api/Dockerfile', 'images/api/Dockerfile.dockerignore', 'images/api/image.json',
      'prod/kustomization.yaml', 'prod/shop.k8s.yaml',
    ]);
  });

  test('gives byte-identical output when synthesized twice', () => {
    const out = path.join(tempDir(), 'dist');
    shop(out).synth();
    const first = readTree(out);
    shop(out).synth();
    expect(readTree(out)).toEqual(first);
  });

  test('replaces the previous output entirely: stale files do not survive', () => {
    const out = path.join(tempDir(), 'dist');
    fs.mkdirSync(path.join(out, 'old-env'), { recursive: true });
    fs.writeFileSync(path.join(out, 'old-env', 'stale.yaml'), 'x');
    shop(out).synth();
    expect(fs.existsSync(path.join(out, 'old-env'))).toBe(false);
  });

  test('writes no absolute paths', () => {
    const out = path.join(tempDir(), 'dist');
    shop(out).synth();
    for (const [file, content] of readTree(out)) {
      expect({ file, hasAbsolute: content.includes(process.cwd()) || content.includes(out) }).toEqual({ file, hasAbsolute: false });
    }
  });

  test('fails when bad input is found, leaving the previous output untouched', () => {
    const out = path.join(tempDir(), 'dist');
    shop(out).synth();
    const before = readTree(out);
    expect(() => shop(out, { port: 70000 }).synth()).toThrow(/port 70000 is invalid/);
    expect(readTree(out)).toEqual(before);
  });

  test('refuses a Chart nested in an environment, whose objects cdk8s would leave out of its manifests', () => {
    const out = path.join(tempDir(), 'dist');
    const app = shop(out, {}, (env) => {
      const extra = new Chart(env, 'extra');
      new ApiObject(extra, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'extra' } });
    });
    expect(() => app.synth()).toThrow('shop/dev/extra: construct type "Chart" is invalid: a Chart inside an environment is not rendered into that environment\'s manifests, so its objects would be lost. Fix: create its constructs directly in the environment, or group them in a plain Construct instead of a Chart.');
    expect(fs.existsSync(out)).toBe(false);
  });

  test('refuses an object outside every environment, which no output file would hold', () => {
    const out = path.join(tempDir(), 'dist');
    const app = shop(out);
    const extra = new Chart(app, 'extra');
    new ApiObject(extra, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'extra' } });
    expect(() => app.synth()).toThrow('extra/cm: scope "extra" is invalid: ConfigMap extra is not inside an environment, and prodpath writes only the environments\' manifests, so it would be lost. Fix: create it in the callback of pipeline.define((env) => { ... }), under the environment.');
    expect(fs.existsSync(out)).toBe(false);
  });

  test('fails when a validation added to the tree fails, writing nothing', () => {
    const out = path.join(tempDir(), 'dist');
    const app = shop(out);
    app.node.addValidation({ validate: () => ['never configured'] });
    expect(() => app.synth()).toThrow(/<app>: never configured/);
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe('what synth prints', () => {
  /** What `fn` writes to stdout and stderr. */
  function captured(fn: () => void): { stdout: string; stderr: string } {
    const out = { stdout: '', stderr: '' };
    const spies = (['stdout', 'stderr'] as const).map((stream) => jest.spyOn(process[stream], 'write').mockImplementation((chunk: string | Uint8Array) => {
      out[stream] += String(chunk);
      return true;
    }));
    try {
      fn();
    } finally {
      spies.forEach((s) => s.mockRestore());
    }
    return out;
  }

  test('a summary on stderr, which the cdk8s CLI shows (it captures stdout), and nothing on stdout', () => {
    const app = shop(path.join(tempDir(), 'dist'), { printSummary: true, progressAfterMs: Number.MAX_SAFE_INTEGER });
    const { stdout, stderr } = captured(() => app.synth());
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^prodpath: wrote 10 files to .*dist\/ \(1 image\(s\); environments: dev, prod\)\n$/);
  });

  test('a synth of an unchanged app writes nothing, says so, and keeps the files\' times; a hand edit of the output is replaced', () => {
    const dist = path.join(tempDir(), 'dist');
    shop(dist).synth();
    const times = (dir: string) => new Map([...readTree(dir).keys()].map((f) => [f, fs.statSync(path.join(dir, f)).mtimeMs]));
    const before = times(dist);
    const again = captured(() => shop(dist, { printSummary: true, progressAfterMs: Number.MAX_SAFE_INTEGER }).synth());
    expect(again.stderr).toMatch(/^prodpath: .*dist\/ already holds these 10 files, left as they were \(1 image\(s\); environments: dev, prod\)\n$/);
    expect(times(dist)).toEqual(before);
    const synthesized = readTree(dist);
    fs.writeFileSync(path.join(dist, 'prod/shop.k8s.yaml'), synthesized.get('prod/shop.k8s.yaml')!.replace('8080', '8081'));
    const edited = captured(() => shop(dist, { printSummary: true, progressAfterMs: Number.MAX_SAFE_INTEGER }).synth());
    expect(edited.stderr).toMatch(/^prodpath: wrote 10 files to /);
    expect(readTree(dist)).toEqual(synthesized);
  });

  test('a progress line per environment once the synth has run for progressAfterMs', () => {
    const app = shop(path.join(tempDir(), 'dist'), { printSummary: true, progressAfterMs: 0 });
    const { stderr } = captured(() => app.synth());
    expect(stderr.split('\n').filter((l) => l.includes('rendered and checked'))).toEqual([
      expect.stringMatching(/^prodpath: rendered and checked shop in dev: \d+ objects$/),
      expect.stringMatching(/^prodpath: rendered and checked shop in prod: \d+ objects$/),
    ]);
  });

  test('nothing at all with printSummary: false', () => {
    const { stdout, stderr } = captured(() => shop(path.join(tempDir(), 'dist')).synth());
    expect(stdout + stderr).toBe('');
  });
});

describe('the copy for the cdk8s CLI', () => {
  test('is what cdk8s App.synth writes: one file per chart, same names, same YAML', () => {
    const root = tempDir();
    const ours = shop(path.join(root, 'dist'));
    (ours as unknown as { copyForCli: string }).copyForCli = path.join(root, 'copy');
    ours.synth();
    const theirs = shop(path.join(root, 'dist2'));
    Cdk8sApp.prototype.synth.call(Object.assign(theirs, { outdir: path.join(root, 'cdk8s') }));
    const copy = readTree(path.join(root, 'copy'));
    expect([...copy.keys()].sort()).toEqual(['shop-dev-c84ee314.k8s.yaml', 'shop-prod-c81f6ccd.k8s.yaml']);
    expect(copy).toEqual(readTree(path.join(root, 'cdk8s')));
  });

  test('is written when the cdk8s CLI sets CDK8S_OUTDIR, and not otherwise', () => {
    const root = tempDir();
    const cwd = process.cwd();
    process.chdir(root);
    try {
      shop(path.join(root, 'dist')).synth();
    } finally {
      process.chdir(cwd);
    }
    expect(fs.readdirSync(root)).toEqual(['dist']);
    const before = process.env.CDK8S_OUTDIR;
    process.env.CDK8S_OUTDIR = path.join(root, 'cli-out');
    try {
      shop(path.join(root, 'dist')).synth();
    } finally {
      if (before === undefined) {
        delete process.env.CDK8S_OUTDIR;
      } else {
        process.env.CDK8S_OUTDIR = before;
      }
    }
    expect([...readTree(path.join(root, 'cli-out')).keys()].sort()).toEqual(['shop-dev-c84ee314.k8s.yaml', 'shop-prod-c81f6ccd.k8s.yaml']);
  });
});

describe('writeTreeAtomically', () => {
  test('leaves the previous tree untouched when writing fails midway', () => {
    const out = path.join(tempDir(), 'dist');
    writeTreeAtomically(out, new Map([['a.txt', 'old']]));
    expect(() => writeTreeAtomically(out, new Map([['a.txt', 'new'], ['b.txt', 'new']]), {
      step: (name) => { if (name === 'written') throw new Error('disk full'); },
    })).toThrow('disk full');
    expect(readTree(out)).toEqual(new Map([['a.txt', 'old']]));
    expect(fs.readdirSync(path.dirname(out))).toEqual(['dist']);
  });

  test('writes nothing when the folder already holds exactly the files, and the whole tree at any difference', () => {
    const out = path.join(tempDir(), 'dist');
    const files = new Map([['a.txt', 'a'], ['env/b.yaml', 'b: ü\n'], ['env/deep/c.yaml', 'c']]);
    expect(writeTreeAtomically(out, files)).toBe(true);
    const steps: string[] = [];
    expect(writeTreeAtomically(out, files, { step: (s) => steps.push(s) })).toBe(false);
    expect(steps).toEqual(['locked', 'unchanged']);
    // Each difference makes a full write, after which the folder holds exactly the files again.
    const differences: Array<[string, () => void]> = [
      ['one byte of a file', () => fs.writeFileSync(path.join(out, 'env/b.yaml'), 'b: u\n')],
      ['the same text in another encoding', () => fs.writeFileSync(path.join(out, 'env/b.yaml'), Buffer.from('b: ü\n', 'latin1'))],
      ['a file more', () => fs.writeFileSync(path.join(out, 'env/extra.yaml'), 'x')],
      ['a file fewer', () => fs.rmSync(path.join(out, 'env/deep/c.yaml'))],
      ['an empty folder more', () => fs.mkdirSync(path.join(out, 'env/empty'))],
      ['a link in place of a file', () => { fs.rmSync(path.join(out, 'a.txt')); fs.symlinkSync('env/b.yaml', path.join(out, 'a.txt')); }],
    ];
    for (const [what, change] of differences) {
      change();
      expect([what, writeTreeAtomically(out, files)]).toEqual([what, true]);
      expect(readTree(out)).toEqual(files);
      expect(fs.readdirSync(path.join(out, 'env')).sort()).toEqual(['b.yaml', 'deep']);
      expect(fs.lstatSync(path.join(out, 'a.txt')).isFile()).toBe(true);
    }
    expect(writeTreeAtomically(out, files)).toBe(false);
  });

  test('recovers the previous tree when an earlier swap died between its two renames', () => {
    const parent = tempDir();
    const out = path.join(parent, 'dist');
    writeTreeAtomically(out, new Map([['a.txt', 'old']]));
    // The state a process killed between the two renames leaves behind:
    fs.renameSync(out, path.join(parent, '.dist.old-12345'));
    fs.mkdirSync(path.join(parent, '.dist.tmp-12345'));
    // The next write puts the old tree back first, so even when it fails nothing is lost.
    expect(() => writeTreeAtomically(out, new Map([['a.txt', 'new']]), { step: (name) => { if (name === 'written') throw new Error('killed'); } })).toThrow('killed');
    expect(readTree(out)).toEqual(new Map([['a.txt', 'old']]));
    expect(fs.readdirSync(parent)).toEqual(['dist']);
  });
});
