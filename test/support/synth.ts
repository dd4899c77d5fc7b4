import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { App } from '../../lib';

/** The folders {@link tempDir} made in this test file. */
const made: string[] = [];
if (typeof afterAll === 'function') {
  // Jest loads this module once per test file: remove that file's folders when it ends.
  afterAll(() => {
    for (const dir of made.splice(0)) {
      try {
        fs.rmSync(dir, { recursive: true, force: true });
      } catch {
        // A folder a container wrote as another user: leave it to the OS.
      }
    }
  });
}

/** A fresh temporary folder, removed when the test file ends. */
export function tempDir(prefix = 'prodpath-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Makes a minimal Node service folder (package.json, lockfile, server) and returns its path. */
export function nodeServiceFixture(files: Record<string, string> = {}): string {
  const dir = tempDir('prodpath-svc-');
  const all: Record<string, string> = {
    'package.json': JSON.stringify({ name: 'svc', version: '1.0.0', private: true, scripts: { build: 'node -e 0' } }, null, 2),
    'package-lock.json': JSON.stringify({ name: 'svc', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'svc', version: '1.0.0' } } }, null, 2),
    'server.js': 'require("http").createServer((q, s) => s.end("ok")).listen(8080);\n',
    ...files,
  };
  for (const [rel, content] of Object.entries(all)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
  }
  return dir;
}

/** A prodpath App that writes to a temporary folder and prints nothing. */
export function testApp(): App {
  return new App({ outdir: path.join(tempDir(), 'dist'), printSummary: false });
}

/** Renders an app in memory and parses one environment's manifests. */
export function manifests(app: App, env: string, pipeline = 'shop'): any[] {
  const text = app.render().get(`${env}/${pipeline}.k8s.yaml`);
  if (text === undefined) {
    throw new Error(`no manifests for ${env}/${pipeline}`);
  }
  return parseAllDocuments(text).map((d) => d.toJS());
}

/** The one object of a kind (and optionally name) among manifests. */
export function find(docs: any[], kind: string, name?: string): any {
  const hits = docs.filter((d) => d.kind === kind && (name === undefined || d.metadata.name === name));
  if (hits.length !== 1) {
    throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${hits.length}`);
  }
  return hits[0];
}

/** Reads every file below a folder, keyed by path relative to it. */
export function readTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        walk(r);
      } else {
        out.set(r, fs.readFileSync(path.join(dir, r), 'utf8'));
      }
    }
  };
  walk('');
  return out;
}
