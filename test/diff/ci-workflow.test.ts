import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { program } from '../../lib/cli/main';

const FILE = path.resolve(__dirname, '..', '..', 'examples', 'ci', 'github-actions.yml');
const TEXT = fs.readFileSync(FILE, 'utf8');
const WORKFLOW = parse(TEXT);

/** The `run` scripts of a job, in order. */
const runs = (job: string): string[] => WORKFLOW.jobs[job].steps.map((s: { run?: string }) => s.run ?? '').filter(Boolean);

/** Index of the first step of a job whose run script matches. */
const stepIndex = (job: string, pattern: RegExp): number => WORKFLOW.jobs[job].steps.findIndex((s: { run?: string }) => pattern.test(s.run ?? ''));

describe('the example GitHub Actions workflow', () => {
  test('checks every pull request and push: install, synth, check, dist current, in that order', () => {
    expect(Object.keys(WORKFLOW.on)).toEqual(['pull_request', 'push', 'workflow_dispatch']);
    const order = [/^npm ci/, /^npx cdk8s synth/, /^npx prodpath check dist/, /git diff --exit-code --stat -- dist/].map((p) => stepIndex('manifests', p));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  test('posts the per-environment Markdown summary on pull requests', () => {
    const diff = WORKFLOW.jobs.manifests.steps.find((s: { run?: string }) => /prodpath diff --against/.test(s.run ?? ''));
    expect(diff.if).toBe("github.event_name == 'pull_request'");
    // The whole summary: field changes, capacity before and after, topology of changed environments.
    expect(diff.run).toContain('npx prodpath diff --against "origin/${BASE_REF}" --markdown > prodpath-diff.md');
    expect(runs('manifests').some((r) => r.includes('gh pr comment') && r.includes('--body-file prodpath-diff.md'))).toBe(true);
  });

  test('builds images once and promotes on pushes to main, after the manifests job', () => {
    expect(WORKFLOW.jobs.images.needs).toBe('manifests');
    expect(WORKFLOW.jobs.images.if).toBe("github.event_name == 'push' && github.ref == 'refs/heads/main'");
    const build = stepIndex('images', /^npx prodpath build --engine docker --push$/);
    const promote = stepIndex('images', /^npx prodpath promote dev staging$/);
    const resynth = stepIndex('images', /npx cdk8s synth/);
    expect(build).toBeGreaterThan(0);
    expect(promote).toBeGreaterThan(build);
    expect(resynth).toBeGreaterThan(promote);
    expect(runs('promote-prod')).toContain('npx prodpath promote staging prod');
    expect(WORKFLOW.jobs['promote-prod'].environment).toBe('production');
  });

  test('runs only prodpath subcommands that exist', () => {
    const existing = new Set(program().commands.map((c) => c.name()));
    const lines = TEXT.split('\n');
    for (const [i, line] of lines.entries()) {
      const m = /npx prodpath ([a-z]+)/.exec(line);
      if (!m || line.trimStart().startsWith('#')) {
        continue;
      }
      expect({ line: i + 1, command: m[1], exists: existing.has(m[1]) }).toEqual({ line: i + 1, command: m[1], exists: true });
    }
  });
});
