/**
 * `prodpath promote`: pins in the next environment the builds an environment runs, as `pins` in
 * the digest lock, which the next `cdk8s synth` renders (`repository:<tag>@<digest>`). Also rolls
 * an environment back, to an explicit digest the lock records or to the pin it had in the lock at
 * an earlier git revision.
 *
 * Staging and prod never run a build the environment before them did not run first: promoting
 * past an environment, backwards, or from an environment with nothing recorded is refused unless
 * `--force --reason "..."`, and the reason is recorded in the pin.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { IMAGE_FILES } from '../images/image';
import { DigestLock, EnvironmentPin, isDigest, LOCK_FILE_NAME, updateLockFile } from '../lock/lock';
import { isWrittenReason } from '../policy/names';
import type { CliIo } from './io';

/** Options of {@link promote}, one per command-line argument or flag. */
export interface PromoteOptions {
  /** The environment whose builds are promoted (`prodpath promote <from> <to>`). */
  readonly from?: string;
  /** The environment that gets the pins. */
  readonly to?: string;
  /** The folder `cdk8s synth` wrote. @default 'dist' */
  readonly dist?: string;
  /** The app root. @default - the folder that holds `dist` */
  readonly root?: string;
  /** The lock file, relative to the app root. @default 'prodpath.lock.json' */
  readonly lock?: string;
  /** Allow a promotion that breaks the promotion order or the lock's records; needs `reason`. */
  readonly force?: boolean;
  /** Why, recorded in each forced pin. */
  readonly reason?: string;
  /** Roll back: pin this digest (`sha256:<64 hex>`) in `to`. */
  readonly digest?: string;
  /** With `digest`: its content tag (16 hex digits). @default - the tag the lock records for it */
  readonly tag?: string;
  /** With `digest`: the image it is a build of. @default - the one image whose builds the lock records it for */
  readonly image?: string;
  /** Roll back: pin in `to` what the lock at this git revision pinned there. */
  readonly revision?: string;
}

/** One pin written (or confirmed). */
export interface PromotedPin {
  readonly image: string;
  readonly repository: string;
  readonly environment: string;
  readonly pin: EnvironmentPin;
  /** The pin it replaces, if any. */
  readonly previous?: EnvironmentPin;
}

/** A problem with the input: unknown environments, a bad digest, a refused promotion. Exit status 2. */
export class PromoteInputError extends Error {
  constructor(message: string) {
    super(`prodpath promote: ${message}`);
    this.name = 'PromoteInputError';
  }
}

interface DistImage {
  readonly name: string;
  readonly repository: string;
  readonly tag: string;
  readonly environments: readonly string[];
}

const TAG = /^[a-f0-9]{16}$/;
const FORCE_FIX = 'pass --force --reason "<why>" to record the exception in the pin';

/**
 * Runs `prodpath promote`. Every pin is checked before the lock is written, once, atomically.
 * @throws PromoteInputError on bad input or a refused promotion (nothing is written)
 */
export function promote(options: PromoteOptions, io: CliIo): PromotedPin[] {
  const dist = path.resolve(options.dist ?? 'dist');
  const root = path.resolve(options.root ?? path.dirname(dist));
  const lockName = options.lock ?? LOCK_FILE_NAME;
  const lockFile = path.resolve(root, lockName);
  const force = options.force === true;
  if (force && !isWrittenReason(options.reason)) {
    throw new PromoteInputError('--force needs --reason "<why>" of at least 10 characters; it is recorded in the pin for reviewers.');
  }
  if (!force && options.reason !== undefined) {
    throw new PromoteInputError('--reason goes with --force. Fix: drop --reason, or pass --force when the promotion needs it.');
  }
  const images = readDistImages(dist);
  const known = [...new Set(images.flatMap((i) => i.environments))];
  const checkEnv = (env: string | undefined, what: string): string => {
    if (env === undefined || !known.includes(env)) {
      throw new PromoteInputError(`there is no environment ${JSON.stringify(env ?? '')} (${what}) in ${rel(dist)}; it has ${known.join(', ')}. Fix: name one of them.`);
    }
    return env;
  };
  let lock: DigestLock;
  try {
    lock = DigestLock.read(lockFile);
  } catch (e) {
    throw new PromoteInputError((e as Error).message);
  }

  const rollback = options.digest !== undefined || options.revision !== undefined;
  if (options.from !== undefined && rollback) {
    throw new PromoteInputError('roll back with --to <env> and either --digest or --revision, without a source environment. Fix: prodpath promote --to prod --digest sha256:..., or prodpath promote --to prod --revision HEAD~1.');
  }
  if (options.digest !== undefined && options.revision !== undefined) {
    throw new PromoteInputError('--digest and --revision are two ways to roll back; give one.');
  }
  if (!rollback && (options.tag !== undefined || options.image !== undefined)) {
    throw new PromoteInputError('--tag and --image go with --digest.');
  }
  let pins: PromotedPin[];
  if (rollback) {
    const to = checkEnv(options.to, '--to');
    const targets = images.filter((i) => i.environments.includes(to));
    pins = options.digest !== undefined
      ? pinDigest(targets, to, options.digest, options, lock, lockName, force)
      : pinRevision(targets, to, options.revision!, lockFile, lockName);
  } else {
    if (options.from === undefined || options.to === undefined) {
      throw new PromoteInputError('name the environment to promote from and the one to promote to, such as `prodpath promote dev staging`; or roll back with --to <env> and --digest or --revision.');
    }
    const from = checkEnv(options.from, 'to promote from');
    const to = checkEnv(options.to, 'to promote to');
    if (from === to) {
      throw new PromoteInputError(`${from} is both the source and the target. Fix: promote into the next environment, such as \`prodpath promote ${from} ${nextOf(images, from) ?? '<next>'}\`.`);
    }
    pins = pinPromotion(images, from, to, lock, lockName, force, options.reason);
  }

  // Only pins that needed the exception record it: --force on an ordinary promotion records nothing.
  updateLockFile(lockFile, (l) => pins.reduce((acc, p) => acc.withPin({ environment: p.environment, repository: p.repository, ...p.pin }), l));
  for (const p of pins) {
    const same = p.previous !== undefined && p.previous.digest === p.pin.digest && p.previous.tag === p.pin.tag;
    const was = p.previous === undefined ? 'was unpinned' : same ? 'unchanged' : `was ${p.previous.tag}@${p.previous.digest}`;
    const how = p.pin.from !== undefined && p.pin.revision === undefined ? `from ${p.pin.from}` : p.pin.revision !== undefined ? `as pinned at ${p.pin.revision}` : 'by digest';
    io.out(`${p.environment}: ${p.image} → ${p.repository}:${p.pin.tag}@${p.pin.digest} (${how}; ${was})${p.pin.forced ? ` FORCED: ${p.pin.forced.reason}` : ''}`);
  }
  io.out(`prodpath promote: ${pins.length} pin(s) in ${rel(lockFile)}. Next: synthesize again (npx cdk8s synth), then commit ${lockName} and ${path.relative(root, dist) || '.'}/.`);
  return pins;
}

function pinPromotion(images: readonly DistImage[], from: string, to: string, lock: DigestLock, lockName: string, force: boolean, reason: string | undefined): PromotedPin[] {
  const both = images.filter((i) => i.environments.includes(from) && i.environments.includes(to));
  if (both.length === 0) {
    throw new PromoteInputError(`no image runs in both ${from} and ${to} (they belong to different pipelines).`);
  }
  const out: PromotedPin[] = [];
  for (const image of both) {
    const order = image.environments;
    const i = order.indexOf(from);
    const j = order.indexOf(to);
    const exceptions: string[] = [];
    if (j !== i + 1) {
      const expected = order[i + 1];
      const why = expected === undefined
        ? `${from} is the last environment of the promotion order of ${image.name} (${order.join(' → ')})`
        : `${to} does not come right after ${from} in the promotion order of ${image.name} (${order.join(' → ')})`;
      if (!force) {
        const fix = j > i ? `promote through each environment in turn (prodpath promote ${from} ${expected}, ...)` : `roll ${to} back with --digest or --revision`;
        throw new PromoteInputError(`${why}, so ${to} would run a build that ${j > i ? order[j - 1] : 'the environment before it'} never ran. Fix: ${fix}, or ${FORCE_FIX}.`);
      }
      exceptions.push('order');
    }
    let source: { tag: string; digest: string } | undefined = lock.pin(from, image.repository);
    const built = lock.get(image.repository, image.tag);
    const current = built && { tag: image.tag, digest: built.digest };
    if (source === undefined && i === 0) {
      source = current;
      if (source === undefined) {
        throw new PromoteInputError(`${lockName} records no build of ${image.repository}:${image.tag}, the current build of ${image.name} that ${from} runs. Fix: run \`prodpath build\` (in CI \`prodpath build --push\`) first.`);
      }
    } else if (source === undefined) {
      if (!force) {
        throw new PromoteInputError(`${from} has no recorded build of ${image.repository} (no pin in ${lockName}), so there is nothing it ran to promote. Fix: promote into ${from} first (prodpath promote ${order[i - 1]} ${from}), or ${FORCE_FIX}.`);
      }
      source = current;
      if (source === undefined) {
        throw new PromoteInputError(`${from} has no recorded build of ${image.repository}, and ${lockName} records no build of its current one (${image.tag}). Fix: run \`prodpath build\` first.`);
      }
      exceptions.push('unrecorded');
    }
    const records = lock.findDigest(image.repository, source.digest);
    if (records.length > 0 && !records.some((e) => e.pushed)) {
      throw new PromoteInputError(`${lockName} records ${image.repository}:${source.tag}@${source.digest} only from a local build that was never pushed, so ${to} could not pull it; nothing was written. Fix: run \`prodpath build --push\` (it locks the registry's digest), then promote again.`);
    }
    out.push({
      image: image.name,
      repository: image.repository,
      environment: to,
      previous: lock.pin(to, image.repository),
      pin: { tag: source.tag, digest: source.digest, from, ...(exceptions.length > 0 ? { forced: { reason: reason!.trim() } } : {}) },
    });
  }
  return out;
}

function pinDigest(targets: readonly DistImage[], to: string, digest: string, options: PromoteOptions, lock: DigestLock, lockName: string, force: boolean): PromotedPin[] {
  if (!isDigest(digest)) {
    throw new PromoteInputError(`--digest ${JSON.stringify(digest)} is not a digest: it is "sha256:" followed by 64 lowercase hex digits. Fix: copy it from ${lockName} or from the registry.`);
  }
  if (options.tag !== undefined && !TAG.test(options.tag)) {
    throw new PromoteInputError(`--tag ${JSON.stringify(options.tag)} is not a content tag: it is the 16 hex digits prodpath tags each build with. Fix: copy it from ${lockName}.`);
  }
  let candidates = targets;
  if (options.image !== undefined) {
    candidates = targets.filter((i) => i.name === options.image);
    if (candidates.length === 0) {
      throw new PromoteInputError(`--image ${JSON.stringify(options.image)}: no image of that name runs in ${to}; the images are ${targets.map((i) => i.name).join(', ')}.`);
    }
  }
  const found = candidates.flatMap((image) => lock.findDigest(image.repository, digest)
    .filter((e) => options.tag === undefined || e.tag === options.tag)
    .map((e) => ({ image, tag: e.tag })));
  const repos = [...new Set(found.map((f) => f.image.repository))];
  if (repos.length > 1) {
    throw new PromoteInputError(`${lockName} records ${digest} for ${repos.join(' and ')}. Fix: name the image with --image.`);
  }
  let image: DistImage;
  let tag: string;
  let forced: EnvironmentPin['forced'];
  if (found.length > 0) {
    ({ image, tag } = found[0]);
  } else {
    const where = `${candidates.map((i) => i.repository).join(', ')}${options.tag !== undefined ? ` with tag ${options.tag}` : ''}`;
    if (!force) {
      throw new PromoteInputError(`${digest} is not recorded in ${lockName} for ${where}, so ${to} would run a build prodpath never recorded. Fix: use a digest from the lock's images (a build \`prodpath build\` recorded), or ${FORCE_FIX} (with --image and --tag).`);
    }
    if (candidates.length !== 1 || options.tag === undefined) {
      throw new PromoteInputError(`${digest} is not in ${lockName}, so the pin needs --tag <content tag>${candidates.length !== 1 ? ' and --image <name>' : ''}.`);
    }
    image = candidates[0];
    tag = options.tag;
    forced = { reason: options.reason!.trim() };
  }
  return [{
    image: image.name,
    repository: image.repository,
    environment: to,
    previous: lock.pin(to, image.repository),
    pin: { tag, digest, ...(forced ? { forced } : {}) },
  }];
}

function pinRevision(targets: readonly DistImage[], to: string, revision: string, lockFile: string, lockName: string): PromotedPin[] {
  if (revision.startsWith('-')) {
    throw new PromoteInputError(`"${revision}" is not a git revision. Fix: name a branch, tag or commit, such as HEAD~1.`);
  }
  const dir = path.dirname(lockFile);
  const top = git(['rev-parse', '--show-toplevel'], dir, `${rel(dir)} is not inside a git repository`).trim();
  const commit = git(['rev-parse', '--verify', '--quiet', `${revision}^{commit}`], top, `"${revision}" is not a commit. Fix: name a branch, tag or commit, such as HEAD~1`).trim();
  const inRepo = path.relative(fs.realpathSync(top), path.join(fs.realpathSync(dir), path.basename(lockFile))).split(path.sep).join('/');
  const text = git(['show', `${commit}:${inRepo}`], top, `${inRepo} does not exist at ${revision}`);
  let old: DigestLock;
  try {
    old = DigestLock.parse(text, `${inRepo} at ${revision}`);
  } catch (e) {
    throw new PromoteInputError((e as Error).message);
  }
  const lock = DigestLock.read(lockFile);
  return targets.map((image) => {
    const pin = old.pin(to, image.repository);
    if (pin === undefined) {
      throw new PromoteInputError(`${to} had no pin for ${image.repository} in ${lockName} at ${revision}, so there is nothing to roll back to. Fix: pick an earlier revision (git log -p -- ${inRepo}), or roll back with --digest.`);
    }
    return {
      image: image.name,
      repository: image.repository,
      environment: to,
      previous: lock.pin(to, image.repository),
      pin: { tag: pin.tag, digest: pin.digest, ...(pin.from !== undefined ? { from: pin.from } : {}), revision: commit },
    };
  });
}

/** The images of an output folder, with the promotion order synth recorded in each image.json. */
function readDistImages(dist: string): DistImage[] {
  const dir = path.join(dist, 'images');
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new PromoteInputError(`${rel(dir)} is not a folder. Fix: run \`cdk8s synth\` first, or name the folder it wrote with --dist.`);
  }
  const out: DistImage[] = [];
  for (const name of fs.readdirSync(dir).sort()) {
    const file = path.join(dir, name, IMAGE_FILES.metadata);
    if (!fs.existsSync(file)) {
      continue;
    }
    let meta: any;
    try {
      meta = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      throw new PromoteInputError(`${rel(file)} is not valid JSON (${(e as Error).message}). Fix: run \`cdk8s synth\` again.`);
    }
    const envs = meta?.environments;
    if (typeof meta?.repository !== 'string' || typeof meta?.tag !== 'string' || !Array.isArray(envs) || envs.length === 0 || envs.some((e: unknown) => typeof e !== 'string')) {
      throw new PromoteInputError(`${rel(file)} does not record the image's repository, tag and environments (promotion order). Fix: run \`cdk8s synth\` again with this prodpath.`);
    }
    out.push({ name: meta.name ?? name, repository: meta.repository, tag: meta.tag, environments: envs });
  }
  if (out.length === 0) {
    throw new PromoteInputError(`${rel(dir)} holds no image. Fix: run \`cdk8s synth\` first.`);
  }
  return out;
}

function nextOf(images: readonly DistImage[], env: string): string | undefined {
  for (const i of images) {
    const n = i.environments[i.environments.indexOf(env) + 1];
    if (i.environments.includes(env) && n !== undefined) {
      return n;
    }
  }
  return undefined;
}

function git(args: string[], cwd: string, what: string): string {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  } catch (e: any) {
    if (e?.code === 'ENOENT') {
      throw new PromoteInputError('git is not installed or not on PATH. Fix: install git; --revision reads the lock with `git show`.');
    }
    throw new PromoteInputError(`${what}${/Fix:/.test(what) ? '' : '.'}`);
  }
}

function rel(p: string): string {
  return path.relative(process.cwd(), p) || '.';
}
