/**
 * Property tests (fast-check): names prodpath accepts always give valid Kubernetes names,
 * any config survives the YAML round trip, and synthesis is deterministic.
 */
import * as fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { App, ImageRecipe, Pipeline, ValidationError, WebService } from '../lib';
import { validateManifest } from '../lib/policy/schema/validate';
import { nodeServiceFixture } from './support/synth';

const SOURCE = nodeServiceFixture();
const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function render(opts: { name?: string; env?: string; namespace?: string; config?: Record<string, string> }) {
  const app = new App({ outdir: '/nonexistent/never-written', printSummary: false });
  const envName = opts.env ?? 'dev';
  const pipeline = new Pipeline(app, 'shop', { registry: 'ghcr.io/acme', environments: { [envName]: { namespace: opts.namespace ?? 'shop-dev' } } });
  const image = pipeline.image('api', ImageRecipe.node({ source: SOURCE, start: ['node', 'server.js'] }));
  pipeline.define((env) => new WebService(env, 'svc', { name: opts.name ?? 'api', image, config: opts.config, host: 'api.example.com' }));
  return { files: app.render(), envName };
}

function docsOf(text: string): any[] {
  return parseAllDocuments(text).map((d) => d.toJS());
}

/** Names made of the characters that matter: letters of both cases, digits, '-', '.', '_'. */
const nameLike = fc.string({ unit: fc.constantFrom(...'abcxyz019-._A'.split('')), minLength: 0, maxLength: 70 });

test('every accepted workload name gives valid object names and label values', () => {
  fc.assert(fc.property(nameLike, (name) => {
    let files: Map<string, string>;
    try {
      files = render({ name, config: { A: '1' } }).files;
    } catch (e) {
      if (e instanceof ValidationError) {
        return true;
      }
      throw e;
    }
    for (const doc of docsOf(files.get('dev/shop.k8s.yaml')!)) {
      expect(doc.metadata.name).toMatch(DNS_1123_SUBDOMAIN);
      expect(doc.metadata.name.length).toBeLessThanOrEqual(253);
      if (doc.kind === 'Service') {
        expect(doc.metadata.name.length).toBeLessThanOrEqual(63);
      }
      for (const value of Object.values<string>(doc.metadata.labels ?? {})) {
        expect(value).toMatch(LABEL_VALUE);
        expect(value.length).toBeLessThanOrEqual(63);
      }
      expect(validateManifest(doc)).toEqual([]);
    }
    return true;
  }), { numRuns: 150 });
});

test('every accepted environment name and namespace gives a valid Namespace and folder', () => {
  fc.assert(fc.property(nameLike, nameLike, (env, namespace) => {
    let result: { files: Map<string, string>; envName: string };
    try {
      result = render({ env, namespace });
    } catch (e) {
      if (e instanceof ValidationError) {
        return true;
      }
      throw e;
    }
    expect(result.envName).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    const ns = docsOf(result.files.get(`${result.envName}/shop.k8s.yaml`)!).find((d) => d.kind === 'Namespace');
    expect(ns.metadata.name).toBe(namespace);
    expect(validateManifest(ns)).toEqual([]);
    return true;
  }), { numRuns: 150 });
});

/** Values YAML 1.1 and 1.2 readers might take for something other than a string. */
const trickyValue = fc.oneof(
  fc.constantFrom('yes', 'no', 'on', 'off', 'true', 'null', '~', '0755', '1_000', '1e3', '0x1F', '.inf', '-', ': x', '# not a comment', '"quoted"', "'single'", '', ' padded ', 'multi\nline', '@at', '*star', '&amp', '!tag', '%pct', '2026-11-22'),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
);
const config = fc.dictionary(fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,15}$/).filter((k) => !/PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|CREDENTIAL|PRIVATE_?KEY/.test(k)), trickyValue, { minKeys: 1, maxKeys: 6 });

test('any config survives the YAML round trip as the same strings', () => {
  fc.assert(fc.property(config, (data) => {
    const cm = docsOf(render({ config: data }).files.get('dev/shop.k8s.yaml')!).find((d) => d.kind === 'ConfigMap');
    expect(cm.data).toEqual(data);
    return true;
  }), { numRuns: 100 });
});

test('synthesizing twice gives identical bytes, and different config gives a different ConfigMap name', () => {
  fc.assert(fc.property(config, config, (a, b) => {
    const first = render({ config: a }).files;
    const again = render({ config: a }).files;
    expect(again).toEqual(first);
    const nameOf = (files: Map<string, string>) => docsOf(files.get('dev/shop.k8s.yaml')!).find((d) => d.kind === 'ConfigMap').metadata.name;
    const same = JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
    expect(nameOf(render({ config: b }).files) === nameOf(first)).toBe(same);
    return true;
  }), { numRuns: 60 });
});
