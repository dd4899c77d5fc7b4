import { MASK, maskValue } from '../../lib/diff/mask';

describe('maskValue', () => {
  test('hides the string value of a field with a secret-looking name', () => {
    expect(maskValue('ConfigMap', '/data/API_TOKEN', 'abc123')).toBe(MASK);
    expect(maskValue('ConfigMap', '/data/db_password', 'hunter2')).toBe(MASK);
  });

  test('hides the value of an env var with a secret-looking name', () => {
    const object = { spec: { containers: [{ name: 'api', env: [{ name: 'DB_PASSWORD', value: 'hunter2' }, { name: 'DB_HOST', value: 'db' }] }] } };
    expect(maskValue('Pod', '/spec/containers/0/env/0/value', 'hunter2', object)).toBe(MASK);
    expect(maskValue('Pod', '/spec/containers/0/env/1/value', 'db', object)).toBe('db');
    expect(maskValue('Pod', '/spec/containers/0/env/0', { name: 'DB_PASSWORD', value: 'hunter2' })).toEqual({ name: 'DB_PASSWORD', value: MASK });
  });

  test('hides a URL\'s password inside a string', () => {
    expect(maskValue('ConfigMap', '/data/DATABASE_URL', 'postgres://app:s3cret@db:5432/app')).toBe('postgres://app:***@db:5432/app');
  });

  test('hides everything in a Secret\'s data', () => {
    expect(maskValue('Secret', '/data/anything', 'aGVsbG8=')).toBe(MASK);
    expect(maskValue('Secret', '', { kind: 'Secret', data: { a: 'aGVsbG8=' } })).toEqual({ kind: 'Secret', data: MASK });
  });

  test('shows references and switches whose names merely mention secrets or tokens', () => {
    expect(maskValue('Deployment', '/spec/template/spec/containers/0/env/0/valueFrom/secretKeyRef/name', 'session-key')).toBe('session-key');
    expect(maskValue('ExternalSecret', '/spec/data/0/remoteRef/key', 'shop/prod/db-password')).toBe('shop/prod/db-password');
    expect(maskValue('Deployment', '/spec/template/spec/automountServiceAccountToken', true)).toBe(true);
    expect(maskValue('Ingress', '/spec/tls/0/secretName', 'api-tls')).toBe('api-tls');
  });
});
