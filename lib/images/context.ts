import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import ignore from '@balena/dockerignore';

/** One file of a build context that the ignore rules let in. */
export interface ContextFile {
  /** Path relative to the context folder, with `/` separators. */
  readonly path: string;
  /** Size in bytes. */
  readonly size: number;
}

/** A compiled set of .dockerignore patterns with Docker's matching rules. */
export class IgnoreRules {
  /** Parses .dockerignore text: one pattern a line, `#` comments and blank lines skipped. */
  public static parse(text: string): string[] {
    return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  }

  private readonly matcher: ReturnType<typeof ignore>;
  private readonly hasExceptions: boolean;

  constructor(public readonly patterns: readonly string[]) {
    this.matcher = ignore().add([...patterns]);
    this.hasExceptions = patterns.some((p) => p.startsWith('!'));
  }

  /** Whether a context-relative path (with `/` separators) is left out of the build context. */
  public ignores(relPath: string): boolean {
    return this.matcher.ignores(relPath);
  }

  /**
   * Whether a whole directory can be skipped: it is ignored and no `!` exception
   * could bring back anything below it.
   */
  public skipsDirectory(relPath: string): boolean {
    return !this.hasExceptions && this.matcher.ignores(relPath);
  }
}

/**
 * Lists the files of a build context that the ignore rules let in, sorted by path
 * (byte order, independent of locale). Symbolic links are listed as files.
 */
export function listContextFiles(contextDir: string, rules: IgnoreRules): ContextFile[] {
  const out: ContextFile[] = [];
  const walk = (rel: string): void => {
    const abs = rel === '' ? contextDir : path.join(contextDir, rel);
    for (const entry of fs.readdirSync(abs, { withFileTypes: true })) {
      const childRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!rules.skipsDirectory(childRel)) {
          walk(childRel);
        }
      } else if (!rules.ignores(childRel)) {
        const st = fs.lstatSync(path.join(contextDir, childRel));
        out.push({ path: childRel, size: st.size });
      }
    }
  };
  walk('');
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * The content hash of a build context: SHA-256 over the recipe text (Dockerfile and ignore
 * file) and, for every file the ignore rules let in, its path, whether it is executable and
 * its bytes. Same files, same recipe: same hash, on any machine; file times do not count.
 */
export function hashContext(contextDir: string, files: readonly ContextFile[], recipeText: readonly string[]): string {
  const h = crypto.createHash('sha256');
  h.update('prodpath-context-v1\0');
  for (const t of recipeText) {
    h.update(`${Buffer.byteLength(t)}\0`);
    h.update(t);
  }
  const buf = Buffer.allocUnsafe(1 << 20);
  for (const f of files) {
    const abs = path.join(contextDir, f.path);
    const st = fs.lstatSync(abs);
    if (st.isSymbolicLink()) {
      const target = fs.readlinkSync(abs);
      h.update(`L\0${f.path}\0${target}\0`);
      continue;
    }
    const exec = (st.mode & 0o111) !== 0 ? 'x' : '-';
    h.update(`F\0${f.path}\0${exec}\0${st.size}\0`);
    const fd = fs.openSync(abs, 'r');
    try {
      let n: number;
      while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) {
        h.update(n === buf.length ? buf : buf.subarray(0, n));
      }
    } finally {
      fs.closeSync(fd);
    }
  }
  return h.digest('hex');
}
