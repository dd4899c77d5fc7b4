import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments, stringify } from 'yaml';
import { checkDist } from '../lib/cli/check';
import { run } from '../lib/cli/main';
import { tempDir } from './support/synth';

const DIST = path.resolve(__dirname, '..', 'dist');

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Edits the objects of one manifest file of a copied dist. */
function editManifests(dist: string, file: string, edit: (docs: any[]) => any[]): void {
  const p = path.join(dist, file);
  const docs = parseAllDocuments(fs.readFileSync(p, 'utf8')).map((d) => d.toJS());
  fs.writeFileSync(p, edit(docs).map((d) => stringify(d)).join('---\n'));
}

const deployment = (docs: any[]) => docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'api');

describe('prodpath check', () => {
  test('passes the committed example output with no finding', async () => {
    const r = await cli(['check', DIST]);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^prodpath check: 0 error\(s\), 0 warning\(s\) in 3 manifest file\(s\) \(\d+ objects\) and \d+ image\(s\)/m);
    expect(r.code).toBe(0);
  });

  test('reports each break in a hand-broken copy, with file, object and rule, and exits 1', async () => {
    const dist = path.join(tempDir(), 'dist');
    fs.cpSync(DIST, dist, { recursive: true });
    editManifests(dist, 'prod/shop.k8s.yaml', (docs) => {
      const c = deployment(docs).spec.template.spec.containers[0];
      c.image = c.image.replace(/:[^:@]+(@.*)?$/, ':latest');
      c.env = [...(c.env ?? []), { name: 'DB_PASSWORD', value: 'hunter2' }];
      docs.find((d) => d.kind === 'Ingress').spec.tls = undefined;
      return docs.filter((d) => !(d.kind === 'PodDisruptionBudget' && d.metadata.name === 'api'));
    });
    editManifests(dist, 'staging/shop.k8s.yaml', (docs) => {
      deployment(docs).spec.replica = 2;
      return docs;
    });
    editManifests(dist, 'dev/shop.k8s.yaml', (docs) => {
      deployment(docs).spec.template.spec.containers[0].securityContext.privileged = true;
      return docs;
    });
    const dockerfile = path.join(dist, 'images/api/Dockerfile');
    fs.writeFileSync(dockerfile, fs.readFileSync(dockerfile, 'utf8').replace(/^USER .*$/m, 'USER root'));
    const ignore = path.join(dist, 'images/api/Dockerfile.dockerignore');
    fs.writeFileSync(ignore, fs.readFileSync(ignore, 'utf8').replace(/^node_modules$/m, ''));

    const r = await cli(['check', dist]);
    expect(r.code).toBe(1);
    const expected: [string, RegExp][] = [
      ['image-tag', /^error: prod\/shop\.k8s\.yaml Deployment shop\/api \S+\/image: \[image-tag\] container api runs image "ghcr\.io\/acme\/api:latest"/m],
      ['no-plaintext-secrets', /^error: prod\/shop\.k8s\.yaml Deployment shop\/api .*\[no-plaintext-secrets\] env DB_PASSWORD holds a secret in plain text \(secret-name: .*\*\*\* \(\d+ characters, hidden\)/m],
      ['production-ingress-tls', /^error: prod\/shop\.k8s\.yaml Ingress shop\/api \/spec\/rules\/0\/host: \[production-ingress-tls\]/m],
      ['production-disruption-budget', /^error: prod\/shop\.k8s\.yaml Deployment shop\/api: \[production-disruption-budget\] no PodDisruptionBudget selects the pods/m],
      ['schema-valid', /^error: staging\/shop\.k8s\.yaml Deployment shop-staging\/api \/spec\/replica: \[schema-valid\] unknown field "replica"/m],
      ['no-privileged', /^error: dev\/shop\.k8s\.yaml Deployment shop-dev\/api .*\[no-privileged\] container api is privileged/m],
      ['dockerfile-numeric-user', /^error: images\/api\/Dockerfile line \d+: \[dockerfile-numeric-user\] the final stage runs as USER root/m],
      ['dockerignore-essentials', /^error: images\/api\/Dockerfile\.dockerignore: \[dockerignore-essentials\] the ignore file does not leave out node_modules/m],
    ];
    for (const [rule, pattern] of expected) {
      expect({ rule, found: pattern.test(r.err) }).toEqual({ rule, found: true });
    }
    expect(r.err).not.toContain('hunter2');
    expect(r.out).toMatch(/prodpath check: \d+ error\(s\)/);
  });

  test('prints findings as JSON with --json', async () => {
    const dist = path.join(tempDir(), 'dist');
    fs.cpSync(DIST, dist, { recursive: true });
    editManifests(dist, 'dev/shop.k8s.yaml', (docs) => {
      deployment(docs).spec.template.spec.automountServiceAccountToken = true;
      return docs;
    });
    const r = await cli(['check', dist, '--json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out);
    expect(report.findings).toEqual([expect.objectContaining({
      rule: 'no-service-account-token', severity: 'error', file: 'dev/shop.k8s.yaml',
      object: expect.objectContaining({ kind: 'Deployment', name: 'api', namespace: 'shop-dev' }),
    })]);
  });

  test('treats the folders given with --production as production', async () => {
    const r = await cli(['check', DIST, '--production', 'dev']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: dev\/shop\.k8s\.yaml .*\[production-/m);
  });

  test('fails with a clear message when the folder does not exist', async () => {
    const r = await cli(['check', path.join(tempDir(), 'nope')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/is not a folder\. Run `npx cdk8s synth` first/);
  });

  test('shows help for the command and its subcommands', async () => {
    const top = await cli(['--help']);
    expect(top.code).toBe(0);
    expect(top.out).toMatch(/Commands:\n\s+check \[options\] \[dist\]/);
    const sub = await cli(['check', '--help']);
    expect(sub.out).toMatch(/--production <envs>/);
  });
});

describe('prodpath check reads documents one at a time', () => {
  const copy = () => {
    const dist = path.join(tempDir(), 'dist');
    fs.cpSync(DIST, dist, { recursive: true });
    return dist;
  };

  test('reports a syntax error with the message, line and excerpt parseAllDocuments gives', () => {
    const dist = copy();
    const file = path.join(dist, 'dev', 'shop.k8s.yaml');
    const text = `${fs.readFileSync(file, 'utf8')}---\nkind: ConfigMap\nmetadata:\n  name: [broken\n  x: 1\n`;
    fs.writeFileSync(file, text);
    const expected = parseAllDocuments(text).flatMap((d) => d.errors.slice(0, 1)).map((e) => e.message);
    expect(expected).toHaveLength(1);
    expect(expected[0]).toMatch(/at line \d+, column \d+:\n\n/);
    const parse = checkDist(dist).findings.filter((f) => f.rule.id === 'yaml-parse');
    expect(parse.map((f) => f.message)).toEqual(expected);
  });

  test('applies the Namespace settings to objects that come before it', () => {
    const findingsWith = (order: (docs: any[]) => any[]) => {
      const dist = copy();
      editManifests(dist, 'dev/shop.k8s.yaml', (docs) => {
        docs.find((d) => d.kind === 'Namespace').metadata.annotations['prodpath.dev/production'] = 'true';
        return order(docs);
      });
      return checkDist(dist).findings.map((f) => `${f.rule.id} ${f.object?.name} ${f.message}`);
    };
    const first = findingsWith((docs) => docs);
    const last = findingsWith((docs) => [...docs.filter((d) => d.kind !== 'Namespace'), ...docs.filter((d) => d.kind === 'Namespace')]);
    expect(first.filter((f) => f.startsWith('production-replicas '))).not.toEqual([]);
    expect(last).toEqual(first);
  });

  test('keeps values JSON cannot hold: replicas: .nan is still a number, not null', () => {
    const dist = copy();
    const file = path.join(dist, 'dev', 'shop.k8s.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/^(\s+)replicas: \d+$/m, '$1replicas: .nan'));
    const schema = checkDist(dist).findings.filter((f) => f.rule.id === 'schema-valid' && f.where === '/spec/replicas');
    expect(schema.map((f) => f.message)).toEqual([expect.stringMatching(/^must be an integer, got /)]);
  });
});
