/**
 * Reading Compose files for `prodpath import`: interpolation, anchors and merge keys, extension
 * fields, env_file, short and long syntaxes, profiles, schema validation, and refused input.
 */
import * as fs from 'fs';
import * as path from 'path';
import { run } from '../../lib/cli/main';
import { ImportError, readComposeFile } from '../../lib/import/compose-read';
import { importCompose } from '../../lib/import/import-compose';
import { interpolate } from '../../lib/import/interpolate';
import { tempDir } from '../support/synth';
import { copyFixture, synthGenerated } from './support';

/** Writes a compose.yaml (and more files) into a new folder; returns the Compose file's path. */
function composeFile(text: string, files: Record<string, string> = {}): string {
  const dir = tempDir('prodpath-import-read-');
  for (const [f, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), content);
  }
  fs.writeFileSync(path.join(dir, 'compose.yaml'), text);
  return path.join(dir, 'compose.yaml');
}

/** The ImportError a function throws. */
function refusal(f: () => unknown): ImportError {
  try {
    f();
  } catch (e) {
    if (e instanceof ImportError) {
      return e;
    }
    throw e;
  }
  throw new Error('expected an ImportError');
}

describe('interpolation', () => {
  const vars = { SET: 'value', EMPTY: '' };
  test.each([
    ['${SET}', 'value'],
    ['$SET/x', 'value/x'],
    ['${UNSET:-fallback}', 'fallback'],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${EMPTY-fallback}', ''],
    ['${UNSET-${SET}}', 'value'],
    ['${SET:+alt}', 'alt'],
    ['${UNSET:+alt}', ''],
    ['$$SET costs $$5', '$SET costs $5'],
    ['${SET?must be set}', 'value'],
  ])('%s gives %s', (input, expected) => {
    expect(interpolate(input, vars)).toBe(expected);
  });

  test('fails when a variable is unset and has no default, naming the service and the fix', () => {
    const file = composeFile('services:\n  api:\n    image: nginx:1.27\n    environment:\n      URL: http://${API_HOST}/\n');
    const e = refusal(() => readComposeFile(file));
    expect(e.message).toContain('services.api');
    expect(e.message).toContain('API_HOST is not set');
    expect(e.fix).toContain('${API_HOST:-value}');
  });

  test('fails when a required variable is unset, with the message the file gives', () => {
    const file = composeFile('services:\n  api:\n    image: "nginx:${TAG?give the nginx tag}"\n');
    expect(refusal(() => readComposeFile(file)).message).toContain('give the nginx tag');
  });

  test('reads the .env file next to the Compose file; given variables win', () => {
    const file = composeFile('services:\n  api:\n    image: "nginx:${TAG}"\n    environment:\n      MODE: ${MODE}\n', { '.env': 'TAG=1.27\nMODE=from-dotenv\n' });
    const s = readComposeFile(file, { variables: { MODE: 'given' } }).services[0];
    expect([s.image, s.environment.MODE]).toEqual(['nginx:1.27', 'given']);
  });
});

describe('the Compose file as the tooling reads it', () => {
  test('anchors, merge keys and x-* extension fields', () => {
    const p = readComposeFile(path.join(copyFixture('node-shop'), 'compose.yaml'));
    const web = p.services.find((s) => s.name === 'web')!;
    expect(web.environment).toEqual({
      LOG_LEVEL: 'debug', DATABASE_URL: 'postgres://app:devpass@db:5432/app', REDIS_URL: 'redis://cache:6379', SESSION_SECRET: 'dev-session-secret', PRICE: '$5',
    });
    expect(p.services.find((s) => s.name === 'migrate')!.environment.LOG_LEVEL).toBe('debug');
  });

  test('env_file values under environment (environment wins), list-form environment and build args', () => {
    const p = readComposeFile(path.join(copyFixture('python-worker'), 'compose.yaml'), { variables: { API_TOKEN: 't' } });
    const worker = p.services.find((s) => s.name === 'worker')!;
    expect(worker.environment).toEqual({ QUEUE_NAME: 'jobs', RESULT_PREFIX: 'done:', QUEUE_URL: 'redis://queue:6379/0', API_TOKEN: 't' });
    expect(worker.build).toEqual({ context: './worker', dockerfile: undefined, args: { APP_VERSION: '1.0' } });
  });

  test('short and long port syntax', () => {
    const file = composeFile([
      'services:',
      '  api:',
      '    image: nginx:1.27',
      '    ports:',
      '      - "127.0.0.1:8080:80"',
      '      - "3000"',
      '      - "9000-9001:7000-7001/udp"',
      '      - { target: 443, published: "8443", host_ip: 127.0.0.1 }',
    ].join('\n'));
    expect(readComposeFile(file).services[0].ports).toEqual([
      { target: 80, published: 8080, hostIp: '127.0.0.1', protocol: 'tcp' },
      { target: 3000, published: undefined, hostIp: undefined, protocol: 'tcp' },
      { target: 7000, published: 9000, hostIp: undefined, protocol: 'udp' },
      { target: 7001, published: 9001, hostIp: undefined, protocol: 'udp' },
      { target: 443, published: 8443, hostIp: '127.0.0.1', protocol: 'tcp' },
    ]);
  });

  test('short and long volume syntax', () => {
    const file = composeFile([
      'services:',
      '  db:',
      '    image: postgres:16',
      '    volumes:',
      '      - data:/var/lib/postgresql/data',
      '      - ./init:/docker-entrypoint-initdb.d:ro',
      '      - /cache',
      '      - { type: tmpfs, target: /run }',
      'volumes:',
      '  data: {}',
    ].join('\n'));
    expect(readComposeFile(file).services[0].volumes).toEqual([
      { type: 'volume', source: 'data', target: '/var/lib/postgresql/data', readOnly: false },
      { type: 'bind', source: './init', target: '/docker-entrypoint-initdb.d', readOnly: true },
      { type: 'volume', target: '/cache', readOnly: false },
      { type: 'tmpfs', source: undefined, target: '/run', readOnly: false },
    ]);
  });

  test('profiles: a service in a profile is skipped unless the profile is active', () => {
    const file = path.join(copyFixture('python-worker'), 'compose.yaml');
    expect(readComposeFile(file).services.map((s) => s.name)).toEqual(['queue', 'worker']);
    expect(readComposeFile(file).skipped).toEqual([{ name: 'debug', profiles: ['debug'] }, { name: 'producer', profiles: ['tools'] }]);
    expect(readComposeFile(file, { profiles: ['tools'] }).services.map((s) => s.name)).toEqual(['producer', 'queue', 'worker']);
  });
});

describe('bad input: a clear message, and nothing written', () => {
  /** Imports and expects a refusal; checks that no main.ts was written. */
  function refused(file: string): ImportError {
    const e = refusal(() => importCompose({ file }));
    expect(fs.existsSync(path.join(path.dirname(file), 'main.ts'))).toBe(false);
    return e;
  }

  test('fails when the file is not a Compose file', () => {
    const e = refused(composeFile('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n'));
    expect(e.problem).toContain('is not a Compose file');
  });

  test('fails when the file is not YAML', () => {
    expect(refused(composeFile('services: [\n')).problem).toContain('is not valid YAML');
  });

  test('fails when the Compose file breaks the Compose schema, naming the key', () => {
    const e = refused(composeFile('services:\n  api:\n    image: nginx:1.27\n    restartt: always\n'));
    expect(e.problem).toContain('is not a valid Compose file');
    expect(e.problem).toContain('/services/api');
    expect(e.problem).toContain('restartt');
  });

  test('fails when a build folder is missing, naming the service', () => {
    const e = refused(composeFile('services:\n  api:\n    build: ./services/api\n'));
    expect(e.where).toBe('services.api.build');
    expect(e.problem).toContain('./services/api does not exist');
  });

  test.each([
    ['Web_App', 'web-app'],
    ['API', 'api'],
    ['2fa', 'svc-2fa'],
    ['api.v2', 'api-v2'],
  ])('fails when the service name %s cannot be a Kubernetes name, suggesting %s', (name, suggested) => {
    const e = refused(composeFile(`services:\n  ${name}:\n    image: nginx:1.27\n`));
    expect(e.where).toBe(`services.${name}`);
    expect(e.fix).toContain(`"${suggested}"`);
  });

  test('fails when an image has no tag and prodpath knows no pinned default for it', () => {
    const e = refused(composeFile('services:\n  api:\n    image: nginx\n    ports: ["8080:80"]\n'));
    expect(e.where).toBe('services.api.image');
    expect(e.fix).toContain('nginx:1.2.3');
  });

  test('fails when depends_on names a service of an inactive profile', () => {
    const e = refused(composeFile('services:\n  api:\n    image: nginx:1.27\n    depends_on: [tools]\n  tools:\n    image: busybox:1.36\n    profiles: [dev]\n'));
    expect(e.fix).toBe('activate it with --profile dev');
  });

  test('fails when the output file exists, unless forced', () => {
    const root = copyFixture('static-proxy');
    fs.writeFileSync(path.join(root, 'main.ts'), '// mine\n');
    expect(refusal(() => importCompose({ file: path.join(root, 'compose.yaml') })).problem).toBe('exists already');
    expect(fs.readFileSync(path.join(root, 'main.ts'), 'utf8')).toBe('// mine\n');
  });

  test('the command prints one block with the service and the fix, exits 1 and writes nothing', async () => {
    const file = composeFile('services:\n  My_Api:\n    image: nginx:1.27\n');
    const out: string[] = [];
    const err: string[] = [];
    const code = await run(['import', file], { out: (l) => out.push(l), err: (l) => err.push(l) });
    expect(code).toBe(1);
    expect(err.join('\n')).toMatch(/^prodpath import: services\.My_Api: "My_Api" cannot be a Kubernetes name .*Fix: rename the service to "my-api".*\nNothing was written\.$/s);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['compose.yaml']);
  });
});

describe('recipes by build folder', () => {
  test('go.mod gives the Go recipe, and the generated app synthesizes with no warnings', () => {
    const file = composeFile('services:\n  api:\n    build: ./api\n    ports: ["8080:8080"]\n', {
      'api/go.mod': 'module example.com/api\n\ngo 1.23\n',
      'api/main.go': 'package main\n\nfunc main() {}\n',
    });
    const r = importCompose({ file });
    expect(r.plan.images.map((i) => i.recipe)).toEqual(['go']);
    expect(synthGenerated(path.dirname(file), false).warnings).toEqual([]);
  });

  test('fails when a build folder has no Dockerfile and no project prodpath recognizes', () => {
    const file = composeFile('services:\n  api:\n    build: ./api\n', { 'api/run.sh': 'echo hi\n' });
    const e = refusal(() => importCompose({ file }));
    expect(e.where).toBe('services.api.build');
    expect(e.fix).toContain('add the Dockerfile');
  });
});

describe('secrets outside environment', () => {
  test('fails when a command carries a secret value, naming the service and the flag', () => {
    const file = composeFile('services:\n  cache:\n    image: redis:7-bookworm\n    command: redis-server --requirepass s3cret-value\n');
    const e = refusal(() => importCompose({ file }));
    expect(e.where).toBe('services.cache.command');
    expect(e.problem).toContain('requirepass');
    expect(e.message).not.toContain('s3cret-value');
    expect(fs.existsSync(path.join(path.dirname(file), 'main.ts'))).toBe(false);
  });

  test('Compose secrets become secretFiles by reference, at the same path', () => {
    const file = composeFile([
      'services:',
      '  api:',
      '    image: nginx:1.27',
      '    ports: ["8080:80"]',
      '    secrets: [db_password, { source: api_key, target: /etc/api/key }]',
      'secrets:',
      '  db_password: { file: ./db_password.txt }',
      '  api_key: { file: ./api_key.txt }',
    ].join('\n'));
    const r = importCompose({ file });
    expect(r.plan.workloads[0].props.secretFiles).toEqual({
      '/run/secrets/db_password': { code: 'SecretRef.fromSecretName(\'db-password\', \'value\')' },
      '/etc/api/key': { code: 'SecretRef.fromSecretName(\'api-key\', \'value\')' },
    });
    const app = synthGenerated(path.dirname(file), false);
    expect(app.warnings.map((w) => w.message)).toEqual([]);
  });

  test('keys prodpath has no mapping for are listed, not dropped silently', () => {
    const file = composeFile('services:\n  api:\n    image: nginx:1.27\n    ports: ["8080:80"]\n    oom_score_adj: 100\n    deploy:\n      placement:\n        constraints: [node.role==manager]\n');
    const keys = importCompose({ file }).plan.notCarried.map((n) => n.key);
    expect(keys).toEqual(expect.arrayContaining(['oom_score_adj', 'deploy.placement']));
  });
});

describe('warnings the generated app declares', () => {
  test('an external web service others depend on: the one synth warning is a declared TODO', () => {
    const file = composeFile([
      'services:',
      '  search:',
      '    image: nginx:1.27',
      '    expose: ["8080"]',
      '  api:',
      '    image: busybox:1.36',
      '    ports: ["8081:8081"]',
      '    depends_on: [search]',
    ].join('\n'));
    const r = importCompose({ file });
    const warnings = synthGenerated(path.dirname(file), false).warnings;
    expect(warnings.map((w) => `${w.rule.id} ${(w.constructPath ?? '').split('/').pop()}`)).toEqual(['compose-no-equivalent search']);
    expect(r.plan.todos.some((t) => t.startsWith('search: Compose cannot run an HTTP check'))).toBe(true);
    expect(r.source).toContain('compose-no-equivalent');
  });
});
