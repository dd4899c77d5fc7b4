/**
 * The digest lock: which registry digest each image build produced, by repository and content
 * tag. `prodpath build` (and the `prodpath/pulumi` program) write it; `cdk8s synth` reads it and
 * pins `repository:tag@sha256:<digest>` for every image whose current content hash it records.
 *
 * The file is JSON with sorted keys, two-space indents and a final newline, so the same builds
 * give the same bytes and a review shows exactly which image changed:
 *
 * ```json
 * {
 *   "images": {
 *     "ghcr.io/acme/api": {
 *       "8a604ef41977ff73": {
 *         "contentHash": "sha256:8a604ef41977ff73...",
 *         "digest": "sha256:5d1c8e0f...",
 *         "platforms": ["linux/amd64"],
 *         "pushed": true
 *       }
 *     }
 *   },
 *   "lockfileVersion": 1,
 *   "pins": {
 *     "staging": {
 *       "ghcr.io/acme/api": { "digest": "sha256:5d1c8e0f...", "from": "dev", "tag": "8a604ef41977ff73" }
 *     }
 *   }
 * }
 * ```
 *
 * `pins` is written by `prodpath promote`: per environment and repository, the build the
 * environment runs instead of the current one. It is left out while there are none.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ValidationError, ValidationProblem } from '../policy/errors';
import { isWrittenReason } from '../policy/names';
import type { LockedDigests } from '../images/image';
import { KNOWN_PLATFORMS } from '../images/recipe-base';

/** The lock file's default name, at the app root. */
export const LOCK_FILE_NAME = 'prodpath.lock.json';

/** The format version this library reads and writes. */
export const LOCKFILE_VERSION = 1;

/** One built image, as the lock records it. */
export interface LockedImage {
  /** The content hash the image was built from, `sha256:<64 hex>`; the tag is its first 16 digits. */
  readonly contentHash: string;
  /** The image's manifest (or index) digest, `sha256:<64 hex>`. */
  readonly digest: string;
  /** The platforms it was built for, sorted. */
  readonly platforms: readonly string[];
  /**
   * Whether the digest is the registry's (the image was pushed). A digest from a local build
   * only resolves on the machine that built it.
   */
  readonly pushed: boolean;
}

/** One row of the lock. */
export interface LockEntry extends LockedImage {
  /** The repository, such as `ghcr.io/acme/api`. */
  readonly repository: string;
  /** The content tag. */
  readonly tag: string;
}

/**
 * What one environment runs of one repository, pinned by `prodpath promote`: synth renders
 * `repository:tag@digest` there instead of the current build.
 */
export interface EnvironmentPin {
  /** The content tag of the pinned build (16 hex digits). */
  readonly tag: string;
  /** The pinned digest, `sha256:<64 hex>`. */
  readonly digest: string;
  /** The environment it was promoted from; absent for a rollback. */
  readonly from?: string;
  /** The git commit whose lock the pin was restored from (a rollback with `--revision`). */
  readonly revision?: string;
  /** Set when the promotion broke the promotion order or the lock's records, with the reason given. */
  readonly forced?: { readonly reason: string };
}

/** One pin of the lock. */
export interface PinEntry extends EnvironmentPin {
  /** The environment, such as `staging`. */
  readonly environment: string;
  /** The repository, such as `ghcr.io/acme/api`. */
  readonly repository: string;
}

const SHA256 = /^sha256:[a-f0-9]{64}$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const REVISION = /^[a-f0-9]{7,64}$/;
const PIN_KEYS = ['digest', 'forced', 'from', 'revision', 'tag'];
const TAG = /^[a-f0-9]{16}$/;
const REPOSITORY = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)+$/;
const ENTRY_KEYS = ['contentHash', 'digest', 'platforms', 'pushed'];

/** Thrown for a lock file that cannot be read; the message names the file, the entry, the rule and the fix. */
export class LockFileError extends ValidationError {
  constructor(public readonly file: string, problem: ValidationProblem) {
    super(file, problem);
    this.name = 'LockFileError';
  }
}

/**
 * The digest lock, immutable: {@link DigestLock.with} returns a new lock. Read it with
 * {@link DigestLock.read}, write it with {@link DigestLock.write}.
 */
export class DigestLock implements LockedDigests {
  /** A lock with no entries. */
  public static empty(): DigestLock {
    return new DigestLock(new Map(), {}, new Map());
  }

  /**
   * Reads and validates a lock file. A missing file is an empty lock when `missingOk` is set
   * (the default); otherwise it is an error.
   */
  public static read(file: string, options: { missingOk?: boolean } = {}): DigestLock {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' && (options.missingOk ?? true)) {
        return DigestLock.empty();
      }
      throw new LockFileError(file, {
        field: 'file',
        value: file,
        rule: `the lock file cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
        fix: 'run `prodpath build` to write it, or point lockFile at the right path',
      });
    }
    return DigestLock.parse(text, file);
  }

  /** Parses and validates lock file text; `file` names it in errors. */
  public static parse(text: string, file: string = LOCK_FILE_NAME): DigestLock {
    const fail = (field: string, value: unknown, rule: string, fix: string): never => {
      throw new LockFileError(file, { field, value, rule, fix });
    };
    const regenerate = 'run `prodpath build` to record the image again, or correct the entry by hand';
    let doc: any;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      return fail('text', (e as Error).message, 'the lock file must be valid JSON', 'restore it from version control, or delete it and run `prodpath build`');
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
      return fail('text', doc, 'the lock file is a JSON object', 'restore it from version control, or delete it and run `prodpath build`');
    }
    if (doc.lockfileVersion !== LOCKFILE_VERSION) {
      fail('lockfileVersion', doc.lockfileVersion, `this prodpath reads lock files of version ${LOCKFILE_VERSION}`, 'upgrade prodpath, or write the lock again with `prodpath build`');
    }
    const images = doc.images ?? {};
    if (typeof images !== 'object' || images === null || Array.isArray(images)) {
      fail('images', images, 'images is an object of repositories', 'restore it from version control, or delete it and run `prodpath build`');
    }
    const entries = new Map<string, Map<string, LockedImage>>();
    for (const repository of Object.keys(images)) {
      const at = `images[${JSON.stringify(repository)}]`;
      if (!REPOSITORY.test(repository)) {
        fail(at, repository, 'a repository is a lowercase registry host and path, such as "ghcr.io/acme/api", without a tag', regenerate);
      }
      const tags = images[repository];
      if (typeof tags !== 'object' || tags === null || Array.isArray(tags)) {
        fail(at, tags, 'each repository maps content tags to builds', regenerate);
      }
      const byTag = new Map<string, LockedImage>();
      for (const tag of Object.keys(tags)) {
        const where = `${at}[${JSON.stringify(tag)}]`;
        if (!TAG.test(tag)) {
          fail(where, tag, 'a tag is the 16 hex digits of the content tag prodpath gives the image', regenerate);
        }
        const e = tags[tag];
        if (typeof e !== 'object' || e === null || Array.isArray(e)) {
          fail(where, e, 'an entry is an object with contentHash, digest, platforms and pushed', regenerate);
        }
        const unknown = Object.keys(e).filter((k) => !ENTRY_KEYS.includes(k));
        if (unknown.length > 0) {
          fail(`${where}.${unknown[0]}`, e[unknown[0]], `an entry holds only ${ENTRY_KEYS.join(', ')}`, regenerate);
        }
        if (typeof e.contentHash !== 'string' || !SHA256.test(e.contentHash) || e.contentHash.slice(7, 23) !== tag) {
          fail(`${where}.contentHash`, e.contentHash, 'a content hash is "sha256:" and 64 lowercase hex digits, starting with the tag', regenerate);
        }
        if (typeof e.digest !== 'string' || !SHA256.test(e.digest)) {
          fail(`${where}.digest`, e.digest, 'a digest is "sha256:" followed by 64 lowercase hex digits', regenerate);
        }
        if (!Array.isArray(e.platforms) || e.platforms.length === 0 || e.platforms.some((p: unknown) => typeof p !== 'string' || !KNOWN_PLATFORMS.includes(p))) {
          fail(`${where}.platforms`, e.platforms, 'platforms is a non-empty list of known os/arch[/variant] names', regenerate);
        }
        if (typeof e.pushed !== 'boolean') {
          fail(`${where}.pushed`, e.pushed, 'pushed is true or false', regenerate);
        }
        byTag.set(tag, { contentHash: e.contentHash, digest: e.digest, platforms: [...e.platforms].sort(), pushed: e.pushed });
      }
      entries.set(repository, byTag);
    }
    const pins = parsePins(doc.pins ?? {}, fail);
    const extra: Record<string, unknown> = {};
    for (const key of Object.keys(doc)) {
      if (key !== 'images' && key !== 'lockfileVersion' && key !== 'pins') {
        extra[key] = doc[key];
      }
    }
    return new DigestLock(entries, extra, pins);
  }

  private constructor(
    private readonly byRepository: ReadonlyMap<string, ReadonlyMap<string, LockedImage>>,
    /** Top-level keys this version does not know, kept as they are when the lock is written again. */
    private readonly extra: Readonly<Record<string, unknown>>,
    /** Environment pins, by environment, then repository. */
    private readonly byEnvironment: ReadonlyMap<string, ReadonlyMap<string, EnvironmentPin>>,
  ) {}

  /** What `environment` is pinned to for `repository`, if anything. */
  public pin(environment: string, repository: string): EnvironmentPin | undefined {
    return this.byEnvironment.get(environment)?.get(repository);
  }

  /** Every pin, sorted by environment, then repository. */
  public pins(): PinEntry[] {
    return sortedEntries(this.byEnvironment, (environment, repository, pin) => ({ environment, repository, ...pin }));
  }

  /** A lock that also records (or replaces) one pin; the pin is validated like a read one. */
  public withPin(entry: PinEntry): DigestLock {
    const { environment, repository, ...pin } = entry;
    const probe = { lockfileVersion: LOCKFILE_VERSION, pins: { [environment]: { [repository]: pin } } };
    const checked = DigestLock.parse(JSON.stringify(probe), '(new pin)').pin(environment, repository)!;
    const next = new Map<string, ReadonlyMap<string, EnvironmentPin>>(this.byEnvironment);
    next.set(environment, new Map(next.get(environment) ?? []).set(repository, checked));
    return new DigestLock(this.byRepository, this.extra, next);
  }

  /** The builds the lock records with `digest` in `repository`, sorted by tag. */
  public findDigest(repository: string, digest: string): LockEntry[] {
    return this.entries().filter((e) => e.repository === repository && e.digest === digest);
  }

  /** The build recorded for `repository:tag`, if any. */
  public get(repository: string, tag: string): LockedImage | undefined {
    return this.byRepository.get(repository)?.get(tag);
  }

  /** Every entry, sorted by repository, then tag. */
  public entries(): LockEntry[] {
    return sortedEntries(this.byRepository, (repository, tag, image) => ({ repository, tag, ...image }));
  }

  /** How many builds the lock records. */
  public get size(): number {
    return [...this.byRepository.values()].reduce((n, tags) => n + tags.size, 0);
  }

  /** A lock that also records (or replaces) one build; the entry is validated like a read one. */
  public with(entry: LockEntry): DigestLock {
    const { repository, tag, ...image } = entry;
    const probe = { lockfileVersion: LOCKFILE_VERSION, images: { [repository]: { [tag]: image } } };
    const checked = DigestLock.parse(JSON.stringify(probe), '(new lock entry)').get(repository, tag)!;
    const next = new Map<string, ReadonlyMap<string, LockedImage>>(this.byRepository);
    next.set(repository, new Map(next.get(repository) ?? []).set(tag, checked));
    return new DigestLock(next, this.extra, this.byEnvironment);
  }

  /** A lock with only the entries `keep` accepts. */
  public filter(keep: (entry: LockEntry) => boolean): DigestLock {
    const next = new Map<string, Map<string, LockedImage>>();
    for (const e of this.entries().filter(keep)) {
      const { repository, tag, ...image } = e;
      next.set(repository, (next.get(repository) ?? new Map()).set(tag, image));
    }
    return new DigestLock(next, this.extra, this.byEnvironment);
  }

  /** The lock file text: sorted keys, two-space indents, a final newline. */
  public toString(): string {
    const images: Record<string, Record<string, LockedImage>> = {};
    for (const e of this.entries()) {
      const { repository, tag, ...image } = e;
      images[repository] = images[repository] ?? {};
      images[repository][tag] = image;
    }
    const pins: Record<string, Record<string, EnvironmentPin>> = {};
    for (const p of this.pins()) {
      const { environment, repository, ...pin } = p;
      pins[environment] = pins[environment] ?? {};
      pins[environment][repository] = pin;
    }
    // No pins, no key: a lock written before promotion existed keeps its bytes.
    const withPins = Object.keys(pins).length > 0 ? { pins } : {};
    return `${JSON.stringify(sortKeys({ ...this.extra, images, lockfileVersion: LOCKFILE_VERSION, ...withPins }), null, 2)}\n`;
  }

  /**
   * Writes the lock atomically (a temporary file renamed over the old one), so a reader never
   * sees half a file. Leaves the file untouched when its bytes would not change.
   */
  public write(file: string): void {
    const text = this.toString();
    try {
      if (fs.readFileSync(file, 'utf8') === text) {
        return;
      }
    } catch {
      // no file yet
    }
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const tmp = `${file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  }
}

/**
 * Reads the lock at `file`, applies `update` and writes the result, so two writers in turn keep
 * each other's entries.
 */
export function updateLockFile(file: string, update: (lock: DigestLock) => DigestLock): DigestLock {
  const next = update(DigestLock.read(file));
  next.write(file);
  return next;
}

/** Whether `s` is a well-formed `sha256:<64 hex>` digest. */
export function isDigest(s: unknown): s is string {
  return typeof s === 'string' && SHA256.test(s);
}

type Fail = (field: string, value: unknown, rule: string, fix: string) => never;

function parsePins(pins: any, fail: Fail): Map<string, Map<string, EnvironmentPin>> {
  const again = 'run `prodpath promote` again, or restore the lock from version control';
  const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(pins)) {
    fail('pins', pins, 'pins is an object of environments', again);
  }
  const out = new Map<string, Map<string, EnvironmentPin>>();
  for (const environment of Object.keys(pins)) {
    const at = `pins[${JSON.stringify(environment)}]`;
    if (!DNS_LABEL.test(environment)) {
      fail(at, environment, 'an environment name is a DNS-1123 label', again);
    }
    const repos = pins[environment];
    if (!isObject(repos)) {
      fail(at, repos, 'each environment maps repositories to pins', again);
    }
    const byRepo = new Map<string, EnvironmentPin>();
    for (const repository of Object.keys(repos)) {
      const where = `${at}[${JSON.stringify(repository)}]`;
      if (!REPOSITORY.test(repository)) {
        fail(where, repository, 'a repository is a lowercase registry host and path, such as "ghcr.io/acme/api", without a tag', again);
      }
      const p = repos[repository];
      if (!isObject(p)) {
        fail(where, p, 'a pin is an object with tag and digest, and optionally from, revision and forced', again);
      }
      const unknown = Object.keys(p).filter((k) => !PIN_KEYS.includes(k));
      if (unknown.length > 0) {
        fail(`${where}.${unknown[0]}`, p[unknown[0]], `a pin holds only ${PIN_KEYS.join(', ')}`, again);
      }
      if (typeof p.tag !== 'string' || !TAG.test(p.tag)) {
        fail(`${where}.tag`, p.tag, 'a tag is the 16 hex digits of the content tag prodpath gives the image', again);
      }
      if (typeof p.digest !== 'string' || !SHA256.test(p.digest)) {
        fail(`${where}.digest`, p.digest, 'a digest is "sha256:" followed by 64 lowercase hex digits', again);
      }
      if (p.from !== undefined && (typeof p.from !== 'string' || !DNS_LABEL.test(p.from))) {
        fail(`${where}.from`, p.from, 'from names the environment the pin was promoted from', again);
      }
      if (p.revision !== undefined && (typeof p.revision !== 'string' || !REVISION.test(p.revision))) {
        fail(`${where}.revision`, p.revision, 'revision is the git commit (hex) whose lock the pin was restored from', again);
      }
      if (p.forced !== undefined && (!isObject(p.forced) || Object.keys(p.forced).join() !== 'reason'
        || !isWrittenReason(p.forced.reason))) {
        fail(`${where}.forced`, p.forced, 'forced is { "reason": "<why>" } with a reason of at least 10 characters', again);
      }
      byRepo.set(repository, {
        tag: p.tag,
        digest: p.digest,
        ...(p.from !== undefined ? { from: p.from } : {}),
        ...(p.revision !== undefined ? { revision: p.revision } : {}),
        ...(p.forced !== undefined ? { forced: { reason: p.forced.reason.trim() } } : {}),
      });
    }
    if (byRepo.size > 0) {
      out.set(environment, byRepo);
    }
  }
  return out;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(sortKeys);
  }
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      out[k] = sortKeys((value as Record<string, unknown>)[k]);
    }
    return out;
  }
  return value;
}

/** The values of a two-level map, in order of the outer key, then the inner key, as `entry` makes them. */
function sortedEntries<V, E>(map: ReadonlyMap<string, ReadonlyMap<string, V>>, entry: (outer: string, inner: string, value: V) => E): E[] {
  return [...map.keys()].sort().flatMap((outer) => {
    const inner = map.get(outer)!;
    return [...inner.keys()].sort().map((key) => entry(outer, key, inner.get(key)!));
  });
}
