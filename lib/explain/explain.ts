/**
 * `prodpath explain`: which source set a field of a synthesized object. The answer has the
 * granularity prodpath can give honestly:
 * - the construct that renders the object and where the user's code created it (file:line,
 *   recorded at construction);
 * - for the field, the prop of that construct or the environment setting that decides it, when
 *   the user gave it, or "prodpath default" with the rule and the file that holds it.
 * The prop/setting/default attribution is a rule table by JSON pointer (below), not a trace of
 * every value through the code.
 */
import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { escapePointer } from '../policy/json-pointer';
import { CREATION_SITE, GIVEN_PROPS } from './creation-site';

/** Who set a field. */
export interface FieldSource {
  /** `prop`: a prop the user gave; `setting`: the environment's settings; `default`: prodpath decided. */
  readonly by: 'prop' | 'setting' | 'default';
  /** The prop path (`resources`), the setting (`environments.prod.replicas`), or the rule. */
  readonly what: string;
  /** Where it is decided: the user's file:line, or prodpath's source file or doc. */
  readonly where: string;
}

/** What `explain` knows about one rendered object. */
export interface ObjectOrigin {
  /** The construct path of the construct that renders the object. */
  readonly constructPath: string;
  /** The workload (or other prodpath construct) it belongs to, and its class. */
  readonly owner?: { readonly path: string; readonly type: string; readonly site?: string; readonly givenProps: readonly string[] };
  /** The environment's settings that were given. */
  readonly settings: readonly string[];
}

interface Rule {
  readonly pointer: RegExp;
  readonly kinds?: readonly string[];
  /** Props that decide the field, in order; the first one given wins. */
  readonly props?: readonly string[];
  /** Settings that decide it when no prop is given. */
  readonly settings?: readonly string[];
  /** The default when neither is given. */
  readonly rule: string;
  readonly doc: string;
}

const POD = '(?:/spec/template/spec|/spec/jobTemplate/spec/template/spec)';
const CONTAINER = `${POD}/(?:containers|initContainers)/\\d+`;
const re = (s: string) => new RegExp(`^${s}(?:/|$)`);

/** The attribution rules, first match wins. */
const RULES: readonly Rule[] = [
  { pointer: re('/metadata/namespace'), settings: ['namespace'], rule: 'the environment\'s namespace', doc: 'lib/environments/environment.ts' },
  { pointer: re('/metadata/annotations/exempt\\.policy\\.prodpath\\.dev~1[^/]+'), rule: 'a Policy.exempt call on the construct, with its reason', doc: 'lib/policy/policy.ts' },
  { pointer: re('/metadata/name'), kinds: ['ConfigMap', 'Job'], props: ['name'], rule: 'the construct id, then a hash of the content so that a change rolls out', doc: 'README "What it does for you" (config changes roll out)' },
  { pointer: re('/metadata/name'), props: ['name'], rule: 'the construct id (names never depend on construct paths)', doc: 'lib/policy/names.ts' },
  { pointer: re('(?:/metadata/labels|/spec/selector|' + POD + '/\\.\\./metadata/labels|/spec/template/metadata|/spec/jobTemplate/spec/template/metadata|/spec/podSelector)'), rule: 'the recommended app.kubernetes.io labels; selectors use name and instance only', doc: 'lib/workloads/labels.ts' },
  { pointer: re('/spec/replicas'), props: ['replicas', 'autoscale'], settings: ['autoscale', 'replicas'], rule: '2 in production, 1 elsewhere; left out when an autoscaler owns it', doc: 'lib/workloads/availability.ts' },
  { pointer: re('/spec/(?:minReplicas|maxReplicas|metrics|behavior|scaleTargetRef)'), kinds: ['HorizontalPodAutoscaler'], props: ['autoscale'], settings: ['autoscale'], rule: 'autoscaling from the autoscale setting, CPU target and scale-down behaviour by default', doc: 'lib/workloads/_availability.ts' },
  { pointer: re('/spec'), kinds: ['PodDisruptionBudget'], props: ['disruptionBudget'], rule: 'every production or multi-pod workload gets a PodDisruptionBudget (maxUnavailable 1)', doc: 'lib/workloads/_availability.ts' },
  { pointer: re(`${POD}/topologySpreadConstraints`), props: ['topologySpread'], rule: 'production and multi-pod workloads spread pods across nodes and, as a preference, zones', doc: 'lib/workloads/_availability.ts' },
  { pointer: re(`${CONTAINER}/image`), props: ['image'], rule: 'the image, pinned by digest when the lock has one', doc: 'lib/workloads/_image.ts' },
  { pointer: re(`${CONTAINER}/(?:command|args)`), props: ['command', 'waitCommand'], rule: 'the image recipe\'s start command', doc: 'lib/workloads/workload.ts' },
  { pointer: re(`${CONTAINER}/resources`), props: ['resources'], rule: 'default requests and limits per workload kind', doc: 'lib/workloads/resources.ts' },
  { pointer: re(`${CONTAINER}/envFrom`), props: ['config'], rule: 'the content-hashed ConfigMap of the config prop', doc: 'lib/workloads/workload.ts' },
  { pointer: re(`${CONTAINER}/env`), props: ['connectsTo', 'secrets', 'password'], rule: 'connection variables of connectsTo targets and secret references', doc: 'lib/workloads/workload.ts' },
  { pointer: re(`${CONTAINER}/volumeMounts`), props: ['secretFiles', 'storage'], rule: 'a writable /tmp and mounted secret files', doc: 'lib/workloads/_pod.ts' },
  { pointer: re(`${CONTAINER}/(?:livenessProbe|readinessProbe|startupProbe)`), props: ['health'], rule: 'probes on the service port (or the recipe\'s health path)', doc: 'lib/workloads/_pod.ts' },
  { pointer: re(`${CONTAINER}/ports`), props: ['port'], rule: 'the image recipe\'s port', doc: 'lib/workloads/_image.ts' },
  { pointer: re(`${CONTAINER}/securityContext`), rule: 'Pod Security Standards "restricted": non-root, no privilege escalation, all capabilities dropped, read-only root, RuntimeDefault seccomp', doc: 'lib/workloads/_pod.ts' },
  { pointer: re(`${POD}/(?:securityContext|automountServiceAccountToken|enableServiceLinks|hostNetwork|hostPID|hostIPC)`), rule: 'Pod Security Standards "restricted" and no service account token', doc: 'lib/workloads/_pod.ts' },
  { pointer: re(`${POD}/terminationGracePeriodSeconds`), props: ['drain'], rule: 'graceful stop: grace period covers the preStop delay', doc: 'lib/workloads/availability.ts' },
  { pointer: re(`${POD}/initContainers`), props: ['waitFor', 'connectsTo'], rule: 'wait for migrations and connections before starting', doc: 'lib/workloads/workload.ts' },
  { pointer: re(`${POD}/volumes`), props: ['secretFiles'], rule: 'an emptyDir for /tmp, and secret volumes', doc: 'lib/workloads/_pod.ts' },
  { pointer: re('/spec/(?:rules/\\d+/host|tls)'), kinds: ['Ingress'], props: ['host', 'tls'], rule: 'TLS for the host, required in production', doc: 'lib/workloads/web-service.ts' },
  { pointer: re('/spec/ingressClassName'), kinds: ['Ingress'], settings: ['ingressClassName'], rule: 'the cluster\'s default IngressClass', doc: 'lib/environments/settings.ts' },
  { pointer: re('/spec/rules'), kinds: ['Ingress'], props: ['path', 'port'], rule: 'path / to the Service port', doc: 'lib/workloads/web-service.ts' },
  { pointer: re('/spec/ingress'), kinds: ['NetworkPolicy'], props: ['allowFrom', 'host'], settings: ['ingressController'], rule: 'default deny; in from the workloads that connect to this one and from the ingress controller', doc: 'lib/workloads/workload.ts' },
  { pointer: re('/spec/egress'), kinds: ['NetworkPolicy'], props: ['connectsTo', 'egressTo'], rule: 'default deny; DNS, and out to connectsTo targets', doc: 'lib/workloads/workload.ts' },
  { pointer: re('/data'), kinds: ['ConfigMap'], props: ['config'], rule: 'the config prop', doc: 'lib/workloads/workload.ts' },
  { pointer: re('/spec/volumeClaimTemplates/\\d+/spec/resources'), props: ['storage'], rule: 'the storage prop', doc: 'lib/workloads/stateful-service.ts' },
  { pointer: re('/spec/volumeClaimTemplates/\\d+/spec/storageClassName'), props: ['storageClassName'], settings: ['storageClassName'], rule: 'the cluster\'s default StorageClass', doc: 'lib/environments/settings.ts' },
  { pointer: re('/spec/secretStoreRef'), kinds: ['ExternalSecret'], settings: ['secretStore'], rule: 'the environment\'s secret store', doc: 'lib/environments/settings.ts' },
  { pointer: re('/spec/data'), kinds: ['ExternalSecret'], props: ['secrets', 'secretFiles', 'password'], rule: 'the SecretRef.external remote key', doc: 'lib/workloads/secret-ref.ts' },
  { pointer: re('/spec/(?:schedule|timeZone|concurrencyPolicy|startingDeadlineSeconds)'), kinds: ['CronJob'], props: ['schedule', 'timeZone', 'concurrency'], rule: 'no overlapping runs', doc: 'lib/workloads/cron-task.ts' },
  { pointer: re('/metadata/annotations'), kinds: ['Namespace'], settings: ['production'], rule: 'the environment\'s name and whether production rules apply (production when named prod or production)', doc: 'lib/environments/environment.ts' },
  { pointer: re('/metadata/labels'), kinds: ['Namespace'], rule: 'Pod Security "restricted" enforced on the namespace', doc: 'lib/environments/environment.ts' },
];

/** The construct of `root` that renders the object of kind and name in the environment's chart. */
export function findApiObject(root: IConstruct, environment: string, kind: string, name: string): ApiObject | undefined {
  const found = root.node.findAll().filter((c): c is ApiObject => ApiObject.isApiObject(c) && c.kind === kind && (c.name === name || hashedBase(c.name) === hashedBase(name)));
  return found.find((c) => c.chart.node.id === environment || (c.chart as { name?: string }).name === environment)
    ?? found.find((c) => c.node.path.split('/').includes(environment));
}

function hashedBase(name: string): string {
  return name.replace(/-[0-9a-f]{10}$/, '');
}

/** What the tree knows about where an object came from. */
export function objectOrigin(o: ApiObject): ObjectOrigin {
  let owner: ObjectOrigin['owner'];
  for (let c: IConstruct | undefined = o; c !== undefined; c = c.node.scope) {
    const meta = c.node.metadata;
    const site = meta.find((m) => m.type === CREATION_SITE)?.data as string | undefined;
    const given = meta.find((m) => m.type === GIVEN_PROPS)?.data as string[] | undefined;
    if (given !== undefined) {
      owner = { path: c.node.path, type: c.constructor.name, ...(site !== undefined ? { site } : {}), givenProps: given };
      break;
    }
  }
  const settings = (o.chart as { settings?: Record<string, unknown> }).settings ?? {};
  return { constructPath: o.node.path, ...(owner ? { owner } : {}), settings: Object.keys(settings).filter((k) => settings[k] !== undefined).sort() };
}

/** Who set the field at `pointer` of an object of `kind`. */
export function explainField(kind: string, pointer: string, origin: ObjectOrigin, environment: string): FieldSource {
  const rule = RULES.find((r) => r.pointer.test(pointer) && (r.kinds === undefined || r.kinds.includes(kind)));
  const owner = origin.owner;
  const where = owner?.site ?? origin.constructPath;
  if (rule === undefined) {
    return { by: 'default', what: `rendered by ${owner?.type ?? 'prodpath'} (cdk8s-plus-27 and prodpath's fixed output)`, where: owner ? `${owner.type}, created at ${where}` : origin.constructPath };
  }
  // Every given prop that may decide the field (an env var comes from connectsTo or secrets).
  const props = (rule.props ?? []).filter((p) => owner?.givenProps.includes(p));
  if (props.length > 0) {
    return { by: 'prop', what: `${props.join(' or ')} of ${owner!.type} ${owner!.path.split('/').pop()}`, where };
  }
  const setting = (rule.settings ?? []).find((s) => origin.settings.includes(s));
  if (setting !== undefined) {
    return { by: 'setting', what: `environments.${environment}.${setting}`, where: 'the Pipeline\'s environments table' };
  }
  return { by: 'default', what: rule.rule, where: rule.doc };
}

/** Every leaf field of an object as JSON pointers (lists of scalars are one leaf). */
export function leafPointers(value: unknown, pointer = ''): string[] {
  if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v !== 'object')) {
      return [pointer];
    }
    return value.flatMap((v, i) => leafPointers(v, `${pointer}/${i}`));
  }
  if (typeof value === 'object' && value !== null) {
    return Object.keys(value).sort().flatMap((k) => leafPointers((value as Record<string, unknown>)[k], `${pointer}/${escapePointer(k)}`));
  }
  return [pointer];
}

export type { Construct };
