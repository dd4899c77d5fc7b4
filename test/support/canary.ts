/**
 * The canary: one planted value, sent through every channel a user can paste a secret into
 * and planted in every credential file a build context could carry. Shared by the canary test
 * (synth must refuse and write nothing that holds it) and the real-engine test (the built
 * image must not hold it).
 */
import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, JsonPatch } from 'cdk8s';
import { App, IgnoreRules, Image, ImageRecipe, Pipeline, WebService, Worker } from '../../lib';
import { listContextFiles } from '../../lib/images/context';
import { nodeServiceFixture, readTree } from './synth';

/** The planted value (assembled at run time, so no source file holds it whole). */
export const CANARY = ['Canary', '7f3a9b2c', 'Pw'].join('');

/** Credential files a developer's source folder may hold, each with the canary in it. */
export const CREDENTIAL_FILES: Readonly<Record<string, string>> = {
  'config/.npmrc': `//registry.npmjs.org/:_authToken=${CANARY}\n`,
  '.pypirc': `[pypi]\npassword = ${CANARY}\n`,
  '.netrc': `machine example.com login me password ${CANARY}\n`,
  '.git-credentials': `https://me:${CANARY}@github.com\n`,
  '.aws/credentials': `[default]\naws_secret_access_key = ${CANARY}\n`,
  '.aws/config': `[default]\nregion = eu-west-1 # ${CANARY}\n`,
  '.ssh/id_rsa': `-----BEGIN OPENSSH PRIVATE KEY-----\n${CANARY}\n-----END OPENSSH PRIVATE KEY-----\n`,
  id_rsa: `${CANARY}\n`,
  'id_rsa.pub': `ssh-rsa ${CANARY}\n`,
  id_ed25519: `${CANARY}\n`,
  'certs/server.pem': `${CANARY}\n`,
  'certs/server.key': `${CANARY}\n`,
  '.envrc': `export DB_PASS=${CANARY}\n`,
  '.env': `DB_PASS=${CANARY}\n`,
  '.env.production': `DB_PASS=${CANARY}\n`,
  'env.local': `DB_PASS=${CANARY}\n`,
  'docker.env.bak': `DB_PASS=${CANARY}\n`,
  'local.env': `DB_PASS=${CANARY}\n`,
  'secrets.json': `{"db":"${CANARY}"}\n`,
  'config/credentials.yml': `db: ${CANARY}\n`,
  '.secrets/dev/secrets.env': `DB_PASS=${CANARY}\n`,
  '.docker/config.json': `{"auths":{"ghcr.io":{"auth":"${CANARY}"}}}\n`,
  kubeconfig: `users: [{name: me, user: {token: ${CANARY}}}]\n`,
  '.kube/config': `users: [{name: me, user: {token: ${CANARY}}}]\n`,
  'deploy/prod.kubeconfig': `token: ${CANARY}\n`,
  '.vault-token': `${CANARY}\n`,
  '.pgpass': `db:5432:shop:app:${CANARY}\n`,
  'terraform.tfvars': `db_password = "${CANARY}"\n`,
};

/** The source folder of the canary app: a Node service with every credential file planted. */
export function canarySource(): string {
  return nodeServiceFixture({ ...CREDENTIAL_FILES });
}

/**
 * The canary app. `channels: true` also sends the canary through every channel at once:
 * config (ConfigMap, Compose, Swarm), a URL's password, container env, command and args of a
 * WebService and a Worker, labels, annotations, recipe env (Dockerfile ENV), build arguments
 * (ARG defaults, image.json, docker-bake.json, Compose build args) and a custom recipe's ARG.
 */
export function canaryApp(o: { outdir: string; cdk8sOutdir: string; source: string; channels: boolean }): App {
  const app = new App({ outdir: o.outdir, cdk8sOutdir: o.cdk8sOutdir, printSummary: false });
  const pipeline = new Pipeline(app, 'shop', { registry: 'ghcr.io/acme', lockFile: false, environments: { dev: { namespace: 'shop-dev' }, prod: { namespace: 'shop' } } });
  const c = o.channels;
  const api = pipeline.image('api', ImageRecipe.node({
    source: o.source,
    start: ['node', 'server.js'],
    ...(c ? { env: { DB_PASS: CANARY }, buildArgs: { NPM_AUTH: CANARY } } : {}),
  }));
  if (c) {
    pipeline.image('tools', ImageRecipe.custom({
      source: o.source,
      stages: [{ name: 'runtime', from: 'node:20-slim', steps: [{ arg: 'GH_TOKEN', default: CANARY }, { copy: ['server.js'], to: '/app/' }] }],
      start: ['node', '/app/server.js'],
      port: 8080,
      healthCheck: { kind: 'command', command: ['node', '-e', '0'] },
    }));
  }
  pipeline.define((env) => {
    const web = new WebService(env, 'api', {
      image: api,
      port: 8080,
      config: { LOG_LEVEL: 'info', ...(c ? { DB_PASS: CANARY, DATABASE_URL: `postgres://app:${CANARY}@db/shop` } : {}) },
      command: c ? ['node', 'server.js', `--password=${CANARY}`] : undefined,
    });
    if (c) {
      new Worker(env, 'mailer', { image: api, command: ['node', 'mailer.js', '--token', CANARY], health: { tcpPort: 9090 } });
      const deployment = web.node.findAll().find((x): x is ApiObject => x instanceof ApiObject && x.kind === 'Deployment')!;
      deployment.metadata.addLabel('example.com/password', CANARY);
      deployment.metadata.addAnnotation('example.com/api-token', CANARY);
      deployment.addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/env', [{ name: 'DB_PASSWORD', value: CANARY }]));
    }
  });
  return app;
}

/** Files below `dir` (recursively) whose content holds the canary, as relative paths. */
export function filesHoldingCanary(dir: string): string[] {
  if (!fs.existsSync(dir)) {
    return [];
  }
  return [...readTree(dir)].filter(([, content]) => content.includes(CANARY)).map(([rel]) => rel);
}

/** The files of an image's build context as its generated ignore rules send it, with the ones holding the canary. */
export function contextAsSent(image: Image): { files: string[]; holdingCanary: string[] } {
  const files = listContextFiles(image.contextDir, new IgnoreRules(IgnoreRules.parse(image.ignoreFile))).map((f) => f.path);
  return { files, holdingCanary: files.filter((f) => fs.readFileSync(path.join(image.contextDir, f), 'utf8').includes(CANARY)) };
}
