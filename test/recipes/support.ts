/** Helpers for the recipe tests: source folders and a pipeline with one image. */
import * as fs from 'fs';
import * as path from 'path';
import { IImageRecipe, Image, Pipeline, ValidationError } from '../../lib';
import { tempDir, testApp } from '../support/synth';

/** Writes `files` into a fresh folder and returns its path. */
export function sourceFolder(files: Record<string, string>): string {
  const dir = tempDir('prodpath-src-');
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
  }
  return dir;
}

/** A Python service: requirements.txt and app.py. */
export function pythonSource(files: Record<string, string> = {}): string {
  return sourceFolder({ 'requirements.txt': 'flask==3.0.3\n', 'app.py': 'print("hi")\n', ...files });
}

/** A Go module: go.mod, go.sum and main.go. */
export function goSource(files: Record<string, string> = {}): string {
  return sourceFolder({
    'go.mod': 'module example.com/svc\n\ngo 1.23\n',
    'go.sum': '',
    'main.go': 'package main\n\nfunc main() {}\n',
    ...files,
  });
}

/** A static site: index.html and a stylesheet. */
export function staticSource(files: Record<string, string> = {}): string {
  return sourceFolder({ 'index.html': '<!doctype html><title>x</title>\n', 'style.css': 'body{}\n', ...files });
}

/** A pipeline `shop` (dev and prod) with one image `api`; the image's construct path is `shop/image-api`. */
export function imageFor(recipe: IImageRecipe): Image {
  const app = testApp();
  const pipeline = new Pipeline(app, 'shop', { registry: 'ghcr.io/acme', lockFile: false, environments: { dev: { namespace: 'shop-dev' }, prod: { namespace: 'shop' } } });
  return pipeline.image('api', recipe);
}

/** The stages of a Dockerfile, each as its lines after FROM. */
export function stagesOf(dockerfile: string): { from: string; lines: string[] }[] {
  return dockerfile.split(/^FROM /m).slice(1).map((chunk) => {
    const [from, ...lines] = chunk.trimEnd().split('\n');
    return { from, lines: lines.filter((l) => l !== '') };
  });
}

/** The message of the ValidationError `act` throws (fails the test when it throws something else, or nothing). */
export function validationMessage(act: () => unknown): string {
  try {
    act();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as Error).message;
  }
  throw new Error('expected a ValidationError, but nothing was thrown');
}
