/**
 * A child process for the kill tests: writes a tree with writeTreeAtomically and, when asked,
 * announces that every file is written and waits before the swap, so the parent can kill it
 * at that point.
 *
 *   tsx test/support/atomic-child.ts <dir> <files> <content-tag> [pause-before-swap]
 */
import * as fs from 'fs';
import { writeTreeAtomically } from '../../lib/outputs/atomic-write';

const [dir, count, tag, pause] = process.argv.slice(2);
const files = new Map<string, string>();
for (let i = 0; i < Number(count); i++) {
  files.set(`env-${i % 7}/file-${i}.yaml`, `${tag} ${i}\n`.repeat(50));
}
writeTreeAtomically(dir, files, {
  beforeSwap: pause ? () => {
    fs.writeFileSync(`${dir}.ready`, 'ready');
    const until = Date.now() + 60_000;
    while (Date.now() < until) {
      // Busy-wait: the parent kills the process here.
    }
  } : undefined,
});
