/**
 * Checks, at a small N, that the cases really render the same manifests, so the timings
 * compare like with like: the plain-objects floor, raw cdk8s-plus-27 and raw cdk8s L1 must write the same
 * bytes as prodpath; kustomize must produce the same objects (its formatting and
 * ConfigMap name hashes differ, so objects are compared parsed, with the hash suffix of
 * ConfigMap names removed on both sides).
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { ENV_NAMES, PIPELINE } from './model';

/** The outcome of one comparison. */
export interface Equivalence {
  readonly what: string;
  readonly same: boolean;
  readonly detail: string;
}

function readOrEmpty(file: string): string {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
}

/** Sorts object keys deeply, so two equal objects serialize to the same JSON. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) {
    return v.map(canonical);
  }
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  }
  return v;
}

/** The objects of a multi-document YAML text, keyed by kind/name, ConfigMap hashes removed. */
function objectsOf(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const doc of parseAllDocuments(text)) {
    const obj = doc.toJS() as { kind?: string; metadata?: { name?: string } } | null;
    if (!obj) {
      continue;
    }
    const json = JSON.stringify(canonical(obj)).replace(/-config-[a-z0-9]{10}"/g, '-config"');
    out.set(`${obj.kind}/${(obj.metadata?.name ?? '').replace(/-config-[a-z0-9]{10}$/, '-config')}`, json);
  }
  return out;
}

/** Compares the four outputs of the same N, environment by environment. */
export function checkEquivalence(dirs: { prodpath: string; floor: string; plus: string; l1?: string; kustomize?: string }): Equivalence[] {
  const results: Equivalence[] = [];
  const byteCheck = (what: string, pairs: [string, string][]) => {
    const differing = pairs.filter(([a, b]) => a === '' || a !== b).length;
    results.push({ what, same: differing === 0, detail: differing === 0 ? 'byte-identical' : `${differing} of ${pairs.length} files differ` });
  };

  byteCheck('plain objects + yaml vs prodpath', ENV_NAMES.flatMap((env): [string, string][] => [
    [readOrEmpty(path.join(dirs.prodpath, env, `${PIPELINE}.k8s.yaml`)), readOrEmpty(path.join(dirs.floor, env, `${PIPELINE}.k8s.yaml`))],
    [readOrEmpty(path.join(dirs.prodpath, env, 'kustomization.yaml')), readOrEmpty(path.join(dirs.floor, env, 'kustomization.yaml'))],
  ]));
  // prodpath adds one header line to the file cdk8s would write.
  const cdk8sCheck = (what: string, dir: string) => byteCheck(`${what} vs prodpath (without its header line)`, ENV_NAMES.map((env): [string, string] => [
    readOrEmpty(path.join(dirs.prodpath, env, `${PIPELINE}.k8s.yaml`)).replace(/^#[^\n]*\n/, ''),
    readOrEmpty(path.join(dir, `${env}.k8s.yaml`)),
  ]));
  cdk8sCheck('raw cdk8s-plus-27', dirs.plus);
  if (dirs.l1 !== undefined) cdk8sCheck('raw cdk8s L1 (ApiObject)', dirs.l1);

  if (dirs.kustomize !== undefined) {
    const problems: string[] = [];
    let count = 0;
    for (const env of ENV_NAMES) {
      const ours = objectsOf(readOrEmpty(path.join(dirs.prodpath, env, `${PIPELINE}.k8s.yaml`)));
      const theirs = objectsOf(readOrEmpty(path.join(dirs.kustomize, `${env}.yaml`)));
      count += ours.size;
      for (const key of new Set([...ours.keys(), ...theirs.keys()])) {
        if (ours.get(key) !== theirs.get(key)) {
          problems.push(`${env}: ${key} ${!ours.has(key) ? 'only in kustomize' : !theirs.has(key) ? 'missing in kustomize' : 'differs'}`);
        }
      }
    }
    results.push({
      what: 'kubectl kustomize vs prodpath (parsed; ConfigMap name hashes ignored)',
      same: problems.length === 0 && count > 0,
      detail: problems.length === 0 ? `same ${count} objects` : `${problems.length} differences, e.g. ${problems.slice(0, 3).join('; ')}`,
    });
  }
  return results;
}
