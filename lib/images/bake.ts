/**
 * The build plan for `docker buildx bake`: one target per image, so
 * `docker buildx bake -f dist/docker-bake.json` (run from the app root) builds every image of
 * the app with the same context, Dockerfile, tag, platforms and build arguments as
 * `prodpath build`. BuildKit reads each `Dockerfile.dockerignore` next to its Dockerfile.
 */
import * as path from 'path';
import { Image, IMAGE_FILES } from './image';

/** The bake file's name in the output folder. */
export const BAKE_FILE = 'docker-bake.json';

/** One target of the bake file. */
export interface BakeTarget {
  /** The build context, relative to the app root (where bake runs). */
  readonly context: string;
  /** The Dockerfile, relative to the context (bake resolves it from there). */
  readonly dockerfile: string;
  /** `repository:tag`. */
  readonly tags: readonly string[];
  /** The platforms to build for. */
  readonly platforms: readonly string[];
  /** The build arguments. */
  readonly args: Readonly<Record<string, string>>;
}

/**
 * Renders `docker-bake.json` for the images of an app: a `default` group with every image,
 * and one target per image, keys sorted.
 *
 * @param images the images, in any order (targets are sorted by name)
 * @param outdir the output folder the images' files are written to (relative to the working directory, or absolute)
 */
export function renderBakeFile(images: readonly Image[], outdir: string): string {
  const sorted = [...images].sort((a, b) => (a.imageName < b.imageName ? -1 : a.imageName > b.imageName ? 1 : 0));
  const target: Record<string, BakeTarget> = {};
  for (const image of sorted) {
    const dockerfile = path.resolve(outdir, 'images', image.imageName, IMAGE_FILES.dockerfile);
    target[image.imageName] = {
      args: sortKeys(image.buildArgs),
      context: image.context,
      dockerfile: toPosix(path.relative(image.contextDir, dockerfile)),
      platforms: [...image.platforms],
      tags: [image.taggedRef],
    };
  }
  const doc = { group: { default: { targets: sorted.map((i) => i.imageName) } }, target };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

function sortKeys(o: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(o).sort()) {
    out[k] = o[k];
  }
  return out;
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}
