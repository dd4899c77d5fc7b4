/**
 * The layers of DESIGN.md point downwards: no two library files import each other, directly or
 * through others (type-only imports count: they are a cycle in the design even if erased), and
 * images, the lower layer, import neither the lock nor the workloads or environments above them.
 */
import * as fs from 'fs';
import * as path from 'path';

const LIB = path.resolve(__dirname, '..', 'lib');

function libFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? libFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Each library file's imports of other library files, as paths relative to lib/ without `.ts`. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of libFiles(LIB)) {
    const from = path.relative(LIB, file).replace(/\.ts$/, '');
    const text = fs.readFileSync(file, 'utf8');
    const targets = [...text.matchAll(/^(?:import|export)\b[^'"]*?from '(\.{1,2}\/[^']+)'/gm)].map((m) => m[1])
      .map((spec) => path.relative(LIB, path.resolve(path.dirname(file), spec)))
      .map((t) => (fs.existsSync(path.join(LIB, `${t}.ts`)) ? t : path.join(t, 'index')))
      .filter((t) => fs.existsSync(path.join(LIB, `${t}.ts`)));
    graph.set(from, [...new Set(targets)]);
  }
  return graph;
}

describe('library layering', () => {
  const graph = importGraph();

  test('no import cycle between library files', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (n: string) => {
      state.set(n, 'open');
      stack.push(n);
      for (const t of graph.get(n) ?? []) {
        if (state.get(t) === 'open') cycles.push([...stack.slice(stack.indexOf(t)), t].join(' -> '));
        else if (!state.has(t)) visit(t);
      }
      stack.pop();
      state.set(n, 'done');
    };
    [...graph.keys()].sort().forEach((n) => { if (!state.has(n)) visit(n); });
    expect(cycles).toEqual([]);
  });

  test('images import nothing from the lock, the workloads or the environments', () => {
    const upward = [...graph].filter(([from]) => from.startsWith('images/'))
      .flatMap(([from, targets]) => targets.filter((t) => /^(lock|workloads|environments)\//.test(t)).map((t) => `${from} -> ${t}`));
    expect(upward).toEqual([]);
  });
});
