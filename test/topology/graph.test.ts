import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Browser, chromium as pw } from 'playwright-core';
import { App, MigrationJob } from '../../lib';
import { environmentSvg } from '../../lib/cli/graph';
import { run } from '../../lib/cli/main';
import { readEnvironment } from '../../lib/diff/sources';
import { readTopology } from '../../lib/topology/model';
import { describeWhenReady, ToolStatus } from '../support/ready';
import { tempDir } from '../support/synth';
import { fourEnvironmentApp, standardWorkloads } from '../parity/support';

const CHROMIUM = '/usr/bin/chromium';

function fourDist(): string {
  const outdir = path.join(tempDir(), 'dist');
  const { app } = fourEnvironmentApp((env, image) => {
    const { db } = standardWorkloads(env, image);
    new MigrationJob(env, 'migrate', { image, command: ['node', 'migrate.js'], waitCommand: ['node', 'migrate.js', '--wait'], connectsTo: [db] });
  }, { app: new App({ outdir, printSummary: false }) });
  app.synth();
  return outdir;
}

describe('topology of an environment', () => {
  const prod = readTopology('prod', readEnvironment('dist', 'prod'));
  const edge = (from: string, to: string) => prod.edges.filter((e) => e.from === from && e.to === to).map((e) => `${e.kind} ${e.label}`);

  test('has every workload, job and cron task, Service, Ingress host, volume and external secret of the example', () => {
    expect(prod.nodes.map((n) => `${n.type} ${n.label}`)).toEqual([
      'external addresses 0.0.0.0/0',
      'job CronJob cleanup',
      'workload Deployment api',
      'workload Deployment mailer',
      'secret ExternalSecret db-password',
      'secret ExternalSecret session-key',
      'secret ExternalSecret smtp',
      'host https://api.shop.example.com',
      'job Job migrate',
      'external namespace ingress-nginx',
      'service Service api',
      'service Service db',
      'workload StatefulSet db',
      'storage volume data',
    ]);
    expect(prod.nodes.find((n) => n.label === 'Deployment api')!.details[0]).toBe('3 – 20 pods (HPA)');
    expect(prod.nodes.find((n) => n.label === 'volume data')!.details).toEqual(['50Gi per pod']);
  });

  test('draws the connectsTo edges with their ports, as the NetworkPolicies allow them', () => {
    for (const from of ['Deployment/api', 'Deployment/mailer', 'CronJob/cleanup', 'Job/migrate']) {
      expect(edge(from, 'StatefulSet/db')).toEqual(['allowed 5432/TCP']);
    }
    expect(edge('Deployment/mailer', 'Addresses/0.0.0.0/0')).toEqual(['allowed 587/TCP']);
    expect(edge('Namespace/ingress-nginx', 'Deployment/api')).toEqual(['allowed 8080/TCP']);
    expect(edge('Host/api.shop.example.com', 'Service/api')).toEqual(['uses / → 8080']);
    expect(edge('Service/api', 'Deployment/api')).toEqual(['uses selects']);
    expect(edge('ExternalSecret/session-key', 'Deployment/api')).toEqual(['uses read by']);
    expect(edge('ExternalSecret/smtp', 'Deployment/mailer')).toEqual(['uses read by']);
    expect(prod.openEgress).toEqual(['53/UDP, 53/TCP']);
    // No edge the policies do not allow: the database connects to nothing.
    expect(prod.edges.filter((e) => e.from === 'StatefulSet/db' && e.kind !== 'uses')).toEqual([]);
  });

  test('marks traffic that only one side\'s NetworkPolicy allows as blocked', () => {
    const objects = readEnvironment('dist', 'prod').filter((o) => !(o.object.kind === 'NetworkPolicy' && o.object.metadata.name === 'db'));
    const dbPolicy = readEnvironment('dist', 'prod').find((o) => o.object.kind === 'NetworkPolicy' && o.object.metadata.name === 'db')!;
    // The database's policy admits only the api: the mailer's egress to it is blocked.
    const only = { ...dbPolicy, object: { ...dbPolicy.object, spec: { ...dbPolicy.object.spec, ingress: [dbPolicy.object.spec.ingress[1]] } } };
    const t = readTopology('prod', [...objects, only]);
    expect(t.edges.filter((e) => e.to === 'StatefulSet/db' && e.kind !== 'uses').map((e) => `${e.from} ${e.kind}`)).toEqual([
      'CronJob/cleanup blocked', 'Deployment/api allowed', 'Deployment/mailer blocked', 'Job/migrate blocked',
    ]);
  });

  test('the SVG is the same bytes every time, and docs/topology-prod.svg (shown in the README) is current', async () => {
    const a = await environmentSvg('dist', 'prod');
    expect(await environmentSvg('dist', 'prod')).toBe(a);
    expect(fs.readFileSync('docs/topology-prod.svg', 'utf8')).toBe(a);
  });

  test('prodpath graph prints the SVG, or writes it with --out', async () => {
    const out: string[] = [];
    expect(await run(['graph', 'staging'], { out: (l) => out.push(l), err: (l) => out.push(l) })).toBe(0);
    expect(out.join('\n')).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^]*Deployment api[^]*<\/svg>$/);
    const file = path.join(tempDir(), 'g', 'staging.svg');
    expect(await run(['graph', 'staging', '--out', file], { out: () => undefined, err: () => undefined })).toBe(0);
    expect(`${out.join('\n')}\n`).toBe(fs.readFileSync(file, 'utf8'));
  });

  test('fails when the environment does not exist, listing those that do', async () => {
    const err: string[] = [];
    expect(await run(['graph', 'qa'], { out: () => undefined, err: (l) => err.push(l) })).toBe(2);
    expect(err.join('\n')).toMatch(/dist\/qa is not an environment folder\. The environments under dist are: dev, prod, staging\./);
  });
});

/** Runs in the page (the test's TypeScript has no DOM types): each node's box, its label's box, and what is drawn at the label's centre. */
const MEASURE = `(() => {
        const svg = document.documentElement.getBoundingClientRect();
        return [...document.querySelectorAll('g.node')].map((g) => {
          const label = g.querySelector('text.label');
          const box = label.getBoundingClientRect();
          const rect = g.querySelector('rect').getBoundingClientRect();
          const hit = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
          return {
            type: g.getAttribute('class').replace('node ', ''),
            text: label.textContent,
            label: { x: box.x, y: box.y, right: box.right, bottom: box.bottom, width: box.width, height: box.height },
            rect: { x: rect.x, y: rect.y, right: rect.right, bottom: rect.bottom },
            inSvg: box.x >= svg.x && box.y >= svg.y && box.right <= svg.right && box.bottom <= svg.bottom,
            hitOwnNode: hit !== null && g.contains(hit),
          };
        });
})()`;

interface Box { x: number; y: number; right: number; bottom: number; width?: number; height?: number }
interface Measured { type: string; text: string; label: Required<Box>; rect: Box; inSvg: boolean; hitOwnNode: boolean }

const chromium: ToolStatus = fs.existsSync(CHROMIUM) ? { available: true } : { available: false, reason: `${CHROMIUM} is not installed (apt-get install chromium)` };

describeWhenReady('topology SVG in headless Chromium', chromium)('topology SVG in headless Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    // playwright gives each launch a new, temporary --user-data-dir.
    browser = await pw.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** Opens an SVG file and measures every node: its box, its label's box, and what is drawn at the label's centre. */
  async function measure(file: string) {
    // A viewport larger than every picture, so that each point of it can be hit-tested.
    const page = await browser.newPage({ viewport: { width: 3000, height: 2000 } });
    try {
      await page.goto(`file://${path.resolve(file)}`);
      return await page.evaluate(MEASURE) as Measured[];
    } finally {
      await page.close();
    }
  }

  function expectWorkloadsVisible(nodes: Measured[], expected: string[]) {
    const workloads = nodes.filter((n) => n.type === 'workload' || n.type === 'job');
    expect(workloads.map((n) => n.text).sort()).toEqual([...expected].sort());
    for (const n of workloads) {
      expect({ text: n.text, inSvg: n.inSvg, hitOwnNode: n.hitOwnNode, drawn: n.label.width > 20 && n.label.height > 8 }).toEqual({ text: n.text, inSvg: true, hitOwnNode: true, drawn: true });
      // The label fits inside its box.
      expect(n.label.x).toBeGreaterThanOrEqual(n.rect.x);
      expect(n.label.right).toBeLessThanOrEqual(n.rect.right);
      expect(n.label.bottom).toBeLessThanOrEqual(n.rect.bottom);
    }
    // No two boxes overlap.
    for (const [i, a] of nodes.entries()) {
      for (const b of nodes.slice(i + 1)) {
        const apart = a.rect.right <= b.rect.x || b.rect.right <= a.rect.x || a.rect.bottom <= b.rect.y || b.rect.bottom <= a.rect.y;
        expect({ a: a.text, b: b.text, apart }).toEqual({ a: a.text, b: b.text, apart: true });
      }
    }
  }

  test('every workload\'s label is visible in each environment of the example', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'i17-svg-'));
    for (const env of ['dev', 'staging', 'prod']) {
      const file = path.join(dir, `${env}.svg`);
      fs.writeFileSync(file, await environmentSvg('dist', env));
      expectWorkloadsVisible(await measure(file), ['Deployment api', 'Deployment mailer', 'StatefulSet db', 'CronJob cleanup', 'Job migrate']);
    }
    expectWorkloadsVisible(await measure('docs/topology-prod.svg'), ['Deployment api', 'Deployment mailer', 'StatefulSet db', 'CronJob cleanup', 'Job migrate']);
  });

  test('every workload\'s label is visible in each environment of the four-environment app', async () => {
    const dist = fourDist();
    for (const env of ['dev', 'staging', 'prod-eu', 'prod-us']) {
      const file = path.join(dist, `${env}.svg`);
      fs.writeFileSync(file, await environmentSvg(dist, env));
      expectWorkloadsVisible(await measure(file), ['Deployment api', 'Deployment mailer', 'StatefulSet db', 'CronJob cleanup', 'Job migrate']);
    }
  });
});
