/**
 * `prodpath/pulumi`: builds and pushes the images `cdk8s synth` described, as `@pulumi/docker`
 * Image resources, and records their registry digests in the same lock file `prodpath build`
 * writes, so the next synth pins them.
 *
 * ```ts
 * // Pulumi.yaml: name: shop-images, runtime: nodejs; index.ts:
 * import { ProdpathImages } from 'prodpath/pulumi';
 * const images = new ProdpathImages('shop', { dist: '../dist' });
 * export const repoDigests = images.repoDigests;
 * ```
 *
 * Registry credentials come from the stack's config (namespace `prodpath`):
 * `pulumi config set prodpath:registryUsername bot` and
 * `pulumi config set --secret prodpath:registryPassword <token>`; without them the docker
 * provider uses the machine's `docker login`.
 *
 * Needs the optional peer dependencies `@pulumi/pulumi` and `@pulumi/docker` (5.x).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as docker from '@pulumi/docker';
import * as pulumi from '@pulumi/pulumi';
import { IgnoreRules, listContextFiles } from '../images/context';
import { registryHost } from '../images/engine';
import { readSynthesizedImages, SynthesizedImage } from '../images/synthesized';
import { LOCK_FILE_NAME, updateLockFile } from '../lock/lock';

/** Registry credentials for pushing. */
export interface RegistryCredentials {
  /** @default - the repository's host, such as `ghcr.io` */
  readonly server?: pulumi.Input<string>;
  readonly username?: pulumi.Input<string>;
  readonly password?: pulumi.Input<string>;
}

/** Arguments of {@link ProdpathImages}. */
export interface ProdpathImagesArgs {
  /**
   * The folder `cdk8s synth` wrote, relative to the Pulumi program's working directory.
   * @default 'dist'
   */
  readonly dist?: string;
  /**
   * The app root that image contexts (and the lock file) are relative to.
   * @default - the folder that holds `dist`
   */
  readonly root?: string;
  /**
   * The lock file the digests are written to, relative to the app root; `false` writes none.
   * @default 'prodpath.lock.json'
   */
  readonly lockFile?: string | false;
  /**
   * Only these images, by name.
   * @default - every image in dist
   */
  readonly images?: readonly string[];
  /**
   * Build without pushing. Nothing is locked then: only a registry digest is worth pinning.
   * @default false
   */
  readonly skipPush?: boolean;
  /**
   * The registry credentials.
   * @default - from config: `<configNamespace>:registryServer`, `registryUsername` and the secret `registryPassword`
   */
  readonly registry?: RegistryCredentials;
  /**
   * The config namespace the credentials are read from.
   * @default 'prodpath'
   */
  readonly configNamespace?: string;
}

/**
 * One `docker.Image` per synthesized image: context and Dockerfile from `dist/`, image name
 * `repository:<content tag>`, the image's platform and build arguments. Outputs each image's
 * repo digest and, on `pulumi up`, writes the digests to the lock file.
 */
export class ProdpathImages extends pulumi.ComponentResource {
  /** The docker.Image resources, by image name. */
  public readonly images: Readonly<Record<string, docker.Image>>;
  /** `repository@sha256:<digest>` of each image, by image name. */
  public readonly repoDigests: pulumi.Output<Record<string, string>>;
  /** The lock file written (absolute), once the digests are known; undefined in a preview or without a lock. */
  public readonly lockFileWritten: pulumi.Output<string | undefined>;

  constructor(name: string, args: ProdpathImagesArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super('prodpath:index:Images', name, {}, opts);
    const dist = path.resolve(args.dist ?? 'dist');
    const root = path.resolve(args.root ?? path.dirname(dist));
    const synthesized = readSynthesizedImages(dist, root, args.images);
    const config = new pulumi.Config(args.configNamespace ?? 'prodpath');
    const credentials: RegistryCredentials = args.registry ?? {
      server: config.get('registryServer'),
      username: config.get('registryUsername'),
      password: config.getSecret('registryPassword'),
    };

    const images: Record<string, docker.Image> = {};
    for (const image of synthesized) {
      checkContextForDockerProvider(image, dist);
      if (image.platforms.length > 1) {
        throw new Error(`prodpath/pulumi: image ${image.name} is built for ${image.platforms.join(', ')}, but a docker.Image builds one platform. Fix: build it with \`prodpath build --push\` (or docker buildx bake), or give the recipe one platform.`);
      }
      const cwd = process.cwd();
      images[image.name] = new docker.Image(`${name}-${image.name}`, {
        imageName: image.ref,
        build: {
          context: toPosix(path.relative(cwd, image.context)) || '.',
          dockerfile: toPosix(path.relative(cwd, image.dockerfile)),
          platform: image.platforms[0],
          args: Object.keys(image.buildArgs).length > 0 ? { ...image.buildArgs } : undefined,
        },
        registry: credentials.username !== undefined || credentials.password !== undefined || args.registry !== undefined
          ? { server: credentials.server ?? registryHost(image.repository), username: credentials.username, password: credentials.password }
          : undefined,
        skipPush: args.skipPush ?? false,
      }, { parent: this });
    }
    this.images = images;

    const names = Object.keys(images);
    this.repoDigests = pulumi.all(names.map((n) => images[n].repoDigest)).apply((digests) => {
      const out: Record<string, string> = {};
      names.forEach((n, i) => { out[n] = digests[i]; });
      return out;
    });

    const lockPath = args.lockFile === false ? undefined : path.resolve(root, args.lockFile ?? LOCK_FILE_NAME);
    this.lockFileWritten = this.repoDigests.apply((digests) => {
      if (lockPath === undefined || args.skipPush || pulumi.runtime.isDryRun()) {
        return undefined;
      }
      updateLockFile(lockPath, (lock) => {
        let next = lock;
        for (const image of synthesized) {
          const m = /@(sha256:[a-f0-9]{64})$/.exec(digests[image.name] ?? '');
          if (!m) {
            pulumi.log.warn(`prodpath/pulumi: no registry digest for ${image.ref} (repoDigest ${JSON.stringify(digests[image.name])}); not locked`, this);
            continue;
          }
          next = next.with({ repository: image.repository, tag: image.tag, contentHash: image.contentHash, digest: m[1], platforms: image.platforms, pushed: true });
        }
        return next;
      });
      return lockPath;
    });
    this.registerOutputs({ repoDigests: this.repoDigests });
  }
}

/**
 * `@pulumi/docker` reads ignore rules only from `<context>/.dockerignore`, not from the
 * `Dockerfile.dockerignore` that prodpath writes next to the Dockerfile: refuse to send a
 * context that would put files prodpath leaves out (dependencies, env files) into the image.
 */
function checkContextForDockerProvider(image: SynthesizedImage, dist: string): void {
  const ours = new IgnoreRules(IgnoreRules.parse(fs.readFileSync(image.ignorefile, 'utf8')));
  const contextIgnore = path.join(image.context, '.dockerignore');
  const theirs = new IgnoreRules(fs.existsSync(contextIgnore) ? IgnoreRules.parse(fs.readFileSync(contextIgnore, 'utf8')) : []);
  const leaks = listContextFiles(image.context, theirs).map((f) => f.path).filter((p) => ours.ignores(p));
  if (leaks.length === 0) {
    return;
  }
  const patterns = ours.patterns.filter((p) => !p.startsWith('!') && leaks.some((l) => new IgnoreRules([p]).ignores(l)));
  throw new Error(`prodpath/pulumi: image ${image.name}: @pulumi/docker would send ${leaks.length} file(s) that prodpath's ignore rules leave out (${leaks.slice(0, 3).join(', ')}${leaks.length > 3 ? ', ...' : ''}), because it reads only ${toPosix(path.relative(process.cwd(), contextIgnore))}, not ${toPosix(path.relative(process.cwd(), image.ignorefile))}. Fix: add ${patterns.map((p) => JSON.stringify(p)).join(', ')} to ${toPosix(path.relative(process.cwd(), contextIgnore))}, or remove those files (dist: ${toPosix(path.relative(process.cwd(), dist)) || '.'}).`);
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}
