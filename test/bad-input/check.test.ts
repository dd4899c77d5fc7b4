/**
 * Bad input, `prodpath check`: it cannot be switched off by mistake (an unknown --production
 * environment, a folder with no manifests), reports links, loops and alias bombs as findings
 * with the file and a fix, and enforces every name, label and size limit synth enforces. The
 * checked folder is never changed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments, stringify } from 'yaml';
import { run } from '../../lib/cli/main';
import { tempDir } from '../support/synth';
import { snapshot } from './support';

const DIST = path.resolve(__dirname, '..', '..', 'dist');

async function check(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(['check', ...args], { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function copy(): string {
  const dist = path.join(tempDir('prodpath-check-'), 'dist');
  fs.cpSync(DIST, dist, { recursive: true });
  return dist;
}

function edit(dist: string, file: string, change: (docs: any[]) => void): void {
  const p = path.join(dist, file);
  const docs = parseAllDocuments(fs.readFileSync(p, 'utf8')).map((d) => d.toJS());
  change(docs);
  fs.writeFileSync(p, docs.map((d) => stringify(d)).join('---\n'));
}

const kind = (k: string, name?: string) => (docs: any[]) => docs.find((d) => d.kind === k && (name === undefined || d.metadata.name === name));

type Case = [string, (dist: string) => string[], number, RegExp];
const cases: Case[] = [
  ['fails when --production names an environment that does not exist', (d) => [d, '--production', 'prd'], 2,
    /^prodpath check: --production names "prd", which is not an environment folder of .* \(environments: dev, prod, staging\)\. A typo would switch the production rules off\. Fix: name environments that exist, such as --production prod\.$/],
  ['fails when one of several --production environments does not exist', (d) => [d, '--production', 'prod,stagin'], 2, /--production names "stagin", which is not an environment folder/],
  ['fails when the folder holds no manifests', (d) => { fs.rmSync(d, { recursive: true }); fs.mkdirSync(d); return [d]; }, 2,
    /^prodpath check: .*dist holds no manifests \(\*\.k8s\.yaml in an environment folder\), so there is nothing to check and a wrong folder would pass\. Fix: .* --allow-empty/],
  ['fails when the folder holds only images', (d) => { for (const e of ['dev', 'staging', 'prod']) fs.rmSync(path.join(d, e), { recursive: true }); return [d]; }, 2, /holds no manifests/],
  ['fails when the environment folders hold only Compose files', (d) => { for (const e of ['dev', 'staging', 'prod']) fs.rmSync(path.join(d, e, 'shop.k8s.yaml')); return [d]; }, 2, /holds no manifests/],
  ['fails when a manifest is a symbolic link that loops', (d) => { fs.symlinkSync('loop.k8s.yaml', path.join(d, 'dev', 'loop.k8s.yaml')); return [d]; }, 1,
    /error: dev\/loop\.k8s\.yaml: \[plain-files\] dev\/loop\.k8s\.yaml is a symbolic link to "loop\.k8s\.yaml", which loops back on itself; prodpath check does not follow links\. Fix: remove the link and run `npx cdk8s synth` to write the output again\./],
  ['fails when two links loop through each other', (d) => { fs.symlinkSync('b.k8s.yaml', path.join(d, 'dev', 'a.k8s.yaml')); fs.symlinkSync('a.k8s.yaml', path.join(d, 'dev', 'b.k8s.yaml')); return [d]; }, 1, /dev\/a\.k8s\.yaml is a symbolic link to "b\.k8s\.yaml", which loops back on itself/],
  ['fails when an environment folder is a link to another', (d) => { fs.symlinkSync('prod', path.join(d, 'qa')); return [d]; }, 1, /\[plain-files\] qa is a symbolic link to "prod"/],
  ['fails when a folder links to itself', (d) => { fs.symlinkSync('.', path.join(d, 'dev', 'again')); return [d]; }, 1, /dev\/again is a symbolic link to "\."/],
  ['fails when a manifest link dangles', (d) => { fs.symlinkSync('/nonexistent/x.k8s.yaml', path.join(d, 'dev', 'gone.k8s.yaml')); return [d]; }, 1, /dev\/gone\.k8s\.yaml is a symbolic link to "\/nonexistent\/x\.k8s\.yaml"/],
  ['fails when a manifest is a YAML alias bomb', (d) => {
    let y = 'a: &a [x, x, x, x, x, x, x, x, x]\n';
    let prev = 'a';
    for (let i = 0; i < 8; i++) {
      y += `b${i}: &b${i} [${Array(9).fill(`*${prev}`).join(', ')}]\n`;
      prev = `b${i}`;
    }
    fs.writeFileSync(path.join(d, 'dev', 'bomb.k8s.yaml'), y);
    return [d];
  }, 1, /error: dev\/bomb\.k8s\.yaml: \[yaml-parse\] the YAML cannot be read: Excessive alias count .* \(aliases that expand without bound, a "billion laughs" document\)\. Fix: write the objects without YAML aliases/],
  ['fails when a label value has 64 characters', (d) => { edit(d, 'prod/shop.k8s.yaml', (docs) => { kind('Deployment')(docs).metadata.labels['app.kubernetes.io/instance'] = `shop-${'x'.repeat(59)}`; }); return [d]; }, 1,
    /\[within-cluster-limits\] label app\.kubernetes\.io\/instance has the value "shop-x{59}" \(64 characters\), over the limit of 63/],
  ['fails when a pod template label value has 64 characters', (d) => { edit(d, 'prod/shop.k8s.yaml', (docs) => { kind('Deployment')(docs).spec.template.metadata.labels.extra = 'y'.repeat(64); }); return [d]; }, 1,
    /\/spec\/template\/metadata\/labels\/extra: \[within-cluster-limits\]/],
  ['fails when a CronJob name has 53 characters', (d) => { edit(d, 'prod/shop.k8s.yaml', (docs) => { kind('CronJob')(docs).metadata.name = 'c'.repeat(53); }); return [d]; }, 1,
    /\[within-cluster-limits\] "c{53}" \(53 characters\) breaks the rule: a CronJob name is at most 52 characters/],
  ['fails when a StatefulSet name has 53 characters', (d) => { edit(d, 'prod/shop.k8s.yaml', (docs) => { kind('StatefulSet')(docs).metadata.name = 's'.repeat(53); }); return [d]; }, 1, /a StatefulSet name is at most 52 characters/],
  ['fails when a Service name has 64 characters', (d) => { edit(d, 'prod/shop.k8s.yaml', (docs) => { kind('Service')(docs).metadata.name = 's'.repeat(64); }); return [d]; }, 1, /a Service name is a DNS-1035 label/],
  ['fails when a container port name has 16 characters', (d) => { edit(d, 'prod/shop.k8s.yaml', (docs) => { kind('Deployment')(docs).spec.template.spec.containers[0].ports[0].name = 'p'.repeat(16); }); return [d]; }, 1, /port name is an IANA service name \(at most 15 characters\)/],
  ['fails when a ConfigMap is over 1 MiB', (d) => { edit(d, 'prod/shop.k8s.yaml', (docs) => { kind('ConfigMap')(docs).data.BIG = 'z'.repeat(1024 * 1024); }); return [d]; }, 1, /over the 1 MiB \(1048576 bytes\)/],
  ['fails when a value holds a lone surrogate', (d) => { fs.appendFileSync(path.join(d, 'prod', 'shop.k8s.yaml'), '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: odd\n  labels: { app.kubernetes.io/name: odd }\ndata:\n  A: "x\\ud800"\n'); return [d]; }, 1, /lone UTF-16 surrogate/],
];

describe.each(cases)('check: %s', (_title, arrange, code, message) => {
  test('exits with the expected code and message, and leaves the folder as it was', async () => {
    const dist = copy();
    const args = arrange(dist);
    const before = snapshot(path.dirname(dist));
    const r = await check(args);
    expect(r.code).toBe(code);
    expect(r.err).toMatch(message);
    expect(snapshot(path.dirname(dist))).toEqual(before);
  });
});

test('check: --allow-empty accepts a folder with no manifests', async () => {
  const dir = path.join(tempDir('prodpath-check-'), 'dist');
  fs.mkdirSync(dir);
  const r = await check([dir, '--allow-empty']);
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/0 error\(s\), 0 warning\(s\) in 0 manifest file\(s\)/);
});

test('check: the table counts', () => {
  expect(cases.length).toBe(19);
});
