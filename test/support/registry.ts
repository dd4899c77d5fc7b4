/**
 * A real registry for tests: Debian's docker-registry on 127.0.0.1, started and stopped with
 * `.ci/registry.sh` (the same script the README gives users), with its own temporary storage
 * and port, stopped by its pid.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ToolStatus } from './ready';

const SCRIPT = path.resolve(__dirname, '..', '..', '.ci', 'registry.sh');

/** A running registry. */
export interface TestRegistry {
  /** `127.0.0.1:<port>`. */
  readonly address: string;
  /** Its folder (storage, config, pid, log). */
  readonly dir: string;
  /** Stops it by its pid and removes its folder. */
  stop(): void;
}

/** Whether `docker-registry` is installed. */
export function registryStatus(): ToolStatus {
  const r = spawnSync('docker-registry', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    return { available: false, reason: `docker-registry is not installed (${r.error?.message ?? r.stderr.trim()}): apt-get install -y --no-install-recommends docker-registry` };
  }
  return { available: true };
}

/** Starts a registry with `.ci/registry.sh start` (`readOnly`: one that refuses every push). */
export function startRegistry(options: { readOnly?: boolean } = {}): TestRegistry {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prodpath-test-registry-'));
  const r = spawnSync('bash', [SCRIPT, 'start', dir, ...(options.readOnly ? ['--read-only'] : [])], { encoding: 'utf8', timeout: 60_000 });
  const m = /^export PRODPATH_REGISTRY='([^']+)'$/m.exec(r.stdout ?? '');
  if (r.status !== 0 || !m) {
    spawnSync('bash', [SCRIPT, 'stop', dir]);
    throw new Error(`.ci/registry.sh start failed (status ${r.status}): ${r.stderr}${r.stdout}`);
  }
  return {
    address: m[1],
    dir,
    stop: () => {
      spawnSync('bash', [SCRIPT, 'stop', dir], { timeout: 30_000 });
    },
  };
}

/** The digest the registry serves for `name:reference` (`Docker-Content-Digest`), or undefined when it has none. */
export function registryDigest(address: string, name: string, reference: string): Promise<string | undefined> {
  const accept = [
    'application/vnd.oci.image.index.v1+json', 'application/vnd.oci.image.manifest.v1+json',
    'application/vnd.docker.distribution.manifest.list.v2+json', 'application/vnd.docker.distribution.manifest.v2+json',
  ].join(', ');
  return new Promise((resolve, reject) => {
    const req = http.request(`http://${address}/v2/${name}/manifests/${reference}`, { method: 'HEAD', headers: { accept }, agent: false, timeout: 10_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200 ? String(res.headers['docker-content-digest']) : undefined);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** The tags the registry holds for `name` (none when it does not know the repository). */
export function registryTags(address: string, name: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    http.get(`http://${address}/v2/${name}/tags/list`, { agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => { body += c; }).on('end', () => {
        resolve(res.statusCode === 200 ? (JSON.parse(body).tags ?? []).sort() : []);
      });
    }).on('error', reject);
  });
}
