/**
 * Generates a deterministic build context for the hashing benchmark: `fileCount` files
 * totalling exactly `totalBytes`, sizes drawn log-uniformly (many small files, some large
 * ones; median about 7 KB at the full size), content from an AES-128-CTR keystream with a
 * fixed key (incompressible, identical on every machine), 100 files a folder, two levels deep.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/** What {@link generateContext} wrote. */
export interface GeneratedContext {
  /** File paths relative to the context, with `/`, in byte order (the order prodpath hashes in). */
  readonly files: readonly string[];
  /** The sum of the file sizes. */
  readonly bytes: number;
}

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** File sizes: log-uniform between 100 B and 460 KB, scaled so they sum to exactly `total`. */
function fileSizes(count: number, total: number, random: () => number): number[] {
  const lo = Math.log(100);
  const hi = Math.log(460_000);
  const raw = Array.from({ length: count }, () => Math.exp(lo + random() * (hi - lo)));
  const scale = total / raw.reduce((a, b) => a + b, 0);
  const sizes = raw.map((r) => Math.max(1, Math.floor(r * scale)));
  sizes[count - 1] += total - sizes.reduce((a, b) => a + b, 0);
  return sizes;
}

/** Writes the context into `dir` (created) and returns its file list. */
export function generateContext(dir: string, totalBytes: number, fileCount: number, seed = 8): GeneratedContext {
  const random = mulberry32(seed);
  const sizes = fileSizes(fileCount, totalBytes, random);
  const key = crypto.createHash('sha256').update(`prodpath-bench-${seed}`).digest();
  const cipher = crypto.createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
  const zeros = Buffer.alloc(1 << 20);
  const files: string[] = [];
  const width = String(fileCount - 1).length;
  for (let i = 0; i < fileCount; i++) {
    const id = String(i).padStart(width, '0');
    const rel = `d${Math.floor(i / 1000)}/s${Math.floor(i / 100) % 10}/f${id}.dat`;
    const abs = path.join(dir, rel);
    if (i % 100 === 0) {
      fs.mkdirSync(path.dirname(abs), { recursive: true });
    }
    const fd = fs.openSync(abs, 'w');
    try {
      for (let left = sizes[i]; left > 0;) {
        const n = Math.min(left, zeros.length);
        fs.writeSync(fd, cipher.update(n === zeros.length ? zeros : zeros.subarray(0, n)));
        left -= n;
      }
    } finally {
      fs.closeSync(fd);
    }
    files.push(rel);
  }
  files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { files, bytes: totalBytes };
}
