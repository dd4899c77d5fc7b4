import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiObject } from 'cdk8s';
import { App, Pipeline, PolicyError, ValidationError } from '../../lib';
import { run } from '../../lib/cli/main';
import { checkManifests } from '../../lib/policy/manifest-rules';
import { formatFinding } from '../../lib/policy/rules';
import { formatMinors, parseKubernetesMinors, SUPPORTED_KUBERNETES_MINORS } from '../../lib/policy/schema/minors';
import { apiChangeOf, deprecatedFieldsOf, isKnownCustomResource, isKnownKind, validateCustomResource, validateManifest } from '../../lib/policy/schema/validate';
import { CRD_SCHEMA_FILE, renderCrdSchema, renderSchema, schemaFile, SUPPORTED_MINORS } from '../../scripts/gen-k8s-schema';

type Obj = Record<string, any>;

/** A FlowSchema as cluster admins write it; the same body is valid in v1beta2, v1beta3 and v1. */
const flowSchema = (apiVersion: string): Obj => ({
  apiVersion,
  kind: 'FlowSchema',
  metadata: { name: 'shop-batch' },
  spec: {
    matchingPrecedence: 1000,
    priorityLevelConfiguration: { name: 'workload-low' },
    distinguisherMethod: { type: 'ByUser' },
    rules: [{
      subjects: [{ kind: 'ServiceAccount', serviceAccount: { name: 'batch', namespace: 'shop' } }],
      resourceRules: [{ verbs: ['list'], apiGroups: [''], resources: ['pods'], namespaces: ['shop'] }],
    }],
  },
});

const statefulSet = (): Obj => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'db', namespace: 'shop' },
  spec: {
    serviceName: 'db',
    selector: { matchLabels: { app: 'db' } },
    template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'postgres:16' }] } },
  },
});

const errorsOf = (obj: Obj, kubernetes: Parameters<typeof checkManifests>[1]['kubernetes']) =>
  checkManifests([{ object: obj, constructPath: 'shop/dev/flow' }], { production: false, kubernetes }).filter((f) => f.severity === 'error');

describe('one strict schema per Kubernetes minor', () => {
  test('the generator and the library support the same minors, 1.27 to 1.33', () => {
    expect([...SUPPORTED_MINORS]).toEqual([...SUPPORTED_KUBERNETES_MINORS]);
    expect(SUPPORTED_KUBERNETES_MINORS[0]).toBe('1.27');
    expect(SUPPORTED_KUBERNETES_MINORS[SUPPORTED_KUBERNETES_MINORS.length - 1]).toBe('1.33');
  });

  test.each(SUPPORTED_MINORS.map((m) => [m]))('k8s-%s.schema.json is up to date with scripts/gen-k8s-schema.ts', (minor) => {
    const text = renderSchema(minor);
    if (fs.readFileSync(schemaFile(minor), 'utf8') !== text) {
      throw new Error(`${path.basename(schemaFile(minor))} is out of date: run npm run gen:schema`);
    }
  });

  test('a FlowSchema follows the apiVersions each minor serves', () => {
    const served = (v: string) => SUPPORTED_MINORS.filter((m) => isKnownKind(v, 'FlowSchema', m));
    expect(served('flowcontrol.apiserver.k8s.io/v1beta2')).toEqual(['1.27', '1.28']);
    expect(served('flowcontrol.apiserver.k8s.io/v1beta3')).toEqual(['1.27', '1.28', '1.29', '1.30', '1.31']);
    expect(served('flowcontrol.apiserver.k8s.io/v1')).toEqual(['1.29', '1.30', '1.31', '1.32', '1.33']);
    for (const m of served('flowcontrol.apiserver.k8s.io/v1beta3')) expect([m, validateManifest(flowSchema('flowcontrol.apiserver.k8s.io/v1beta3'), m)]).toEqual([m, []]);
    expect(apiChangeOf('flowcontrol.apiserver.k8s.io/v1beta3', 'FlowSchema', '1.32')).toEqual({ status: 'removed', minor: '1.32', use: 'flowcontrol.apiserver.k8s.io/v1' });
    expect(apiChangeOf('flowcontrol.apiserver.k8s.io/v1beta3', 'FlowSchema', '1.30')).toEqual({ status: 'deprecated', minor: '1.32', use: 'flowcontrol.apiserver.k8s.io/v1' });
  });

  test('fields follow the minor: PodSpec.resources exists from 1.32, StatefulSet serviceName is optional from 1.33', () => {
    const withPodResources = statefulSet();
    withPodResources.spec.template.spec.resources = { limits: { memory: '1Gi' } };
    expect(validateManifest(withPodResources, '1.32')).toEqual([]);
    expect(validateManifest(withPodResources, '1.31')).toEqual([
      expect.objectContaining({ path: '/spec/template/spec/resources', message: expect.stringMatching(/^unknown field "resources"/) }),
    ]);
    const headless = statefulSet();
    delete headless.spec.serviceName;
    expect(validateManifest(headless, '1.33')).toEqual([]);
    expect(validateManifest(headless, '1.32')).toEqual([{ path: '/spec', message: 'missing required field "serviceName"' }]);
  });

  test('a PersistentVolumeClaim\'s resources lose `claims` in 1.29 (VolumeResourceRequirements)', () => {
    const pvc = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' }, claims: [{ name: 'gpu' }] } } };
    expect(validateManifest(pvc, '1.28')).toEqual([]);
    expect(validateManifest(pvc, '1.29').map((v) => v.path)).toEqual(['/spec/resources/claims']);
  });
});

describe('targeted minors at the manifest check', () => {
  test('fails when an object valid in 1.28 uses an apiVersion 1.29 removed: refused for 1.29 only, with the replacement', () => {
    const obj = flowSchema('flowcontrol.apiserver.k8s.io/v1beta2');
    expect(errorsOf(obj, ['1.28'])).toEqual([]);
    const errors = errorsOf(obj, ['1.28', '1.29']);
    expect(errors).toHaveLength(1);
    expect(errors[0].rule.id).toBe('api-version-served');
    expect(formatFinding(errors[0])).toBe(
      'shop/dev/flow FlowSchema shop-batch: [api-version-served] flowcontrol.apiserver.k8s.io/v1beta2 FlowSchema is not served: Kubernetes 1.29 removed it (in Kubernetes 1.29). '
      + 'Fix: use apiVersion flowcontrol.apiserver.k8s.io/v1, or target only the Kubernetes minors that serve flowcontrol.apiserver.k8s.io/v1beta2; '
      + 'Kubernetes 1.28 accepts it, so either change the object or drop 1.29 from the environment\'s kubernetes setting. '
      + '(a cluster refuses an object whose apiVersion it does not serve (removed, or not released yet))',
    );
  });

  test('warns about an apiVersion a later targeted minor removes', () => {
    const findings = checkManifests([{ object: flowSchema('flowcontrol.apiserver.k8s.io/v1beta3') }], { production: false, kubernetes: ['1.30', '1.31'] });
    expect(findings.map((f) => [f.severity, f.rule.id, f.message, f.fix])).toEqual([
      ['warning', 'api-version-deprecated', 'flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema is removed in Kubernetes 1.32 (in Kubernetes 1.30-1.31)', 'move to apiVersion flowcontrol.apiserver.k8s.io/v1 before the clusters run 1.32'],
    ]);
  });

  test.each([
    ['autoscaling/v2beta2', 'HorizontalPodAutoscaler', '1.26', 'autoscaling/v2'],
    ['policy/v1beta1', 'PodDisruptionBudget', '1.25', 'policy/v1'],
    ['batch/v1beta1', 'CronJob', '1.25', 'batch/v1'],
  ])('fails in every minor for %s %s, removed in %s, naming %s', (apiVersion, kind, removedIn, use) => {
    const errors = errorsOf({ apiVersion, kind, metadata: { name: 'x' }, spec: {} }, ['1.27', '1.33']);
    expect(errors.map((f) => [f.rule.id, f.message, f.fix])).toEqual([
      ['api-version-served', `${apiVersion} ${kind} is not served: Kubernetes ${removedIn} removed it (in Kubernetes 1.27, 1.33)`, `use apiVersion ${use}, or target only the Kubernetes minors that serve ${apiVersion}`],
    ]);
  });

  test('fails when a field exists in some targeted minors only, saying which accept it', () => {
    const obj = statefulSet();
    obj.spec.template.spec.resources = { limits: { memory: '1Gi' } };
    const errors = errorsOf(obj, ['1.31', '1.32', '1.33']).filter((f) => f.rule.id === 'schema-valid');
    expect(errors).toHaveLength(1);
    expect(errors[0].where).toBe('/spec/template/spec/resources');
    expect(errors[0].message).toMatch(/^unknown field "resources".* \(in Kubernetes 1\.31\)$/);
    expect(errors[0].fix).toContain('Kubernetes 1.32-1.33 accept it');
  });

  test('warns about a field the API marks deprecated', () => {
    const obj = statefulSet();
    obj.spec.template.spec.serviceAccount = 'db';
    const findings = checkManifests([{ object: obj }], { production: false, kubernetes: ['1.33'] }).filter((f) => f.rule.id === 'deprecated-field');
    expect(findings.map((f) => [f.severity, f.where, f.message])).toEqual([
      ['warning', '/spec/template/spec/serviceAccount', 'the field is deprecated: Deprecated: Use serviceAccountName instead (in Kubernetes 1.33)'],
    ]);
  });

  test('finds the same deprecated fields from the object\'s JSON text as by walking it, and none where only a longer name is set', () => {
    const withField = statefulSet();
    withField.spec.template.spec.serviceAccount = 'db';
    const withoutField = statefulSet();
    withoutField.spec.template.spec.serviceAccountName = 'db';
    for (const m of SUPPORTED_MINORS) {
      expect(deprecatedFieldsOf(withField, m, JSON.stringify(withField))).toEqual(deprecatedFieldsOf(withField, m));
      expect(deprecatedFieldsOf(withField, m, JSON.stringify(withField)).map((d) => d.path)).toEqual(['/spec/template/spec/serviceAccount']);
      expect(deprecatedFieldsOf(withoutField, m, JSON.stringify(withoutField))).toEqual([]);
      expect(deprecatedFieldsOf(withoutField, m)).toEqual([]);
    }
  });

  test('the cut-down paths of the index find exactly the deprecated fields a walk of the whole schema finds', () => {
    // The reference: every field of the object, walked along the minor's full schema file.
    const reference = (object: Obj, m: (typeof SUPPORTED_MINORS)[number]): string[] => {
      const document = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'lib', 'policy', 'schema', `k8s-${m}.schema.json`), 'utf8'));
      const found: string[] = [];
      const walk = (value: unknown, schema: Obj | undefined, name: string | undefined, at: string): void => {
        if (schema === undefined || value === null || typeof value !== 'object') return;
        if (typeof schema.$ref === 'string') {
          const target = schema.$ref.replace('#/definitions/', '');
          walk(value, document.definitions[target], target, at);
          return;
        }
        if (Array.isArray(value)) {
          value.forEach((v, i) => walk(v, schema.items, undefined, `${at}/${i}`));
          return;
        }
        for (const [field, v] of Object.entries(value as Obj)) {
          const note = name !== undefined ? document.deprecatedFields[name]?.[field] : undefined;
          if (note !== undefined && v !== null) found.push(`${at}/${field} ${note}`);
          walk(v, schema.properties !== undefined ? schema.properties[field] : schema.additionalProperties, undefined, `${at}/${field}`);
        }
      };
      const definition = document.kinds[object.apiVersion][object.kind];
      walk(object, document.definitions[definition], definition, '');
      return found.sort();
    };
    const workload = statefulSet();
    const pod = workload.spec.template.spec;
    pod.serviceAccount = 'db';
    pod.volumes = [{ name: 'repo', gitRepo: { repository: 'https://example.com/r.git' } }, { name: 'ebs', awsElasticBlockStore: { volumeID: 'vol-1' } }];
    pod.containers[0].lifecycle = { postStart: { tcpSocket: { port: 80 } } };
    pod.containers[0].readinessProbe = { tcpSocket: { port: 80 } };
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', selfLink: '/x' }, spec: { loadBalancerIP: '10.0.0.1', ports: [{ port: 80 }] } };
    let compared = 0;
    for (const m of SUPPORTED_MINORS) {
      for (const object of [workload, service]) {
        const expected = reference(object, m);
        expect(deprecatedFieldsOf(object, m, JSON.stringify(object)).map((d) => `${d.path} ${d.note}`).sort()).toEqual(expected);
        compared += expected.length;
      }
    }
    // serviceAccount, gitRepo, the lifecycle's tcpSocket (not the probe's), loadBalancerIP, selfLink where deprecated.
    expect(compared).toBeGreaterThanOrEqual(SUPPORTED_MINORS.length * 4);
  });

  test('names exactly the minors that deprecate a field, also where minors share a schema', () => {
    // A Service's schema is shared by several minors (validated once), its notes too; a Volume
    // type is deprecated from some minor on only.
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', selfLink: '/x' }, spec: { loadBalancerIP: '10.0.0.1', ports: [{ port: 80 }] } };
    const obj = statefulSet();
    obj.spec.template.spec.volumes = [{ name: 'v', awsElasticBlockStore: { volumeID: 'vol-1' } }];
    for (const object of [service, obj]) {
      const findings = checkManifests([{ object }], { production: false, kubernetes: SUPPORTED_MINORS }).filter((f) => f.rule.id === 'deprecated-field');
      const expected = new Map<string, string[]>();
      for (const m of SUPPORTED_MINORS) {
        for (const d of deprecatedFieldsOf(object, m)) expected.set(`${d.path} ${d.note}`, [...(expected.get(`${d.path} ${d.note}`) ?? []), m]);
      }
      expect(expected.size).toBeGreaterThan(0);
      expect(findings.map((f) => `${f.where} ${f.message}`).sort()).toEqual([...expected].map(([k, minors]) => {
        const [where, ...note] = k.split(' ');
        return `${where} the field is deprecated: ${note.join(' ')} (in Kubernetes ${formatMinors(minors)})`;
      }).sort());
    }
  });
});

describe('an app names the minors its clusters run', () => {
  const app = (kubernetes: unknown, envKubernetes?: unknown) => {
    const a = new App({ outdir: 'unused', printSummary: false });
    const pipeline = new Pipeline(a, 'shop', {
      registry: 'ghcr.io/acme',
      kubernetes: kubernetes as any,
      environments: { dev: { namespace: 'shop-dev', ...(envKubernetes !== undefined ? { kubernetes: envKubernetes as any } : {}) } },
    });
    return { a, pipeline };
  };

  test('defaults to every supported minor; a range or list narrows it; an environment overrides the pipeline', () => {
    expect(app(undefined).pipeline.environments[0].kubernetesMinors).toEqual([...SUPPORTED_KUBERNETES_MINORS]);
    expect(app({ from: '1.30' }).pipeline.environments[0].kubernetesMinors).toEqual(['1.30', '1.31', '1.32', '1.33']);
    expect(app({ from: '1.30', to: '1.31' }, ['1.33', '1.29', '1.33']).pipeline.environments[0].kubernetesMinors).toEqual(['1.29', '1.33']);
  });

  test.each([
    ['an unknown minor', ['1.26'], /^shop: environments\.dev\.kubernetes "1\.26" is invalid: "1\.26" is not a Kubernetes minor prodpath validates against \(it supports 1\.27 to 1\.33\)\. Fix: name supported minors/],
    ['a minor newer than supported', { from: '1.31', to: '1.34' }, /^shop: environments\.dev\.kubernetes "1\.34" is invalid: the range ends at "1\.34"/],
    ['a number instead of a string', [1.31], /^shop: environments\.dev\.kubernetes 1\.31 is invalid: 1\.31 is not a Kubernetes minor/],
    ['an empty list', [], /^shop: environments\.dev\.kubernetes \[\] is invalid: the list of Kubernetes minors is empty/],
    ['a reversed range', { from: '1.33', to: '1.30' }, /^shop: environments\.dev\.kubernetes .* is invalid: the range ends \(1\.30\) before it starts \(1\.33\)/],
  ])('fails when an environment names %s', (_what, value, message) => {
    expect(() => app(undefined, value)).toThrow(ValidationError);
    expect(() => app(undefined, value)).toThrow(message);
  });

  test('fails at synth, before writing, naming the construct, the object, the minor and the fix', () => {
    const { a, pipeline } = app({ from: '1.28', to: '1.29' });
    pipeline.define((env) => { new ApiObject(env, 'flow', flowSchema('flowcontrol.apiserver.k8s.io/v1beta2') as any); });
    let error: unknown;
    try {
      a.render();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PolicyError);
    const message = (error as PolicyError).message;
    expect(message).toContain('shop/dev FlowSchema shop-dev/shop-batch: [api-version-served] flowcontrol.apiserver.k8s.io/v1beta2 FlowSchema is not served: Kubernetes 1.29 removed it (in Kubernetes 1.29). Fix: use apiVersion flowcontrol.apiserver.k8s.io/v1');
    expect((error as PolicyError).findings).toHaveLength(1);
  });

  test('the Namespace records the targeted minors for prodpath check', () => {
    const { a, pipeline } = app(['1.31', '1.32']);
    pipeline.define(() => undefined);
    expect(a.render().get('dev/shop.k8s.yaml')).toContain('prodpath.dev/kubernetes: 1.31-1.32');
  });
});

describe('prodpath check --kube', () => {
  const DIST = path.resolve(__dirname, '..', '..', 'dist');
  async function cli(args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await run(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  test('checks the committed example against one minor', async () => {
    const r = await cli(['check', DIST, '--kube', '1.31']);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^prodpath check: 0 error\(s\), 0 warning\(s\)/m);
    expect(r.code).toBe(0);
  });

  test.each([['1.26'], ['1.31-1.27'], ['latest']])('fails when --kube is %s, naming the supported minors', async (kube) => {
    const r = await cli(['check', DIST, '--kube', kube]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^prodpath check --kube ".*": .*Fix: (use minors from 1\.27 to 1\.33|write the older minor first)/);
  });

  test('reads ranges and lists as written in the Namespace annotation', () => {
    expect(parseKubernetesMinors('1.27-1.29, 1.31')).toEqual(['1.27', '1.28', '1.29', '1.31']);
    expect(parseKubernetesMinors('1.33')).toEqual(['1.33']);
  });
});

describe('custom resources prodpath emits are checked against their published CRDs', () => {
  const externalSecret = (): Obj => ({
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: { name: 'db-url', namespace: 'shop', labels: { 'app.kubernetes.io/managed-by': 'prodpath' } },
    spec: {
      data: [{ remoteRef: { key: 'shop/db-url' }, secretKey: 'value' }],
      refreshInterval: '1h',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault' },
      target: { creationPolicy: 'Owner', name: 'db-url' },
    },
  });
  const sealedSecret = (): Obj => ({
    apiVersion: 'bitnami.com/v1alpha1',
    kind: 'SealedSecret',
    metadata: { name: 'stripe', namespace: 'shop' },
    spec: { encryptedData: { 'api-key': 'AgBy3i4OJSWK+PiTySYZZA==' }, template: { metadata: { name: 'stripe', labels: { app: 'shop' } } } },
  });

  test('crds.schema.json is up to date with the CRDs in scripts/crds', () => {
    if (fs.readFileSync(CRD_SCHEMA_FILE, 'utf8') !== renderCrdSchema()) throw new Error('lib/policy/schema/crds.schema.json is out of date: run npm run gen:schema');
    expect(isKnownCustomResource('external-secrets.io/v1', 'ExternalSecret')).toBe(true);
    expect(isKnownCustomResource('bitnami.com/v1alpha1', 'SealedSecret')).toBe(true);
    expect(isKnownCustomResource('cert-manager.io/v1', 'Certificate')).toBe(false);
  });

  test('the ExternalSecret and SealedSecret prodpath renders are valid', () => {
    expect(validateCustomResource(externalSecret())).toEqual([]);
    expect(validateCustomResource(sealedSecret())).toEqual([]);
  });

  test.each([
    ['an ExternalSecret field the CRD does not have', externalSecret, (o: Obj) => { o.spec.refreshIntervall = '1h'; }, '/spec/refreshIntervall', /^unknown field "refreshIntervall", did you mean "refreshInterval"\?/],
    ['a misspelt remoteRef field', externalSecret, (o: Obj) => { o.spec.data[0].remoteRef.propery = 'url'; }, '/spec/data/0/remoteRef/propery', /^unknown field "propery", did you mean "property"\?/],
    ['a store kind outside the CRD enum', externalSecret, (o: Obj) => { o.spec.secretStoreRef.kind = 'VaultStore'; }, '/spec/secretStoreRef/kind', /^must be one of SecretStore, ClusterSecretStore, got "VaultStore"/],
    ['a SealedSecret without encryptedData', sealedSecret, (o: Obj) => { delete o.spec.encryptedData; }, '/spec', /^missing required field "encryptedData"/],
    ['a SealedSecret spec field the CRD does not have', sealedSecret, (o: Obj) => { o.spec.scope = 'strict'; }, '/spec/scope', /^unknown field "scope"/],
  ])('fails on %s, at synth and in prodpath check', (_what, make, edit, where, message) => {
    const obj = make();
    edit(obj);
    const errors = errorsOf(obj, ['1.33']);
    expect(errors.map((f) => [f.rule.id, f.where])).toEqual([['schema-valid', where]]);
    expect(errors[0].message).toMatch(message);
    expect(errors[0].message).toMatch(new RegExp(`\\(${obj.kind} CRD ${obj.apiVersion.replace(/\./g, '\\.')}\\)$`));
  });
});
