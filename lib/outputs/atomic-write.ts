import * as fs from 'fs';
import * as path from 'path';

/**
 * Writes a whole tree of files to `dir` so that readers see either the old tree or the new
 * one, never a mix and never nothing:
 *
 * 1. the shape of the output path is checked first (a file, a symbolic link, or a folder
 *    that cannot be replaced is refused before anything is written);
 * 2. a lock file `.<name>.lock` next to `dir` serializes two synths of one project (the
 *    second waits, saying so, and fails clearly after `lockTimeoutMs`); a lock left by a
 *    process that no longer runs is taken over;
 * 3. the files go to a fresh sibling folder `.<name>.tmp-<pid>`;
 * 4. the swap: on Linux, one `renameat2(RENAME_EXCHANGE)` system call exchanges the two
 *    folders, so a complete tree is at `dir` at every instant (the old tree lands in the
 *    sibling and is removed). Node has no binding for it: it is called through the `koffi`
 *    FFI package (an optional dependency with prebuilt binaries). Where that is missing, or
 *    the file system refuses the exchange, two renames are used: a process killed between
 *    them leaves `.<name>.old-<pid>` and no `dir`, which the next write puts back first.
 *
 * A process killed at any step leaves `dir` complete (old or new) and nothing that blocks
 * the next write, which removes stale siblings.
 *
 * When `dir` already holds exactly these files (the same paths and bytes, no other file, folder
 * or link), nothing is written: an unchanged app leaves its output, and the files' times, as
 * they were. File modes are not compared.
 *
 * @param files file contents keyed by path relative to `dir`, with `/` separators
 * @returns whether the tree was written (false: `dir` already held it)
 */
export function writeTreeAtomically(dir: string, files: ReadonlyMap<string, string>, options: AtomicWriteOptions = {}): boolean {
  const abs = path.resolve(dir);
  const parent = path.dirname(abs);
  const base = path.basename(abs);
  const problem = outputShapeProblem(abs);
  if (problem !== undefined) {
    throw new OutputShapeError(abs, problem.rule, problem.fix);
  }
  fs.mkdirSync(parent, { recursive: true });
  const step = options.step ?? (() => undefined);
  const release = acquireLock(parent, base, options);
  try {
    step('locked');
    recoverInterruptedSwap(parent, base);
    if (holdsExactly(abs, files)) {
      step('unchanged');
      return false;
    }
    const tmp = path.join(parent, `.${base}.tmp-${process.pid}`);
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp);
    try {
      const made = new Set<string>();
      let written = 0;
      for (const rel of [...files.keys()].sort()) {
        const target = path.join(tmp, ...rel.split('/'));
        const folder = path.dirname(target);
        if (!made.has(folder)) {
          fs.mkdirSync(folder, { recursive: true });
          made.add(folder);
        }
        fs.writeFileSync(target, files.get(rel)!);
        written += 1;
        if (written === Math.ceil(files.size / 2)) {
          step('half-written');
        }
      }
      step('written');
    } catch (e) {
      fs.rmSync(tmp, { recursive: true, force: true });
      throw e;
    }

    if (!fs.existsSync(abs)) {
      fs.renameSync(tmp, abs);
      step('swapped');
    } else if ((options.exchange ?? true) && exchange(tmp, abs)) {
      // `tmp` now holds the old tree.
      step('swapped');
      fs.rmSync(tmp, { recursive: true, force: true });
    } else {
      const old = path.join(parent, `.${base}.old-${process.pid}`);
      fs.renameSync(abs, old);
      step('between-renames');
      fs.renameSync(tmp, abs);
      step('swapped');
      fs.rmSync(old, { recursive: true, force: true });
    }
    step('cleaned');
    return true;
  } finally {
    release();
  }
}

/** Whether `bytes` are the UTF-8 encoding of `text`. */
function sameContent(bytes: Buffer, text: string): boolean {
  const length = Buffer.byteLength(text);
  if (bytes.length !== length) return false;
  // An ASCII text (as long in UTF-8 bytes as in characters) is its bytes read as latin1, which is
  // cheaper than encoding it; any other text is compared as encoded.
  return length === text.length ? bytes.toString('latin1') === text : bytes.equals(Buffer.from(text));
}

/**
 * Whether `abs` is a folder holding exactly `files`: every file among them with the same bytes,
 * and nothing else (another file, an empty folder, a link).
 */
function holdsExactly(abs: string, files: ReadonlyMap<string, string>): boolean {
  let matched = 0;
  /** The files matched below `dir`, or -1 at the first difference. */
  const walk = (dir: string, rel: string): number => {
    let here = 0;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) {
        const below = walk(path.join(dir, e.name), r);
        if (below <= 0) return -1; // a difference, or a folder the new tree would not have
        here += below;
        continue;
      }
      const want = e.isFile() ? files.get(r) : undefined;
      if (want === undefined) return -1;
      if (!sameContent(fs.readFileSync(path.join(dir, e.name)), want)) return -1;
      here += 1;
    }
    return here;
  };
  try {
    if (!fs.lstatSync(abs).isDirectory()) return false;
    matched = walk(abs, '');
  } catch {
    return false;
  }
  return matched === files.size;
}

/** Options of {@link writeTreeAtomically}. */
export interface AtomicWriteOptions {
  /**
   * Called at each step (`locked`, then `unchanged` when the folder already holds the files, or
   * `half-written`, `written`, `between-renames`, `swapped`, `cleaned`); the kill tests stop the
   * process there.
   * @default - nothing
   */
  readonly step?: (name: string) => void;
  /**
   * Use the one-call exchange where the system has it (false: two renames, for tests).
   * @default true
   */
  readonly exchange?: boolean;
  /**
   * How long to wait for another synth of the same output before failing.
   * @default 120000
   */
  readonly lockTimeoutMs?: number;
  /**
   * Where the waiting message goes.
   * @default - stderr
   */
  readonly onWait?: (message: string) => void;
}

/** Thrown when the output path cannot be replaced: a file, a link, a folder that is not writable. */
export class OutputShapeError extends Error {
  constructor(public readonly outputPath: string, public readonly rule: string, public readonly fix: string) {
    super(`prodpath: cannot write ${outputPath}: ${rule}. Fix: ${fix}.`);
    this.name = 'OutputShapeError';
  }
}

/** Thrown when another synth holds the output's lock for longer than the timeout. */
export class OutputLockedError extends Error {
  constructor(public readonly lockFile: string, public readonly holder: string, waitedMs: number) {
    super(`prodpath: another synth (${holder}) is writing ${path.join(path.dirname(lockFile), path.basename(lockFile).replace(/^\.(.*)\.lock$/, '$1'))}; waited ${Math.round(waitedMs / 1000)} s for it. `
      + `Fix: let it finish and run synth again; if no such process runs, remove ${lockFile}.`);
    this.name = 'OutputLockedError';
  }
}

/**
 * What keeps `abs` from being replaced by a new tree, if anything: it is a symbolic link or
 * not a folder; it, a folder in it, or its parent is not writable (so the old tree could not
 * be removed, or the new one not be put in place).
 */
export function outputShapeProblem(abs: string): { rule: string; fix: string } | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(abs);
  } catch {
    const parent = nearestExisting(path.dirname(abs));
    if (!writable(parent)) {
      return { rule: `the folder ${parent} that would hold it is not writable`, fix: `make ${parent} writable, or choose another outdir` };
    }
    return undefined;
  }
  if (stat.isSymbolicLink()) {
    return { rule: 'it is a symbolic link; prodpath replaces the output folder as a whole and does not write through links', fix: `remove the link (rm ${abs}) and synth again, or point outdir at the real folder` };
  }
  if (!stat.isDirectory()) {
    return { rule: 'it is a file, not a folder', fix: `remove or rename the file (${abs}) and synth again` };
  }
  if (!writable(path.dirname(abs))) {
    return { rule: `its parent folder ${path.dirname(abs)} is not writable, so the new tree cannot be put in its place`, fix: `make ${path.dirname(abs)} writable` };
  }
  const readOnly = firstReadOnlyFolder(abs);
  if (readOnly !== undefined) {
    return { rule: `the folder ${readOnly} in it is not writable, so the old tree could not be removed`, fix: `make it writable again (chmod -R u+w ${abs})` };
  }
  return undefined;
}

function nearestExisting(dir: string): string {
  let d = dir;
  while (!fs.existsSync(d) && path.dirname(d) !== d) {
    d = path.dirname(d);
  }
  return d;
}

function writable(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function firstReadOnlyFolder(dir: string): string | undefined {
  if (!writable(dir)) {
    return dir;
  }
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) {
      const found = firstReadOnlyFolder(path.join(dir, e.name));
      if (found !== undefined) {
        return found;
      }
    }
  }
  return undefined;
}

// --- the lock --------------------------------------------------------------------------------

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e: any) {
    return e?.code === 'EPERM';
  }
}

/** Takes `.<base>.lock` in `parent`, waiting for a live holder; returns the release function. */
function acquireLock(parent: string, base: string, options: AtomicWriteOptions): () => void {
  const file = path.join(parent, `.${base}.lock`);
  const timeout = options.lockTimeoutMs ?? 120_000;
  const start = Date.now();
  let told = false;
  for (;;) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return () => {
        try {
          if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) {
            fs.rmSync(file, { force: true });
          }
        } catch {
          // Already gone.
        }
      };
    } catch (e: any) {
      if (e?.code !== 'EEXIST') {
        throw e;
      }
    }
    let holder = NaN;
    try {
      holder = Number(fs.readFileSync(file, 'utf8').trim());
    } catch {
      continue; // Released between our two calls: try again.
    }
    if (!Number.isInteger(holder) || holder <= 0 || holder === process.pid || !running(holder)) {
      // A lock left by a process that was killed (or a half-written one): take it over.
      fs.rmSync(file, { force: true });
      continue;
    }
    const waited = Date.now() - start;
    if (waited >= timeout) {
      throw new OutputLockedError(file, `pid ${holder}`, waited);
    }
    if (!told) {
      (options.onWait ?? ((m: string) => process.stderr.write(`${m}\n`)))(`prodpath: waiting for another synth (pid ${holder}) that is writing ${path.join(parent, base)} ...`);
      told = true;
    }
    sleep(Math.min(50, timeout - waited));
  }
}

// --- the swap --------------------------------------------------------------------------------

const AT_FDCWD = -100;
const RENAME_EXCHANGE = 2;
let renameat2: ((olddirfd: number, oldpath: string, newdirfd: number, newpath: string, flags: number) => number) | null | undefined;

/** libc's renameat2 through koffi, or null where either is missing (not Linux, no koffi). */
function loadRenameat2(): typeof renameat2 {
  if (renameat2 !== undefined) {
    return renameat2;
  }
  renameat2 = null;
  if (process.platform === 'linux') {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const koffi = require('koffi');
      const libc = koffi.load('libc.so.6');
      renameat2 = libc.func('int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned int flags)');
    } catch {
      renameat2 = null;
    }
  }
  return renameat2;
}

/** Whether this system exchanges two folders in one call (Linux with koffi and a file system that supports it). */
export function canExchange(): boolean {
  return loadRenameat2() !== null;
}

/** Exchanges two paths in one system call; false when the system cannot (then nothing changed). */
function exchange(a: string, b: string): boolean {
  const call = loadRenameat2();
  if (!call) {
    return false;
  }
  return call(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) === 0;
}

/** Removes stale temporary folders and restores a folder left aside by an interrupted swap. */
function recoverInterruptedSwap(parent: string, base: string): void {
  for (const entry of fs.readdirSync(parent)) {
    if (entry.startsWith(`.${base}.tmp-`)) {
      fs.rmSync(path.join(parent, entry), { recursive: true, force: true });
    }
  }
  for (const entry of fs.readdirSync(parent)) {
    if (entry.startsWith(`.${base}.old-`)) {
      const target = path.join(parent, base);
      if (!fs.existsSync(target)) {
        fs.renameSync(path.join(parent, entry), target);
      } else {
        fs.rmSync(path.join(parent, entry), { recursive: true, force: true });
      }
    }
  }
}
