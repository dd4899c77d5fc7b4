/**
 * The canary test: one planted value through every channel at once (config, Compose and Swarm,
 * container env, command and args, labels, annotations, recipe env, build arguments, a custom
 * ARG) and in every credential file of the source folder. The synth must refuse, and nothing
 * written (dist/, .cdk8s.out/) nor any build context as its ignore rules send it holds the value.
 */
import * as path from 'path';
import { PolicyError } from '../../lib';
import { formatFinding } from '../../lib/policy/rules';
import { CANARY, canaryApp, canarySource, contextAsSent, CREDENTIAL_FILES, filesHoldingCanary } from '../support/canary';
import { readTree, tempDir } from '../support/synth';

describe('the canary', () => {
  const root = tempDir('prodpath-canary-');
  const outdir = path.join(root, 'dist');
  const cdk8sOutdir = path.join(root, '.cdk8s.out');
  const source = canarySource();

  test('a clean app over a source folder full of credential files synthesizes, and sends none of them', () => {
    const app = canaryApp({ outdir, cdk8sOutdir, source, channels: false });
    app.synth();
    expect(filesHoldingCanary(outdir)).toEqual([]);
    expect(filesHoldingCanary(cdk8sOutdir)).toEqual([]);
    for (const image of app.pipelines.flatMap((p) => p.images)) {
      const sent = contextAsSent(image);
      expect(sent.holdingCanary).toEqual([]);
      expect(sent.files.filter((f) => f in CREDENTIAL_FILES)).toEqual([]);
      expect(sent.files).toContain('server.js');
    }
  });

  test('fails when the canary goes through every channel at once: refused, masked, nothing written holds it', () => {
    const before = { dist: readTree(outdir), cli: readTree(cdk8sOutdir) };
    const app = canaryApp({ outdir, cdk8sOutdir, source, channels: true });
    let error: unknown;
    try {
      app.synth();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PolicyError);
    const findings = (error as PolicyError).findings.filter((f) => f.rule.id === 'no-plaintext-secrets');
    const lines = findings.map(formatFinding);
    // Every channel is named.
    for (const channel of [
      /shop\/dev\/api\S* ConfigMap .*ConfigMap key DB_PASS holds a secret/,
      /ConfigMap key DATABASE_URL holds a secret in plain text \(url-password: .*postgres:\/\/app:\*\*\*@db\/shop/,
      /shop\/dev\/api\S* Deployment .*command of container api \(--password\)/,
      /shop\/dev\/mailer\S* Deployment .*command of container mailer \(--token\)/,
      /label example\.com\/password holds a secret/,
      /annotation example\.com\/api-token holds a secret/,
      /env DB_PASSWORD holds a secret/,
      /shop\/image-api .*ENV DB_PASS \(the recipe's env/,
      /shop\/image-api .*ARG NPM_AUTH \(the recipe's buildArgs/,
      /shop\/image-tools .*ARG GH_TOKEN/,
    ]) {
      expect({ channel: channel.source, found: lines.some((l) => channel.test(l)) }).toEqual({ channel: channel.source, found: true });
    }
    expect((error as Error).message).not.toContain(CANARY);
    expect(JSON.stringify((error as PolicyError).findings)).not.toContain(CANARY);
    // Nothing written holds it; the previous output is untouched.
    expect(filesHoldingCanary(outdir)).toEqual([]);
    expect(filesHoldingCanary(cdk8sOutdir)).toEqual([]);
    expect(readTree(outdir)).toEqual(before.dist);
    expect(readTree(cdk8sOutdir)).toEqual(before.cli);
    // Every build context, as its ignore rules send it, holds nothing of it.
    for (const image of app.pipelines.flatMap((p) => p.images)) {
      expect({ image: image.imageName, ...contextAsSent(image) }).toMatchObject({ image: image.imageName, holdingCanary: [] });
    }
  });
});
