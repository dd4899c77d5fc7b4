/**
 * `prodpath check` of a folder that has not changed since the last check, by code that has not
 * changed, finds what that check found: its result is kept and given again, as `make` skips a
 * target newer than its inputs. Running `npm test` again without a new synth (the init template's
 * test script starts with `prodpath check dist`) then costs the time to start node and hash the
 * folder, not the time to parse and check every manifest.
 *
 * - The inputs: every file of the folder by path and sha256 of its content, every folder by
 *   path, the folder's absolute path, the options (`--production`, `--kube`, `--allow-empty`)
 *   and node's version. A folder that holds anything else (a symbolic link, whose finding
 *   depends on what it points to outside the folder; a socket) is always checked.
 * - The code: every file of prodpath's own lib folder (the compiled modules, the generated
 *   validators and the schema data they read) and every other module the check loaded (commander,
 *   js-yaml, ajv-formats, dockerfile-ast, ...), each by path, size, inode and modification and
 *   change times. npm gives every file it installs the same modification time, so the change
 *   time is what tells one installed version from another.
 * - Kept: the result (findings and counts) of the last few checks, errors included, in
 *   `check-results.bin` beside the other caches (lib/cache-files.ts: a sha256 first, written
 *   atomically). A check that throws (a missing folder, a bad option) keeps nothing.
 * - Only under node's own module system: not in jest, whose modules may be mocks.
 * - `PRODPATH_RESULT_CACHE=0` turns it off, with the kept schema results; the output of a kept
 *   result is the same, byte for byte, as that of the check it keeps.
 */
import { createHash, type Hash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { cacheDir, keepResults, readCacheFile, writeCacheFile } from '../cache-files';
import type { CheckResult } from './check';

/** The options of a check that change its result. */
export interface KeptCheckOptions {
  readonly production?: readonly string[];
  readonly allowEmpty?: boolean;
  readonly kubernetes?: readonly string[];
}

interface Entry {
  /** sha256 of the inputs: the folder's files, its path, the options, node's version. */
  readonly key: string;
  /** The modules the check loaded from outside prodpath's lib folder. */
  readonly modules: readonly string[];
  /** sha256 of the code: prodpath's lib folder and `modules`, by path, size, inode and times. */
  readonly code: string;
  readonly result: CheckResult;
}

const FILE = 'check-results.bin';
/** Entries kept, most recent first: a few folders or option sets checked in turn. */
const KEPT = 8;
/** prodpath's lib folder: build/lib as installed, lib/ when run from the TypeScript source. */
const LIB_ROOT = path.resolve(__dirname, '..');

/** A kept check: its result when one is kept for these inputs and this code, and how to keep a new one. */
export interface KeptCheck {
  /** The kept result, when the folder, options and code are those of a kept check. */
  readonly result: CheckResult | undefined;
  /** Keeps the result of a check of these inputs (call after the check, so the modules it loaded are known). */
  save(result: CheckResult): void;
}

/**
 * Looks for a kept result of checking `dist` with `options`; undefined when results are not kept
 * (turned off, no cache folder, a folder that is not plain files and folders, or a folder that
 * cannot be read, which the check itself reports).
 */
export function keptCheck(dist: string, options: KeptCheckOptions): KeptCheck | undefined {
  if (!keepResults()) return undefined;
  // Under a module system other than node's (jest's, which can also mock modules), which code runs
  // is not known: neither use nor keep results.
  if (!(module instanceof (require('module') as typeof import('module')))) return undefined;
  const dir = cacheDir();
  if (dir === undefined) return undefined;
  const inputs = inputsDigest(path.resolve(dist), options);
  if (inputs === undefined) return undefined;
  const file = path.join(dir, FILE);
  const entries = readEntries(file);
  const found = entries.find((e) => e.key === inputs);
  const result = found !== undefined && codeDigest(LIB_ROOT, found.modules) === found.code ? found.result : undefined;
  return {
    result,
    save(checked: CheckResult): void {
      // A folder that changed while it was checked: the result belongs to neither state.
      if (inputsDigest(path.resolve(dist), options) !== inputs) return;
      const modules = Object.keys(require.cache).filter((m) => !isUnder(m, LIB_ROOT) && path.isAbsolute(m)).sort();
      const code = codeDigest(LIB_ROOT, modules);
      if (code === undefined) return;
      const entry: Entry = { key: inputs, modules, code, result: checked };
      try {
        writeCacheFile(file, Buffer.from(JSON.stringify([entry, ...entries.filter((e) => e.key !== inputs)].slice(0, KEPT))));
      } catch {
        // Not kept: the next check checks again.
      }
    },
  };
}

/** Removes the kept check results (the bench's first-check case: the other caches stay). */
export function forgetKeptChecks(): void {
  const dir = cacheDir();
  if (dir !== undefined) fs.rmSync(path.join(dir, FILE), { force: true });
}

function readEntries(file: string): Entry[] {
  const bytes = readCacheFile(file);
  if (bytes === undefined || bytes === false) return [];
  try {
    const entries: unknown = JSON.parse(bytes.toString('utf8'));
    return Array.isArray(entries) ? (entries as Entry[]) : [];
  } catch {
    return [];
  }
}

/** A folder's entries sorted by name (by UTF-16 code unit, the same on every machine). */
function sortedEntries(dir: string): fs.Dirent[] {
  return fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function isUnder(file: string, root: string): boolean {
  return file.startsWith(root + path.sep);
}

/**
 * The sha256 of a folder's files and folders (by path relative to it; files by content), its
 * absolute path, the options and node's version; undefined when it holds anything but plain files
 * and folders, or cannot be read.
 */
export function inputsDigest(abs: string, options: KeptCheckOptions): string | undefined {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ abs, node: process.version, production: options.production ?? null, allowEmpty: options.allowEmpty === true, kubernetes: options.kubernetes ?? null }));
  const walk = (dir: string, rel: string): boolean => {
    for (const e of sortedEntries(dir)) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) {
        hash.update(`\0d\0${r}\0`);
        if (!walk(path.join(dir, e.name), r)) return false;
      } else if (e.isFile()) {
        hash.update(`\0f\0${r}\0`);
        hashFile(hash, path.join(dir, e.name));
      } else {
        return false;
      }
    }
    return true;
  };
  try {
    if (!fs.lstatSync(abs).isDirectory()) return undefined;
    return walk(abs, '') ? hash.digest('hex') : undefined;
  } catch {
    return undefined;
  }
}

/** Read in chunks, so a large manifest (`prodpath check` reads one document at a time) is never held whole here. */
const CHUNK = Buffer.alloc(1 << 20);

/** Adds a file's length, then its content, to `hash`. */
function hashFile(hash: Hash, file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    hash.update(`${size}\0`);
    let total = 0;
    for (;;) {
      const n = fs.readSync(fd, CHUNK, 0, CHUNK.length, null);
      if (n === 0) break;
      hash.update(CHUNK.subarray(0, n));
      total += n;
    }
    // A file that changed while it was read: no entry can match this.
    if (total !== size) hash.update('\0changed while read');
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The sha256 of the code a check ran: every file below `root` and each of `modules`, by path, size,
 * inode, modification and change times; undefined when one of `modules` is gone.
 */
export function codeDigest(root: string, modules: readonly string[]): string | undefined {
  const hash = createHash('sha256');
  const add = (file: string): boolean => {
    let s: fs.Stats;
    try {
      s = fs.statSync(file);
    } catch {
      return false;
    }
    hash.update(`${file}\0${s.size}\0${s.ino}\0${s.mtimeMs}\0${s.ctimeMs}\n`);
    return true;
  };
  const walk = (dir: string): void => {
    for (const e of sortedEntries(dir)) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else add(p);
    }
  };
  try {
    walk(root);
  } catch {
    return undefined;
  }
  for (const m of modules) {
    if (!add(m)) return undefined;
  }
  return hash.digest('hex');
}
