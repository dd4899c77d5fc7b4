/**
 * The secret detector (lib/policy/secrets.ts) on its own: what it finds by name, by format,
 * by entropy and in command lines, what it lets through, and that masks never show a secret.
 */
import * as fc from 'fast-check';
import { detectSecret, findObjectSecrets, findSecretArguments, findSecretTokens, isSecretName, maskSecret } from '../../lib/policy/secrets';

const rep = (s: string, n: number) => s.repeat(n);

describe('detectSecret', () => {
  test.each([
    ['DB_PASS', 'hunter2', 'secret-name'],
    ['SMTP_PWD', 'x1', 'secret-name'],
    ['GPG_PASSPHRASE', 'correct horse', 'secret-name'],
    ['RELEASE_SIGNING_KEY', 'abc', 'secret-name'],
    ['NPM_AUTH', 'dGVzdA==', 'secret-name'],
    ['AWS_CREDENTIALS', '{}', 'secret-name'],
    ['client_secret', 'abc', 'secret-name'],
    ['dbPassword', 'x', 'secret-name'],
    ['GH_TOKEN', 'abc', 'secret-name'],
    ['SESSION_KEY', '9f8Ae3b7C1d6E0f2a4B5c8D9e7F1a3b6', 'high-entropy'],
    ['DATABASE_URL', 'postgres://app:pw@db/shop', 'url-password'],
    ['REDIS_URL', 'redis://:pw@cache:6379/0', 'url-password'],
    ['X', `AKIA${rep('Q7X2', 4)}`, 'aws-access-key'],
    ['X', `ghp_${rep('a1B2', 9)}`, 'github-token'],
    ['X', `github_pat_${rep('a1B2_', 12)}`, 'github-token'],
    ['X', `glpat-${rep('x8Yz', 5)}`, 'gitlab-token'],
    ['X', 'xoxb-1234567890-abcdefghijkl', 'slack-token'],
    ['X', `https://hooks.slack.com/services/T000/B000/${rep('x', 24)}`, 'slack-webhook'],
    ['X', `sk_live_${rep('a1', 12)}`, 'stripe-live-key'],
    ['X', `AIza${rep('b', 35)}`, 'google-api-key'],
    ['X', `npm_${rep('c', 36)}`, 'npm-token'],
    ['X', '-----BEGIN EC PRIVATE KEY-----\nMHc\n-----END EC PRIVATE KEY-----', 'private-key'],
    ['X', '-----BEGIN PRIVATE KEY-----', 'private-key'],
    ['X', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N', 'jwt'],
  ])('finds %s = %j by %s', (key, value, detector) => {
    expect(detectSecret(key, value)).toBe(detector);
  });

  test.each([
    ['LOG_LEVEL', 'debug'], ['PWD', '/app'], ['MAX_TOKENS', '4096'], ['DB_PASSWORD_FILE', '/run/secrets/db'], ['TOKEN_URL', 'https://auth.example.com/token'],
    ['DB_PASSWORD', '$(DB_PASSWORD)'], ['DB_PASSWORD', '${DB_PASSWORD}'], ['DB_PASSWORD', ''], ['AUTH_DOMAIN', 'example.com'], ['AUTH_ENABLED', 'true'],
    ['PUBLIC_KEY', '9f8Ae3b7C1d6E0f2a4B5c8D9e7F1a3b6'], ['CACHE_KEY', 'users:v2'], ['API_URL', 'https://api.example.com:8443/v1'],
    ['DATABASE_URL', 'postgres://app@db/shop'], ['PASSWORD_MIN_LENGTH', '12'], ['SECRET_NAME', 'db-credentials'], ['PUBLISHABLE_KEY', 'pk_live_abc'],
    ['X', 'sk_test_4eC39HqLyjWDarjtT1zdp7dc'], ['CERT', '-----BEGIN CERTIFICATE-----'],
  ])('lets %s = %j through', (key, value) => {
    expect(detectSecret(key, value)).toBeUndefined();
  });

  test('plain config values of many shapes pass (property)', () => {
    const keys = fc.constantFrom('LOG_LEVEL', 'PORT', 'GREETING', 'FEATURE_FLAGS', 'REGION', 'TIMEZONE', 'WORKERS');
    const values = fc.oneof(fc.constantFrom('debug', 'info', 'eu-west-1', 'Europe/Berlin', 'hello from dev'), fc.integer({ min: 0, max: 65535 }).map(String), fc.stringMatching(/^[a-z][a-z-]{0,20}$/));
    fc.assert(fc.property(keys, values, (k, v) => detectSecret(k, v) === undefined), { numRuns: 200 });
  });
});

describe('isSecretName', () => {
  test.each(['DB_PASS', 'db-password', 'apiKey', 'STRIPE_SECRET_KEY', 'NPM_AUTH', 'aws_credential', 'OAUTH_CLIENT_SECRET', 'ACCESS_TOKEN', 'SMTP_PW'])('%s is secret', (name) => {
    expect(isSecretName(name)).toBe(true);
  });
  test.each(['LOG_LEVEL', 'PASSPORT_STRATEGY', 'AUTH_MODE', 'TOKENIZER_MODEL', 'SECRET_STORE', 'DB_PASSWORD_FILE', 'PUBLIC_KEY', 'BYPASS'])('%s is not', (name) => {
    expect(isSecretName(name)).toBe(false);
  });
});

describe('findSecretArguments', () => {
  test.each([
    [['app', '--password=x'], 1, '--password'],
    [['app', '--token', 'abc'], 2, '--token'],
    [['mysql', '-u', 'app', '-p', 'pw'], 4, '-p'],
    [['/usr/bin/mysql', '-ppw', 'shop'], 1, '-p'],
    [['sshpass', '-p', 'pw', 'ssh', 'host'], 2, '-p'],
    [['redis-cli', '-a', 'pw'], 2, '-a'],
    [['tool', '-u', 'me', '-p', 'pw'], 4, '-p'],
    [['sh', '-c', 'exec app --api-key=x'], 2, '--api-key'],
    [['env', 'DB_PASS=x', 'node'], 1, 'DB_PASS='],
    [['curl', '-u', 'me:pw', 'http://127.0.0.1/'], 2, '-u'],
    [['curl', '--user', 'me:pw', 'http://127.0.0.1/'], 2, '--user'],
  ])('finds the secret in %j at %i (%s)', (args, index, argument) => {
    expect(findSecretArguments(args)).toEqual([expect.objectContaining({ index, argument })]);
  });

  test.each([
    [['node', 'dist/server.js', '--port', '8080']],
    [['psql', '-p', '5432', '-U', 'app']],
    [['node', 'x.js', '--db-password=$(DB_PASSWORD)']],
    [['app', '--password-file', '/run/secrets/db']],
    [['sh', '-c', 'mysql -u app -p"$DB_PASSWORD" shop']],
    [['curl', '-u', 'me', 'http://127.0.0.1/']],
  ])('lets %j through', (args) => {
    expect(findSecretArguments(args)).toEqual([]);
  });
});

describe('maskSecret', () => {
  test('keeps a URL but its password, and hides anything else behind its length', () => {
    expect(maskSecret('postgres://app:pw@db/shop', 'url-password')).toBe('postgres://app:***@db/shop');
    expect(maskSecret('hunter2', 'secret-name')).toBe('*** (7 characters, hidden)');
  });

  test('never contains the secret (property)', () => {
    const secret = fc.stringMatching(/^[A-Za-z0-9!%^&*()_+=-]{4,40}$/);
    fc.assert(fc.property(secret, fc.constantFrom('app', ''), (pw, user) => {
      const url = `redis://${user}:${pw}@cache:6379/0`;
      const masked = maskSecret(url, detectSecret('REDIS_URL', url));
      return !masked.includes(`:${pw}@`) && findSecretTokens(masked).length === 0;
    }), { numRuns: 200 });
  });
});

describe('findObjectSecrets', () => {
  const token = `ghp_${'a1B2'.repeat(9)}`;

  test('points at each secret, escaping "~" and "/" in keys, and names what holds it', () => {
    const obj = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api', annotations: { 'example.com/db-password': 'hunter2' }, labels: { 'a~b/token': 'x' } },
      spec: {
        template: {
          spec: {
            containers: [{
              name: 'api',
              command: ['mysql', '-u', 'app', '-p', 'hunter2'],
              env: [{ name: 'DB_PASS', value: 'hunter2' }, { name: 'LOG', value: 'debug' }],
              volumeMounts: [{ name: 'x', mountPath: '/x', 'sub/path~': token }],
            }],
          },
        },
      },
    };
    expect(findObjectSecrets(obj).map((s) => [s.pointer, s.holder, s.key, s.detector])).toEqual([
      ['/metadata/annotations/example.com~1db-password', 'annotation example.com/db-password', 'db-password', 'secret-name'],
      ['/metadata/labels/a~0b~1token', 'label a~b/token', 'token', 'secret-name'],
      ['/spec/template/spec/containers/0/command/4', 'command of container api (-p)', 'p', 'secret-flag'],
      ['/spec/template/spec/containers/0/env/0/value', 'env DB_PASS', 'DB_PASS', 'secret-name'],
      ['/spec/template/spec/containers/0/volumeMounts/0/sub~1path~0', 'field /spec/template/spec/containers/0/volumeMounts/0/sub~1path~0', 'sub/path~', 'github-token'],
    ]);
  });

  test('names a command line without a container name by its pointer, and skips Secret data', () => {
    const probe = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', livenessProbe: { exec: { command: ['curl', '--token', 'abc123'] } } }] } };
    expect(findObjectSecrets(probe).map((s) => [s.pointer, s.holder])).toEqual([
      ['/spec/containers/0/livenessProbe/exec/command/2', 'command of command at /spec/containers/0/livenessProbe/exec (--token)'],
    ]);
    expect(findObjectSecrets({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { DB_PASS: 'hunter2', T: token } })).toEqual([]);
  });
});
