/**
 * The bad-input table for secrets and credential files: every channel a user can paste a
 * secret into, and every credential file a build context could carry. Each case synthesizes
 * into a folder that holds a previous good output and asserts the refusal (rule, construct
 * path, key or argument, detector, fix), that the value is never printed, and that dist/ is
 * byte-identical afterwards.
 */
import * as path from 'path';
import { ApiObject, JsonPatch } from 'cdk8s';
import {
  App, CronTask, Environment, IImageRecipe, Image, ImageRecipe, Pipeline, Policy, PolicyError, SecretRef, ValidationError, WebService, Worker,
} from '../../lib';
import { formatFinding } from '../../lib/policy/rules';
import { nodeServiceFixture, readTree, tempDir } from '../support/synth';
import { goSource, pythonSource, staticSource } from '../recipes/support';

type RecipeKind = 'node' | 'python' | 'go' | 'static' | 'custom';

/** What one case changes in an otherwise valid app. */
interface Inputs {
  readonly config?: Record<string, string>;
  readonly command?: string[];
  readonly recipe?: RecipeKind;
  readonly recipeEnv?: Record<string, string>;
  readonly buildArgs?: Record<string, string>;
  readonly customSteps?: unknown[];
  readonly ignore?: string[];
  /** Files planted in the (Node) source folder. */
  readonly files?: Record<string, string>;
  readonly hook?: (env: Environment, api: WebService, image: Image) => void;
}

function recipeOf(kind: RecipeKind, o: Inputs): IImageRecipe {
  const common = { env: o.recipeEnv, buildArgs: o.buildArgs, ignore: o.ignore };
  switch (kind) {
    case 'node': return ImageRecipe.node({ source: nodeServiceFixture(o.files ?? {}), start: ['node', 'server.js'], ...common });
    case 'python': return ImageRecipe.python({ source: pythonSource(), start: ['python', 'app.py'], ...common });
    case 'go': return ImageRecipe.go({ source: goSource(), ...common });
    case 'static': return ImageRecipe.staticSite({ source: staticSource(), ...common });
    case 'custom': return ImageRecipe.custom({
      source: staticSource(),
      stages: [{ name: 'runtime', from: 'busybox:1.36', steps: [...(o.customSteps ?? []) as any[], { copy: ['index.html'], to: '/srv/' }] }],
      start: ['busybox', 'httpd', '-f', '-p', '8080', '-h', '/srv'],
      port: 8080,
      healthCheck: { kind: 'command', command: ['busybox', 'wget', '-q', '-O', '/dev/null', 'http://127.0.0.1:8080/'] },
      ...common,
    });
  }
}

/** A dev (with Compose) and prod app with one image and one web service. */
function shop(outdir: string, o: Inputs = {}): App {
  const app = new App({ outdir, printSummary: false });
  const pipeline = new Pipeline(app, 'shop', { registry: 'ghcr.io/acme', lockFile: false, environments: { dev: { namespace: 'shop-dev' }, prod: { namespace: 'shop' } } });
  const image = pipeline.image('api', recipeOf(o.recipe ?? 'node', o));
  pipeline.define((env) => {
    const api = new WebService(env, 'api', { image, port: 8080, config: { LOG_LEVEL: 'info', ...o.config }, command: o.command });
    o.hook?.(env, api, image);
  });
  return app;
}

const deploymentOf = (api: WebService) => api.node.findAll().find((c): c is ApiObject => c instanceof ApiObject && c.kind === 'Deployment')!;

// Planted values: built at run time, so this file itself holds no token a scanner would flag.
const PW = 'Hunter2-canary-pw';
const GHP = `ghp_${'k7Qz'.repeat(9)}`;
const AWS = `AKIA${'Q7X2'.repeat(4)}`;
const STRIPE = `sk_live_${'4eC39HqLyjWDarjtT1zdp7dc'}`;
const GOOGLE = `AIza${'SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY'}`;
const NPM = `npm_${'a1B2c3D4'.repeat(4)}1234`;
const GLPAT = `glpat-${'x8Yz'.repeat(5)}`;
const SLACK = `xoxb-${'1234567890'}-${'abcdefghijkl'}`;
const JWT = `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.${'dozjgNryP4J3jVmNHl0w5N'}`;
const PEM = `-----BEGIN ${'RSA PRIVATE'} KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----`;
const ENTROPIC = '9f8Ae3b7C1d6E0f2a4B5c8D9e7F1a3b6';

/** One row: name, inputs, the planted value, then what the finding must say. */
interface Row {
  readonly name: string;
  readonly inputs: Inputs;
  readonly value: string;
  readonly rule: string;
  readonly path: string;
  /** Text the message names: the key, flag or file. */
  readonly names: string;
  /** The detector, or for credential files the reason. */
  readonly detector: string;
}

const CONFIG = 'shop/dev/api';
const IMAGE = 'shop/image-api';
const S = 'no-plaintext-secrets';
const C = 'no-credential-files';

const config = (key: string, value: string, detector: string): Row => ({ name: `fails when config ${key} holds ${detector}`, inputs: { config: { [key]: value } }, value, rule: S, path: CONFIG, names: `ConfigMap key ${key}`, detector });
const command = (name: string, cmd: string[], value: string, names: string, detector = 'secret-flag'): Row => ({ name: `fails when the command passes ${name}`, inputs: { command: cmd }, value, rule: S, path: CONFIG, names, detector });

const ROWS: Row[] = [
  // Config values: ConfigMap, and the same values in dev/compose.yaml and dev/stack.yaml.
  config('DB_PASS', PW, 'secret-name'),
  config('SMTP_PWD', PW, 'secret-name'),
  config('GPG_PASSPHRASE', PW, 'secret-name'),
  config('RELEASE_SIGNING_KEY', PW, 'secret-name'),
  config('NPM_AUTH', PW, 'secret-name'),
  config('AWS_CREDENTIAL_JSON', PW, 'secret-name'),
  config('apiKey', PW, 'secret-name'),
  config('SESSION_KEY', ENTROPIC, 'high-entropy'),
  config('DATABASE_URL', `postgres://app:${PW}@db/shop`, 'url-password'),
  config('REDIS_URL', `redis://:${PW}@cache:6379`, 'url-password'),
  config('GITHUB', GHP, 'github-token'),
  config('DEPLOY', GLPAT, 'gitlab-token'),
  config('AWS_ID', AWS, 'aws-access-key'),
  config('BILLING', STRIPE, 'stripe-live-key'),
  config('MAPS', GOOGLE, 'google-api-key'),
  config('REGISTRY', NPM, 'npm-token'),
  config('CHAT', SLACK, 'slack-token'),
  config('SESSION', JWT, 'jwt'),
  config('TLS', PEM, 'private-key'),
  // Workload command and args.
  command('--password=x', ['node', 'server.js', `--password=${PW}`], PW, 'command of container'),
  command('--token x', ['node', 'server.js', '--token', PW], PW, '(--token)'),
  command('--db-password=x', ['node', 'server.js', `--db-password=${PW}`], PW, '(--db-password)'),
  command('mysql -u app -p x', ['mysql', '-u', 'app', '-p', PW], PW, '(-p)'),
  command('mysql -px', ['mysql', `-p${PW}`, 'shop'], PW, '(-p)'),
  command('redis-cli -a x', ['redis-cli', '-a', PW, 'ping'], PW, '(-a)'),
  command('a flag inside sh -c', ['sh', '-c', `exec node server.js --api-key=${PW}`], PW, '(--api-key)'),
  command('NAME=value through env', ['env', `DB_PASS=${PW}`, 'node', 'server.js'], PW, '(DB_PASS=)', 'secret-name'),
  command('curl -u user:password', ['curl', '-u', `me:${PW}`, 'http://127.0.0.1/'], PW, '(-u)'),
  command('a token as an argument', ['node', 'server.js', GHP], GHP, 'command of container', 'github-token'),
  command('a URL with a password', ['node', 'server.js', '--db', `postgres://app:${PW}@db/shop`], PW, 'command of container', 'url-password'),
  {
    name: 'fails when a Worker command passes --secret x', value: PW, rule: S, path: 'shop/dev/mailer', names: '(--secret)', detector: 'secret-flag',
    inputs: { hook: (env, _api, image) => { new Worker(env, 'mailer', { image, command: ['node', 'mailer.js', '--secret', PW], health: { tcpPort: 9090 } }); } },
  },
  {
    name: 'fails when a CronTask command passes --password=x', value: PW, rule: S, path: 'shop/dev/cleanup', names: '(--password)', detector: 'secret-flag',
    inputs: { hook: (env, _api, image) => { new CronTask(env, 'cleanup', { image, schedule: '0 3 * * *', command: ['node', 'cleanup.js', `--password=${PW}`] }); } },
  },
  // Container env (an escape hatch: prodpath's own props only take SecretRefs).
  ...[['DB_PASSWORD', PW, 'secret-name'], ['DATABASE_URL', `mysql://root:${PW}@db/x`, 'url-password'], ['STRIPE', STRIPE, 'stripe-live-key']].map(([k, v, d]): Row => ({
    name: `fails when a container env ${k} holds ${d}`, value: v, rule: S, path: CONFIG, names: `env ${k}`, detector: d,
    inputs: { hook: (_env, api) => deploymentOf(api).addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/env', [{ name: k, value: v }])) },
  })),
  // Labels and annotations.
  ...[['label', 'token', GHP, 'github-token'], ['label', 'deploy-key', GLPAT, 'gitlab-token'], ['annotation', 'example.com/db-password', PW, 'secret-name'],
    ['annotation', 'example.com/backup', `s3://AK:${PW}@bucket/x`, 'url-password'], ['annotation', 'example.com/cert', PEM, 'private-key'], ['annotation', 'example.com/session', JWT, 'jwt']].map(([kind, k, v, d]): Row => ({
    name: `fails when a ${kind} ${k} holds ${d}`, value: v, rule: S, path: CONFIG, names: `${kind} ${k}`, detector: d,
    inputs: { hook: (_env, api) => (kind === 'label' ? deploymentOf(api).metadata.addLabel(k, v) : deploymentOf(api).metadata.addAnnotation(k, v)) },
  })),
  // Recipe env (Dockerfile ENV) and build arguments (ARG defaults, image.json, docker-bake.json, Compose build args), per recipe.
  ...(['node', 'python', 'go', 'static', 'custom'] as RecipeKind[]).flatMap((recipe): Row[] => [
    { name: `fails when a ${recipe} recipe env DB_PASS holds a secret`, inputs: { recipe, recipeEnv: { DB_PASS: PW } }, value: PW, rule: S, path: IMAGE, names: 'ENV DB_PASS', detector: 'secret-name' },
    { name: `fails when a ${recipe} recipe build argument NPM_AUTH holds a secret`, inputs: { recipe, buildArgs: { NPM_AUTH: PW } }, value: PW, rule: S, path: IMAGE, names: 'ARG NPM_AUTH', detector: 'secret-name' },
  ]),
  { name: 'fails when a recipe env holds a URL with a password', inputs: { recipeEnv: { DATABASE_URL: `postgres://app:${PW}@db/shop` } }, value: PW, rule: S, path: IMAGE, names: 'ENV DATABASE_URL', detector: 'url-password' },
  { name: 'fails when a build argument holds a token under a plain name', inputs: { buildArgs: { REGISTRY_LOGIN: NPM } }, value: NPM, rule: S, path: IMAGE, names: 'ARG REGISTRY_LOGIN', detector: 'npm-token' },
  { name: 'fails when a custom arg step declares a secret ARG', inputs: { recipe: 'custom', customSteps: [{ arg: 'NPM_TOKEN' }] }, value: 'NPM_TOKEN=', rule: S, path: IMAGE, names: 'ARG NPM_TOKEN', detector: 'secret-name' },
  { name: 'fails when a custom arg step has a secret default', inputs: { recipe: 'custom', customSteps: [{ arg: 'GH', default: GHP }] }, value: GHP, rule: S, path: IMAGE, names: 'ARG GH', detector: 'github-token' },
  { name: 'fails when a custom env step holds a secret', inputs: { recipe: 'custom', customSteps: [{ env: { SMTP_PASSWORD: PW } }] }, value: PW, rule: S, path: IMAGE, names: 'ENV SMTP_PASSWORD', detector: 'secret-name' },
  { name: 'fails when a custom RUN step holds a token', inputs: { recipe: 'custom', customSteps: [{ run: `wget --header "Authorization: token ${GHP}" -O /dev/null http://127.0.0.1/` }] }, value: GHP, rule: S, path: IMAGE, names: 'RUN', detector: 'github-token' },
];

/** Credential files, each planted in the source folder and brought back by a `!` rule of the source's .dockerignore. */
const CREDENTIAL_FILES: [string, string][] = [
  ['.npmrc', `//registry.npmjs.org/:_authToken=${NPM}\n`],
  ['.yarnrc.yml', `npmAuthToken: "${PW}"\n`],
  ['.pypirc', `[pypi]\npassword = ${PW}\n`],
  ['.netrc', `machine example.com login me password ${PW}\n`],
  ['.git-credentials', `https://me:${PW}@github.com\n`],
  ['.aws/credentials', `[default]\naws_secret_access_key = ${PW}\n`],
  ['.ssh/id_rsa', `${PEM}\n`],
  ['id_rsa', `${PEM}\n`],
  ['id_ed25519', `${PEM}\n`],
  ['certs/server.pem', `${PEM}\n`],
  ['tls.key', `${PEM}\n`],
  ['.envrc', `export DB_PASS=${PW}\n`],
  ['.env', `DB_PASS=${PW}\n`],
  ['.env.local', `DB_PASS=${PW}\n`],
  ['env.local', `DB_PASS=${PW}\n`],
  ['docker.env.bak', `DB_PASS=${PW}\n`],
  ['prod.env', `DB_PASS=${PW}\n`],
  ['secrets.json', `{"db":"${PW}"}\n`],
  ['config/credentials.yml', `db: ${PW}\n`],
  ['.secrets/dev/secrets.env', `DB_PASS=${PW}\n`],
  ['.docker/config.json', `{"auths":{"ghcr.io":{"auth":"${PW}"}}}\n`],
  ['kubeconfig', `users: [{name: me, user: {token: ${PW}}}]\n`],
  ['.kube/config', `users: [{name: me, user: {token: ${PW}}}]\n`],
];
for (const [file, content] of CREDENTIAL_FILES) {
  ROWS.push({
    name: `fails when the context would send ${file}`,
    inputs: { files: { [file]: content, '.dockerignore': `!${file}\n` } },
    value: PW, rule: C, path: IMAGE, names: file, detector: 'would be sent to the builder',
  });
}
ROWS.push(
  { name: 'fails when a .dockerignore brings back .env (no such file yet)', inputs: { files: { '.dockerignore': '!.env\n' } }, value: PW, rule: C, path: IMAGE, names: '"!.env"', detector: 'brings back .env' },
  { name: 'fails when a .dockerignore brings back all keys', inputs: { files: { '.dockerignore': '!**/*.key\n' } }, value: PW, rule: C, path: IMAGE, names: '"!**/*.key"', detector: 'brings back files such as x.key' },
  { name: 'fails when the recipe ignore option brings back id_rsa', inputs: { ignore: ['!id_rsa'] }, value: PW, rule: C, path: IMAGE, names: '"!id_rsa"', detector: 'brings back id_rsa' },
);

describe('bad input: secrets and credential files', () => {
  const out = path.join(tempDir(), 'dist');
  let before: Map<string, string>;
  beforeAll(() => {
    shop(out).synth();
    before = readTree(out);
  });

  test.each(ROWS.map((r) => [r.name, r] as const))('%s', (_name, row) => {
    let error: unknown;
    try {
      shop(out, row.inputs).synth();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PolicyError);
    const findings = (error as PolicyError).findings.filter((f) => f.rule.id === row.rule);
    const finding = row.rule === C ? findings.find((f) => f.where === row.names.replace(/"/g, '')) : findings.find((f) => f.message.includes(row.names));
    expect({ found: finding !== undefined, messages: findings.map(formatFinding) }).toMatchObject({ found: true });
    expect(`${finding!.constructPath}/`.startsWith(`${row.path}/`)).toBe(true);
    expect(finding!.message).toContain(row.detector);
    expect(finding!.fix).toContain('Policy.exempt');
    if (row.rule === S) {
      expect(finding!.fix).toContain('SecretRef');
    }
    // The value is never printed, anywhere in the error.
    expect((error as Error).message).not.toContain(row.value);
    expect(JSON.stringify((error as PolicyError).findings)).not.toContain(row.value);
    // Nothing was written.
    expect(readTree(out)).toEqual(before);
  });

  test('fails when a sealed secret is given a pasted value, without printing it', () => {
    for (const encryptedData of [PW, { p: PW }] as any[]) {
      let error: unknown;
      try {
        shop(out, { hook: (env, _api, image) => { new WebService(env, 'web', { image, port: 8080, secrets: { X: SecretRef.sealed({ name: 'x', key: 'p', encryptedData }) } }); } }).synth();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toMatch(/^shop\/dev\/web: secrets\.X\.encryptedData/);
      expect((error as Error).message).not.toContain(PW);
      expect(JSON.stringify(error)).not.toContain(PW);
      expect(readTree(out)).toEqual(before);
    }
  });
});

describe('exempting a false positive', () => {
  const TEST_KEY = `sk_live_${'0000PublicDocsExample0000'}`;

  test('Policy.exempt on the workload lets a public value through and records the reason', () => {
    const out = path.join(tempDir(), 'dist');
    shop(out, { config: { DOCS_EXAMPLE_KEY: TEST_KEY }, hook: (_env, api) => Policy.exempt(api, S, 'the documented example key of the payments sandbox, public') }).synth();
    const dev = readTree(out).get('dev/shop.k8s.yaml')!;
    expect(dev).toContain(TEST_KEY);
    expect(dev).toContain(`exempt.policy.prodpath.dev/${S}: the documented example key of the payments sandbox, public`);
  });

  test('Policy.exempt on an image lets a public build argument and a re-included certificate through, recorded in image.json', () => {
    const out = path.join(tempDir(), 'dist');
    const app = shop(out, {
      buildArgs: { DOCS_KEY: TEST_KEY },
      files: { 'certs/ca.pem': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n', '.dockerignore': '!certs/ca.pem\n' },
      hook: (env, _api, image) => {
        if (env.name === 'dev') {
          Policy.exempt(image, S, 'the public sandbox key from the provider documentation');
          Policy.exempt(image, C, 'certs/ca.pem is the public CA certificate the app trusts');
        }
      },
    });
    app.synth();
    const meta = JSON.parse(readTree(out).get('images/api/image.json')!);
    expect(meta.exemptions).toEqual({ [C]: 'certs/ca.pem is the public CA certificate the app trusts', [S]: 'the public sandbox key from the provider documentation' });
    expect(readTree(out).get('images/api/Dockerfile')).toContain(TEST_KEY);
  });

  test('values that only name or reference a secret pass', () => {
    const out = path.join(tempDir(), 'dist');
    shop(out, {
      config: { DB_PASSWORD_FILE: '/run/secrets/db', TOKEN_URL: 'https://auth.example.com/token', MAX_TOKENS: '4096', PUBLIC_KEY_ID: 'k1', CACHE_KEY: 'users', DATABASE_URL: 'postgres://app@db/shop' },
      command: ['node', 'server.js', '--port', '8080', '--db-password=$(DB_PASSWORD)'],
      files: { '.npmrc': 'fund=false\n//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n' },
    }).synth();
    expect(readTree(out).get('images/api/Dockerfile')).toContain('COPY package.json package-lock.json .npmrc ./');
  });
});
