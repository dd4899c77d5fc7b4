import * as fs from 'fs';
import * as path from 'path';
import * as v8 from 'v8';
import { ENVIRONMENT_ANNOTATION, KUBERNETES_ANNOTATION, PRODUCTION_ANNOTATION } from '../environments/annotations';
import { isProductionName } from '../environments/settings';
import { readYamlDocuments } from '../outputs/yaml-read';
import { objectDigest } from '../policy/schema/result-cache';
import { saveSchemaCaches } from '../policy/schema/validate';
import { checkDockerfile, checkIgnoreFile } from '../policy/dockerfile-rules';
import { checkManifestStream, ManifestInput, podTemplateOf, RELATED_KINDS } from '../policy/manifest-rules';
import { Finding, PolicyRule } from '../policy/rules';
import { DEFAULT_KUBERNETES_MINORS, KubernetesMinor, parseKubernetesMinors } from '../policy/schema/minors';

/** The result of checking a synthesized output folder. */
export interface CheckResult {
  /** Every finding, errors and warnings. */
  readonly findings: readonly Finding[];
  /** How many manifest files, objects and images were checked. */
  readonly counts: { readonly manifestFiles: number; readonly objects: number; readonly images: number };
}

const PARSE_RULE: PolicyRule = { id: 'yaml-parse', rationale: 'manifests must be readable YAML', source: 'YAML 1.2', exemptible: false };
const FILE_RULE: PolicyRule = { id: 'plain-files', rationale: 'synth writes plain files and folders; a link in the output may point anywhere or loop', source: 'prodpath', exemptible: false };

/** Thrown when `prodpath check` cannot check what it was asked to (exit 2): a typo must never pass. */
export class CheckUsageError extends Error {
  constructor(message: string) {
    super(`prodpath check: ${message}`);
    this.name = 'CheckUsageError';
  }
}

/**
 * Runs the synth-time checks on an existing output folder (for CI on committed manifests):
 * the schema and manifest rules per environment folder, and the Dockerfile and ignore-file
 * rules per image, with each image's USER compared to the pods that run it.
 *
 * @param dist the folder `cdk8s synth` wrote
 * @param options.production environment folders to treat as production, overriding the
 *   Namespace annotation `prodpath.dev/production`
 * @param options.kubernetes the Kubernetes minors to validate against, overriding the Namespace
 *   annotation `prodpath.dev/kubernetes` (default: every supported minor)
 */
export function checkDist(dist: string, options: { production?: readonly string[]; allowEmpty?: boolean; kubernetes?: readonly KubernetesMinor[] } = {}): CheckResult {
  if (!fs.existsSync(dist) || !fs.statSync(dist).isDirectory()) {
    throw new CheckUsageError(`${dist} is not a folder. Run \`npx cdk8s synth\` first, or name the folder it wrote: prodpath check <dist>.`);
  }
  const findings: Finding[] = [];
  let manifestFiles = 0;
  let objects = 0;
  const podUsers = new PodUsers();
  const relOf = (p: string) => path.relative(dist, p).split(path.sep).join('/');
  const links = (entries: fs.Dirent[], dir: string) => {
    for (const e of entries.filter((d) => d.isSymbolicLink())) {
      const file = path.join(dir, e.name);
      let target = '(unreadable)';
      try {
        target = fs.readlinkSync(file);
      } catch {
        // Reported with the unreadable target.
      }
      let loops = false;
      try {
        fs.statSync(file);
      } catch (err: any) {
        loops = err?.code === 'ELOOP';
      }
      findings.push({
        rule: FILE_RULE,
        severity: 'error',
        message: `${relOf(file)} is a symbolic link to ${JSON.stringify(target)}${loops ? ', which loops back on itself' : ''}; prodpath check does not follow links`,
        fix: 'remove the link and run `npx cdk8s synth` to write the output again',
        file: relOf(file),
      });
    }
  };

  const top = fs.readdirSync(dist, { withFileTypes: true });
  links(top, dist);
  const envDirs = top.filter((d) => d.isDirectory() && d.name !== 'images').map((d) => d.name).sort();
  const unknown = (options.production ?? []).filter((e) => !envDirs.includes(e));
  if (unknown.length > 0) {
    throw new CheckUsageError(`--production names ${unknown.map((e) => JSON.stringify(e)).join(', ')}, which ${unknown.length === 1 ? 'is not an environment folder' : 'are not environment folders'} of ${dist} (environments: ${envDirs.join(', ') || 'none'}). A typo would switch the production rules off. Fix: name environments that exist, such as --production ${envDirs.find((e) => isProductionName(e)) ?? envDirs[0] ?? 'prod'}.`);
  }
  for (const envDir of envDirs) {
    // Objects are kept serialized (v8, which keeps NaN, -0 and the like) and checked one at a
    // time, so a large output needs about its own size in memory, not that of its parsed trees.
    const stored: Array<{ data: Buffer | undefined; file: string; textDigest: string | undefined }> = [];
    const related: any[] = [];
    let ns: any;
    for (const file of manifestPaths(path.join(dist, envDir), links)) {
      const rel = relOf(file);
      manifestFiles += 1;
      for (const read of readYamlDocuments(fs.readFileSync(file, 'utf8'))) {
        if ('error' in read) {
          findings.push({ rule: PARSE_RULE, severity: 'error', message: read.error, fix: 'fix the YAML syntax', file: rel });
          continue;
        }
        if ('unreadable' in read) {
          findings.push({
            rule: PARSE_RULE,
            severity: 'error',
            message: `the YAML cannot be read: ${read.unreadable} (aliases that expand without bound, a "billion laughs" document)`,
            fix: 'write the objects without YAML aliases (synth never writes any), or run `npx cdk8s synth` again',
            file: rel,
          });
          continue;
        }
        const object: any = read.object;
        if (object === null || object === undefined) continue;
        if (ns === undefined && object?.kind === 'Namespace') ns = object;
        if (RELATED_KINDS.has(object?.kind)) related.push(object);
        stored.push({ data: v8.serialize(object), file: rel, textDigest: read.text !== undefined ? objectDigest(read.text) : undefined });
      }
    }
    const annotated = ns?.metadata?.annotations?.[PRODUCTION_ANNOTATION];
    const envName = ns?.metadata?.annotations?.[ENVIRONMENT_ANNOTATION] ?? envDir;
    const production = options.production ? options.production.includes(envDir) : annotated !== undefined ? annotated === 'true' : isProductionName(envName);
    const targeted = ns?.metadata?.annotations?.[KUBERNETES_ANNOTATION];
    const kubernetes = options.kubernetes ?? (typeof targeted === 'string' ? parseKubernetesMinors(targeted, `${envDir}: the Namespace annotation ${KUBERNETES_ANNOTATION}`) : DEFAULT_KUBERNETES_MINORS);
    function* inputs(): Generator<ManifestInput> {
      for (const entry of stored) {
        const object = v8.deserialize(entry.data!);
        entry.data = undefined; // checked once: let it go
        podUsers.note(object);
        yield { object, file: entry.file, textDigest: entry.textDigest };
      }
    }
    findings.push(...checkManifestStream(inputs(), related, { production, kubernetes }));
    objects += stored.length;
  }

  const imagesDir = path.join(dist, 'images');
  let images = 0;
  if (fs.existsSync(imagesDir)) {
    for (const name of fs.readdirSync(imagesDir).sort()) {
      const dir = path.join(imagesDir, name);
      const rel = (f: string) => path.relative(dist, path.join(dir, f)).split(path.sep).join('/');
      if (!fs.existsSync(path.join(dir, 'Dockerfile'))) {
        continue;
      }
      images += 1;
      const meta = fs.existsSync(path.join(dir, 'image.json')) ? JSON.parse(fs.readFileSync(path.join(dir, 'image.json'), 'utf8')) : {};
      const users = podUsers.of(meta.image);
      const dockerfile = fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8');
      const exemptions = typeof meta.exemptions === 'object' && meta.exemptions !== null ? meta.exemptions : {};
      if (users.size <= 1) {
        findings.push(...checkDockerfile(dockerfile, { file: rel('Dockerfile'), expectedUser: [...users][0], exemptions }));
      } else {
        findings.push(...checkDockerfile(dockerfile, { file: rel('Dockerfile'), exemptions }));
        for (const user of users) {
          findings.push(...checkDockerfile(dockerfile, { file: rel('Dockerfile'), expectedUser: user }).filter((f) => f.rule.id === 'dockerfile-numeric-user'));
        }
      }
      const ignore = path.join(dir, 'Dockerfile.dockerignore');
      if (fs.existsSync(ignore)) {
        findings.push(...checkIgnoreFile(fs.readFileSync(ignore, 'utf8'), { file: rel('Dockerfile.dockerignore'), exemptions }));
      } else {
        findings.push(...checkIgnoreFile('', { file: rel('Dockerfile.dockerignore') }));
      }
    }
  }
  if (manifestFiles === 0 && !options.allowEmpty) {
    throw new CheckUsageError(`${dist} holds no manifests (*.k8s.yaml in an environment folder), so there is nothing to check and a wrong folder would pass. Fix: name the folder \`cdk8s synth\` wrote, or pass --allow-empty if an empty output is expected.`);
  }
  // The validators' compiled code and the objects they found valid, for the next check or synth.
  saveSchemaCaches();
  return { findings, counts: { manifestFiles, objects, images } };
}

/** Every manifest file (`*.k8s.yaml`) below a folder, sorted; Compose files and kustomizations are not manifests. */
function manifestPaths(dir: string, links: (entries: fs.Dirent[], dir: string) => void): string[] {
  const out: string[] = [];
  const entries = fs.readdirSync(dir, { withFileTypes: true });
  links(entries, dir);
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      out.push(...manifestPaths(p, links));
    } else if (e.isFile() && e.name.endsWith('.k8s.yaml')) {
      out.push(p);
    }
  }
  return out.sort();
}

/** The `uid:gid` of the containers of every pod template, by image, noted as objects are checked. */
class PodUsers {
  /** Distinct (image, uid:gid) pairs in the order met. */
  private readonly pairs: Array<{ readonly image: string; readonly user: string }> = [];
  private readonly seen = new Set<string>();

  note(object: unknown): void {
    const t = podTemplateOf(object);
    for (const c of t?.spec?.containers ?? []) {
      if (typeof c.image !== 'string') continue;
      const uid = c.securityContext?.runAsUser ?? t!.spec.securityContext?.runAsUser;
      const gid = c.securityContext?.runAsGroup ?? t!.spec.securityContext?.runAsGroup;
      const user = `${uid}:${gid}`;
      const key = `${c.image}\u0000${user}`;
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      this.pairs.push({ image: c.image, user });
    }
  }

  /** The distinct `uid:gid` of the containers that run `image` (repository:tag, with or without a digest). */
  of(image: string | undefined): Set<string> {
    const users = new Set<string>();
    if (!image) return users;
    for (const p of this.pairs) {
      if (p.image === image || p.image.startsWith(`${image}@`)) users.add(p.user);
    }
    return users;
  }
}

