import * as path from 'path';
import { Construct } from 'constructs';
import { Image } from '../images/image';
import { IImageRecipe } from '../images/recipe';
import { DigestLock, EnvironmentPin, LOCK_FILE_NAME, LockEntry, LockFileError, PinEntry } from '../lock/lock';
import { ValidationError } from '../policy/errors';
import { checkConstructId, checkCount, checkDns1123Label } from '../policy/names';
import { checkKubernetesVersions, KubernetesVersions } from '../policy/schema/minors';
import { Environment } from './environment';
import { EnvironmentSettings, OPTIONAL_SETTINGS } from './settings';

/** Namespaces the cluster owns; an environment never deploys into them. */
const SYSTEM_NAMESPACES: readonly string[] = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];

/** Props for {@link Pipeline}. */
export interface PipelineProps<S extends EnvironmentSettings = EnvironmentSettings> {
  /** The registry and namespace images are pushed to, for example `ghcr.io/acme`. */
  readonly registry: string;
  /**
   * The environments, in promotion order (dev before staging before prod), each with its settings.
   * Names are DNS-1123 labels; every environment gives the same settings apart from the optional ones.
   */
  readonly environments: Readonly<Record<string, S>>;
  /**
   * The application's name: the `app.kubernetes.io/part-of` label and the manifest file name.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * The folder image sources are resolved from.
   * @default process.cwd() - the app root, where `cdk8s synth` runs
   */
  readonly appRoot?: string;
  /**
   * The digest lock `prodpath build` writes, relative to the app root. When it records a build of
   * an image's current content hash, every workload runs that image by digest
   * (`repository:tag@sha256:...`). `false` ignores any lock.
   * @default 'prodpath.lock.json' - read when it exists
   */
  readonly lockFile?: string | false;
  /**
   * What happens when a production environment would run an image that the lock does not pin
   * by a pushed digest: `'warn'` prints a warning, `'error'` stops the synth.
   * @default 'off' - until CI builds, pushes and locks the images
   */
  readonly requireDigests?: 'off' | 'warn' | 'error';
  /**
   * The Kubernetes minors every environment's clusters run, as a list (`['1.31', '1.32']`) or a
   * range (`{ from: '1.30', to: '1.33' }`); an environment's own `kubernetes` setting wins.
   * @default - every supported minor (1.27 to 1.33)
   */
  readonly kubernetes?: KubernetesVersions;
}

const PIPELINE_SYMBOL = Symbol.for('prodpath.Pipeline');

/**
 * One application on its path to production: its images, built once, and its environments,
 * each rendered from the same `define` callback.
 *
 * @example
 * const pipeline = new Pipeline(app, 'shop', {
 *   registry: 'ghcr.io/acme',
 *   environments: {
 *     dev: { namespace: 'shop-dev', replicas: 1 },
 *     prod: { namespace: 'shop', replicas: 3 },
 *   },
 * });
 */
export class Pipeline<S extends EnvironmentSettings = EnvironmentSettings> extends Construct {
  /** Whether `x` is a Pipeline (works across copies of the library). */
  public static isPipeline(x: unknown): x is Pipeline {
    return typeof x === 'object' && x !== null && PIPELINE_SYMBOL in x;
  }

  /** The application's name. */
  public readonly name: string;
  /** The registry images are pushed to. */
  public readonly registry: string;
  /** The environments in declaration (promotion) order. */
  public readonly environments: readonly Environment<S>[];
  /** How a production image without a pushed, locked digest is treated. */
  public readonly requireDigests: 'off' | 'warn' | 'error';
  /** The lock file, relative to the app root, or undefined when locks are switched off. */
  public readonly lockFile?: string;
  private readonly appRoot?: string;
  private readonly lock: DigestLock;
  private readonly imagesByName = new Map<string, Image>();

  constructor(scope: Construct, id: string, props: PipelineProps<S>) {
    super(scope, checkConstructId(scope, id, 'Pipeline'));
    Object.defineProperty(this, PIPELINE_SYMBOL, { value: true });
    this.name = checkDns1123Label(this, 'name', props.name ?? id);
    this.registry = props.registry;
    this.appRoot = props.appRoot;
    const requireDigests = props.requireDigests ?? 'off';
    if (!['off', 'warn', 'error'].includes(requireDigests)) {
      throw new ValidationError(this, {
        field: 'requireDigests',
        value: requireDigests,
        rule: 'requireDigests is "off", "warn" or "error"',
        fix: 'use "warn" to be told about production images without a locked digest, or "error" to refuse them',
      });
    }
    this.requireDigests = requireDigests;
    ({ lock: this.lock, file: this.lockFile } = this.readLock(props.lockFile));

    const table = props.environments ?? {};
    const names = Object.keys(table);
    if (names.length === 0) {
      throw new ValidationError(this, {
        field: 'environments',
        value: table,
        rule: 'a pipeline needs at least one environment',
        fix: 'add environments: { dev: { namespace: \'shop-dev\' } }',
      });
    }
    const namespaces = new Map<string, string>();
    for (const name of names) {
      checkDns1123Label(this, 'environment name', name);
      const settings = table[name];
      const ns = checkDns1123Label(this, `environments.${name}.namespace`, settings?.namespace);
      if (SYSTEM_NAMESPACES.includes(ns)) {
        throw new ValidationError(this, {
          field: `environments.${name}.namespace`,
          value: ns,
          rule: `"${ns}" belongs to the cluster (${SYSTEM_NAMESPACES.join(', ')}): prodpath writes a Namespace object with a restricted Pod Security label, which would relabel it and could stop the cluster's own pods`,
          fix: `give the environment its own namespace, such as "${this.name}-${name}"`,
        });
      }
      const other = namespaces.get(ns);
      if (other !== undefined) {
        throw new ValidationError(this, {
          field: `environments.${name}.namespace`,
          value: ns,
          rule: `environment "${other}" already deploys into that namespace, and their objects would collide`,
          fix: `give each environment its own namespace, such as "${this.name}-${name}"`,
        });
      }
      namespaces.set(ns, name);
      if (settings.replicas !== undefined) {
        checkCount(this, `environments.${name}.replicas`, settings.replicas);
      }
    }
    // Every environment gives every required setting: a setting only some environments
    // declare is a difference nobody wrote down.
    const allKeys = new Set<string>();
    for (const name of names) {
      Object.keys(table[name]).forEach((k) => allKeys.add(k));
    }
    for (const key of [...allKeys].sort()) {
      if (OPTIONAL_SETTINGS.includes(key)) {
        continue;
      }
      const missing = names.filter((n) => table[n][key as keyof S] === undefined);
      if (missing.length > 0) {
        const has = names.find((n) => table[n][key as keyof S] !== undefined)!;
        throw new ValidationError(this, {
          field: `environments.${missing[0]}.${key}`,
          value: undefined,
          rule: `every environment must give the setting "${key}" (environment "${has}" gives it, ${missing.map((m) => `"${m}"`).join(', ')} do${missing.length === 1 ? 'es' : ''} not)`,
          fix: `add ${key} to environments.${missing[0]}`,
        });
      }
    }

    const kubernetes = checkKubernetesVersions(this, 'kubernetes', props.kubernetes);
    this.environments = names.map((name) => new Environment<S>(this, name, {
      name,
      kubernetes: table[name].kubernetes !== undefined ? checkKubernetesVersions(this, `environments.${name}.kubernetes`, table[name].kubernetes) : kubernetes,
      settings: table[name],
      pipelineName: this.name,
      allNames: names,
    }));
  }

  /**
   * Adds an image built from a recipe. The image is built once and used by every environment.
   * @param name the image name (a DNS label), unique in the pipeline
   * @returns the image, to pass to workloads
   */
  public image(name: string, recipe: IImageRecipe): Image {
    if (this.imagesByName.has(name)) {
      throw new ValidationError(this, {
        field: 'image name',
        value: name,
        rule: 'each image of a pipeline needs its own name',
        fix: `pick another name, such as "${name}-2", or reuse the Image returned by the first call`,
      });
    }
    const image = new Image(this, `image-${name}`, {
      recipe, registry: this.registry, name, appRoot: this.appRoot, lock: this.lock, lockFileName: this.lockFile,
      promotionOrder: this.environments.map((e) => e.name),
    });
    this.imagesByName.set(name, image);
    return image;
  }

  /** The images of this pipeline, in the order they were added. */
  public get images(): readonly Image[] {
    return [...this.imagesByName.values()];
  }

  /**
   * What `image` runs in the environment called `envName`: the build `prodpath promote` pinned
   * there (`repository:<pinned tag>@<pinned digest>`), or else the current build
   * ({@link Image.imageRef}). A pinned digest the lock records only from a local build that was
   * never pushed is not rendered (`repository:<pinned tag>`): no cluster could pull it; the
   * `requireDigests` check reports it in production.
   */
  public imageIn(envName: string, image: Image): { readonly ref: string; readonly tag: string; readonly pin?: EnvironmentPin } {
    const pin = this.lock.pin(envName, image.repository);
    if (pin === undefined) {
      return { ref: image.imageRef, tag: image.tag };
    }
    const localOnly = this.lockedDigest(image.repository, pin.digest)?.pushed === false;
    return { ref: localOnly ? `${image.repository}:${pin.tag}` : `${image.repository}:${pin.tag}@${pin.digest}`, tag: pin.tag, pin };
  }

  /** The digest the lock records for a build of `repository`, with whether it was pushed, if any. */
  public lockedDigest(repository: string, digest: string): { readonly pushed: boolean } | undefined {
    const found = this.lock.findDigest(repository, digest);
    return found.length === 0 ? undefined : { pushed: found.some((e) => e.pushed) };
  }

  /** The pins of the lock, by environment, then repository. */
  public lockPins(): PinEntry[] {
    return this.lock.pins();
  }

  /** The builds the lock records for `repository` with `digest`, sorted by tag. */
  public lockedBuilds(repository: string, digest: string): LockEntry[] {
    return this.lock.findDigest(repository, digest);
  }

  /** Whether `image` was added to this pipeline. */
  public ownsImage(image: Image): boolean {
    return this.imagesByName.get(image.imageName) === image;
  }

  /**
   * Runs `fn` once for each environment, in declaration order. Create the environment's
   * workloads inside it; read per-environment values from `env.settings` or `env.is(...)`.
   */
  public define(fn: (env: Environment<S>) => void): this {
    for (const env of this.environments) {
      fn(env);
    }
    return this;
  }

  /** The environment called `name`; throws when there is none. */
  public environment(name: string): Environment<S> {
    const env = this.environments.find((e) => e.name === name);
    if (!env) {
      throw new ValidationError(this, {
        field: 'environment',
        value: name,
        rule: `the pipeline has no environment of that name (it has ${this.environments.map((e) => e.name).join(', ')})`,
        fix: `use one of ${this.environments.map((e) => JSON.stringify(e.name)).join(', ')}`,
      });
    }
    return env;
  }

  private readLock(option: string | false | undefined): { lock: DigestLock; file?: string } {
    if (option === false) {
      return { lock: DigestLock.empty() };
    }
    if (option !== undefined && (typeof option !== 'string' || option === '')) {
      throw new ValidationError(this, {
        field: 'lockFile',
        value: option,
        rule: 'lockFile is a path relative to the app root, or false',
        fix: `use "${LOCK_FILE_NAME}"`,
      });
    }
    const file = option ?? LOCK_FILE_NAME;
    try {
      // The default file is optional; a lock file named on purpose must exist.
      return { lock: DigestLock.read(path.resolve(this.appRoot ?? process.cwd(), file), { missingOk: option === undefined }), file };
    } catch (e) {
      if (e instanceof LockFileError) {
        throw new ValidationError(this, { ...e.problem, field: `lockFile ${file}: ${e.problem.field}` });
      }
      throw e;
    }
  }
}
