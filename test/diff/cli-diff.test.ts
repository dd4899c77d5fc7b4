import * as fs from 'fs';
import * as path from 'path';
import { App, ImageRecipe, Pipeline, WebService } from '../../lib';
import { diffCommand, shouldColor } from '../../lib/cli/diff';
import { run } from '../../lib/cli/main';
import { tempDir } from '../support/synth';
import { fourEnvironmentApp, SOURCE, synthFourEnvironmentsWithMigration } from '../parity/support';

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Synthesizes a small two-environment app (one web service) and returns its output folder. */
function smallDist(): string {
  const outdir = path.join(tempDir(), 'dist');
  const app = new App({ outdir, printSummary: false });
  const pipeline = new Pipeline(app, 'shop', { registry: 'ghcr.io/acme', environments: { dev: { namespace: 'shop-dev', replicas: 1 }, prod: { namespace: 'shop', replicas: 3 } } });
  const image = pipeline.image('api', ImageRecipe.node({ source: SOURCE, start: ['node', 'server.js'] }));
  pipeline.define((env) => {
    new WebService(env, 'api', {
      image,
      host: env.is('prod') ? 'api.example.com' : 'api.dev.example.com',
      config: { LOG_LEVEL: env.is('prod') ? 'info' : 'debug' },
    });
  });
  app.synth();
  return outdir;
}

const DIST = smallDist();
const ESC = '\u001b[';

describe('prodpath diff <envA> <envB>', () => {
  test('prints how the second environment differs from the first, by object and field, and exits 0', async () => {
    const r = await cli(['diff', 'dev', 'prod', '--dist', DIST]);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out.split('\n')).toEqual([
      `prodpath diff: dev → prod in ${DIST} (namespaces shop-dev → shop; differences that only follow from the namespace are left out)`,
      'prod is production and dev is not: production adds disruption budgets and spreads pods across nodes',
      '~ ConfigMap api-config-9989538786 → api-config-3e8331a1ad',
      '    ~ /data/LOG_LEVEL: "debug" → "info"',
      '    ~ /metadata/name: "api-config-9989538786" → "api-config-3e8331a1ad" (new content hash)',
      '~ Deployment api',
      '    ~ /spec/replicas: 1 → 3',
      '    ~ /spec/template/spec/containers/0/envFrom/0/configMapRef/name: "api-config-9989538786" → "api-config-3e8331a1ad" (new content hash)',
      expect.stringMatching(/^ {4}\+ \/spec\/template\/spec\/topologySpreadConstraints: \[\{"labelSelector":.{100,}\.\.\.$/),
      '~ Ingress api',
      '    ~ /spec/rules/0/host: "api.dev.example.com" → "api.example.com"',
      '    ~ /spec/tls/0/hosts: ["api.dev.example.com"] → ["api.example.com"]',
      '+ PodDisruptionBudget api',
      '1 object(s) only in prod, 0 only in dev, 3 changed, 3 the same',
    ]);
  });

  test('prints the two production clusters\' differences: only declared fields', async () => {
    const outdir = path.join(tempDir(), 'dist');
    const { app } = fourEnvironmentApp(undefined, { app: new App({ outdir, printSummary: false }) });
    app.synth();
    const r = await cli(['diff', 'prod-eu', 'prod-us', '--dist', outdir, '--json']);
    const report = JSON.parse(r.out);
    const pointers = report.objects.flatMap((o: any) => o.changes.filter((c: any) => !c.derivedFrom).map((c: any) => `${o.kind} ${c.pointer}`));
    expect(pointers).toEqual([
      'ConfigMap /data/REGION',
      'ExternalSecret /spec/data/0/remoteRef/key',
      'ExternalSecret /spec/secretStoreRef/name',
      'HorizontalPodAutoscaler /spec/behavior/scaleDown/policies/0/value',
      'HorizontalPodAutoscaler /spec/maxReplicas',
      'HorizontalPodAutoscaler /spec/metrics/0/resource/target/averageUtilization',
      'HorizontalPodAutoscaler /spec/minReplicas',
      'HorizontalPodAutoscaler /spec/behavior/scaleDown/policies/0/value',
      'HorizontalPodAutoscaler /spec/maxReplicas',
      'HorizontalPodAutoscaler /spec/metrics/0/resource/target/averageUtilization',
      'HorizontalPodAutoscaler /spec/minReplicas',
      'Ingress /spec/ingressClassName',
      'Ingress /spec/rules/0/host',
      'Ingress /spec/tls/0/hosts',
      'NetworkPolicy /spec/ingress/0/from/0/namespaceSelector/matchLabels/kubernetes.io~1metadata.name',
      'StatefulSet /spec/volumeClaimTemplates/0/spec/resources/requests/storage',
      'StatefulSet /spec/volumeClaimTemplates/0/spec/storageClassName',
    ]);
  });

  describe('on a four-environment app with different replicas, hosts, storage and autoscaling', () => {
    let four: string;
    beforeAll(() => {
      four = synthFourEnvironmentsWithMigration();
    });

    test('names exactly the declared differences between staging and a production cluster, nothing that only names the environment', async () => {
      const r = await cli(['diff', 'staging', 'prod-us', '--dist', four, '--json']);
      const report = JSON.parse(r.out);
      const lines = report.objects.flatMap((o: any) => (o.status === 'changed'
        ? o.changes.map((c: any) => `${o.kind} ${o.toName} ${c.op} ${c.pointer}${c.derivedFrom ? ` (${c.derivedFrom})` : ''}`)
        : [`${o.kind} ${o.toName ?? o.fromName} ${o.status}`]));
      expect(lines).toEqual([
        'ConfigMap api-config-03f830ea6e changed /data/REGION',
        'ConfigMap api-config-03f830ea6e changed /metadata/name (content-hashed-name)',
        'Deployment api removed /spec/replicas',
        'Deployment api changed /spec/template/spec/containers/0/envFrom/0/configMapRef/name (content-hashed-name)',
        'Deployment api changed /spec/template/spec/containers/0/resources/limits/memory',
        'Deployment api changed /spec/template/spec/containers/0/resources/requests/cpu',
        'Deployment api changed /spec/template/spec/containers/0/resources/requests/memory',
        'Deployment mailer removed /spec/replicas',
        'ExternalSecret db-password changed /spec/data/0/remoteRef/key',
        'ExternalSecret db-password changed /spec/secretStoreRef/name',
        'HorizontalPodAutoscaler api added',
        'HorizontalPodAutoscaler mailer added',
        'Ingress api added /spec/ingressClassName',
        'Ingress api changed /spec/rules/0/host',
        'Ingress api changed /spec/tls/0/hosts',
        'NetworkPolicy api changed /spec/ingress/0/from/0/namespaceSelector/matchLabels/kubernetes.io~1metadata.name',
        'PodDisruptionBudget db added',
        'StatefulSet db added /spec/template/spec/topologySpreadConstraints',
        'StatefulSet db changed /spec/volumeClaimTemplates/0/spec/resources/requests/storage',
        'StatefulSet db added /spec/volumeClaimTemplates/0/spec/storageClassName',
      ]);
      expect(report.summary).toEqual({ added: 3, removed: 0, changed: 7, unchanged: expect.any(Number) });
    });

    test('matches a migration Job whose content-hashed name differs only because its namespace does: no change', async () => {
      const names = ['staging', 'prod-us'].map((e) => fs.readFileSync(path.join(four, e, 'web.k8s.yaml'), 'utf8').match(/name: (migrate-[0-9a-f]{10})/)![1]);
      expect(names[0]).not.toBe(names[1]);
      const r = await cli(['diff', 'staging', 'prod-us', '--dist', four]);
      expect(r.out).not.toMatch(/Job migrate/);
      expect(r.out).not.toMatch(/Namespace/);
    });

    test('exits 1 with --exit-code when environments differ, and 0 when they are the same', async () => {
      expect((await cli(['diff', 'staging', 'prod-us', '--dist', four, '--exit-code'])).code).toBe(1);
      expect((await cli(['diff', 'staging', 'prod-us', '--dist', four])).code).toBe(0);
      const same = path.join(tempDir(), 'dist');
      fs.cpSync(four, same, { recursive: true });
      fs.cpSync(path.join(same, 'staging'), path.join(same, 'copy'), { recursive: true });
      const r = await cli(['diff', 'staging', 'copy', '--dist', same, '--exit-code']);
      expect(r.out).toMatch(/0 object\(s\) only in copy, 0 only in staging, 0 changed, \d+ the same$/);
      expect(r.code).toBe(0);
    });
  });

  test('prints JSON with --json: a summary and every object\'s changes', async () => {
    const r = await cli(['diff', 'dev', 'prod', '--dist', DIST, '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report).toMatchObject({ from: 'dev', to: 'prod', summary: { added: 1, removed: 0, changed: 3, unchanged: 3 } });
    expect(report.objects.find((o: any) => o.kind === 'Deployment')).toEqual({
      status: 'changed', kind: 'Deployment', fromName: 'api', toName: 'api', source: 'shop.k8s.yaml',
      changes: expect.arrayContaining([{ pointer: '/spec/replicas', op: 'changed', from: 1, to: 3 }]),
    });
  });

  test('is plain text when the output is not a terminal, and with --no-color even on one', async () => {
    const before = Object.getOwnPropertyDescriptor(process.stdout, 'isTTY');
    try {
      Object.defineProperty(process.stdout, 'isTTY', { value: false, configurable: true });
      expect((await cli(['diff', 'dev', 'prod', '--dist', DIST])).out).not.toContain(ESC);
      Object.defineProperty(process.stdout, 'isTTY', { value: true, configurable: true });
      expect((await cli(['diff', 'dev', 'prod', '--dist', DIST, '--no-color'])).out).not.toContain(ESC);
    } finally {
      if (before) {
        Object.defineProperty(process.stdout, 'isTTY', before);
      } else {
        delete (process.stdout as { isTTY?: boolean }).isTTY;
      }
    }
  });

  test('colors added fields green, removed red and changed values red → green when asked', () => {
    const out: string[] = [];
    diffCommand(['dev', 'prod'], { dist: DIST, color: true }, { out: (l) => out.push(l), err: () => undefined });
    expect(out).toContain(`${ESC}32m+ PodDisruptionBudget api${ESC}0m`);
    expect(out).toContain(`    ${ESC}33m~${ESC}0m /spec/replicas: ${ESC}31m1${ESC}0m → ${ESC}32m3${ESC}0m`);
  });

  test('colors only on a terminal, never with --no-color or NO_COLOR', () => {
    expect(shouldColor(true, {}, true)).toBe(true);
    expect(shouldColor(true, {}, false)).toBe(false);
    expect(shouldColor(true, {}, undefined)).toBe(false);
    expect(shouldColor(false, {}, true)).toBe(false);
    expect(shouldColor(true, { NO_COLOR: '1' }, true)).toBe(false);
    expect(shouldColor(true, { NO_COLOR: '' }, true)).toBe(true);
  });

  test('colors with FORCE_COLOR even off a terminal (CI logs), unless it is 0 or false or --no-color is given', async () => {
    expect(shouldColor(true, { FORCE_COLOR: '1' }, false)).toBe(true);
    expect(shouldColor(true, { FORCE_COLOR: '' }, undefined)).toBe(true);
    expect(shouldColor(true, { FORCE_COLOR: '1', NO_COLOR: '1' }, false)).toBe(true);
    expect(shouldColor(true, { FORCE_COLOR: '0' }, true)).toBe(false);
    expect(shouldColor(true, { FORCE_COLOR: 'false' }, true)).toBe(false);
    expect(shouldColor(false, { FORCE_COLOR: '1' }, true)).toBe(false);
    const before = process.env.FORCE_COLOR;
    process.env.FORCE_COLOR = '1';
    try {
      expect((await cli(['diff', 'dev', 'prod', '--dist', DIST])).out).toContain(`${ESC}32m+ PodDisruptionBudget api${ESC}0m`);
    } finally {
      if (before === undefined) {
        delete process.env.FORCE_COLOR;
      } else {
        process.env.FORCE_COLOR = before;
      }
    }
  });

  test('fails when only one environment is given', async () => {
    const r = await cli(['diff', 'dev', '--dist', DIST]);
    expect(r.code).toBe(2);
    expect(r.err).toBe('prodpath diff: compare two environments (got dev). Fix: prodpath diff <envA> <envB>, such as `prodpath diff staging prod`, '
      + 'or prodpath diff --against <git ref> for what a change does to each environment.');
  });

  test('fails when an environment folder does not exist, listing those that do', async () => {
    const r = await cli(['diff', 'dev', 'qa', '--dist', DIST]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`prodpath diff: ${path.join(DIST, 'qa')} is not an environment folder. The environments under ${DIST} are: dev, prod. `
      + 'Fix: name one of them, or synthesize first with `npx cdk8s synth`.');
  });

  test('fails when the output folder does not exist', async () => {
    const missing = path.join(tempDir(), 'nope');
    const r = await cli(['diff', 'dev', 'prod', '--dist', missing]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`prodpath diff: ${missing} is not a folder. Fix: run \`npx cdk8s synth\` first, or name the folder it wrote with --dist <folder>.`);
  });

  test('fails when a manifest is not valid YAML', async () => {
    const dist = path.join(tempDir(), 'dist');
    fs.cpSync(DIST, dist, { recursive: true });
    fs.writeFileSync(path.join(dist, 'dev', 'shop.k8s.yaml'), 'kind: [unclosed\n');
    const r = await cli(['diff', 'dev', 'prod', '--dist', dist]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^prodpath diff: dev\/shop\.k8s\.yaml is not valid YAML: .+\. Fix: re-synthesize it with `npx cdk8s synth`\.$/);
  });

  test('fails with one clear line when a manifest\'s aliases expand without bound', async () => {
    const dist = path.join(tempDir(), 'dist');
    fs.cpSync(DIST, dist, { recursive: true });
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 10; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(', ')}]`);
    fs.writeFileSync(path.join(dist, 'dev', 'shop.k8s.yaml'), `${lines.join('\n')}\n`);
    const r = await cli(['diff', 'dev', 'prod', '--dist', dist]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^prodpath diff: dev\/shop\.k8s\.yaml cannot be read: .+ \(aliases that expand without bound\)\. Fix: re-synthesize it with `npx cdk8s synth`, which writes no aliases\.$/);
  });

  test('is listed in the command\'s help', async () => {
    const top = await cli(['--help']);
    expect(top.out).toMatch(/^\s+diff \[options\] \[environments\.\.\.\]/m);
    const sub = await cli(['diff', '--help']);
    expect(sub.out).toMatch(/--against <ref>/);
    expect(sub.out).toMatch(/--no-color/);
  });
});
