/**
 * The bad-input table's helpers: an app whose dist/ already holds a previous output, a
 * byte-level snapshot of a folder, and the fields of a refusal.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { App, Environment, EnvironmentSettings, Image, ImageRecipe, Pipeline } from '../../lib';
import { nodeServiceFixture, tempDir } from '../support/synth';

export const SOURCE = nodeServiceFixture();

/** Every file below `dir` (links as their target), with its SHA-256, sorted. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      const rel = path.relative(dir, p);
      if (e.isSymbolicLink()) {
        out[rel] = `-> ${fs.readlinkSync(p)}`;
      } else if (e.isDirectory()) {
        out[`${rel}/`] = 'dir';
        walk(p);
      } else {
        out[rel] = crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex');
      }
    }
  };
  if (fs.existsSync(dir)) {
    walk(dir);
  }
  return out;
}

/** A temp folder with a dist/ holding a previous output. */
export function previousOutput(): { root: string; dist: string } {
  const root = tempDir('prodpath-bad-');
  const dist = path.join(root, 'dist');
  fs.mkdirSync(path.join(dist, 'dev'), { recursive: true });
  fs.writeFileSync(path.join(dist, 'dev', 'shop.k8s.yaml'), '# previous output\nkind: Namespace\n');
  fs.writeFileSync(path.join(dist, 'docker-bake.json'), '{}\n');
  return { root, dist };
}

/** What a case does: build an app (pipeline `pipelineName`) and synthesize it into `dist`. */
export interface SynthCase {
  readonly pipelineName?: string;
  readonly environments?: Record<string, EnvironmentSettings>;
  readonly define: (env: Environment, image: Image) => void;
  /** The image recipe's `env` (Dockerfile ENV). @default - none */
  readonly recipeEnv?: Record<string, string>;
}

/** Runs a synth case against a previous output and returns the error it threw (or undefined) and the folder. */
export function synthCase(c: SynthCase): { error: any; dist: string; before: Record<string, string> } {
  const { dist } = previousOutput();
  const before = snapshot(dist);
  let error: any;
  try {
    const app = new App({ outdir: dist, printSummary: false, reportRefusals: false });
    const pipeline = new Pipeline(app, c.pipelineName ?? 'shop', { registry: 'ghcr.io/acme', environments: c.environments ?? { dev: { namespace: 'shop-dev' } } });
    const image = pipeline.image('api', ImageRecipe.node({ source: SOURCE, start: ['node', 'server.js'], env: c.recipeEnv }));
    pipeline.define((env) => c.define(env, image));
    app.synth();
  } catch (e) {
    error = e;
  }
  return { error, dist, before };
}

/** The expected fields of a refusal: a ValidationError's or a policy finding's. */
export interface Expected {
  /** The construct path (exact) or a pattern. */
  readonly path: string | RegExp;
  /** ValidationError: the field. Policy finding: the rule id. */
  readonly field: string;
  /** The rule (ValidationError) or the finding's message. */
  readonly rule: RegExp;
  /** The fix. */
  readonly fix: RegExp;
}

/** Asserts an error is a refusal with the expected fields. */
export function expectRefusal(error: any, expected: Expected): void {
  expect(error).toBeDefined();
  if (error.name === 'ValidationError') {
    expect(error.constructPath).toEqual(typeof expected.path === 'string' ? expected.path : expect.stringMatching(expected.path));
    expect(error.problem.field).toBe(expected.field);
    expect(error.problem.rule).toMatch(expected.rule);
    expect(error.problem.fix).toMatch(expected.fix);
    expect(error.message).toMatch(/^.+: .+ is invalid: .+\. Fix: .+\.$/s);
  } else {
    expect(error.name).toBe('PolicyError');
    const finding = error.findings.find((f: any) => f.rule.id === expected.field);
    expect(finding).toBeDefined();
    expect(finding.constructPath).toEqual(typeof expected.path === 'string' ? expected.path : expect.stringMatching(expected.path));
    expect(finding.message).toMatch(expected.rule);
    expect(finding.fix).toMatch(expected.fix);
  }
}
