import { ApiObject, JsonPatch } from 'cdk8s';
import { ImageRecipe, Pipeline, Policy, PolicyError, ValidationError, WebService } from '../../lib';
import { find, manifests, nodeServiceFixture, testApp } from '../support/synth';

const SOURCE = nodeServiceFixture();

/** A dev-only app whose WebService is made to break one rule through an escape hatch. */
function brokenApp() {
  const app = testApp();
  const pipeline = new Pipeline(app, 'shop', { registry: 'ghcr.io/acme', environments: { dev: { namespace: 'shop-dev' } } });
  const image = pipeline.image('api', ImageRecipe.node({ source: SOURCE, start: ['node', 'server.js'] }));
  let service!: WebService;
  pipeline.define((env) => {
    service = new WebService(env, 'api', { image });
    ApiObject.of(service.deployment).addJsonPatch(JsonPatch.replace('/spec/template/spec/containers/0/securityContext/readOnlyRootFilesystem', false));
  });
  return { app, service };
}

test('fails the synth when an escape hatch breaks a rule, naming the construct path and rule', () => {
  const { app } = brokenApp();
  expect(() => app.render()).toThrow(PolicyError);
  expect(() => app.render()).toThrow(/shop\/dev\/api\/deployment Deployment shop-dev\/api \/spec\/template\/spec\/containers\/0\/securityContext\/readOnlyRootFilesystem: \[read-only-root-filesystem\] container api has a writable root filesystem\. Fix: /);
});

test('an exemption with a reason lets the synth pass and is recorded on the object', () => {
  const { app, service } = brokenApp();
  Policy.exempt(service, 'read-only-root-filesystem', 'the legacy app writes its cache to /app/cache until ticket 42');
  const dep = find(manifests(app, 'dev'), 'Deployment');
  expect(dep.metadata.annotations).toEqual({ 'exempt.policy.prodpath.dev/read-only-root-filesystem': 'the legacy app writes its cache to /app/cache until ticket 42' });
  expect(dep.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem).toBe(false);
});

test('an exemption covers only the rule it names', () => {
  const { app, service } = brokenApp();
  Policy.exempt(service, 'probes', 'this exemption is for another rule entirely');
  expect(() => app.render()).toThrow(/\[read-only-root-filesystem\]/);
});

const bad: [string, string, string, RegExp][] = [
  ['fails when the rule does not exist', 'read-only-rootfs', 'a reason that is long enough', /rule "read-only-rootfs" is invalid: the rule to exempt from must be one of prodpath's rule ids/],
  ['fails when the reason is empty', 'read-only-root-filesystem', '', /reason "" is invalid: an exemption needs a written reason/],
  ['fails when the reason is too short', 'read-only-root-filesystem', 'legacy', /reason "legacy" is invalid/],
  ['fails when the rule cannot be exempted', 'schema-valid', 'a reason that is long enough', /rule "schema-valid" is invalid: this rule cannot be exempted/],
];
test.each(bad)('%s', (_name, rule, reason, message) => {
  const { service } = brokenApp();
  expect(() => Policy.exempt(service, rule, reason)).toThrow(ValidationError);
  expect(() => Policy.exempt(service, rule, reason)).toThrow(message);
});

test('lists every rule with an id, a rationale and a source', () => {
  const rules = Policy.rules();
  expect(rules.length).toBeGreaterThanOrEqual(30);
  expect(new Set(rules.map((r) => r.id)).size).toBe(rules.length);
  for (const r of rules) {
    expect(r.id).toMatch(/^[a-z][a-z0-9-]+$/);
    expect(r.rationale.length).toBeGreaterThan(20);
    expect(r.source.length).toBeGreaterThan(2);
  }
});
