import * as fs from 'fs';
import * as path from 'path';
import { Construct, IConstruct } from 'constructs';
import { ValidationError } from '../policy/errors';
import { checkDns1123Label, REGISTRY } from '../policy/names';
import { exemptionsFor } from '../policy/policy';
import { ContextFile, hashContext, IgnoreRules, listContextFiles } from './context';
import { CredentialProblem, findCredentialProblems } from './credentials';
import { DEFAULT_PLATFORM, IImageRecipe, ImageUser, RenderedRecipe, WorkerImageCheck } from './recipe-base';

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
 * A workload's use of an image, as the workload tells it (see {@link Image.noteUse}): a worker's
 * own liveness check lets a recipe that was left at its defaults drop its port and HTTP check.
 * @internal
 */
export interface ImageUse {
  /** The workload. */
  readonly user: IConstruct;
  /** `serves`: takes traffic (web services, stateful services); `worker`: runs without serving; `job`: runs to completion. */
  readonly role: 'serves' | 'worker' | 'job';
  /** A worker's liveness check. */
  readonly check?: WorkerImageCheck;
}

/** Everything that depends on the rendered Dockerfile: the build, its content hash and what the lock says of it. */
interface ImageBuild {
  readonly dockerfile: string;
  readonly ignoreFile: string;
  readonly platforms: readonly string[];
  readonly buildArgs: Readonly<Record<string, string>>;
  readonly contentHash: string;
  readonly contextFileCount: number;
  readonly credentialProblems: readonly CredentialProblem[];
  readonly tag: string;
  readonly taggedRef: string;
  readonly imageRef: string;
  readonly digest?: string;
  readonly digestPushed?: boolean;
  readonly port?: number;
  readonly healthPath?: string;
  readonly healthCommand?: readonly string[];
  /** The worker check the build was rendered for, when the recipe's defaults were adapted to workers. */
  readonly forWorkers?: WorkerImageCheck;
}

/**
 * A container image built from a recipe and a source folder.
 *
 * At construction it checks the recipe, renders the Dockerfile and ignore file, lists the
 * context files the ignore rules let in and hashes them with the recipe: the tag is that
 * content hash, so the same source gives the same tag and any change gives a new one.
 *
 * A recipe left at its port and health-check defaults (`ImageRecipe.node` without `port` or
 * `healthCheck`) is rendered for what uses it: when only workers (and jobs) run the image and
 * they share one liveness check, the image gets no port and that check as its HEALTHCHECK.
 * That choice is made when the Dockerfile, tag or reference is first read, which prodpath does
 * at synth, after the app has defined its workloads; manifests built before then carry a
 * placeholder that synth resolves.
 */
export class Image extends Construct {
  /** The image name, for example `api`. */
  public readonly imageName: string;
  /** The repository, for example `ghcr.io/acme/api`. */
  public readonly repository: string;
  /** The build context folder, absolute (never written to the output). */
  public readonly contextDir: string;
  /** The numeric user and group the image runs as. */
  public readonly user: ImageUser;
  /** The recipe kind, for example `node`. */
  public readonly recipeKind: string;
  /** The build context folder, relative to the app root, with `/` separators. */
  public readonly context: string;
  /** The pipeline's environments in promotion order, if given. */
  public readonly promotionOrder?: readonly string[];

  private readonly props: ImageProps;
  private readonly userIgnore: readonly string[];
  /** The build with the recipe as given, rendered at construction (so bad input fails there). */
  private readonly declared: ImageBuild;
  private finalBuild?: ImageBuild;
  private readonly uses: ImageUse[] = [];
  /** Whether the recipe's defaults adapt to the image's users. */
  private readonly adaptable: boolean;

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
    this.props = props;
    this.adaptable = props.recipe.forWorkers?.({ exec: ['true'] }) !== undefined;
    this.contextDir = contextDir;
    this.repository = `${registry}/${this.imageName}`;
    const userIgnorePath = path.join(contextDir, '.dockerignore');
    this.userIgnore = fs.existsSync(userIgnorePath) ? IgnoreRules.parse(fs.readFileSync(userIgnorePath, 'utf8')) : [];
    const rendered = props.recipe.render(this, contextDir);
    this.user = rendered.user;
    this.declared = this.build(rendered);
    this.recipeKind = props.recipe.kind;
    this.promotionOrder = props.promotionOrder ? [...props.promotionOrder] : undefined;
    this.context = toPosix(path.relative(appRoot, contextDir)) || '.';
  }

  /** The tag: the first 16 hex digits of the content hash. */
  public get tag(): string {
    return this.final.tag;
  }

  /**
   * The reference workloads run: `repository:tag@sha256:<digest>` when the lock records a pushed
   * build of this content hash (the registry's digest), else `repository:tag`. A local build's
   * id (`pushed: false`) is recorded in the lock but never pinned: no other machine could pull it.
   */
  public get imageRef(): string {
    return this.final.imageRef;
  }

  /** `repository:tag`, with no digest (what a build tags). */
  public get taggedRef(): string {
    return this.final.taggedRef;
  }

  /** The digest the lock records for this content hash, if any (a local image id when {@link Image.digestPushed} is false). */
  public get digest(): string | undefined {
    return this.final.digest;
  }

  /** Whether the locked digest was pushed to the registry (false: a local build's digest). */
  public get digestPushed(): boolean | undefined {
    return this.final.digestPushed;
  }

  /** The platforms the image is built for, sorted. */
  public get platforms(): readonly string[] {
    return this.final.platforms;
  }

  /** The build arguments, by name. */
  public get buildArgs(): Readonly<Record<string, string>> {
    return this.final.buildArgs;
  }

  /** The full content hash, `sha256:<64 hex>`. */
  public get contentHash(): string {
    return this.final.contentHash;
  }

  /** The port the image listens on, if any. */
  public get port(): number | undefined {
    return this.final.port;
  }

  /** The HTTP health path the image checks, if any. */
  public get healthPath(): string | undefined {
    return this.final.healthPath;
  }

  /** The command the image's HEALTHCHECK runs, if its check is a command. */
  public get healthCommand(): readonly string[] | undefined {
    return this.final.healthCommand;
  }

  /** The rendered Dockerfile. */
  public get dockerfile(): string {
    return this.final.dockerfile;
  }

  /** The rendered ignore file. */
  public get ignoreFile(): string {
    return this.final.ignoreFile;
  }

  /**
   * Credential files the context would send, and ignore rules that bring them back; synth
   * refuses them under `no-credential-files` unless the image is exempted.
   */
  public get credentialProblems(): readonly CredentialProblem[] {
    return this.final.credentialProblems;
  }

  /** How many files the context holds after the ignore rules. */
  public get contextFileCount(): number {
    return this.final.contextFileCount;
  }

  /**
   * The port, HTTP health path and health command of the recipe as declared, read without
   * deciding the build: what a workload checks itself against while the app is being defined.
   * A web service that uses the image keeps these; only an image run by workers alone changes.
   * @internal
   */
  public get declaredHealth(): { readonly port?: number; readonly healthPath?: string; readonly healthCommand?: readonly string[] } {
    return { port: this.declared.port, healthPath: this.declared.healthPath, healthCommand: this.declared.healthCommand };
  }

  /**
   * Whether reading the tag or reference now would decide the build: true while the recipe's
   * defaults may still adapt to the workloads that use the image. Workloads built meanwhile
   * carry a placeholder (see `lib/images/deferred.ts`).
   * @internal
   */
  public get undecided(): boolean {
    return this.finalBuild === undefined && this.adaptable;
  }

  /**
   * Records that a workload runs this image. Workloads call it as they are constructed; a use
   * that would change a build already read is refused (the tag that was read would be wrong).
   * @internal
   */
  public noteUse(use: ImageUse): void {
    this.uses.push(use);
    if (this.finalBuild !== undefined && this.adaptable && JSON.stringify(this.decide().forWorkers) !== JSON.stringify(this.finalBuild.forWorkers)) {
      this.uses.pop();
      throw new ValidationError(use.user, {
        field: 'image',
        value: this.imageName,
        rule: `image "${this.imageName}" was already rendered (its tag or Dockerfile was read) before this workload used it, and this use would change it: the image's port and HEALTHCHECK follow the workloads that run it`,
        fix: 'read image.tag or image.dockerfile only after every workload is defined, or set port and healthCheck on the image recipe',
      });
    }
  }

  /** The build, decided from the uses noted so far (first read decides it for good). */
  private get final(): ImageBuild {
    if (this.finalBuild === undefined) {
      const decided = this.decide();
      this.finalBuild = decided.forWorkers === undefined ? this.declared : this.build(this.props.recipe.forWorkers!(decided.forWorkers)!.render(this, this.contextDir), decided.forWorkers);
    }
    return this.finalBuild;
  }

  /** The worker check to render for: all users are workers or jobs, and the workers share one check. */
  private decide(): { forWorkers?: WorkerImageCheck } {
    if (!this.adaptable || this.uses.some((u) => u.role === 'serves')) {
      return {};
    }
    const workers = this.uses.filter((u) => u.role === 'worker');
    const checks = new Set(workers.map((u) => JSON.stringify(u.check)));
    return workers.length > 0 && checks.size === 1 && workers[0].check !== undefined ? { forWorkers: workers[0].check } : {};
  }

  private build(rendered: RenderedRecipe, forWorkers?: WorkerImageCheck): ImageBuild {
    const contextDir = this.contextDir;
    const source = this.props.recipe.source;
    const patterns = [...rendered.ignore, ...this.userIgnore];
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

    const dockerfile = rendered.dockerfile;
    const ignoreFile = [
      '# Generated by prodpath: the build context\'s ignore rules (read by BuildKit next to the Dockerfile;',
      '# pass it to podman with --ignorefile). Do not edit.',
      ...patterns,
      '',
    ].join('\n');
    const platforms = rendered.platforms ?? [DEFAULT_PLATFORM];
    const { contentHash, fileCount, files } = computeContentHash(contextDir, rules, dockerfile, ignoreFile, platforms);
    const tag = contentHash.slice('sha256:'.length).slice(0, TAG_LENGTH);
    const taggedRef = `${this.repository}:${tag}`;
    const props = this.props;
    const locked = props.lock?.get(this.repository, tag);
    if (locked && locked.contentHash !== contentHash) {
      throw new ValidationError(this, {
        field: `lock entry ${taggedRef}`,
        value: locked.contentHash,
        rule: `${props.lockFileName ?? 'the lock file'} records another content hash for this tag than the source gives (${contentHash})`,
        fix: `delete that entry from ${props.lockFileName ?? 'the lock file'} and run \`prodpath build\` again`,
      });
    }
    return {
      dockerfile,
      ignoreFile,
      platforms,
      buildArgs: rendered.buildArgs ?? {},
      contentHash,
      contextFileCount: fileCount,
      credentialProblems: findCredentialProblems(contextDir, files, patterns),
      tag,
      taggedRef,
      imageRef: locked?.pushed ? `${taggedRef}@${locked.digest}` : taggedRef,
      digest: locked?.digest,
      digestPushed: locked?.pushed,
      port: rendered.port,
      healthPath: rendered.healthPath,
      healthCommand: rendered.healthCommand,
      forWorkers,
    };
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
