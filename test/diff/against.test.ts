import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments, stringify } from 'yaml';
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

/** Synthesizes the four-environment app into `<repo>/dist`, with the production clusters' log level. */
function synth(repo: string, prodLogLevel: string): void {
  const environments: Record<string, ClusterSettings> = Object.fromEntries(Object.entries(FOUR_ENVIRONMENTS)
    .map(([name, s]) => [name, name.startsWith('prod-') ? { ...s, logLevel: prodLogLevel } : s]));
  const { app } = fourEnvironmentApp(undefined, { app: new App({ outdir: path.join(repo, 'dist'), printSummary: false }), environments });
  app.synth();
}

/** A git repository with the app's output committed (production log level "info"). */
function committedRepo(): string {
  const repo = tempDir('prodpath-git-');
  git(repo, 'init', '-q');
  synth(repo, 'info');
  git(repo, 'add', 'dist');
  git(repo, 'commit', '-q', '-m', 'synthesized output');
  return repo;
}

/** The Markdown section of one environment: from its heading to the next. */
function section(markdown: string, env: string): string {
  const start = markdown.indexOf(`\n#### ${env}\n`);
  if (start < 0) {
    return '';
  }
  const next = markdown.indexOf('\n#### ', start + 1);
  return markdown.slice(start, next < 0 ? undefined : next);
}

/** The table rows of a section (without the header and separator). */
function rows(text: string): string[] {
  return text.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Object |'));
}

describe('prodpath diff --against <git ref>', () => {
  test('a change to one config value names exactly that value in each affected environment, and the others are unchanged', async () => {
    const repo = committedRepo();
    synth(repo, 'warn');
    const r = await cli(['diff', '--against', 'HEAD', '--dist', path.join(repo, 'dist')]);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const md = r.out;
    expect(md).toContain([
      '| Environment | Objects added | Objects removed | Objects changed |',
      '|---|---:|---:|---:|',
      '| dev | 0 | 0 | 0 |',
      '| prod-eu | 0 | 0 | 2 |',
      '| prod-us | 0 | 0 | 2 |',
      '| staging | 0 | 0 | 0 |',
    ].join('\n'));
    for (const env of ['prod-eu', 'prod-us']) {
      const text = section(md, env);
      expect(rows(text)).toEqual([expect.stringMatching(/^\| ConfigMap api-config-[0-9a-f]{10} \| `\/data\/LOG_LEVEL` \| `info` \| `warn` \|$/)]);
      expect(text).toMatch(/New content-hashed names \(the pods roll\): ConfigMap `api-config-[0-9a-f]{10}` `\/metadata\/name`, Deployment `api` `\/spec\/template\/spec\/containers\/0\/envFrom\/0\/configMapRef\/name`\./);
    }
    expect(section(md, 'dev')).toBe('');
    expect(section(md, 'staging')).toBe('');
    expect(md.trimEnd().endsWith('Unchanged: dev, staging.')).toBe(true);
  });

  test('prints the whole summary as Markdown for a pull-request comment', async () => {
    const repo = committedRepo();
    synth(repo, 'warn');
    const r = await cli(['diff', '--against', 'HEAD', '--dist', path.join(repo, 'dist'), 'prod-eu']);
    expect(r.out.replace(/[0-9a-f]{10}/g, '<hash>')).toBe([
      '### prodpath: what this change does to each environment',
      '',
      'Compared with `HEAD`, object by object and field by field.',
      '',
      '| Environment | Objects added | Objects removed | Objects changed |',
      '|---|---:|---:|---:|',
      '| prod-eu | 0 | 0 | 2 |',
      '',
      '#### prod-eu',
      '',
      '| Object | Field | Before | After |',
      '|---|---|---|---|',
      '| ConfigMap api-config-<hash> | `/data/LOG_LEVEL` | `info` | `warn` |',
      '',
      'New content-hashed names (the pods roll): ConfigMap `api-config-<hash>` `/metadata/name`, Deployment `api` `/spec/template/spec/containers/0/envFrom/0/configMapRef/name`.',
    ].join('\n'));
  });

  test('says so when no environment changes', async () => {
    const repo = committedRepo();
    const r = await cli(['diff', '--against', 'HEAD', '--dist', path.join(repo, 'dist')]);
    expect(r.out).toContain('No environment\'s manifests change (dev, prod-eu, prod-us, staging).');
  });

  test('masks secret-looking values in the summary', async () => {
    const repo = committedRepo();
    const file = path.join(repo, 'dist', 'staging', 'web.k8s.yaml');
    const docs = parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS());
    const container = docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'api').spec.template.spec.containers[0];
    container.env.push({ name: 'API_TOKEN', value: 'tok-123456' }, { name: 'AUDIT_URL', value: 'https://audit:pa55word@audit.example.com/' });
    fs.writeFileSync(file, docs.map((d) => stringify(d)).join('---\n'));
    const r = await cli(['diff', '--against', 'HEAD', '--dist', path.join(repo, 'dist'), 'staging']);
    expect(r.out).not.toContain('tok-123456');
    expect(r.out).not.toContain('pa55word');
    expect(rows(section(r.out, 'staging'))).toEqual([
      expect.stringMatching(/^\| Deployment api \| `\/spec\/template\/spec\/containers\/0\/env\/\d+` \| \*\(none\)\* \| `\{"name":"API_TOKEN","value":"\(hidden: looks secret\)"\}` \|$/),
      expect.stringMatching(/^\| Deployment api \| `\/spec\/template\/spec\/containers\/0\/env\/\d+` \| \*\(none\)\* \| `\{"name":"AUDIT_URL","value":"https:\/\/audit:\*\*\*@audit\.example\.com\/"\}` \|$/),
    ]);
  });

  test('reports an environment that is new since the revision, object by object', async () => {
    const repo = committedRepo();
    fs.rmSync(path.join(repo, 'dist', 'staging'), { recursive: true });
    git(repo, 'commit', '-q', '-am', 'no staging yet');
    synth(repo, 'info');
    const r = await cli(['diff', '--against', 'HEAD', '--dist', path.join(repo, 'dist'), '--json']);
    const report = JSON.parse(r.out);
    const staging = report.environments.find((e: any) => e.name === 'staging');
    expect(staging.status).toBe('added');
    expect(staging.summary.removed).toBe(0);
    expect(staging.summary.added).toBeGreaterThan(10);
    expect(report.environments.filter((e: any) => e.status !== 'unchanged').map((e: any) => e.name)).toEqual(['staging']);
  });

  test('fails when the revision is not a commit', async () => {
    const repo = committedRepo();
    const r = await cli(['diff', '--against', 'no-such-branch', '--dist', path.join(repo, 'dist')]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`prodpath diff: "no-such-branch" is not a commit in ${fs.realpathSync(repo)}. Fix: name a branch, tag or commit, such as origin/main or HEAD~1 (in CI, fetch it first: git fetch origin main).`);
  });

  test('fails when the output folder is not in a git repository', async () => {
    const dist = path.join(tempDir('prodpath-nogit-'), 'dist');
    fs.mkdirSync(dist);
    const r = await cli(['diff', '--against', 'HEAD', '--dist', dist]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`^prodpath diff: ${dist.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not inside a git repository \\(git: fatal: not a git repository`));
  });

  test('fails when a named environment exists neither now nor at the revision', async () => {
    const repo = committedRepo();
    const r = await cli(['diff', '--against', 'HEAD', '--dist', path.join(repo, 'dist'), 'qa']);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`prodpath diff: no environment "qa" in ${path.join(repo, 'dist')} or at HEAD. Fix: name one of dev, prod-eu, prod-us, staging, or leave the names out to compare every environment.`);
  });
});
