/**
 * Reading a synthesized output folder's images back (`<dist>/images/<name>/image.json`) for the
 * tools that build them: `prodpath build` and the `prodpath/pulumi` program.
 */
import * as fs from 'fs';
import * as path from 'path';
import { IgnoreRules } from './context';
import { BuildPlan } from './engine';
import { computeContentHash, IMAGE_FILES } from './image';
import { DEFAULT_PLATFORM, KNOWN_PLATFORMS } from './recipe-base';

/** Thrown when an output folder's images cannot be read, or no longer match their source. */
export class SynthesizedImagesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SynthesizedImagesError';
  }
}

/** One image of the output folder, read from its image.json and checked against its source. */
export interface SynthesizedImage extends BuildPlan {
  readonly repository: string;
  readonly tag: string;
  readonly contentHash: string;
}

const PULL_POLICIES = ['always', 'missing', 'never', 'newer'];

/**
 * Reads the images of an output folder (`<dist>/images/<name>/image.json`), sorted by name, and
 * checks each against its source: a context that no longer hashes to the recorded content hash
 * means the output is stale, and building it would put the wrong content under the tag.
 */
export function readSynthesizedImages(dist: string, root: string, only?: readonly string[], pull?: string): SynthesizedImage[] {
  const imagesDir = path.join(dist, 'images');
  if (!fs.existsSync(imagesDir) || !fs.statSync(imagesDir).isDirectory()) {
    throw new SynthesizedImagesError(`${path.join(dist, 'images')} is not a folder. Fix: run \`cdk8s synth\` first, or name the folder it wrote: prodpath build <dist>.`);
  }
  if (pull !== undefined && !PULL_POLICIES.includes(pull)) {
    throw new SynthesizedImagesError(`--pull ${JSON.stringify(pull)} is invalid: the pull policy is one of ${PULL_POLICIES.join(', ')}. Fix: use --pull missing.`);
  }
  const names = fs.readdirSync(imagesDir).filter((n) => fs.existsSync(path.join(imagesDir, n, IMAGE_FILES.metadata))).sort();
  for (const n of only ?? []) {
    if (!names.includes(n)) {
      throw new SynthesizedImagesError(`--only ${JSON.stringify(n)} is invalid: there is no image of that name under ${imagesDir}. Fix: use one of ${names.join(', ') || '(none)'}.`);
    }
  }
  const out: SynthesizedImage[] = [];
  for (const name of names.filter((n) => only === undefined || only.includes(n))) {
    const file = path.join(imagesDir, name, IMAGE_FILES.metadata);
    let meta: any;
    try {
      meta = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      throw new SynthesizedImagesError(`${file} is not valid JSON (${(e as Error).message}). Fix: run \`cdk8s synth\` again.`);
    }
    const bad = (field: string, rule: string) => new SynthesizedImagesError(`${file}: ${field} ${JSON.stringify(meta?.[field])} is invalid: ${rule}. Fix: run \`cdk8s synth\` again.`);
    for (const field of ['name', 'context', 'dockerfile', 'ignorefile', 'repository', 'tag', 'contentHash']) {
      if (typeof meta?.[field] !== 'string' || meta[field] === '') {
        throw bad(field, 'it must be a non-empty string');
      }
    }
    if (!/^sha256:[a-f0-9]{64}$/.test(meta.contentHash) || meta.contentHash.slice(7, 7 + meta.tag.length) !== meta.tag) {
      throw bad('contentHash', 'it is "sha256:" and 64 hex digits that start with the tag');
    }
    const platforms: string[] = meta.platforms ?? [DEFAULT_PLATFORM];
    if (!Array.isArray(platforms) || platforms.length === 0 || platforms.some((p) => !KNOWN_PLATFORMS.includes(p))) {
      throw bad('platforms', 'it lists known os/arch platforms');
    }
    const buildArgs: Record<string, string> = meta.buildArgs ?? {};
    const context = path.resolve(root, meta.context);
    if (!fs.existsSync(context) || !fs.statSync(context).isDirectory()) {
      throw new SynthesizedImagesError(`image ${name}: context ${JSON.stringify(meta.context)} is not a folder under the app root ${root}. Fix: name the app root (--root for prodpath build, root for prodpath/pulumi): the folder cdk8s synth ran in.`);
    }
    const dockerfile = path.resolve(dist, meta.dockerfile);
    const ignorefile = path.resolve(dist, meta.ignorefile);
    const dockerfileText = fs.readFileSync(dockerfile, 'utf8');
    const ignoreText = fs.readFileSync(ignorefile, 'utf8');
    const { contentHash } = computeContentHash(context, new IgnoreRules(IgnoreRules.parse(ignoreText)), dockerfileText, ignoreText, [...platforms].sort());
    if (contentHash !== meta.contentHash) {
      throw new SynthesizedImagesError(`image ${name} is stale: its source now hashes to ${contentHash.slice(0, 23)}..., but ${path.relative(process.cwd(), file) || file} records ${meta.contentHash.slice(0, 23)}... (tag ${meta.tag}). Fix: synthesize again (\`cdk8s synth\`), then build.`);
    }
    out.push({
      name,
      ref: `${meta.repository}:${meta.tag}`,
      repository: meta.repository,
      tag: meta.tag,
      contentHash: meta.contentHash,
      context,
      dockerfile,
      ignorefile,
      platforms: [...platforms].sort(),
      buildArgs,
      pull,
    });
  }
  return out;
}

