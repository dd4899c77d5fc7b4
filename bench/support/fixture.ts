/** Temporary folders and the tiny Node service every image of the benchmark is built from. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** A fresh temporary folder below `parent` (default: the OS temp folder). */
export function tempDir(prefix: string, parent: string = os.tmpdir()): string {
  return fs.mkdtempSync(path.join(parent, prefix));
}

/**
 * Writes a minimal Node service (package.json, package-lock.json, server.js) into a new
 * folder below `parent` and returns its path: enough for `ImageRecipe.node`. The same
 * approach as the tests' `nodeServiceFixture`, copied so the benchmark does not import test code.
 */
export function nodeServiceFixture(parent: string): string {
  const dir = tempDir('svc-', parent);
  const files: Record<string, string> = {
    'package.json': JSON.stringify({ name: 'svc', version: '1.0.0', private: true, scripts: { build: 'node -e 0' } }, null, 2),
    'package-lock.json': JSON.stringify({ name: 'svc', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'svc', version: '1.0.0' } } }, null, 2),
    'server.js': 'require("http").createServer((q, s) => s.end("ok")).listen(8080);\n',
  };
  for (const [rel, content] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, rel), content);
  }
  return dir;
}
