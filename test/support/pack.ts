import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { ToolStatus } from './ready';
import { tempDir } from './synth';

/** The repository root. */
export const REPO = path.resolve(__dirname, '..', '..');

/** What a command printed and how it ended. */
export interface CommandResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall-clock time in milliseconds. */
  readonly ms: number;
}

/** Runs a command to its end (at most `timeoutMs`) and returns what it printed. */
export function sh(cmd: string, args: readonly string[], cwd: string, timeoutMs = 300_000, env: NodeJS.ProcessEnv = {}): CommandResult {
  const start = performance.now();
  const r = spawnSync(cmd, [...args], {
    cwd,
    encoding: 'utf8',
    timeout: timeoutMs,
    // No CI=true inside: an app repository's own tools behave as on a developer's machine.
    env: { ...process.env, CI: undefined, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', ...env },
  });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', ms: Math.round(performance.now() - start) };
}

/** Runs a command and throws with its whole output when it fails. */
export function mustSh(cmd: string, args: readonly string[], cwd: string, timeoutMs?: number, env?: NodeJS.ProcessEnv): CommandResult {
  const r = sh(cmd, args, cwd, timeoutMs, env);
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  }
  return r;
}

/** Whether the npm registry answers (`npm ping`): the pack, peer and init tests install from it. */
export function npmRegistryStatus(): ToolStatus {
  const r = sh('npm', ['ping'], REPO, 60_000);
  return r.status === 0 ? { available: true } : { available: false, reason: `npm ping failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-1)[0]}` };
}

/**
 * Packs prodpath as `npm pack` would for a release, from a copy of the repository's package
 * sources (so `prepack`, which rebuilds build/ from nothing, does not touch the build/ that
 * other tests read). The copy shares the repository's node_modules.
 * @returns the absolute path of the tarball
 */
export function packTarball(): string {
  const copy = tempDir('prodpath-pack-src-');
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
  for (const entry of [...pkg.files, 'package.json', 'tsconfig.json', 'tsconfig.build.json', 'LICENSE', 'README.md']) {
    if (entry === 'build/lib' || !fs.existsSync(path.join(REPO, entry))) {
      continue;
    }
    fs.cpSync(path.join(REPO, entry), path.join(copy, entry), { recursive: true });
  }
  fs.cpSync(path.join(REPO, 'lib'), path.join(copy, 'lib'), { recursive: true });
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(copy, 'node_modules'));
  const out = tempDir('prodpath-pack-');
  const r = mustSh('npm', ['pack', '--json', '--pack-destination', out], copy);
  const [{ filename }] = JSON.parse(r.stdout.slice(r.stdout.indexOf('[')));
  return path.join(out, filename);
}

/** The files of a tarball, as `tar tzf` lists them. */
export function tarballFiles(tarball: string): string[] {
  return mustSh('tar', ['tzf', tarball], path.dirname(tarball)).stdout.split('\n').filter(Boolean);
}

/**
 * The folders of each package among `names` that `npm ls` finds in a project: one folder per
 * installed copy.
 */
export function installedCopies(project: string, names: readonly string[]): Map<string, string[]> {
  const r = sh('npm', ['ls', '--parseable', '--all', ...names], project, 120_000);
  const copies = new Map<string, string[]>(names.map((n) => [n, []]));
  for (const line of r.stdout.split('\n').filter(Boolean)) {
    const name = path.basename(line);
    copies.get(name)?.push(path.relative(project, line));
  }
  return copies;
}
