/**
 * A child process for the kill tests: writes a tree with writeTreeAtomically and, when asked,
 * announces that it reached a step and waits there, so the parent can kill it at that point
 * (or, with a wait in milliseconds, carries on after it).
 *
 *   tsx test/support/atomic-child.ts <dir> <files> <content-tag> [step[:ms]] [two-renames] [lock-timeout-ms]
 */
import * as fs from 'fs';
import { writeTreeAtomically } from '../../lib/outputs/atomic-write';

const [dir, count, tag, pause, mode, lockTimeout] = process.argv.slice(2);
const [pauseStep, pauseMs] = (pause ?? '').split(':');
const files = new Map<string, string>();
for (let i = 0; i < Number(count); i++) {
  files.set(`env-${i % 7}/file-${i}.yaml`, `${tag} ${i}\n`.repeat(50));
}
writeTreeAtomically(dir, files, {
  exchange: mode !== 'two-renames',
  lockTimeoutMs: lockTimeout ? Number(lockTimeout) : undefined,
  step: (name) => {
    if (name !== pauseStep) {
      return;
    }
    fs.writeFileSync(`${dir}.ready-${tag}`, name);
    const until = Date.now() + (pauseMs ? Number(pauseMs) : 60_000);
    while (Date.now() < until) {
      // Busy-wait: the parent kills the process here (or it carries on after pauseMs).
    }
  },
});
