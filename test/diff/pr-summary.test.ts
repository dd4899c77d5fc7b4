import { execFileSync } from 'child_process';
import * as path from 'path';
import { App } from '../../lib';
import { run } from '../../lib/cli/main';
import { tempDir } from '../support/synth';
import { ClusterSettings, FOUR_ENVIRONMENTS, fourEnvironmentApp } from '../parity/support';

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function git(repo: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=prodpath test', '-c', 'user.email=test@prodpath.invalid', '-c', 'commit.gpgsign=false', ...args], { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function synth(repo: string, environments: Record<string, ClusterSettings>): void {
  const { app } = fourEnvironmentApp(undefined, { app: new App({ outdir: path.join(repo, 'dist'), printSummary: false }), environments });
  app.synth();
}

describe('prodpath diff --against <ref> --markdown: the pull-request summary', () => {
  let repo: string;
  beforeAll(() => {
    repo = tempDir('prodpath-git-');
    git(repo, 'init', '-q');
    synth(repo, FOUR_ENVIRONMENTS);
    git(repo, 'add', 'dist');
    git(repo, 'commit', '-q', '-m', 'synthesized output');
    // The change under review: prod-us gets 6 replicas at the minimum, 30 at most, and a 100Gi database.
    synth(repo, { ...FOUR_ENVIRONMENTS, 'prod-us': { ...FOUR_ENVIRONMENTS['prod-us'], replicas: 6, dbStorage: '100Gi', autoscale: { max: 30, cpuUtilization: 60 } } });
  });

  test('adds the changed environment\'s capacity before and after, and its topology as a Mermaid diagram', async () => {
    const r = await cli(['diff', '--against', 'HEAD', '--markdown', '--dist', path.join(repo, 'dist')]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    const start = lines.indexOf('#### prod-us: capacity and topology');
    expect(start).toBeGreaterThan(0);
    // api and mailer: 4 → 6 pods at the minimum, 20 → 30 at most; the database: 1 pod.
    // api asks 500m and 512Mi a pod, mailer 100m and 128Mi; the database 250m and 512Mi.
    expect(lines.slice(start + 2, start + 8)).toEqual([
      '| Capacity | Before | After | Change |',
      '|---|---:|---:|---:|',
      '| Pods | 9 – 41 | 13 – 61 | +4 – +20 |',
      '| CPU requests | 2.65 – 12.25 | 3.85 – 18.25 | +1.2 – +6 |',
      '| Memory requests | 3Gi – 13Gi | 4.25Gi – 19.25Gi | +1.25Gi – +6.25Gi |',
      '| Memory limits | 6Gi – 26Gi | 8.5Gi – 38.5Gi | +2.5Gi – +12.5Gi |',
    ]);
    expect(lines[start + 8]).toBe('| Storage (volume claims) | 80Gi | 100Gi | +20Gi |');
    const mermaid = lines.slice(lines.indexOf('```mermaid', start), lines.indexOf('```', lines.indexOf('```mermaid', start) + 1));
    expect(mermaid[1]).toBe('flowchart LR');
    expect(mermaid.some((l) => /^ {2}n\d+\["Deployment api<br\/>6 – 30 pods \(HPA\)<br\/>ghcr\.io\/acme\/api:[0-9a-f]{16}"\]$/.test(l))).toBe(true);
    expect(mermaid.some((l) => /^ {2}n\d+\[\("volume data<br\/>100Gi per pod<br\/>class gp3-us"\)\]$/.test(l))).toBe(true);
    // api, mailer and cleanup connect to the database.
    expect(mermaid.filter((l) => l.includes('==>|"5432/TCP"|'))).toHaveLength(3);
    // Only the changed environment gets the extra sections.
    expect(lines.filter((l) => l.endsWith(': capacity and topology'))).toEqual(['#### prod-us: capacity and topology']);
  });

  test('--exit-code exits 1 when an environment changes, 0 when none does', async () => {
    expect((await cli(['diff', '--against', 'HEAD', '--markdown', '--exit-code', '--dist', path.join(repo, 'dist')])).code).toBe(1);
    expect((await cli(['diff', '--against', 'HEAD', '--exit-code', '--dist', path.join(repo, 'dist'), 'dev'])).code).toBe(0);
  });
});
