/**
 * The fields that may differ between the environments of a pipeline because the source declares
 * them per environment: the environment settings table (namespace, replicas, production,
 * autoscale, ingressClassName, ingressController, secretStore, storageClassName) and the
 * per-environment values workloads take (resources, hosts, config values, storage sizes).
 * Everything else (workloads, kinds, images, ports, commands, probes, labels, security
 * settings) is the same in every environment unless `Parity.allowDifference` says otherwise.
 */
import { FieldChange, pointerSegments, valueAt } from '../diff/semantic-diff';

/** One kind of difference the source declares per environment. */
export interface DeclaredDifference {
  /** Stable kebab-case id, shown in `prodpath diff --json`. */
  readonly id: string;
  /** What may differ and which setting declares it. */
  readonly description: string;
  /** The kinds it applies to; `'*'` for every kind. */
  readonly kinds: readonly string[] | '*';
  /**
   * JSON pointer patterns; each covers the field and everything below it. `*` stands for one
   * segment (or, inside a segment, any characters); `{pod}` for the pod spec of the kind
   * (`/spec/template/spec`, or `/spec/jobTemplate/spec/template/spec` for a CronJob).
   */
  readonly pointers: readonly string[];
  /**
   * Only the value may differ: the field exists in both environments (a config key present in
   * one environment only is an undeclared difference).
   * @default false
   */
  readonly valuesOnly?: boolean;
  /**
   * The whole object may exist in some environments and not in others.
   * @default false
   */
  readonly mayBeAbsent?: boolean;
  /**
   * A further condition on the values at the matched pointer in the two environments.
   * @default - none
   */
  readonly onlyIf?: (from: unknown, to: unknown) => boolean;
}

/** Where the pod spec of each kind that runs pods is. */
export const POD_SPEC_POINTERS: Readonly<Record<string, string>> = {
  Deployment: '/spec/template/spec',
  StatefulSet: '/spec/template/spec',
  DaemonSet: '/spec/template/spec',
  ReplicaSet: '/spec/template/spec',
  Job: '/spec/template/spec',
  CronJob: '/spec/jobTemplate/spec/template/spec',
  Pod: '/spec',
};

const POD_KINDS = Object.keys(POD_SPEC_POINTERS);

const selectsNamespace = (v: unknown) => typeof v === 'object' && v !== null && 'namespaceSelector' in v;

/**
 * The differences prodpath accepts between the environments of a pipeline. Besides these, a value
 * that differs only by the environment's namespace name (`db.shop-dev.svc` and `db.shop.svc`) and
 * the content-hashed name of a ConfigMap or migration Job (and the references to it) follow from
 * the namespace and the config values, and are accepted too.
 */
export const DECLARED_DIFFERENCES: readonly DeclaredDifference[] = [
  {
    id: 'namespace',
    description: 'the namespace (the `namespace` setting): objects\' metadata.namespace, the Namespace\'s name, and every value that differs only by the namespace name',
    kinds: '*',
    pointers: ['/metadata/namespace'],
  },
  {
    id: 'namespace-annotations',
    description: 'the Namespace\'s own annotations (prodpath.dev/environment and prodpath.dev/production name the environment and say whether production rules apply)',
    kinds: ['Namespace'],
    pointers: ['/metadata/annotations'],
  },
  {
    id: 'replicas',
    description: 'the replica count (the `replicas` setting or prop), which an autoscaled Deployment leaves out',
    kinds: ['Deployment', 'StatefulSet', 'ReplicaSet'],
    pointers: ['/spec/replicas'],
  },
  {
    id: 'autoscaling',
    description: 'the HorizontalPodAutoscaler (the `autoscale` setting or prop): present in some environments only, with its own minimum, maximum, targets and scaling behaviour',
    kinds: ['HorizontalPodAutoscaler'],
    pointers: ['/spec/minReplicas', '/spec/maxReplicas', '/spec/metrics', '/spec/behavior'],
    mayBeAbsent: true,
  },
  {
    id: 'disruption-budget',
    description: 'the PodDisruptionBudget, which production and multi-pod workloads get by default: present in some environments only, with its own maxUnavailable or minAvailable',
    kinds: ['PodDisruptionBudget'],
    pointers: ['/spec/maxUnavailable', '/spec/minAvailable'],
    mayBeAbsent: true,
  },
  {
    id: 'topology-spread',
    description: 'topology spread constraints, which production and multi-pod workloads get by default',
    kinds: POD_KINDS,
    pointers: ['{pod}/topologySpreadConstraints'],
  },
  {
    id: 'resources',
    description: 'CPU, memory and ephemeral-storage requests and limits (the `resources` prop)',
    kinds: POD_KINDS,
    pointers: ['{pod}/containers/*/resources', '{pod}/initContainers/*/resources'],
  },
  {
    id: 'ingress-hosts',
    description: 'Ingress hosts and their TLS (the `host` prop; production requires TLS, other environments may leave it out) and the IngressClass (the `ingressClassName` setting)',
    kinds: ['Ingress'],
    pointers: ['/spec/rules/*/host', '/spec/tls', '/spec/ingressClassName'],
  },
  {
    id: 'config-values',
    description: 'config values (the `config` prop); the keys are the same in every environment, and the ConfigMap\'s name follows the hash of its content',
    kinds: ['ConfigMap'],
    pointers: ['/data/*', '/binaryData/*'],
    valuesOnly: true,
  },
  {
    id: 'storage',
    description: 'volume sizes and StorageClasses (the `storage` prop and the `storageClassName` setting)',
    kinds: ['StatefulSet', 'PersistentVolumeClaim'],
    pointers: [
      '/spec/volumeClaimTemplates/*/spec/resources/requests/storage',
      '/spec/volumeClaimTemplates/*/spec/storageClassName',
      '/spec/resources/requests/storage',
      '/spec/storageClassName',
    ],
  },
  {
    id: 'secret-sources',
    description: 'where secrets come from (the `secretStore` setting and each SecretRef\'s remote key); sealed secrets are encrypted for each cluster',
    kinds: ['ExternalSecret', 'SealedSecret'],
    pointers: ['/spec/secretStoreRef', '/spec/data/*/remoteRef', '/spec/dataFrom', '/spec/encryptedData/*'],
  },
  {
    id: 'ingress-controller',
    description: 'NetworkPolicy peers in other namespaces, such as the ingress controller (the `ingressController` setting)',
    kinds: ['NetworkPolicy'],
    pointers: ['/spec/ingress/*/from/*'],
    onlyIf: (from, to) => selectsNamespace(from) && selectsNamespace(to),
  },
  {
    id: 'promoted-images',
    description: 'the build `prodpath promote` pinned in an environment (prodpath.lock.json `pins`): the image reference of the same repository and content-tag form, when at least one side is pinned by digest, and the app.kubernetes.io/version label that follows its content tag',
    kinds: '*',
    pointers: [
      '{pod}/containers/*/image',
      '{pod}/initContainers/*/image',
      '/metadata/labels/app.kubernetes.io~1version',
      '/spec/template/metadata/labels/app.kubernetes.io~1version',
      '/spec/jobTemplate/metadata/labels/app.kubernetes.io~1version',
      '/spec/jobTemplate/spec/template/metadata/labels/app.kubernetes.io~1version',
    ],
    valuesOnly: true,
    onlyIf: (from, to) => {
      // repository:<16 hex content tag>[@sha256:<64 hex>], as prodpath renders its own images.
      const ref = /^(.+):([a-f0-9]{16})(@sha256:[a-f0-9]{64})?$/;
      const tag = /^[a-f0-9]{16}$/;
      if (typeof from !== 'string' || typeof to !== 'string') {
        return false;
      }
      if (tag.test(from) && tag.test(to)) {
        return true;
      }
      const [a, b] = [ref.exec(from), ref.exec(to)];
      return a !== null && b !== null && a[1] === b[1] && (a[3] !== undefined || b[3] !== undefined);
    },
  },
  {
    id: 'recorded-decisions',
    description: 'policy exemptions and parity declarations recorded as annotations (production rules apply in production only)',
    kinds: '*',
    pointers: ['/metadata/annotations/exempt.policy.prodpath.dev~1*', '/metadata/annotations/parity.prodpath.dev~1declared-differences'],
  },
];

/** Whether a pointer pattern covers a pointer; returns the length of the matched prefix in segments. */
export function matchPointer(pattern: string, pointer: string): number | undefined {
  return matchSegments(pointerSegments(pattern), pointerSegments(pointer));
}

/** {@link matchPointer} on pointers already split into segments. */
function matchSegments(ps: readonly string[], s: readonly string[]): number | undefined {
  if (ps.length > s.length) {
    return undefined;
  }
  for (let i = 0; i < ps.length; i += 1) {
    if (!segmentMatches(ps[i], s[i])) {
      return undefined;
    }
  }
  return ps.length;
}

/** The pattern of each segment with a `*` (few, and each tried against many changes). */
const segmentPatterns = new Map<string, RegExp>();

function segmentMatches(pattern: string, segment: string): boolean {
  if (!pattern.includes('*')) {
    return pattern === segment;
  }
  let re = segmentPatterns.get(pattern);
  if (re === undefined) {
    re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    if (segmentPatterns.size >= 1000) {
      segmentPatterns.clear();
    }
    segmentPatterns.set(pattern, re);
  }
  return re.test(segment);
}

/** The pointer made of the first `n` segments of `pointer`. */
export function pointerPrefix(pointer: string, n: number): string {
  return n === 0 ? '' : `/${pointer.slice(1).split('/').slice(0, n).join('/')}`;
}

/** A declared difference's pointer pattern for one kind, `{pod}` replaced, split into segments. */
interface KindPattern {
  readonly d: DeclaredDifference;
  readonly segments: readonly string[];
}

/** The declared differences that apply to each kind, with their patterns split once per kind. */
const patternsByKind = new Map<string, readonly KindPattern[]>();

function patternsFor(kind: string): readonly KindPattern[] {
  let patterns = patternsByKind.get(kind);
  if (patterns === undefined) {
    const list: KindPattern[] = [];
    for (const d of DECLARED_DIFFERENCES) {
      if (d.kinds !== '*' && !d.kinds.includes(kind)) {
        continue;
      }
      for (const raw of d.pointers) {
        if (raw.includes('{pod}') && POD_SPEC_POINTERS[kind] === undefined) {
          continue;
        }
        list.push({ d, segments: pointerSegments(raw.replace('{pod}', POD_SPEC_POINTERS[kind] ?? '')) });
      }
    }
    patterns = list;
    if (patternsByKind.size >= 1000) {
      patternsByKind.clear();
    }
    patternsByKind.set(kind, patterns);
  }
  return patterns;
}

/**
 * The declared difference that covers a change of an object of `kind`, or undefined.
 * @param from the object in the first environment
 * @param to the object in the second environment
 */
export function declaredBy(kind: string, change: FieldChange, from: unknown, to: unknown): DeclaredDifference | undefined {
  const segments = pointerSegments(change.pointer);
  for (const { d, segments: pattern } of patternsFor(kind)) {
    const n = matchSegments(pattern, segments);
    if (n === undefined) {
      continue;
    }
    if (d.valuesOnly && (change.op !== 'changed' || n !== segments.length)) {
      continue;
    }
    if (d.onlyIf) {
      const at = pointerPrefix(change.pointer, n);
      if (!d.onlyIf(valueAt(from, at), valueAt(to, at))) {
        continue;
      }
    }
    return d;
  }
  return undefined;
}
