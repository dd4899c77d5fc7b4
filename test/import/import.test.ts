/**
 * `prodpath import`: the three fixture Compose files import into apps that synthesize with no
 * errors and no warnings, secrets stay references, and what has no equivalent is listed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { copyFixture, FIXTURES, importFixture, synthGenerated } from './support';

describe('prodpath import of the fixture Compose files', () => {
  test.each(FIXTURES)('%s imports and the generated app synthesizes with no errors and no warnings', (name) => {
    const root = copyFixture(name);
    const r = importFixture(root, { WEB_PORT: '13000', PROXY_PORT: '18080' });
    expect(fs.readFileSync(path.join(root, 'main.ts'), 'utf8')).toBe(r.source);
    const app = synthGenerated(root);
    expect(app.warnings.map((w) => w.message)).toEqual([]);
    expect(fs.existsSync(path.join(root, 'dist', 'dev', 'compose.yaml'))).toBe(true);
    expect(fs.existsSync(path.join(root, 'dist', 'prod'))).toBe(true);
  });
});
