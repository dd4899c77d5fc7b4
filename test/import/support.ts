/**
 * Helpers for the import tests: copy a fixture app (a Compose file and its build folders) to a
 * temporary folder, import it there, load the generated main.ts and synthesize it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App } from '../../lib';
import { importCompose, ImportResult } from '../../lib/import/import-compose';
import { tempDir } from '../support/synth';

/** The fixture apps, each a folder with compose.yaml. */
export const FIXTURES = ['node-shop', 'python-worker', 'static-proxy'] as const;
export type Fixture = typeof FIXTURES[number];

/** A copy of a fixture in a new temporary folder. */
export function copyFixture(name: string): string {
  const root = tempDir(`prodpath-import-${name}-`);
  fs.cpSync(path.join(__dirname, 'fixtures', name), root, { recursive: true });
  return root;
}

/** Imports a fixture copy's compose.yaml into `<root>/main.ts`. */
export function importFixture(root: string, variables: Record<string, string> = {}, profiles: string[] = []): ImportResult {
  return importCompose({ file: path.join(root, 'compose.yaml'), variables, profiles });
}

/** Loads a generated main.ts and runs its build function on a new App, from the app root. */
export function synthGenerated(root: string, write = true): App {
  const mod = require(path.join(root, 'main.ts'));
  const build = Object.entries(mod).find(([k, v]) => k.startsWith('build') && typeof v === 'function')?.[1] as (app: App, appRoot?: string) => unknown;
  const cwd = process.cwd();
  process.chdir(root);
  try {
    const app = new App({ outdir: 'dist', printSummary: false });
    build(app, root);
    if (write) {
      app.synth();
    } else {
      app.render();
    }
    return app;
  } finally {
    process.chdir(cwd);
  }
}
