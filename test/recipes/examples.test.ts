/**
 * The recipe examples (examples/python, examples/go, examples/static): each synthesizes with no
 * warning into its own committed dist/, which must be exactly what its main.ts renders now.
 */
import * as path from 'path';
import { App, Testing } from '../../lib';
import { buildSearch, OUTDIR as GO_DIST } from '../../examples/go/main';
import { buildCatalog, OUTDIR as PYTHON_DIST } from '../../examples/python/main';
import { buildDocs, OUTDIR as STATIC_DIST } from '../../examples/static/main';
import { readTree } from '../support/synth';

const EXAMPLES: [string, (app: App) => unknown, string][] = [
  ['python', buildCatalog, PYTHON_DIST],
  ['go', buildSearch, GO_DIST],
  ['static', buildDocs, STATIC_DIST],
];

describe.each(EXAMPLES)('examples/%s', (name, build, outdir) => {
  test('synthesizes into its own dist/ with no warning', () => {
    expect(path.relative(path.resolve(__dirname, '../..'), outdir)).toBe(`examples/${name}/dist`);
    const app = Testing.app({ outdir });
    build(app);
    expect(Testing.render(app).warningMessages).toEqual([]);
  });

  test('has its committed dist/ current: run `npx tsx examples/<name>/main.ts` after a change', () => {
    const app = Testing.app({ outdir });
    build(app);
    expect(readTree(outdir)).toEqual(new Map(Testing.render(app).files));
  });
});
