/** Running external commands under GNU time, to learn their peak RSS as well as their status. */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** GNU time, when installed: it reports the peak RSS of the command it runs. */
const GNU_TIME = '/usr/bin/time';

/** What one external command did. */
export interface ExecOutcome {
  /** Peak RSS of the largest process the command ran, in KiB; undefined without GNU time. */
  readonly maxRssKiB?: number;
  /** User + system CPU time of the command and the children it waited for, in ms; undefined without GNU time. */
  readonly cpuMs?: number;
}

/**
 * Runs `command` with `args` in `cwd`, sending stdout to `stdoutFile` (or discarding it).
 * Throws with the command's stderr when it fails.
 */
export function execMeasured(command: string, args: readonly string[], options: { cwd?: string; stdoutFile?: string; env?: NodeJS.ProcessEnv } = {}): ExecOutcome {
  const useTime = fs.existsSync(GNU_TIME);
  const rssFile = path.join(os.tmpdir(), `.prodpath-bench-rss-${process.pid}`);
  const argv = useTime ? ['-f', '%M %U %S', '-o', rssFile, command, ...args] : [...args];
  const out = options.stdoutFile === undefined ? 'ignore' : fs.openSync(options.stdoutFile, 'w');
  try {
    const r = spawnSync(useTime ? GNU_TIME : command, argv, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', out, 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
    if (r.error) {
      throw r.error;
    }
    if (r.status !== 0) {
      throw new Error(`${command} ${args.join(' ')} exited with ${r.status ?? r.signal}:\n${r.stderr.toString().slice(-4000)}`);
    }
  } finally {
    if (typeof out === 'number') {
      fs.closeSync(out);
    }
  }
  if (!useTime) {
    return {};
  }
  const [kib, user, sys] = (fs.readFileSync(rssFile, 'utf8').trim().split('\n').pop() ?? '').split(' ').map(Number);
  fs.rmSync(rssFile, { force: true });
  const cpuMs = (user + sys) * 1000;
  return { maxRssKiB: Number.isFinite(kib) ? kib : undefined, cpuMs: Number.isFinite(cpuMs) ? cpuMs : undefined };
}
