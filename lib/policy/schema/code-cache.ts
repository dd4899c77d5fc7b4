/**
 * Loads the generated validator modules (`validators/*.cjs`, 2.4 MB of ajv standalone code) with a
 * V8 code cache, as `tsc --incremental` or eslint's cache save work between runs.
 *
 * Without a cache every synth and every `prodpath check` parses the module (the Deployment,
 * StatefulSet, Job and CronJob validators of seven minors are 1.4 MB) and compiles each
 * validation function it calls: about 100 ms for ten Deployments in seven minors, a fifth of a
 * small app's synth. The cache holds V8's compiled code for the module as it was after a run, so
 * the functions that run were compiled before: the same work then takes about 35 ms.
 *
 * - Where: `node_modules/.cache/prodpath/` of the project (lib/cache-files.ts: the `node_modules`
 *   folder prodpath is installed in, or the working directory's), the place where build tools keep
 *   their caches; never a shared temporary folder, since compiled code is code. No `node_modules`, no cache.
 * - What: one file per module (named by the hash of its text recorded by the generator, its size and
 *   mtime) and node version, architecture and V8 flags (node's command-line
 *   options: V8 refuses a cache made under other flags), with a sha256 of its contents that is
 *   checked before V8 sees it. V8 itself checks its version and the length of the source, and refuses a cache
 *   that does not match; the module is then compiled as without a cache, and the cache written again.
 * - When: {@link saveCodeCaches} (called at the end of `App.synth()` and of `prodpath check`)
 *   writes the cache of each module loaded without a usable one, or whose cache lacks a
 *   validator the run used (the file lists the validators it covers: an app that adds a
 *   StatefulSet to its Deployments gets a cache with both), atomically (a temporary file, then a
 *   rename). A cache that cannot be read or written is skipped without a word: it only
 *   ever saves time.
 * - `PRODPATH_CODE_CACHE=0` turns it off (the modules are then required as plain CommonJS);
 *   `PRODPATH_CODE_CACHE_DIR=<folder>` puts it elsewhere (a folder a CI runner keeps between runs).
 */
import { isAscii } from 'buffer';
import { createHash } from 'crypto';
import * as fs from 'fs';
import { createRequire, wrap } from 'module';
import * as path from 'path';
import * as vm from 'vm';
import { cacheDir, readCacheFile, writeCacheFile } from '../../cache-files';

/** How the last load of each module went, for tests and the benchmark. */
export interface CodeCacheUse {
  readonly module: string;
  /** `used`: V8 took the cache; `none`: there was none; `rejected`: V8 or the checksum refused it; `off`: caching is off. */
  readonly cache: 'used' | 'none' | 'rejected' | 'off';
  /** Whether this process wrote the module's cache (none was usable, or it ran validators the cache had not). */
  readonly wrote: boolean;
}

interface Loaded {
  readonly exports: Record<string, unknown>;
  readonly script: vm.Script | undefined;
  readonly cacheFile: string | undefined;
  use: CodeCacheUse['cache'];
  /** The validators (exports) whose compiled code the cache file holds, as far as this process knows. */
  readonly covered: Set<string>;
  /** The validators this process ran. */
  readonly used: Set<string>;
  wrote: boolean;
}

const loaded = new Map<string, Loaded>();
const VALIDATORS_DIR = path.join(__dirname, 'validators');

function enabled(): boolean {
  return process.env.PRODPATH_CODE_CACHE !== '0';
}

/**
 * The cache file of a module under this node, architecture and these V8 flags. The module is
 * named by the hash of its text the generator recorded (`index.ts`), its size and its mtime:
 * another prodpath version's module has another hash, a hand edit another mtime. (V8's own
 * check of the source compares its length only.) Hashing the 1.4 MB text each run cost 1.5-4 ms.
 */
function cacheFileOf(name: string, textHash: string, stat: fs.Stats): string | undefined {
  const dir = cacheDir();
  if (dir === undefined) return undefined;
  const key = createHash('sha256').update(`${process.version}\n${process.arch}\n${process.execArgv.join(' ')}\n${textHash}\n${stat.size}\n${stat.mtimeMs}`).digest('hex').slice(0, 16);
  return path.join(dir, `${name}-${key}.v8cache`);
}

/**
 * A cache file: a sha256 of the rest, the length and JSON list of the validators it covers, then
 * V8's data. Undefined when there is none, `false` when it is damaged.
 */
function readCache(file: string): { readonly covers: readonly string[]; readonly data: Buffer } | false | undefined {
  const rest = readCacheFile(file);
  if (rest === undefined || rest === false) return rest;
  if (rest.length < 4) return false;
  const length = rest.readUInt32BE(0);
  try {
    const covers = JSON.parse(rest.subarray(4, 4 + length).toString('utf8')) as unknown;
    if (!Array.isArray(covers) || !covers.every((c) => typeof c === 'string')) return false;
    return { covers, data: rest.subarray(4 + length) };
  } catch {
    return false;
  }
}

function cacheContents(covers: readonly string[], data: Buffer): Buffer {
  const list = Buffer.from(JSON.stringify([...covers].sort()), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(list.length, 0);
  return Buffer.concat([length, list, data]);
}

/**
 * One validator of a generated module (`validators/<module>.cjs`, whose text has the sha256 `textHash`
 * (first 16 hex), export `name`), noting that this
 * process ran it: a cache written before it ran holds none of its code, so it is written again.
 */
export function loadValidator(module: string, textHash: string, name: string): unknown {
  const exports = loadValidatorModule(module, textHash);
  loaded.get(module)?.used.add(name);
  return exports[name];
}

/** A generated validator module (`validators/<name>.cjs`), loaded once, through the code cache when it is on. */
function loadValidatorModule(name: string, textHash: string): Record<string, unknown> {
  const known = loaded.get(name);
  if (known !== undefined) return known.exports;
  const file = path.join(VALIDATORS_DIR, `${name}.cjs`);
  if (!enabled()) {
    const exports = require(file) as Record<string, unknown>;
    loaded.set(name, { exports, script: undefined, cacheFile: undefined, use: 'off', covered: new Set(), used: new Set(), wrote: false });
    return exports;
  }
  const bytes = fs.readFileSync(file);
  // The generated code is ASCII: read as latin1 it is the same text, decoded in a tenth of the time.
  const source = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  const cacheFile = cacheFileOf(name, textHash, fs.statSync(file));
  const cached = cacheFile !== undefined ? readCache(cacheFile) : undefined;
  const script = new vm.Script(wrap(source), { filename: file, cachedData: cached ? cached.data : undefined });
  const use = cached === undefined ? 'none' : cached === false || script.cachedDataRejected === true ? 'rejected' : 'used';
  const module = { exports: {} as Record<string, unknown> };
  // The module wrapper of node's CommonJS loader: (exports, require, module, __filename, __dirname).
  (script.runInThisContext() as (...args: unknown[]) => void).call(module.exports, module.exports, createRequire(file), module, file, VALIDATORS_DIR);
  const covered = new Set(use === 'used' && cached ? cached.covers : []);
  loaded.set(name, { exports: module.exports, script, cacheFile, use, covered, used: new Set(), wrote: false });
  return module.exports;
}

/**
 * Writes the code cache of each validator module this process loaded without a usable one, or
 * whose cache lacks validators this process ran, now that the functions it ran are compiled.
 * Never throws.
 */
export function saveCodeCaches(): void {
  for (const [module, entry] of loaded) {
    if (entry.script === undefined || entry.cacheFile === undefined) continue;
    const fresh = entry.use !== 'used' && !entry.wrote;
    if (!fresh && [...entry.used].every((e) => entry.covered.has(e))) continue;
    const covers = [...new Set([...entry.covered, ...entry.used])];
    entry.wrote = true;
    covers.forEach((e) => entry.covered.add(e));
    try {
      writeCacheFile(entry.cacheFile, cacheContents(covers, entry.script.createCachedData()));
      pruneOldCaches(module, entry.cacheFile);
    } catch {
      // A read-only or full disk: the next run compiles the module again, nothing else changes.
    }
  }
}

/** Caches kept per module: one per recent node version and set of flags; older ones are removed. */
const KEEP_PER_MODULE = 3;

function pruneOldCaches(module: string, cacheFile: string): void {
  const dir = path.dirname(cacheFile);
  const ofModule = new RegExp(`^${module}-[0-9a-f]{16}\\.v8cache$`); // module names are kebab-case words
  const files = fs.readdirSync(dir)
    .filter((f) => ofModule.test(f))
    .map((f) => ({ f, mtime: fs.statSync(path.join(dir, f)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const { f } of files.slice(KEEP_PER_MODULE)) fs.rmSync(path.join(dir, f), { force: true });
}

/** How each validator module loaded in this process used the code cache. */
export function codeCacheUses(): CodeCacheUse[] {
  return [...loaded].map(([module, entry]) => ({ module, cache: entry.use, wrote: entry.wrote }));
}
