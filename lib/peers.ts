/**
 * prodpath's framework packages (cdk8s, cdk8s-plus-27, constructs) are peer dependencies: the
 * app repository installs them, once. A version outside the range prodpath supports, or a second
 * copy of one of them, breaks in cdk8s far from the cause (`can't render non-simple object of
 * type 'Lazy'`, or an `instanceof` that fails), so `App` checks them first and says what to do.
 */
import * as fs from 'fs';
import * as path from 'path';
import { cacheDir, readCacheFile, writeCacheFile } from './cache-files';

/** The framework packages prodpath expects the app to install, once each. */
export const PEER_PACKAGES = ['cdk8s', 'cdk8s-plus-27', 'constructs'] as const;

/** What prodpath's own package.json says about it. */
export interface PackageInfo {
  /** prodpath's version. */
  readonly version: string;
  /** The supported range of each framework package, from `peerDependencies`. */
  readonly peerRanges: Readonly<Record<string, string>>;
  /** The versions prodpath is developed and tested with, from `devDependencies`. */
  readonly devVersions: Readonly<Record<string, string>>;
  /** The folder of prodpath's package.json (the repository, or the installed package). */
  readonly root: string;
}

let info: PackageInfo | undefined;

/** prodpath's version and peer ranges, read from its package.json (in the repository or installed). */
export function packageInfo(): PackageInfo {
  if (info === undefined) {
    // lib/peers.ts in the repository, build/lib/peers.js once compiled and installed.
    let dir = __dirname;
    for (;;) {
      const file = path.join(dir, 'package.json');
      if (fs.existsSync(file)) {
        const json = JSON.parse(fs.readFileSync(file, 'utf8'));
        if (json.name === 'prodpath') {
          info = { version: json.version, peerRanges: json.peerDependencies ?? {}, devVersions: json.devDependencies ?? {}, root: dir };
          break;
        }
      }
      const up = path.dirname(dir);
      if (up === dir) {
        throw new Error(`prodpath: cannot find its own package.json above ${__dirname}`);
      }
      dir = up;
    }
  }
  return info;
}

/** Where a peer package was found and which version it is. */
export interface PeerCopy {
  /** The folder of the package. */
  readonly dir: string;
  /** Its version. */
  readonly version: string;
}

/** One problem with the installed framework packages, as one readable sentence with its fix. */
export interface PeerProblem {
  /** The package, for example `cdk8s`. */
  readonly name: string;
  /** What is wrong and how to fix it. */
  readonly message: string;
}

/** Finds a package's folder as `require` would from `from`, or undefined when it is not installed there. */
function locate(name: string, from: string): PeerCopy | undefined {
  let manifest: string;
  try {
    manifest = require.resolve(`${name}/package.json`, { paths: [from] });
  } catch {
    return undefined;
  }
  const dir = fs.realpathSync(path.dirname(manifest));
  return { dir, version: JSON.parse(fs.readFileSync(manifest, 'utf8')).version };
}

/**
 * Checks the framework packages prodpath loads: each within its supported range, and the same
 * copy the app itself loads from `appRoot` (when the app has it installed).
 * @param appRoot the app's root folder, where its `node_modules` is
 * @param prodpathDir where prodpath loads its packages from (tests point it elsewhere)
 * @returns the problems, empty when all is well
 */
export function checkPeers(appRoot: string, prodpathDir: string = __dirname): PeerProblem[] {
  const { peerRanges } = packageInfo();
  const problems: PeerProblem[] = [];
  for (const name of PEER_PACKAGES) {
    const range = peerRanges[name];
    const ours = locate(name, prodpathDir);
    if (range === undefined || ours === undefined) {
      continue;
    }
    if (!inRange(ours.version, range)) {
      problems.push({
        name,
        message: `${name} ${ours.version} (${ours.dir}) is outside the range prodpath ${packageInfo().version} supports (${range}). Fix: npm install ${name}@"${range}"`,
      });
    }
    const theirs = locate(name, appRoot);
    if (theirs !== undefined && theirs.dir !== ours.dir) {
      problems.push({
        name,
        message: `two copies of ${name} are installed: ${theirs.version} (${theirs.dir}), which the app loads, and ${ours.version} (${ours.dir}), which prodpath loads; objects from one are not understood by the other. Fix: install one ${name} matching ${range} at the app root (npm install ${name}@"${range}", then npm dedupe) so both load the same copy`,
      });
    }
  }
  saveRanges();
  return problems;
}

/**
 * The version/range pairs found in range before, kept in the project's cache folder
 * (`node_modules/.cache/prodpath/peer-ranges.json`, beside the validators' code cache): the answer
 * depends on the two strings only, and loading semver's range check and compiling its patterns
 * took 15 to 20 ms of every synth, for the same three answers each time.
 */
const RANGES_FILE = 'peer-ranges.json';
let knownInRange: Set<string> | undefined;
/** Whether {@link inRange} found pairs the file did not hold. */
let rangesAdded = false;

function rangesFile(): string | undefined {
  const dir = cacheDir();
  return dir !== undefined ? path.join(dir, RANGES_FILE) : undefined;
}

/** Whether `version` satisfies `range` (semver), from the cache when this pair was checked before. */
function inRange(version: string, range: string): boolean {
  const pair = `${version} ${range}`;
  if (knownInRange === undefined) {
    knownInRange = new Set();
    const file = rangesFile();
    const contents = file !== undefined ? readCacheFile(file) : undefined;
    try {
      const saved = contents ? JSON.parse(contents.toString('utf8')) as unknown : undefined;
      if (Array.isArray(saved)) saved.filter((p): p is string => typeof p === 'string').forEach((p) => knownInRange!.add(p));
    } catch {
      // Damaged: check with semver.
    }
  }
  if (knownInRange.has(pair)) return true;
  // Only the range check, loaded when needed: the whole semver package is 47 modules, this is 19.
  const satisfies = require('semver/functions/satisfies') as typeof import('semver/functions/satisfies');
  if (!satisfies(version, range)) return false;
  knownInRange.add(pair);
  rangesAdded = true;
  return true;
}

/** Writes the pairs found in range, when this process found new ones. Never throws. */
function saveRanges(): void {
  const file = rangesFile();
  if (!rangesAdded || knownInRange === undefined || file === undefined) return;
  rangesAdded = false;
  try {
    // The pairs of this run and the last few: a changed install does not grow it without end.
    writeCacheFile(file, Buffer.from(JSON.stringify([...knownInRange].slice(-20)), 'utf8'));
  } catch {
    // A read-only node_modules: the next run checks with semver again.
  }
}

/** Thrown by `new App()` when the installed framework packages do not fit prodpath. */
export class PeerDependencyError extends Error {
  constructor(public readonly problems: readonly PeerProblem[]) {
    super(`prodpath: the installed framework packages do not fit this version of prodpath:\n${problems.map((p) => `  - ${p.message}`).join('\n')}`);
    this.name = 'PeerDependencyError';
  }
}

const checked = new Set<string>();

/** {@link checkPeers} once per app root and process; throws a {@link PeerDependencyError}. */
export function assertPeers(appRoot: string): void {
  if (checked.has(appRoot)) {
    return;
  }
  const problems = checkPeers(appRoot);
  if (problems.length > 0) {
    throw new PeerDependencyError(problems);
  }
  checked.add(appRoot);
}
