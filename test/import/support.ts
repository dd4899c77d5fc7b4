/**
 * Helpers for the import tests: copy a fixture app (a Compose file and its build folders) to a
 * temporary folder, import it there, load the generated main.ts and synthesize it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Pipeline } from '../../lib';
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
  return synthGeneratedPipeline(root, write).app;
}

/** {@link synthGenerated}, with the pipeline the build function returned. */
export function synthGeneratedPipeline(root: string, write = true): { app: App; pipeline: Pipeline } {
  const mod = require(path.join(root, 'main.ts'));
  const build = Object.entries(mod).find(([k, v]) => k.startsWith('build') && typeof v === 'function')?.[1] as (app: App, appRoot?: string) => unknown;
  const cwd = process.cwd();
  process.chdir(root);
  try {
    const app = new App({ outdir: 'dist', printSummary: false });
    const pipeline = build(app, root) as Pipeline;
    if (write) {
      app.synth();
    } else {
      app.render();
    }
    return { app, pipeline };
  } finally {
    process.chdir(cwd);
  }
}

/** The stand-in for `redis:7-bookworm` the import real-run test makes (no registry is reachable). */
export const REDIS_STANDIN = 'localhost/redis:7-bookworm';
const REDIS_STANDIN_VERSION = '1';

/**
 * Makes {@link REDIS_STANDIN} from Debian bookworm's redis-server (7.0), on the Debian image
 * `.ci/podman-setup.sh` makes, unless it exists at this version. Like the official image it
 * keeps its data in /data (world-writable here, so a named volume works for the numeric user
 * the StatefulService runs as) and runs `redis-server` without protected mode.
 */
export function ensureRedisStandin(podman: (args: string[], opts?: { allowFailure?: boolean; timeoutMs?: number }) => { stdout: string; status: number }): void {
  const label = podman(['image', 'inspect', '--format', '{{ index .Labels "io.prodpath.redis-standin" }}', REDIS_STANDIN], { allowFailure: true });
  if (label.status === 0 && label.stdout.trim() === REDIS_STANDIN_VERSION) {
    return;
  }
  const dir = tempDir('prodpath-redis-standin-');
  fs.writeFileSync(path.join(dir, 'Dockerfile'), [
    'FROM localhost/prodpath-debian:bookworm',
    'RUN apt-get update && apt-get install -y --no-install-recommends redis-server && rm -rf /var/lib/apt/lists/* && mkdir -p /data && chmod 1777 /data',
    'WORKDIR /data',
    `LABEL io.prodpath.redis-standin=${REDIS_STANDIN_VERSION}`,
    'EXPOSE 6379',
    'CMD ["redis-server", "--protected-mode", "no"]',
    '',
  ].join('\n'));
  podman(['build', '--format', 'docker', '--pull=never', '-t', REDIS_STANDIN, dir], { timeoutMs: 600_000 });
}
