import * as fs from 'fs';
import * as path from 'path';
import { Construct } from 'constructs';
import { ValidationError } from '../policy/errors';
import { checkDns1123Label, REGISTRY } from '../policy/names';
import { exemptionsFor } from '../policy/policy';
import { ContextFile, hashContext, IgnoreRules, listContextFiles } from './context';
import { CredentialProblem, findCredentialProblems } from './credentials';
import { DEFAULT_PLATFORM, IImageRecipe, ImageUser } from './recipe-base';

/**
 * What an image needs of the digest lock: the build it records for a repository and tag.
 * `DigestLock` (lib/lock) implements it. The lock sits above images (it checks platforms against
 * the recipes' list), so images name this interface instead of importing the lock.
 */
export interface LockedDigests {
  /** The build recorded for `repository:tag`, if any. */
  get(repository: string, tag: string): { readonly contentHash: string; readonly digest: string; readonly pushed: boolean } | undefined;
}

/** Props for {@link Image}. Create images with `Pipeline.image()`, which fills these in. */
export interface ImageProps {
  /** The recipe that renders the Dockerfile. */
  readonly recipe: IImageRecipe;
  /** The registry and namespace images are pushed to, for example `ghcr.io/acme`. */
  readonly registry: string;
  /**
   * The image name inside the registry.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * The folder relative paths are resolved from, and that output paths are written relative to.
   * @default process.cwd() - the app root, where `cdk8s synth` runs
   */
  readonly appRoot?: string;
  /**
   * The digest lock. When it records a build of this image's content hash, workloads run
   * the image by digest (`repository:tag@sha256:...`).
   * @default - no lock: images are referenced by tag
   */
  readonly lock?: LockedDigests;
  /**
   * The lock file's name, for messages.
   * @default 'prodpath.lock.json'
   */
  readonly lockFileName?: string;
  /**
   * The environments of the image's pipeline in promotion order, recorded in image.json for
   * `prodpath promote`, which reads only the output folder and the lock.
   * @default - not recorded
   */
  readonly promotionOrder?: readonly string[];
}

/** The file names written for each image under `<outdir>/images/<name>/`. */
export const IMAGE_FILES = { dockerfile: 'Dockerfile', ignore: 'Dockerfile.dockerignore', metadata: 'image.json' } as const;

/** The number of hex digits of the content hash used as the image tag. */
export const TAG_LENGTH = 16;


/**
 * A container image built from a recipe and a source folder.
 *
 * At construction it checks the recipe, renders the Dockerfile and ignore file, lists the
 * context files the ignore rules let in and hashes them with the recipe: the tag is that
 * content hash, so the same source gives the same tag and any change gives a new one.
 */
export class Image extends Construct {
  /** The image name, for example `api`. */
  public readonly imageName: string;
  /** The repository, for example `ghcr.io/acme/api`. */
  public readonly repository: string;
  /** The tag: the first 16 hex digits of the content hash. */
  public readonly tag: string;
  /**
   * The reference workloads run: `repository:tag@sha256:<digest>` when the lock records a pushed
   * build of this content hash (the registry's digest), else `repository:tag`. A local build's
   * id (`pushed: false`) is recorded in the lock but never pinned: no other machine could pull it.
   */
  public readonly imageRef: string;
  /** `repository:tag`, with no digest (what a build tags). */
  public readonly taggedRef: string;
  /** The digest the lock records for this content hash, if any (a local image id when {@link Image.digestPushed} is false). */
  public readonly digest?: string;
  /** Whether the locked digest was pushed to the registry (false: a local build's digest). */
  public readonly digestPushed?: boolean;
  /** The platforms the image is built for, sorted. */
  public readonly platforms: readonly string[];
  /** The build arguments, by name. */
  public readonly buildArgs: Readonly<Record<string, string>>;
  /** The build context folder, absolute (never written to the output). */
  public readonly contextDir: string;
  /** The full content hash, `sha256:<64 hex>`. */
  public readonly contentHash: string;
  /** The numeric user and group the image runs as. */
  public readonly user: ImageUser;
  /** The port the image listens on, if any. */
  public readonly port?: number;
  /** The HTTP health path the image checks, if any. */
  public readonly healthPath?: string;
  /** The command the image's HEALTHCHECK runs, if its check is a command. */
  public readonly healthCommand?: readonly string[];
  /** The recipe kind, for example `node`. */
  public readonly recipeKind: string;
  /** The build context folder, relative to the app root, with `/` separators. */
  public readonly context: string;
  /** The rendered Dockerfile. */
  public readonly dockerfile: string;
  /** The rendered ignore file. */
  public readonly ignoreFile: string;
  /**
   * Credential files the context would send, and ignore rules that bring them back; synth
   * refuses them under `no-credential-files` unless the image is exempted.
   */
  public readonly credentialProblems: readonly CredentialProblem[];
  /** How many files the context holds after the ignore rules. */
  public readonly contextFileCount: number;
  /** The pipeline's environments in promotion order, if given. */
  public readonly promotionOrder?: readonly string[];

  /** @internal Images are made by `Pipeline.image()`. */
  constructor(scope: Construct, id: string, props: ImageProps) {
    super(scope, id);
    this.imageName = checkDns1123Label(this, 'name', props.name ?? id, 128);
    const registry = props.registry;
    if (typeof registry !== 'string' || !REGISTRY.test(registry)) {
      throw new ValidationError(this, {
        field: 'registry',
        value: registry,
        rule: 'a registry is a lowercase host (with an optional :port) and optional path, without a tag',
        fix: 'use "ghcr.io/acme" or "registry.example.com:5000/team"',
      });
    }
    const appRoot = props.appRoot ?? process.cwd();
    const source = props.recipe.source;
    const contextDir = typeof source === 'string' && source !== '' ? path.resolve(appRoot, source) : '';
    if (contextDir === '' || !fs.existsSync(contextDir) || !fs.statSync(contextDir).isDirectory()) {
      throw new ValidationError(this, {
        field: 'source',
        value: source,
        rule: `the image source must be an existing folder (looked for ${contextDir === '' ? 'an empty path' : path.relative(appRoot, contextDir) || '.'} from the app root)`,
        fix: 'point source at the folder that holds the service, such as "services/api"',
      });
    }
    const rendered = props.recipe.render(this, contextDir);

    const userIgnorePath = path.join(contextDir, '.dockerignore');
    const userIgnore = fs.existsSync(userIgnorePath) ? IgnoreRules.parse(fs.readFileSync(userIgnorePath, 'utf8')) : [];
    const patterns = [...rendered.ignore, ...userIgnore];
    const rules = new IgnoreRules(patterns);
    for (const required of rendered.requiredFiles) {
      if (rules.ignores(required)) {
        throw new ValidationError(this, {
          field: 'ignore',
          value: patterns.filter((p) => new IgnoreRules([p]).ignores(required)),
          rule: `the ignore rules leave out ${required}, which the Dockerfile copies`,
          fix: `remove that pattern, or add "!${required}"`,
        });
      }
      if (!fs.existsSync(path.join(contextDir, required))) {
        throw new ValidationError(this, {
          field: 'source',
          value: source,
          rule: `the Dockerfile copies ${required}, which is not in the source folder`,
          fix: `add ${required} to the source folder, or set a build command that creates it`,
        });
      }
    }

    this.dockerfile = rendered.dockerfile;
    this.ignoreFile = [
      '# Generated by prodpath: the build context\'s ignore rules (read by BuildKit next to the Dockerfile;',
      '# pass it to podman with --ignorefile). Do not edit.',
      ...patterns,
      '',
    ].join('\n');
    this.platforms = rendered.platforms ?? [DEFAULT_PLATFORM];
    this.buildArgs = rendered.buildArgs ?? {};
    const { contentHash, fileCount, files } = computeContentHash(contextDir, rules, this.dockerfile, this.ignoreFile, this.platforms);
    this.credentialProblems = findCredentialProblems(contextDir, files, patterns);

    this.contextFileCount = fileCount;
    this.contentHash = contentHash;
    const hash = contentHash.slice('sha256:'.length);
    this.tag = hash.slice(0, TAG_LENGTH);
    this.repository = `${registry}/${this.imageName}`;
    this.taggedRef = `${this.repository}:${this.tag}`;
    this.contextDir = contextDir;

    const locked = props.lock?.get(this.repository, this.tag);
    if (locked && locked.contentHash !== this.contentHash) {
      throw new ValidationError(this, {
        field: `lock entry ${this.taggedRef}`,
        value: locked.contentHash,
        rule: `${props.lockFileName ?? 'the lock file'} records another content hash for this tag than the source gives (${this.contentHash})`,
        fix: `delete that entry from ${props.lockFileName ?? 'the lock file'} and run \`prodpath build\` again`,
      });
    }
    this.digest = locked?.digest;
    this.digestPushed = locked?.pushed;
    this.imageRef = locked?.pushed ? `${this.taggedRef}@${locked.digest}` : this.taggedRef;
    this.user = rendered.user;
    this.port = rendered.port;
    this.healthPath = rendered.healthPath;
    this.healthCommand = rendered.healthCommand;
    this.recipeKind = props.recipe.kind;
    this.promotionOrder = props.promotionOrder ? [...props.promotionOrder] : undefined;
    this.context = toPosix(path.relative(appRoot, contextDir)) || '.';
  }

  /**
   * The files this image writes below the output folder, keyed by path relative to it.
   * In image.json, `context` is relative to the app root and `dockerfile` and `ignorefile`
   * are relative to the output folder, so the output does not depend on where it is written.
   */
  /**
   * The policy exemptions that cover this image (`Policy.exempt(image, rule, reason)`), by rule
   * id, sorted; written to image.json so `prodpath check` honours them too.
   */
  public get exemptions(): Record<string, string> {
    const all = exemptionsFor(this);
    return Object.fromEntries(Object.keys(all).sort().map((k) => [k, all[k]]));
  }

  public renderFiles(): Record<string, string> {
    const dir = `images/${this.imageName}`;
    const metadata = {
      buildArgs: Object.keys(this.buildArgs).length > 0 ? this.buildArgs : undefined,
      context: this.context,
      contentHash: this.contentHash,
      contextFiles: this.contextFileCount,
      digest: this.digest,
      dockerfile: `${dir}/${IMAGE_FILES.dockerfile}`,
      environments: this.promotionOrder,
      exemptions: Object.keys(this.exemptions).length > 0 ? this.exemptions : undefined,
      ignorefile: `${dir}/${IMAGE_FILES.ignore}`,
      image: this.taggedRef,
      name: this.imageName,
      platforms: this.platforms,
      port: this.port,
      pushed: this.digestPushed,
      recipe: this.recipeKind,
      repository: this.repository,
      tag: this.tag,
      user: `${this.user.uid}:${this.user.gid}`,
    };
    return {
      [`${dir}/${IMAGE_FILES.dockerfile}`]: this.dockerfile,
      [`${dir}/${IMAGE_FILES.ignore}`]: this.ignoreFile,
      [`${dir}/${IMAGE_FILES.metadata}`]: `${JSON.stringify(metadata, null, 2)}\n`,
    };
  }
}

/**
 * The content hash of an image: SHA-256 over its Dockerfile, its ignore file, its target
 * platforms (only when they are not the default, so images that keep it hash as they always
 * did; build arguments are ARG defaults in the Dockerfile already) and every file of the
 * context the ignore rules let in. `prodpath build` computes it again to refuse a stale output.
 */
export function computeContentHash(contextDir: string, rules: IgnoreRules, dockerfile: string, ignoreFile: string, platforms: readonly string[]): { contentHash: string; fileCount: number; files: ContextFile[] } {
  const files = listContextFiles(contextDir, rules);
  const buildText = platforms.join(',') === DEFAULT_PLATFORM ? [] : [`platforms=${platforms.join(',')}`];
  const hash = hashContext(contextDir, files, [dockerfile, ignoreFile, ...buildText]);
  return { contentHash: `sha256:${hash}`, fileCount: files.length, files };
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}
