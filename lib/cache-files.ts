/**
 * The files prodpath keeps between runs to do less work the next time (the schema validators'
 * compiled code, the objects they found valid, the peer version checks): where they live and how
 * they are read and written. They only ever save time: one that is missing, damaged or cannot be
 * written means the work is done again, never a different result.
 *
 * - Where: `node_modules/.cache/prodpath/` of the project (the `node_modules` folder prodpath is
 *   installed in, or the working directory's), where build tools keep their caches; never a shared
 *   temporary folder, since one of them is compiled code. No `node_modules`, no cache.
 *   `PRODPATH_CODE_CACHE_DIR=<folder>` puts them elsewhere (a folder a CI runner keeps).
 * - How: each file starts with a sha256 of the rest, checked before anything in it is used, and
 *   is written atomically (a temporary file, then a rename), so two processes never see half a file.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

const HASH_BYTES = 32;

/** Whether results are kept between runs (the schema results, `prodpath check`'s): `PRODPATH_RESULT_CACHE=0` turns them off. */
export function keepResults(): boolean {
  return process.env.PRODPATH_RESULT_CACHE !== '0';
}

/** `node_modules/.cache/prodpath` of the project, or undefined when there is no node_modules. */
export function cacheDir(): string | undefined {
  const chosen = process.env.PRODPATH_CODE_CACHE_DIR;
  if (chosen !== undefined && chosen !== '') return path.resolve(chosen);
  let dir = __dirname;
  for (;;) {
    if (path.basename(dir) === 'node_modules') return path.join(dir, '.cache', 'prodpath');
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  const local = path.join(process.cwd(), 'node_modules');
  return fs.existsSync(local) ? path.join(local, '.cache', 'prodpath') : undefined;
}

/** The contents of a cache file after its checksum: undefined when there is none, `false` when it is damaged. */
export function readCacheFile(file: string): Buffer | false | undefined {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  const rest = bytes.subarray(HASH_BYTES);
  if (bytes.length < HASH_BYTES || !createHash('sha256').update(rest).digest().equals(bytes.subarray(0, HASH_BYTES))) return false;
  return rest;
}

/** Writes a cache file (its checksum, then `contents`) atomically; throws when it cannot (callers go on without). */
export function writeCacheFile(file: string, contents: Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(temp, Buffer.concat([createHash('sha256').update(contents).digest(), contents]));
    fs.renameSync(temp, file);
  } finally {
    fs.rmSync(temp, { force: true });
  }
}
