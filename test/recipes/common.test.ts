/**
 * What every recipe shares: build arguments, target platforms, the numeric user, secret-looking
 * names, tagged base images, and deterministic text.
 */
import * as fc from 'fast-check';
import { IImageRecipe, ImageRecipe } from '../../lib';
import { KNOWN_PLATFORMS } from '../../lib/images/recipe-base';
import { nodeServiceFixture } from '../support/synth';
import { goSource, imageFor, pythonSource, staticSource, validationMessage } from './support';

type Common = { buildArgs?: Record<string, string>; platforms?: string[]; baseImage?: string; env?: Record<string, string>; user?: { uid: number; gid: number } };

/** One factory per recipe, each with a fresh valid source. */
const RECIPES: [string, (o?: Common) => IImageRecipe][] = [
  ['node', (o = {}) => ImageRecipe.node({ source: nodeServiceFixture(), start: ['node', 'server.js'], ...o })],
  ['python', (o = {}) => ImageRecipe.python({ source: pythonSource(), start: ['python', 'app.py'], ...o })],
  ['go', (o = {}) => ImageRecipe.go({ source: goSource(), ...o })],
  ['static', (o = {}) => ImageRecipe.staticSite({ source: staticSource(), ...o })],
  ['custom', (o = {}) => ImageRecipe.custom({
    source: staticSource(),
    stages: [{ name: 'runtime', from: o.baseImage ?? 'busybox:1.36', steps: [{ copy: ['index.html'], to: '/srv/' }] }],
    start: ['busybox', 'httpd', '-f', '-p', '8080', '-h', '/srv'],
    port: 8080,
    healthCheck: { kind: 'command', command: ['busybox', 'wget', '-q', '-O', '/dev/null', 'http://127.0.0.1:8080/'] },
    ...o,
  })],
];

describe.each(RECIPES)('every recipe: %s', (_kind, recipe) => {
  test('ends with a numeric non-root USER, a HEALTHCHECK and a JSON-form CMD', () => {
    const lines = imageFor(recipe()).dockerfile.trimEnd().split('\n');
    const final = lines.slice(lines.map((l) => l.startsWith('FROM ')).lastIndexOf(true));
    expect(final).toContainEqual('USER 10001:10001');
    expect(final.filter((l) => l.startsWith('HEALTHCHECK ')).length).toBe(1);
    expect(final[final.length - 1]).toMatch(/^CMD \[".*"\]$/);
  });

  test('declares build arguments with their values, sorted, and passes them to the build', () => {
    const image = imageFor(recipe({ buildArgs: { VERSION: '1.2.3', COMMIT: 'abc123' } }));
    expect(image.dockerfile).toMatch(/^ARG COMMIT="abc123"\nARG VERSION="1\.2\.3"$/m);
    expect(image.buildArgs).toEqual({ COMMIT: 'abc123', VERSION: '1.2.3' });
  });

  test('builds for linux/amd64 unless told otherwise, and sorts the platforms it is given', () => {
    expect(imageFor(recipe()).platforms).toEqual(['linux/amd64']);
    expect(imageFor(recipe({ platforms: ['linux/arm64', 'linux/amd64'] })).platforms).toEqual(['linux/amd64', 'linux/arm64']);
  });

  test('a different platform list gives a different tag; naming the default changes nothing', () => {
    const base = imageFor(recipe());
    expect(imageFor(recipe({ platforms: ['linux/amd64'] })).tag).toBe(base.tag);
    expect(imageFor(recipe({ platforms: ['linux/amd64', 'linux/arm64'] })).tag).not.toBe(base.tag);
  });

  test('renders the same text for the same input', () => {
    const a = imageFor(recipe({ buildArgs: { B: '2', A: '1' }, env: { Z: 'z', Y: 'y' } }));
    const b = imageFor(recipe({ env: { Y: 'y', Z: 'z' }, buildArgs: { A: '1', B: '2' } }));
    expect(b.dockerfile).toBe(a.dockerfile);
    expect(b.ignoreFile).toBe(a.ignoreFile);
  });
});

describe('bad input common to every recipe', () => {
  const cases: [string, Common, string][] = [
    ['fails when a platform is unknown', { platforms: ['linux/amd64', 'linux/amd65'] },
      'shop/image-api: platforms ["linux/amd64","linux/amd65"] is invalid: "linux/amd65" is not a known target platform (os/arch[/variant], Linux only). Fix: use platforms from linux/amd64, linux/arm64, linux/arm/v7, linux/ppc64le, linux/s390x (see KNOWN_PLATFORMS).'],
    ['fails when a platform is not Linux', { platforms: ['windows/amd64'] },
      'shop/image-api: platforms ["windows/amd64"] is invalid: "windows/amd64" is not a known target platform (os/arch[/variant], Linux only). Fix: use platforms from linux/amd64, linux/arm64, linux/arm/v7, linux/ppc64le, linux/s390x (see KNOWN_PLATFORMS).'],
    ['fails when the platform list is empty', { platforms: [] },
      'shop/image-api: platforms [] is invalid: platforms is a non-empty list of os/arch[/variant] names. Fix: use platforms from linux/amd64, linux/arm64, linux/arm/v7, linux/ppc64le, linux/s390x (see KNOWN_PLATFORMS).'],
    ['fails when a platform is listed twice', { platforms: ['linux/arm64', 'linux/arm64'] },
      'shop/image-api: platforms ["linux/arm64","linux/arm64"] is invalid: each platform may be listed once. Fix: remove the duplicate.'],
    ['fails when a build argument name is not a variable name', { buildArgs: { 'APP-VERSION': '1' } },
      'shop/image-api: buildArgs.APP-VERSION "APP-VERSION" is invalid: a build argument name starts with a letter or \'_\' and holds only letters, digits and \'_\'. Fix: use a name such as "APP_VERSION".'],
    ['fails when a build argument value spans lines', { buildArgs: { NOTE: 'a\nb' } },
      'shop/image-api: buildArgs.NOTE "a\\nb" is invalid: a build argument value is a string on one line. Fix: use a value such as "1.2.3".'],
    ['fails when the user is root', { user: { uid: 0, gid: 0 } },
      'shop/image-api: user.uid 0 is invalid: images run as a numeric non-root user and group of at least 10000 (Pod Security "restricted", kube-score). Fix: use { uid: 10001, gid: 10001 }.'],
    ['fails when the group is below 10000', { user: { uid: 10001, gid: 999 } },
      'shop/image-api: user.gid 999 is invalid: images run as a numeric non-root user and group of at least 10000 (Pod Security "restricted", kube-score). Fix: use { uid: 10001, gid: 10001 }.'],
  ];
  describe.each(RECIPES)('%s', (_kind, recipe) => {
    test.each(cases)('%s', (_name, options, message) => {
      expect(validationMessage(() => imageFor(recipe(options)))).toBe(message);
    });
  });

  describe.each(RECIPES.filter(([k]) => k !== 'custom'))('%s', (_kind, recipe) => {
    test.each([
      ['fails when the base image is tagged latest', 'python:latest'],
      ['fails when the base image is untagged', 'python'],
      ['fails when the base image has a malformed digest', 'python:3.11@sha256:1234'],
    ])('%s', (_name, baseImage) => {
      expect(validationMessage(() => imageFor(recipe({ baseImage })))).toBe(
        `shop/image-api: baseImage ${JSON.stringify(baseImage)} is invalid: a base image must be referenced by an explicit tag other than "latest" (a @sha256 digest may follow). Fix: use a reference such as "node:20-slim" or "node:20-slim@sha256:<64 hex>".`,
      );
    });
  });
});

describe('platforms', () => {
  test('every known platform is accepted, and the list is sorted for the output', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.constantFrom(...KNOWN_PLATFORMS), { minLength: 1, maxLength: 4 }), (platforms) => {
      const image = imageFor(ImageRecipe.staticSite({ source: staticSource(), platforms }));
      expect(image.platforms).toEqual([...platforms].sort());
    }), { numRuns: 20 });
  });
});
