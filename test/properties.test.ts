/**
 * Property tests (fast-check): names prodpath accepts always give valid Kubernetes names,
 * any config survives the YAML round trip, and synthesis is deterministic.
 */
import * as fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { App, CronTask, detectSecret, Environment, ExternalImage, Image, ImageRecipe, MigrationJob, Pipeline, Postgres, SecretRef, StatefulService, ValidationError, WebService, Worker } from '../lib';
import { limitViolations } from '../lib/policy/name-limits';
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
const nameLike = fc.string({ unit: fc.constantFrom(...'abcxyz019-._A'.split('')), minLength: 0, maxLength: 80 });

/**
 * A DNS-1035 label of `min` to `max` characters: a letter, then letters, digits and single
 * '-', ending with a letter or digit. Most generated names are of this form on purpose, so
 * most runs reach the output assertions; the rest explore the bad ones.
 */
function label(min: number, max: number): fc.Arbitrary<string> {
  return fc.integer({ min, max }).chain((length) => fc.tuple(
    fc.constantFrom(...'abcdxyz'.split('')),
    fc.array(fc.constantFrom(...'abcxyz0189-'.split('')), { minLength: length - 1, maxLength: length - 1 }),
  ).map(([first, rest]) => {
    const chars = [first, ...rest];
    for (let i = 1; i < chars.length; i++) {
      if (chars[i] === '-' && (chars[i - 1] === '-' || i === chars.length - 1)) {
        chars[i] = 'a';
      }
    }
    return chars.join('');
  }));
}

/** Names of 1 to 80 characters, mostly valid and mostly short enough to be accepted. */
function workloadName(fits: number): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: label(1, fits) },
    { weight: 3, arbitrary: label(1, 80) },
    { weight: 1, arbitrary: nameLike.filter((n) => n.length >= 1) },
  );
}

/** Every object of a rendered environment passes the schema and the name, label and size limits. */
function expectWithinLimits(text: string): void {
  for (const doc of docsOf(text)) {
    expect(doc.metadata.name).toMatch(DNS_1123_SUBDOMAIN);
    expect(doc.metadata.name.length).toBeLessThanOrEqual(['Service', 'Namespace'].includes(doc.kind) ? 63 : ['CronJob', 'StatefulSet'].includes(doc.kind) ? 52 : 253);
    for (const value of Object.values<string>(doc.metadata.labels ?? {})) {
      expect(value).toMatch(LABEL_VALUE);
      expect(value.length).toBeLessThanOrEqual(63);
    }
    expect(validateManifest(doc)).toEqual([]);
    expect(limitViolations(doc)).toEqual([]);
  }
}

/** Counts the runs that reach the output assertions, to assert the generator is not wasted. */
function counter(): { reached: number; runs: number; expectMostReached: () => void } {
  const c = {
    reached: 0,
    runs: 0,
    expectMostReached: () => expect(c.reached / c.runs).toBeGreaterThanOrEqual(0.5),
  };
  return c;
}

test('every accepted workload name gives valid object names and label values', () => {
  const count = counter();
  fc.assert(fc.property(workloadName(58), (name) => {
    count.runs++;
    let files: Map<string, string>;
    try {
      files = render({ name, config: { A: '1' } }).files;
    } catch (e) {
      if (e instanceof ValidationError) {
        return true;
      }
      throw e;
    }
    count.reached++;
    expectWithinLimits(files.get('dev/shop.k8s.yaml')!);
    return true;
  }), { numRuns: 150 });
  count.expectMostReached();
});

test('every accepted environment name and namespace gives a valid Namespace and folder', () => {
  const count = counter();
  const envOrNamespace = fc.oneof({ weight: 8, arbitrary: label(1, 63) }, { weight: 1, arbitrary: label(1, 80) }, { weight: 1, arbitrary: nameLike });
  fc.assert(fc.property(envOrNamespace, envOrNamespace, (env, namespace) => {
    count.runs++;
    let result: { files: Map<string, string>; envName: string };
    try {
      result = render({ env, namespace });
    } catch (e) {
      if (e instanceof ValidationError) {
        return true;
      }
      throw e;
    }
    count.reached++;
    expect(result.envName).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    const ns = docsOf(result.files.get(`${result.envName}/shop.k8s.yaml`)!).find((d) => d.kind === 'Namespace');
    expect(ns.metadata.name).toBe(namespace);
    expect(validateManifest(ns)).toEqual([]);
    return true;
  }), { numRuns: 150 });
  count.expectMostReached();
});

const REDIS = ExternalImage.of('redis:7.2-bookworm', { user: { uid: 10999, gid: 10999 }, port: 6379 });

/** Each workload kind, with the longest name it accepts in pipeline "shop" and a way to make one. */
const KINDS: readonly [string, number, (env: Environment, image: Image, name: string) => void][] = [
  ['WebService', 58, (env, image, name) => new WebService(env, 'w', { name, image, host: 'api.example.com', config: { A: '1' } })],
  ['Worker', 58, (env, image, name) => new Worker(env, 'w', { name, image, health: { exec: ['true'] }, config: { A: '1' } })],
  ['StatefulService', 52, (env, _image, name) => new StatefulService(env, 'w', { name, image: REDIS, storage: { size: '1Gi', mountPath: '/data' }, replicas: 2 })],
  ['Postgres', 52, (env, _image, name) => new Postgres(env, 'w', { name, storage: '1Gi', password: SecretRef.fromSecretName('db', 'password') })],
  ['CronTask', 52, (env, image, name) => new CronTask(env, 'w', { name, image, schedule: '0 3 * * *', command: ['node', 'c.js'] })],
  ['MigrationJob', 52, (env, image, name) => new MigrationJob(env, 'w', { name, image, command: ['node', 'm.js'], waitCommand: ['node', 'w.js'] })],
];

describe.each(KINDS)('%s names of 1 to 80 characters', (kind, fits, make) => {
  test('synth refuses the name, or every object passes the schema and the name and label limits', () => {
    const count = counter();
    fc.assert(fc.property(workloadName(fits), (name) => {
      count.runs++;
      const app = new App({ outdir: '/nonexistent/never-written', printSummary: false });
      const pipeline = new Pipeline(app, 'shop', { registry: 'ghcr.io/acme', environments: { dev: { namespace: 'shop-dev' } } });
      const image = pipeline.image('api', ImageRecipe.node({ source: SOURCE, start: ['node', 'server.js'] }));
      let files: Map<string, string>;
      try {
        pipeline.define((env) => make(env, image, name));
        files = app.render();
      } catch (e) {
        if (e instanceof ValidationError) {
          // Refused: only names that are malformed or longer than the kind allows.
          expect(/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name) && name.length <= fits).toBe(false);
          return true;
        }
        throw e;
      }
      count.reached++;
      expect(name.length).toBeLessThanOrEqual(fits);
      expectWithinLimits(files.get('dev/shop.k8s.yaml')!);
      return true;
    }), { numRuns: 60 });
    count.expectMostReached();
    expect(kind).toBeDefined();
  });
});

/** Values YAML 1.1 and 1.2 readers might take for something other than a string. */
const trickyValue = fc.oneof(
  fc.constantFrom('yes', 'no', 'on', 'off', 'true', 'null', '~', '0755', '1_000', '1e3', '0x1F', '.inf', '-', ': x', '# not a comment', '"quoted"', "'single'", '', ' padded ', 'multi\nline', '@at', '*star', '&amp', '!tag', '%pct', '2026-11-22'),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
);
/**
 * Config that synth accepts: entries the secret detector would refuse (a secret-like key such
 * as `_PW`, or a value that looks like a token) are left out on purpose, with the same detector
 * synth uses, so every run reaches the round-trip assertions.
 */
const config = fc.dictionary(fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,15}$/), trickyValue, { minKeys: 1, maxKeys: 6 })
  .map((data) => Object.fromEntries(Object.entries(data).filter(([key, value]) => detectSecret(key, value) === undefined)))
  .filter((data) => Object.keys(data).length > 0);

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
