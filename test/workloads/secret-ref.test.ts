import { EnvironmentSettings, SecretRef, WebService, WebServiceProps, Worker } from '../../lib';
import { find } from '../support/synth';
import { all, ENVIRONMENTS, expectInvalid, podSpec, shop, valid } from './support';

const CIPHER = `AgB${'x7Q+'.repeat(60)}==`;

function build(props: Partial<WebServiceProps>, environments: Record<string, EnvironmentSettings> = ENVIRONMENTS) {
  return shop((env, image) => {
    new WebService(env, 'api', { image, ...props });
  }, environments);
}

const WITH_STORE: Record<string, EnvironmentSettings> = {
  dev: { namespace: 'shop-dev', secretStore: { name: 'vault-dev', kind: 'SecretStore' } },
  prod: { namespace: 'shop', replicas: 2, secretStore: { name: 'vault' } },
};

describe('SecretRef', () => {
  test('passes an existing Secret\'s key as an environment variable', () => {
    const c = podSpec(find(valid(build({ secrets: { STRIPE_KEY: SecretRef.fromSecretName('stripe', 'api-key') } }).app, 'dev'), 'Deployment')).containers[0];
    expect(c.env).toEqual([{ name: 'STRIPE_KEY', valueFrom: { secretKeyRef: { key: 'api-key', name: 'stripe' } } }]);
  });

  test('renders an ExternalSecret for an external reference, with the store it names', () => {
    const docs = valid(build({ secrets: { DATABASE_URL: SecretRef.external('shop/db-url', { store: 'vault', property: 'url' }) } }).app, 'dev');
    expect(find(docs, 'ExternalSecret')).toEqual({
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { labels: { 'app.kubernetes.io/managed-by': 'prodpath', 'app.kubernetes.io/part-of': 'shop' }, name: 'shop-db-url', namespace: 'shop-dev' },
      spec: {
        data: [{ remoteRef: { key: 'shop/db-url', property: 'url' }, secretKey: 'url' }],
        refreshInterval: '1h',
        secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault' },
        target: { creationPolicy: 'Owner', name: 'shop-db-url' },
      },
    });
    expect(podSpec(find(docs, 'Deployment')).containers[0].env).toEqual([{ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { key: 'url', name: 'shop-db-url' } } }]);
  });

  test('takes the store from the environment when the reference names none', () => {
    const { app } = build({ secrets: { SESSION_KEY: SecretRef.external('shop/session') } }, WITH_STORE);
    expect(find(valid(app, 'dev'), 'ExternalSecret').spec.secretStoreRef).toEqual({ kind: 'SecretStore', name: 'vault-dev' });
    expect(find(valid(app, 'prod'), 'ExternalSecret').spec.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: 'vault' });
  });

  test('renders one ExternalSecret per Secret, however many references and workloads share it', () => {
    const { app } = shop((env, image) => {
      const user = SecretRef.external('shop/db', { store: 'vault', property: 'user', secretName: 'db' });
      const password = SecretRef.external('shop/db', { store: 'vault', property: 'password', secretName: 'db' });
      new WebService(env, 'api', { image, secrets: { DB_USER: user, DB_PASSWORD: password } });
      new Worker(env, 'mailer', { image, health: { exec: ['true'] }, secrets: { DB_PASSWORD: password } });
    });
    const secrets = all(valid(app, 'dev'), 'ExternalSecret');
    expect(secrets).toHaveLength(1);
    expect(secrets[0].spec.data).toEqual([
      { remoteRef: { key: 'shop/db', property: 'password' }, secretKey: 'password' },
      { remoteRef: { key: 'shop/db', property: 'user' }, secretKey: 'user' },
    ]);
  });

  test('passes a SealedSecret through as the ciphertext it is given', () => {
    const ref = SecretRef.sealed({ name: 'smtp', key: 'password', encryptedData: { password: CIPHER }, scope: 'namespace-wide' });
    const docs = valid(build({ secrets: { SMTP_PASSWORD: ref } }).app, 'dev');
    const sealed = find(docs, 'SealedSecret');
    expect(sealed.apiVersion).toBe('bitnami.com/v1alpha1');
    expect(sealed.metadata.annotations).toEqual({ 'sealedsecrets.bitnami.com/namespace-wide': 'true' });
    expect(sealed.spec.encryptedData).toEqual({ password: CIPHER });
    expect(sealed.spec.template.metadata.name).toBe('smtp');
  });

  test('mounts secret files read-only, one projected volume per folder', () => {
    const spec = podSpec(find(valid(build({
      secretFiles: {
        '/etc/shop/tls.key': SecretRef.fromSecretName('tls', 'key'),
        '/etc/shop/db-password': SecretRef.fromSecretName('db', 'password'),
        '/var/run/keys/signing': SecretRef.fromSecretName('signing', 'pem'),
      },
    }).app, 'dev'), 'Deployment'));
    expect(spec.volumes.filter((v: any) => v.projected)).toEqual([
      { name: 'secret-files-0', projected: { defaultMode: 0o440, sources: [
        { secret: { items: [{ key: 'password', path: 'db-password' }], name: 'db' } },
        { secret: { items: [{ key: 'key', path: 'tls.key' }], name: 'tls' } },
      ] } },
      { name: 'secret-files-1', projected: { defaultMode: 0o440, sources: [{ secret: { items: [{ key: 'pem', path: 'signing' }], name: 'signing' } }] } },
    ]);
    expect(spec.containers[0].volumeMounts).toEqual(expect.arrayContaining([
      { mountPath: '/etc/shop', name: 'secret-files-0', readOnly: true },
      { mountPath: '/var/run/keys', name: 'secret-files-1', readOnly: true },
    ]));
  });

  test('never writes a Secret with data, nor a secret value, to the manifests', () => {
    const { app } = build({
      secrets: { A_TOKEN: SecretRef.external('shop/token', { store: 'vault' }), B_PASSWORD: SecretRef.sealed({ name: 'b', key: 'p', encryptedData: { p: CIPHER } }) },
    });
    for (const env of ['dev', 'staging', 'prod']) {
      const docs = valid(app, env);
      expect(docs.filter((d) => d.kind === 'Secret')).toEqual([]);
      expect(podSpec(find(docs, 'Deployment')).containers[0].env.every((e: any) => e.value === undefined)).toBe(true);
    }
  });
});

describe('bad SecretRef input', () => {
  const cases: [string, Partial<WebServiceProps>, RegExp][] = [
    ['fails when a secret is a literal value', { secrets: { DB_PASSWORD: 'hunter2' as any } }, /^shop\/dev\/api: secrets\.DB_PASSWORD "\(value hidden\)" is invalid: secrets are passed by reference only; a literal value would be written in plain text/],
    ['fails when a secret file is a literal value', { secretFiles: { '/etc/shop/key': 'hunter2' as any } }, /secretFiles\["\/etc\/shop\/key"\] "\(value hidden\)" is invalid: secrets are passed by reference only/],
    ['fails when an external secret has no store anywhere', { secrets: { X: SecretRef.external('shop/x') } }, /secrets\.X\.store \(missing\) is invalid: SecretRef\.external\("shop\/x"\) names no store, and environment "dev" has no secretStore setting/],
    ['fails when an external secret has an empty remote key', { secrets: { X: SecretRef.external('', { store: 'vault', secretName: 'x' }) } }, /secrets\.X\.remoteKey "" is invalid/],
    ['fails when a sealed value is not ciphertext', { secrets: { X: SecretRef.sealed({ name: 'x', key: 'p', encryptedData: { p: 'hunter2' } }) } }, /secrets\.X\.encryptedData\.p "\(value hidden\)" is invalid: a sealed value is the base64 ciphertext kubeseal writes/],
    ['fails when a sealed key is missing', { secrets: { X: SecretRef.sealed({ name: 'x', key: 'q', encryptedData: { p: CIPHER } }) } }, /secrets\.X\.key "q" is invalid: the sealed secret "x" has no such key \(it has p\)/],
    ['fails when a Secret name is invalid', { secrets: { X: SecretRef.fromSecretName('Bad_Name', 'k') } }, /secrets\.X\.secretName "Bad_Name" is invalid: must be a DNS-1123 subdomain/],
    ['fails when a Secret key is invalid', { secrets: { X: SecretRef.fromSecretName('ok', 'bad key') } }, /secrets\.X\.key "bad key" is invalid/],
    ['fails when a secret variable name is invalid', { secrets: { 'bad-name': SecretRef.fromSecretName('ok', 'k') } }, /secrets key "bad-name" is invalid: an environment variable name/],
    ['fails when a secret variable shadows config', { config: { DB_URL: 'x' }, secrets: { DB_URL: SecretRef.fromSecretName('db', 'url') } }, /secrets\.DB_URL "DB_URL" is invalid: config already sets the environment variable DB_URL/],
    ['fails when a secret file path is relative', { secretFiles: { 'etc/key': SecretRef.fromSecretName('k', 'k') } }, /secretFiles key "etc\/key" is invalid: a secret file path is absolute/],
    ['fails when a secret file is directly under /', { secretFiles: { '/key': SecretRef.fromSecretName('k', 'k') } }, /secretFiles key "\/key" is invalid/],
    ['fails when a secret file is under /tmp', { secretFiles: { '/tmp/key': SecretRef.fromSecretName('k', 'k') } }, /secretFiles key "\/tmp\/key" is invalid/],
    ['fails when two external references fill one key differently', {
      secrets: { A: SecretRef.external('one', { store: 'v', secretName: 's', key: 'k' }), B: SecretRef.external('two', { store: 'v', secretName: 's', key: 'k' }) },
    }, /secrets\.B\.key "k" is invalid: shop\/dev\/api already fills key "k" of the Secret "s" from "one"/],
    ['fails when two external references to one Secret use different stores', {
      secrets: { A: SecretRef.external('one', { store: 'v1', secretName: 's', key: 'a' }), B: SecretRef.external('two', { store: 'v2', secretName: 's', key: 'b' }) },
    }, /secrets\.B\.store "ClusterSecretStore\/v2 every 1h" is invalid: shop\/dev\/api already makes the Secret "s" from ClusterSecretStore\/v1/],
    ['fails when a sealed and an external reference make one Secret', {
      secrets: { A: SecretRef.external('one', { store: 'v', secretName: 's', key: 'p' }), B: SecretRef.sealed({ name: 's', key: 'p', encryptedData: { p: CIPHER } }) },
    }, /secrets\.B\.secretName "s" is invalid: shop\/dev\/api already makes that Secret from an ExternalSecret/],
    ['fails when a refresh interval is malformed', { secrets: { X: SecretRef.external('x', { store: 'v', refreshInterval: 'hourly' }) } }, /secrets\.X\.refreshInterval "hourly" is invalid: a refresh interval is a Go duration/],
  ];
  test.each(cases)('%s', (_name, props, message) => {
    expectInvalid(() => build(props), message);
  });
});
