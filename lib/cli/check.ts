import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { ENVIRONMENT_ANNOTATION, PRODUCTION_ANNOTATION } from '../environments/environment';
import { isProductionName } from '../environments/settings';
import { checkDockerfile, checkIgnoreFile } from '../policy/dockerfile-rules';
import { checkManifests, ManifestInput, podTemplateOf } from '../policy/manifest-rules';
import { Finding, PolicyRule } from '../policy/rules';

/** The result of checking a synthesized output folder. */
export interface CheckResult {
  /** Every finding, errors and warnings. */
  readonly findings: readonly Finding[];
  /** How many manifest files, objects and images were checked. */
  readonly counts: { readonly manifestFiles: number; readonly objects: number; readonly images: number };
}

const PARSE_RULE: PolicyRule = { id: 'yaml-parse', rationale: 'manifests must be readable YAML', source: 'YAML 1.2', exemptible: false };

/**
 * Runs the synth-time checks on an existing output folder (for CI on committed manifests):
 * the schema and manifest rules per environment folder, and the Dockerfile and ignore-file
 * rules per image, with each image's USER compared to the pods that run it.
 *
 * @param dist the folder `cdk8s synth` wrote
 * @param options.production environment folders to treat as production, overriding the
 *   Namespace annotation `prodpath.dev/production`
 */
export function checkDist(dist: string, options: { production?: readonly string[] } = {}): CheckResult {
  if (!fs.existsSync(dist) || !fs.statSync(dist).isDirectory()) {
    throw new Error(`prodpath check: ${dist} is not a folder. Run \`npx cdk8s synth\` first, or name the folder it wrote: prodpath check <dist>.`);
  }
  const findings: Finding[] = [];
  let manifestFiles = 0;
  const allObjects: ManifestInput[] = [];

  for (const envDir of fs.readdirSync(dist, { withFileTypes: true }).filter((d) => d.isDirectory() && d.name !== 'images').map((d) => d.name).sort()) {
    const inputs: ManifestInput[] = [];
    for (const file of manifestPaths(path.join(dist, envDir))) {
      const rel = path.relative(dist, file).split(path.sep).join('/');
      manifestFiles += 1;
      for (const doc of parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
        if (doc.errors.length > 0) {
          findings.push({ rule: PARSE_RULE, severity: 'error', message: doc.errors[0].message, fix: 'fix the YAML syntax', file: rel });
          continue;
        }
        const object = doc.toJS();
        if (object !== null && object !== undefined) {
          inputs.push({ object, file: rel });
        }
      }
    }
    const ns = inputs.find((i) => i.object?.kind === 'Namespace')?.object;
    const annotated = ns?.metadata?.annotations?.[PRODUCTION_ANNOTATION];
    const envName = ns?.metadata?.annotations?.[ENVIRONMENT_ANNOTATION] ?? envDir;
    const production = options.production ? options.production.includes(envDir) : annotated !== undefined ? annotated === 'true' : isProductionName(envName);
    findings.push(...checkManifests(inputs, { production }));
    allObjects.push(...inputs);
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
      const users = podUsersOf(allObjects, meta.image);
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
  return { findings, counts: { manifestFiles, objects: allObjects.length, images } };
}

/** Every manifest file (`*.k8s.yaml`) below a folder, sorted; Compose files and kustomizations are not manifests. */
function manifestPaths(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      out.push(...manifestPaths(p));
    } else if (e.name.endsWith('.k8s.yaml')) {
      out.push(p);
    }
  }
  return out.sort();
}

/** The distinct `uid:gid` of the containers that run `image` (repository:tag, with or without a digest). */
function podUsersOf(objects: readonly ManifestInput[], image: string | undefined): Set<string> {
  const users = new Set<string>();
  if (!image) {
    return users;
  }
  for (const { object } of objects) {
    const t = podTemplateOf(object);
    for (const c of t?.spec?.containers ?? []) {
      if (c.image === image || (typeof c.image === 'string' && c.image.startsWith(`${image}@`))) {
        const uid = c.securityContext?.runAsUser ?? t!.spec.securityContext?.runAsUser;
        const gid = c.securityContext?.runAsGroup ?? t!.spec.securityContext?.runAsGroup;
        users.add(`${uid}:${gid}`);
      }
    }
  }
  return users;
}
