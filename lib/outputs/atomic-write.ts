import * as fs from 'fs';
import * as path from 'path';

/**
 * Writes a whole tree of files to `dir` so that readers see either the old tree or the
 * new one, never a mix: the files go to a fresh sibling folder first, which then replaces
 * `dir` with two renames. A process that dies before the swap leaves `dir` as it was
 * (and a stale `.<name>.tmp-*` sibling that the next write removes); one that dies between
 * the two renames leaves `.<name>.old-*`, which the next write puts back first.
 *
 * @param files file contents keyed by path relative to `dir`, with `/` separators
 * @param hooks.beforeSwap called after every file is written, before the swap (tests use it)
 */
export function writeTreeAtomically(dir: string, files: ReadonlyMap<string, string>, hooks: { beforeSwap?: () => void } = {}): void {
  const abs = path.resolve(dir);
  const parent = path.dirname(abs);
  const base = path.basename(abs);
  fs.mkdirSync(parent, { recursive: true });
  recoverInterruptedSwap(parent, base);

  const tmp = path.join(parent, `.${base}.tmp-${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp);
  try {
    const made = new Set<string>();
    for (const rel of [...files.keys()].sort()) {
      const target = path.join(tmp, ...rel.split('/'));
      const folder = path.dirname(target);
      if (!made.has(folder)) {
        fs.mkdirSync(folder, { recursive: true });
        made.add(folder);
      }
      fs.writeFileSync(target, files.get(rel)!);
    }
    hooks.beforeSwap?.();
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }

  const old = path.join(parent, `.${base}.old-${process.pid}`);
  if (fs.existsSync(abs)) {
    fs.renameSync(abs, old);
  }
  fs.renameSync(tmp, abs);
  fs.rmSync(old, { recursive: true, force: true });
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
