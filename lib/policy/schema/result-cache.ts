/**
 * Which objects the schema validators found valid in earlier runs, as eslint's `--cache` or
 * `tsc --incremental` keep what they found: a synth or `prodpath check` of an app whose objects
 * did not change since the last run validates none of them again, and does not even load the
 * validators. Between two synths most objects are the same; the ones that changed are validated.
 *
 * - What: one entry per object and validator that found it valid: the validator's fingerprint
 *   (which names the kind's schema in a minor) and a sha256 of the object's YAML text as synth
 *   writes it or `prodpath check` reads it (without a leading `---` line and comment lines), so
 *   a result holds for exactly what the manifest file holds, and a check after a synth reuses the
 *   synth's. Violations are never kept: an invalid object is validated, and its messages made,
 *   every run.
 * - Where: beside the validators' code cache (`node_modules/.cache/prodpath/`, see code-cache.ts),
 *   in a file named by a hash of the generated validator code and the versions of ajv and
 *   ajv-formats it runs with, so other validators (another prodpath version, regenerated schemas,
 *   an upgraded ajv-formats) never read these results. It starts with a sha256 of the rest,
 *   checked before an entry is trusted (lib/cache-files.ts).
 * - When: {@link saveResultCache} writes it (atomically) at the end of `App.synth()` and of
 *   `prodpath check` when the run found objects valid that it did not hold.
 * - `PRODPATH_RESULT_CACHE=0` turns it off (every object is validated, as in a first run);
 *   `PRODPATH_CODE_CACHE_DIR` moves it with the code cache.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { VALIDATORS_HASH } from './validators';
import { cacheDir, keepResults, readCacheFile, writeCacheFile } from '../../cache-files';

/** An entry: 8 bytes of the validator's fingerprint, 16 of the sha256 of the object's YAML text. */
const ENTRY_BYTES = 24;
/**
 * Entries kept: those of this run first, then the most recent others, up to twice this run's (at
 * least 2,000): the objects of another branch or of the last edit stay, and the file stays small
 * (it is read at the start of every run).
 */
const MIN_KEPT = 2_000;
const FILE_PREFIX = 'schema-results-';

let known: Set<string> | undefined;
/** The entries this run relied on or added. */
const used = new Set<string>();
/** Entries added since the last save. */
let added = 0;
let reusedTotal = 0;
let addedTotal = 0;


/**
 * What the results depend on besides the objects: the generated validator code and the ajv
 * runtime and ajv-formats it calls at run time (the formats' checks come from the installed
 * package, so an upgrade of it starts a new file).
 */
function resultsName(): string {
  const version = (name: string): string => {
    try {
      return (require(`${name}/package.json`) as { version: string }).version;
    } catch {
      return '?';
    }
  };
  return createHash('sha256').update(`${VALIDATORS_HASH}\najv ${version('ajv')}\najv-formats ${version('ajv-formats')}`).digest('hex').slice(0, 16);
}

function cacheFile(): string | undefined {
  const dir = cacheDir();
  return dir !== undefined ? path.join(dir, `${FILE_PREFIX}${resultsName()}.bin`) : undefined;
}

function load(): Set<string> {
  const entries = new Set<string>();
  const file = cacheFile();
  if (file === undefined) return entries;
  const rest = readCacheFile(file);
  if (rest === undefined || rest === false || rest.length % ENTRY_BYTES !== 0) return entries;
  const text = rest.toString('latin1');
  for (let i = 0; i < text.length; i += ENTRY_BYTES) entries.add(text.slice(i, i + ENTRY_BYTES));
  return entries;
}

/** Comment lines and a bare `---` line before a document's content, which do not change what it holds. */
const LEADING_LINES = /^(?:(?:---[ \t]*|[ \t]*#[^\n]*|[ \t]*)\r?\n)+/;

/**
 * The digest of an object's YAML text, for {@link resultEntry}; undefined when the cache is off.
 * Computed once per object, whatever the number of minors it is validated in.
 */
export function objectDigest(text: string): string | undefined {
  if (!keepResults()) return undefined;
  const content = text.replace(LEADING_LINES, '');
  return createHash('sha256').update(content).digest().toString('latin1', 0, 16);
}

/** The entry of an object (its {@link objectDigest}) under a validator (`<definition>@<fingerprint>`). */
export function resultEntry(validatorKey: string, digest: string): string | undefined {
  const fingerprint = validatorKey.slice(validatorKey.lastIndexOf('@') + 1);
  if (!/^[0-9a-f]{16}$/.test(fingerprint)) return undefined;
  return Buffer.from(fingerprint, 'hex').toString('latin1') + digest;
}

/** Whether an earlier run found this object valid under this validator. */
export function knownValid(entry: string): boolean {
  if (known === undefined) known = load();
  if (!known.has(entry)) return false;
  if (!used.has(entry)) {
    used.add(entry);
    reusedTotal += 1;
  }
  return true;
}

/** Notes that the validator found this object valid, for the next run. */
export function noteValid(entry: string): void {
  if (!used.has(entry)) {
    used.add(entry);
    added += 1;
    addedTotal += 1;
  }
}

/**
 * Writes the results when this run found objects valid that the file did not hold: this run's
 * entries, then the earlier ones, most recent first, up to {@link MIN_KEPT} or twice this run's.
 * Never throws.
 */
export function saveResultCache(): void {
  if (added === 0) return;
  const file = cacheFile();
  if (file === undefined) return;
  added = 0;
  const earlier = known ?? load();
  const keep = new Set(used);
  const limit = Math.max(MIN_KEPT, 2 * used.size);
  for (const entry of earlier) {
    if (keep.size >= limit) break;
    keep.add(entry);
  }
  known = keep;
  try {
    writeCacheFile(file, Buffer.from([...keep].join(''), 'latin1'));
    // The results of other validators (an earlier prodpath, or regenerated schemas) are of no use.
    const dir = path.dirname(file);
    for (const f of fs.readdirSync(dir)) {
      if (f.startsWith(FILE_PREFIX) && f.endsWith('.bin') && path.join(dir, f) !== file) fs.rmSync(path.join(dir, f), { force: true });
    }
  } catch {
    // A read-only or full disk: the next run validates again, nothing else changes.
  }
}

/** How this process used the results so far: validations skipped, and results added (for tests and the bench). */
export function resultCacheUse(): { readonly reused: number; readonly added: number } {
  return { reused: reusedTotal, added: addedTotal };
}
