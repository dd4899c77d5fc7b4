/**
 * A synth killed at any step leaves a complete tree at the output path (the old one or the
 * new one) and nothing that blocks the next synth; two synths of one output take turns.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { canExchange } from '../lib/outputs/atomic-write';
import { readTree, tempDir } from './support/synth';

const CHILD = path.join(__dirname, 'support', 'atomic-child.ts');
// Run the child as a node process itself (not through the tsx wrapper, which would spawn a
// grandchild that a kill does not reach).
const NODE_ARGS = ['--require', 'tsx/cjs', CHILD];

function writeInChild(dir: string, files: number, tag: string): void {
  const r = spawnSync(process.execPath, [...NODE_ARGS, dir, String(files), tag], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
}

function expectedTree(files: number, tag: string): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i < files; i++) {
    m.set(`env-${i % 7}/file-${i}.yaml`, `${tag} ${i}\n`.repeat(50));
  }
  return m;
}

function sameTree(tree: Map<string, string>, expected: Map<string, string>): boolean {
  return tree.size === expected.size && [...expected].every(([k, v]) => tree.get(k) === v);
}

/** Starts a child that stops at `step`; resolves once it is there. */
async function startPaused(dir: string, files: number, tag: string, step: string, extra: string[] = []): Promise<{ child: ChildProcess; exited: Promise<number | null>; stderr: () => string }> {
  const child = spawn(process.execPath, [...NODE_ARGS, dir, String(files), tag, step, ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => { err += d; });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const ready = `${dir}.ready-${tag}`;
  const deadline = Date.now() + 30_000;
  while (!fs.existsSync(ready) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  expect(fs.existsSync(ready)).toBe(true);
  fs.rmSync(ready);
  return { child, exited, stderr: () => err };
}

function leftovers(dir: string): string[] {
  return fs.readdirSync(path.dirname(dir)).filter((e) => e !== path.basename(dir));
}

test('this Linux machine exchanges two folders in one call (renameat2 through koffi)', () => {
  expect(canExchange()).toBe(true);
});

const STEPS: [string, string, 'old' | 'new' | 'none'][] = [
  ['exchange', 'locked', 'old'],
  ['exchange', 'half-written', 'old'],
  ['exchange', 'written', 'old'],
  ['exchange', 'swapped', 'new'],
  ['exchange', 'cleaned', 'new'],
  ['two-renames', 'written', 'old'],
  // Without the exchange (no koffi, or a file system that refuses it) there is an instant
  // with no tree: the documented limit. The next write puts the old tree back first.
  ['two-renames', 'between-renames', 'none'],
  ['two-renames', 'swapped', 'new'],
];

describe.each(STEPS)('killed with %s at step %s', (mode, step, atThatStep) => {
  test(`leaves the ${atThatStep === 'none' ? 'old tree aside for the next write' : `${atThatStep} tree complete`} and nothing that blocks the next write`, async () => {
    const dir = path.join(tempDir(), 'dist');
    writeInChild(dir, 20, 'old');
    const { child, exited } = await startPaused(dir, 200, 'new', step, mode === 'two-renames' ? ['two-renames'] : []);
    // While the process stands at that step, the output path holds a complete tree.
    const during = fs.existsSync(dir) ? readTree(dir) : undefined;
    child.kill('SIGKILL');
    await exited;
    const after = fs.existsSync(dir) ? readTree(dir) : undefined;
    for (const tree of [during, after]) {
      if (atThatStep === 'none') {
        expect(tree).toBeUndefined();
      } else {
        expect(sameTree(tree!, expectedTree(atThatStep === 'old' ? 20 : 200, atThatStep))).toBe(true);
      }
    }
    // The next write cleans up (the stale lock, the sibling folders) and succeeds.
    if (atThatStep === 'none') {
      writeInChild(path.join(path.dirname(dir), 'other'), 1, 'x'); // another output in the same folder does not touch it
      expect(fs.existsSync(dir)).toBe(false);
    }
    writeInChild(dir, 5, 'next');
    expect(readTree(dir)).toEqual(expectedTree(5, 'next'));
    expect(leftovers(dir).filter((e) => e !== 'other')).toEqual([]);
  }, 60_000);
});

test('a reader never finds the output path missing while synths swap it again and again', async () => {
  const dir = path.join(tempDir(), 'dist');
  writeInChild(dir, 20, 'start');
  let missing = 0;
  let looks = 0;
  for (let round = 0; round < 6; round++) {
    const child = spawn(process.execPath, [...NODE_ARGS, dir, '300', `round-${round}`], { stdio: 'ignore' });
    let done = false;
    child.on('exit', () => { done = true; });
    while (!done) {
      looks++;
      if (!fs.existsSync(path.join(dir, 'env-0', 'file-0.yaml'))) {
        missing++;
      }
      await new Promise((r) => setImmediate(r));
    }
  }
  expect(looks).toBeGreaterThan(100);
  expect(missing).toBe(0);
  expect(readTree(dir)).toEqual(expectedTree(300, 'round-5'));
}, 120_000);

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
    const isOld = sameTree(tree, expectedTree(50, 'old'));
    const isNew = !isOld && sameTree(tree, expectedTree(3000, 'new'));
    expect({ delay, isOldOrNew: isOld || isNew }).toEqual({ delay, isOldOrNew: true });
    outcomes.add(isOld ? 'old' : 'new');
    if (isNew) {
      writeInChild(dir, 50, 'old');
    }
  }
  // At least one kill landed before the swap (the interesting case).
  expect(outcomes.has('old')).toBe(true);
}, 120_000);

test('a second synth of the same output waits for the first, says so, then writes', async () => {
  const dir = path.join(tempDir(), 'dist');
  writeInChild(dir, 5, 'old');
  const first = await startPaused(dir, 50, 'first', 'locked:1500');
  const second = spawn(process.execPath, [...NODE_ARGS, dir, '60', 'second'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  second.stderr!.on('data', (d) => { err += d; });
  const [a, b] = await Promise.all([first.exited, new Promise<number | null>((r) => second.on('exit', (code) => r(code)))]);
  expect([a, b]).toEqual([0, 0]);
  expect(err).toBe(`prodpath: waiting for another synth (pid ${first.child.pid}) that is writing ${dir} ...\n`);
  expect(readTree(dir)).toEqual(expectedTree(60, 'second'));
  expect(leftovers(dir)).toEqual([]);
}, 60_000);

test('fails when another synth holds the output past the timeout, naming it and the fix, and leaves the tree', async () => {
  const dir = path.join(tempDir(), 'dist');
  writeInChild(dir, 5, 'old');
  const first = await startPaused(dir, 50, 'first', 'locked');
  const r = spawnSync(process.execPath, [...NODE_ARGS, dir, '60', 'second', '', '', '300'], { encoding: 'utf8' });
  expect(r.status).not.toBe(0);
  expect(r.stderr).toContain(`OutputLockedError: prodpath: another synth (pid ${first.child.pid}) is writing ${dir}; waited 0 s for it. Fix: let it finish and run synth again; if no such process runs, remove ${path.join(path.dirname(dir), '.dist.lock')}.`);
  expect(r.stderr).not.toMatch(/ENOENT/);
  first.child.kill('SIGKILL');
  await first.exited;
  expect(readTree(dir)).toEqual(expectedTree(5, 'old'));
  // The killed holder's lock is stale: the next synth takes it over.
  writeInChild(dir, 3, 'next');
  expect(readTree(dir)).toEqual(expectedTree(3, 'next'));
  expect(leftovers(dir)).toEqual([]);
}, 60_000);
