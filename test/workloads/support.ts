/**
 * Helpers for the workload tests: a three-environment pipeline with one Node image, and a
 * check that every rendered object passes the strict Kubernetes 1.27 schema.
 */
import { App, Environment, EnvironmentSettings, Image, ImageRecipe, Pipeline } from '../../lib';
import { validateManifest } from '../../lib/policy/schema/validate';
import { manifests, nodeServiceFixture, testApp } from '../support/synth';

export const SOURCE = nodeServiceFixture();

/** The default environments: dev (1 replica), staging (2), prod (3, production). */
export const ENVIRONMENTS: Record<string, EnvironmentSettings> = {
  dev: { namespace: 'shop-dev', replicas: 1 },
  staging: { namespace: 'shop-staging', replicas: 2 },
  prod: { namespace: 'shop', replicas: 3 },
};

/** Builds a pipeline `shop` with an image `api` and runs `define` in every environment. */
export function shop(define: (env: Environment, image: Image) => void, environments: Record<string, EnvironmentSettings> = ENVIRONMENTS): { app: App; image: Image; pipeline: Pipeline } {
  const app = testApp();
  const pipeline = new Pipeline(app, 'shop', { registry: 'ghcr.io/acme', environments });
  const image = pipeline.image('api', ImageRecipe.node({ source: SOURCE, start: ['node', 'server.js'] }));
  pipeline.define((env) => define(env, image));
  return { app, image, pipeline };
}

/** The parsed manifests of one environment, each checked against the strict schema. */
export function valid(app: App, env: string): any[] {
  const docs = manifests(app, env);
  for (const doc of docs) {
    expect({ kind: doc.kind, name: doc.metadata?.name, violations: validateManifest(doc) })
      .toEqual({ kind: doc.kind, name: doc.metadata?.name, violations: [] });
  }
  return docs;
}

/** All objects of a kind. */
export function all(docs: any[], kind: string): any[] {
  return docs.filter((d) => d.kind === kind);
}

/** The pod spec of a workload object. */
export function podSpec(obj: any): any {
  return obj.kind === 'CronJob' ? obj.spec.jobTemplate.spec.template.spec : obj.spec.template.spec;
}

/** Expects `fn` to throw a ValidationError whose message matches `message`. */
export function expectInvalid(fn: () => unknown, message: RegExp): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeDefined();
  expect((error as Error).name).toBe('ValidationError');
  expect((error as Error).message).toMatch(message);
  expect((error as Error).message).toMatch(/^shop\/[a-z]+(\/[-a-z0-9]+)*: .+ is invalid: .+\. Fix: .+\.$/s);
}
