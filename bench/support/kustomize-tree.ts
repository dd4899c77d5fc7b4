/**
 * Writes the kustomize equivalent of the bench app: a base with every service's
 * Deployment, NetworkPolicy, Service and Ingress (the dev objects without a namespace) and
 * a configMapGenerator per service, and one overlay per environment that sets the namespace
 * (and adds the Namespace object), the replica counts, each Ingress's host (a JSON 6902
 * patch per Ingress) and each ConfigMap's data (a generator with `behavior: replace`); where
 * prodpath adds PodDisruptionBudgets and topology spread (staging, prod), the overlay adds
 * the PodDisruptionBudgets as a resource file and the spread with a JSON 6902 patch per
 * Deployment. kustomize appends a content hash to generated ConfigMap names and rewrites the
 * Deployments' references, as prodpath names its ConfigMaps by their content.
 */
import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import { configOf, ENVIRONMENTS, hostOf, serviceNames, spreadsAndBudgets } from './model';
import { disruptionBudget, labels, namespaceObject, serviceObjects, topologySpread } from './objects';

const KUSTOMIZATION = { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization' };

function literals(data: Readonly<Record<string, string>>): string[] {
  return Object.entries(data).map(([k, v]) => `${k}=${v}`);
}

/**
 * Writes `base/` and `overlays/<env>/` for N services below `root`.
 * @returns the overlay folders, relative to `root`
 */
export function writeKustomizeTree(root: string, n: number, imageRef: string): string[] {
  const version = imageRef.slice(imageRef.lastIndexOf(':') + 1);
  const names = serviceNames(n);
  const baseEnvName = 'dev';
  const baseEnv = ENVIRONMENTS[baseEnvName];

  const base = path.join(root, 'base');
  fs.mkdirSync(base, { recursive: true });
  const objects = names.flatMap((s) => serviceObjects(s, baseEnvName, baseEnv, imageRef, { omitNamespace: true, configMapRef: `${s}-config`, omitAvailability: true }));
  fs.writeFileSync(path.join(base, 'services.yaml'), objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n'));
  fs.writeFileSync(path.join(base, 'kustomization.yaml'), stringify({
    ...KUSTOMIZATION,
    resources: ['services.yaml'],
    generatorOptions: { immutable: true },
    configMapGenerator: names.map((s) => ({
      name: `${s}-config`,
      literals: literals(configOf(s, baseEnvName, baseEnv)),
      options: { labels: labels(s, version) },
    })),
  }, { lineWidth: 0 }));

  const overlays: string[] = [];
  for (const [envName, env] of Object.entries(ENVIRONMENTS)) {
    const rel = path.join('overlays', envName);
    const dir = path.join(root, rel);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'namespace.yaml'), stringify(namespaceObject(envName, env)));
    const availability = spreadsAndBudgets(envName, env);
    if (availability) {
      fs.writeFileSync(path.join(dir, 'disruption-budgets.yaml'), names.map((s) => stringify(disruptionBudget(s, version, undefined), { lineWidth: 0 })).join('---\n'));
    }
    const spreadPatches = !availability ? [] : names.map((s) => ({
      target: { group: 'apps', version: 'v1', kind: 'Deployment', name: s },
      patch: JSON.stringify([{ op: 'add', path: '/spec/template/spec/topologySpreadConstraints', value: topologySpread(s) }]),
    }));
    fs.writeFileSync(path.join(dir, 'kustomization.yaml'), stringify({
      ...KUSTOMIZATION,
      namespace: env.namespace,
      resources: ['namespace.yaml', '../../base', ...(availability ? ['disruption-budgets.yaml'] : [])],
      replicas: names.map((s) => ({ name: s, count: env.replicas })),
      generatorOptions: { immutable: true },
      configMapGenerator: names.map((s) => ({
        name: `${s}-config`,
        behavior: 'replace',
        literals: literals(configOf(s, envName, env)),
        options: { labels: labels(s, version) },
      })),
      patches: [...names.map((s) => ({
        target: { group: 'networking.k8s.io', version: 'v1', kind: 'Ingress', name: s },
        patch: JSON.stringify([
          { op: 'replace', path: '/spec/rules/0/host', value: hostOf(s, env) },
          { op: 'replace', path: '/spec/tls/0/hosts/0', value: hostOf(s, env) },
        ]),
      })), ...spreadPatches],
    }, { lineWidth: 0 }));
    overlays.push(rel);
  }
  return overlays;
}
