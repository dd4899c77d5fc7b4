/**
 * Where `prodpath diff` reads manifests from: an environment folder of a synthesized output
 * (`dist/<env>/*.k8s.yaml`), or the same folder as committed at a git revision.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { readYamlDocuments } from '../outputs/yaml-read';
import { ManifestObject } from './semantic-diff';

/** A problem reading manifests: a missing folder, a bad revision, unreadable YAML. */
export class DiffInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DiffInputError';
  }
}

const MANIFEST = /\.k8s\.ya?ml$/;

/** The environment folders of an output folder: those that hold `*.k8s.yaml` files, sorted. */
export function listEnvironments(dist: string): string[] {
  checkFolder(dist);
  return fs.readdirSync(dist, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.readdirSync(path.join(dist, d.name)).some((f) => MANIFEST.test(f)))
    .map((d) => d.name)
    .sort();
}

/** The objects of `dist/<env>/*.k8s.yaml`, each with its file name as source. */
export function readEnvironment(dist: string, env: string): ManifestObject[] {
  checkFolder(dist);
  const dir = path.join(dist, env);
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(env) || !fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    const envs = listEnvironments(dist);
    throw new DiffInputError(`prodpath diff: ${path.join(dist, env)} is not an environment folder. `
      + `The environments under ${dist} are: ${envs.length > 0 ? envs.join(', ') : '(none)'}. Fix: name one of them, or synthesize first with \`npx cdk8s synth\`.`);
  }
  const out: ManifestObject[] = [];
  for (const file of fs.readdirSync(dir).filter((f) => MANIFEST.test(f)).sort()) {
    out.push(...parseManifests(fs.readFileSync(path.join(dir, file), 'utf8'), file, `${env}/${file}`));
  }
  return out;
}

/**
 * The objects of every environment folder of `dist` as committed at `ref`, read with
 * `git show <ref>:<path>` from the repository that holds `dist`.
 * @returns objects by environment name; an environment that did not exist at `ref` is absent
 */
export function readEnvironmentsAtRef(dist: string, ref: string): Map<string, ManifestObject[]> {
  checkFolderOrParent(dist);
  const abs = fs.realpathSync(fs.existsSync(dist) ? dist : path.dirname(dist));
  const distAbs = fs.existsSync(dist) ? abs : path.join(abs, path.basename(dist));
  const top = git(['rev-parse', '--show-toplevel'], abs, `${dist} is not inside a git repository`).trim();
  const rel = path.relative(fs.realpathSync(top), distAbs).split(path.sep).join('/');
  if (ref.startsWith('-')) {
    throw new DiffInputError(`prodpath diff: "${ref}" is not a git revision. Fix: name a branch, tag or commit, such as origin/main.`);
  }
  git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], top, `"${ref}" is not a commit in ${top}. Fix: name a branch, tag or commit, such as origin/main or HEAD~1 (in CI, fetch it first: git fetch origin main)`);
  const listing = git(['ls-tree', '-r', '-z', '--name-only', ref, '--', rel === '' ? '.' : rel], top, `cannot list ${rel || '.'} at ${ref}`);
  const prefix = rel === '' ? '' : `${rel}/`;
  const out = new Map<string, ManifestObject[]>();
  for (const file of listing.split('\0').filter((f) => f.startsWith(prefix)).sort()) {
    const parts = file.slice(prefix.length).split('/');
    if (parts.length !== 2 || !MANIFEST.test(parts[1])) {
      continue;
    }
    const text = git(['show', `${ref}:${file}`], top, `cannot read ${file} at ${ref}`);
    out.set(parts[0], [...(out.get(parts[0]) ?? []), ...parseManifests(text, parts[1], `${file} at ${ref}`)]);
  }
  return out;
}

function git(args: string[], cwd: string, what: string): string {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 });
  } catch (e: any) {
    if (e?.code === 'ENOENT') {
      throw new DiffInputError('prodpath diff: git is not installed or not on PATH. Fix: install git; --against reads committed manifests with `git show`.');
    }
    const detail = String(e?.stderr ?? '').trim().split('\n')[0];
    throw new DiffInputError(`prodpath diff: ${what}${detail ? ` (git: ${detail})` : ''}.`);
  }
}

function parseManifests(text: string, source: string, where: string): ManifestObject[] {
  const out: ManifestObject[] = [];
  for (const read of readYamlDocuments(text)) {
    if ('error' in read) {
      throw new DiffInputError(`prodpath diff: ${where} is not valid YAML: ${read.error.split('\n')[0]}. Fix: re-synthesize it with \`npx cdk8s synth\`.`);
    }
    if ('unreadable' in read) {
      throw new DiffInputError(`prodpath diff: ${where} cannot be read: ${read.unreadable} (aliases that expand without bound). Fix: re-synthesize it with \`npx cdk8s synth\`, which writes no aliases.`);
    }
    if (read.object !== null && read.object !== undefined) {
      out.push({ object: read.object, source });
    }
  }
  return out;
}

function checkFolder(dist: string): void {
  if (!fs.existsSync(dist) || !fs.statSync(dist).isDirectory()) {
    throw new DiffInputError(`prodpath diff: ${dist} is not a folder. Fix: run \`npx cdk8s synth\` first, or name the folder it wrote with --dist <folder>.`);
  }
}

/** With --against the working-tree folder may be gone (a change that deletes it), but its parent must exist. */
function checkFolderOrParent(dist: string): void {
  if (!fs.existsSync(dist) && !fs.existsSync(path.dirname(path.resolve(dist)))) {
    checkFolder(dist);
  }
}
