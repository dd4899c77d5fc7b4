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

/** The machine and the toolchain, as data (the JSON report's `machine`). */
export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly availableParallelism: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly kernel: string;
  readonly node: string;
  readonly kubectl: string;
  readonly packages: Readonly<Record<string, string>>;
}

/** CPU, cores, memory, OS, node, kubectl and the versions of the libraries measured. */
export function machineInfo(repoRoot: string): MachineInfo {
  const cpuinfo = read('/proc/cpuinfo');
  return {
    cpu: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    availableParallelism: os.availableParallelism(),
    memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    os: /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(read('/etc/os-release'))?.[1] ?? os.type(),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    kubectl: kubectlVersion(),
    packages: Object.fromEntries(['cdk8s', 'cdk8s-plus-27', 'yaml', 'cdk8s-cli', 'tsx'].map((name) => [name, packageVersion(repoRoot, name)])),
  };
}

/** Lines describing the machine (the Markdown report's header). */
export function describeMachine(info: MachineInfo): string[] {
  return [
    `- CPU: ${info.cpu}, ${info.cores} cores (${info.availableParallelism} available to node)`,
    `- Memory: ${info.memoryGiB.toFixed(1)} GiB`,
    `- OS: ${info.os}, ${info.kernel}`,
    `- node ${info.node}; kubectl ${info.kubectl}`,
    `- ${Object.entries(info.packages).map(([name, version]) => `${name} ${version}`).join(', ')}`,
  ];
}
