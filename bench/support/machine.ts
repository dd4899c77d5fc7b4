/** A description of the machine and toolchain the benchmark ran on. */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

function read(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function packageVersion(root: string, name: string): string {
  try {
    return JSON.parse(read(path.join(root, 'node_modules', name, 'package.json'))).version ?? '?';
  } catch {
    return '?';
  }
}

/** The kubectl client and its embedded kustomize, e.g. `v1.32.4 (kustomize v5.5.0)`. */
function kubectlVersion(): string {
  const r = spawnSync('kubectl', ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
  if (r.status !== 0) {
    return 'not found';
  }
  try {
    const v = JSON.parse(r.stdout);
    return `${v.clientVersion?.gitVersion ?? '?'} (kustomize ${v.kustomizeVersion ?? '?'})`;
  } catch {
    return r.stdout.trim().split('\n')[0];
  }
}

/** Lines describing CPU, cores, memory, OS, node, kubectl and the libraries measured. */
export function describeMachine(repoRoot: string): string[] {
  const cpuinfo = read('/proc/cpuinfo');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  const osName = /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(read('/etc/os-release'))?.[1] ?? os.type();
  return [
    `- CPU: ${model}, ${os.cpus().length} cores (${os.availableParallelism()} available to node)`,
    `- Memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- OS: ${osName}, Linux ${os.release()}`,
    `- node ${process.version}; kubectl ${kubectlVersion()}`,
    `- cdk8s ${packageVersion(repoRoot, 'cdk8s')}, cdk8s-plus-27 ${packageVersion(repoRoot, 'cdk8s-plus-27')}, yaml ${packageVersion(repoRoot, 'yaml')}, cdk8s-cli ${packageVersion(repoRoot, 'cdk8s-cli')}, tsx ${packageVersion(repoRoot, 'tsx')}`,
  ];
}
