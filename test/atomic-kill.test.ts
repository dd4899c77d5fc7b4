/**
 * A synth killed midway leaves the previous output untouched: the tree is written to a
 * sibling folder and swapped in only when complete.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { readTree, tempDir } from './support/synth';

const CHILD = path.join(__dirname, 'support', 'atomic-child.ts');
// Run the child as a node process itself (not through the tsx wrapper, which would spawn a
// grandchild that a kill does not reach).
const NODE_ARGS = ['--require', 'tsx/cjs', CHILD];

function writeInChild(dir: string, files: number, tag: string): void {
  const r = spawnSync(process.execPath, [...NODE_ARGS, dir, String(files), tag], { encoding: 'utf8' });
  expect(r.status).toBe(0);
}

function expectedTree(files: number, tag: string): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i < files; i++) {
    m.set(`env-${i % 7}/file-${i}.yaml`, `${tag} ${i}\n`.repeat(50));
  }
  return m;
}

test('a process killed after writing every file but before the swap leaves the old tree', async () => {
  const dir = path.join(tempDir(), 'dist');
  writeInChild(dir, 20, 'old');
  const child = spawn(process.execPath, [...NODE_ARGS, dir, '200', 'new', 'pause'], { stdio: 'ignore' });
  const exited = new Promise((r) => child.on('exit', r));
  const deadline = Date.now() + 30_000;
  while (!fs.existsSync(`${dir}.ready`) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  expect(fs.existsSync(`${dir}.ready`)).toBe(true);
  child.kill('SIGKILL');
  await exited;
  expect(readTree(dir)).toEqual(expectedTree(20, 'old'));
  // The next write cleans up the half-written sibling and succeeds.
  writeInChild(dir, 5, 'next');
  expect(readTree(dir)).toEqual(expectedTree(5, 'next'));
  expect(fs.readdirSync(path.dirname(dir)).filter((e) => e.includes('.tmp-') || e.includes('.old-'))).toEqual([]);
});

test('a process killed at any moment leaves either the old tree or the new one, never a mix', async () => {
  const dir = path.join(tempDir(), 'dist');
  writeInChild(dir, 50, 'old');
  const outcomes = new Set<string>();
  for (const delay of [20, 100, 200, 300, 400, 600]) {
    const child = spawn(process.execPath, [...NODE_ARGS, dir, '3000', 'new'], { stdio: 'ignore' });
    const exited = new Promise((r) => child.on('exit', r));
    await new Promise((r) => setTimeout(r, delay));
    child.kill('SIGKILL');
    await exited;
    const tree = readTree(dir);
    const same = (expected: Map<string, string>) => tree.size === expected.size && [...expected].every(([k, v]) => tree.get(k) === v);
    const isOld = same(expectedTree(50, 'old'));
    const isNew = !isOld && same(expectedTree(3000, 'new'));
    expect({ delay, isOldOrNew: isOld || isNew }).toEqual({ delay, isOldOrNew: true });
    outcomes.add(isOld ? 'old' : 'new');
    if (isNew) {
      writeInChild(dir, 50, 'old');
    }
  }
  // At least one kill landed before the swap (the interesting case).
  expect(outcomes.has('old')).toBe(true);
}, 120_000);
