/**
 * The manifest policy: CHECKLISTS.md's rules for synthesized Kubernetes objects, run on the
 * objects of one environment at a time (some rules look across objects: a Deployment and
 * its PodDisruptionBudget, HorizontalPodAutoscaler or NetworkPolicy).
 */
import { limitViolations } from './name-limits';
import { isWrittenReason } from './names';
import { DETECTOR_DESCRIPTIONS, findObjectSecrets, SECRET_RULE, secretFix } from './secrets';
import { EXEMPTION_PREFIX, Finding, ObjectRef, PolicyRule, Severity } from './rules';
import { DEFAULT_KUBERNETES_MINORS, formatMinors, KubernetesMinor } from './schema/minors';
import { alsoValidUnder, apiChangeOf, customResourceValidatorKey, type DeprecatedField, deprecatedFieldsOf, deprecationKeyOf, isKnownCustomResource, isKnownKind, type SchemaViolation, validateCustomResource, validateManifest, validatorKeyOf } from './schema/validate';
import { escapePointer } from './json-pointer';
import { knownValid, noteValid, resultEntry } from './schema/result-cache';

/** One object to check, with where it came from. */
export interface ManifestInput {
  /** The object as it is written (plain JSON). */
  readonly object: any;
  /** The construct path that renders it (at synth). */
  readonly constructPath?: string;
  /** The file it was read from (`prodpath check`). */
  readonly file?: string;
  /**
   * The digest of the object's YAML text as written (synth) or read (`prodpath check`), from
   * `objectDigest` (result-cache.ts), when known: the schema validators' results are kept between
   * runs by it, so by exactly what the file holds.
   */
  readonly textDigest?: string;
}

/** What the rules need to know of the environment. */
export interface ManifestContext {
  /** Whether production rules apply. */
  readonly production: boolean;
  /**
   * The Kubernetes minors the environment's clusters run: every object is validated against each.
   * @default - DEFAULT_KUBERNETES_MINORS (every supported minor)
   */
  readonly kubernetes?: readonly KubernetesMinor[];
}

const PSS = 'Pod Security Standards "restricted"';

/** Every manifest rule, by key. Ids are stable: exemption annotations name them. */
export const MANIFEST_RULES = {
  schema: { id: 'schema-valid', rationale: 'every object must be valid, with no unknown fields, in every Kubernetes minor the environment targets (custom resources prodpath emits: against their published CRD)', source: 'Kubernetes OpenAPI (kubeconform -strict)', exemptible: false },
  apiServed: { id: 'api-version-served', rationale: 'a cluster refuses an object whose apiVersion it does not serve (removed, or not released yet)', source: 'Kubernetes deprecated API migration guide', exemptible: false },
  apiDeprecated: { id: 'api-version-deprecated', rationale: 'an apiVersion that a later targeted minor removes breaks the next cluster upgrade', source: 'Kubernetes deprecated API migration guide', severity: 'warning' },
  deprecatedField: { id: 'deprecated-field', rationale: 'a field the API marks deprecated may stop working in a later minor', source: 'Kubernetes OpenAPI field docs', severity: 'warning' },
  limits: { id: 'within-cluster-limits', rationale: 'the API server and its controllers refuse names, label values and objects over their limits (63-character labels, 52-character CronJobs and StatefulSets, 15-character port names, 1 MiB objects)', source: 'Kubernetes apimachinery validation', exemptible: false },
  runAsNonRoot: { id: 'run-as-non-root', rationale: 'a container that runs as root owns its node when it escapes', source: PSS },
  highUid: { id: 'run-as-high-uid', rationale: 'numeric runAsUser and runAsGroup of at least 10000 do not collide with users on the node', source: 'kube-score' },
  privilegeEscalation: { id: 'no-privilege-escalation', rationale: 'setuid binaries must not gain more privileges than the process has', source: PSS },
  capabilities: { id: 'drop-all-capabilities', rationale: 'containers drop every Linux capability and add back at most NET_BIND_SERVICE', source: PSS },
  seccomp: { id: 'seccomp-profile', rationale: 'the RuntimeDefault seccomp profile blocks syscalls apps never need', source: PSS },
  readOnlyRoot: { id: 'read-only-root-filesystem', rationale: 'a read-only root filesystem stops an intruder from changing the app', source: 'kube-linter, Polaris' },
  privileged: { id: 'no-privileged', rationale: 'a privileged container has full access to its node', source: PSS },
  hostAccess: { id: 'no-host-access', rationale: 'host namespaces, hostPath volumes and host ports break the isolation between pods and node', source: PSS },
  volumeTypes: { id: 'allowed-volume-types', rationale: 'only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret volumes are allowed', source: PSS },
  imageTag: { id: 'image-tag', rationale: 'an image named by a tag other than latest (or a digest) deploys the same bits every time', source: 'kube-linter latest-tag' },
  resources: { id: 'resources', rationale: 'requests let the scheduler place pods; a memory limit keeps one pod from starving its node', source: 'kube-score, Polaris' },
  probes: { id: 'probes', rationale: 'readiness keeps traffic off pods that cannot serve it; liveness restarts a hung process', source: 'kube-score, Polaris' },
  probePort: { id: 'probe-port-by-name', rationale: 'a probe that names a declared port keeps working when the port number changes', source: 'kube-linter' },
  labels: { id: 'recommended-labels', rationale: 'the app.kubernetes.io labels let tools and people find what belongs together', source: 'Kubernetes recommended labels' },
  serviceAccountToken: { id: 'no-service-account-token', rationale: 'pods that do not call the Kubernetes API must not carry a token for it', source: 'kube-linter, Polaris' },
  secretData: { id: 'no-secret-values', rationale: 'secret values never go to dist/: reference secrets, do not write them', source: 'prodpath' },
  plaintextSecrets: SECRET_RULE,
  selector: { id: 'selector-matches-template', rationale: 'a workload must select exactly the pods of its own template', source: 'Kubernetes apps/v1 validation' },
  configMapHash: { id: 'config-map-content-named', rationale: 'a ConfigMap named by its content hash and immutable makes a config change roll the pods', source: 'prodpath' },
  replicas: { id: 'production-replicas', rationale: 'production runs at least two pods, or lets an autoscaler decide (and then sets no replicas)', source: 'kube-score, Polaris', productionOnly: true },
  disruptionBudget: { id: 'production-disruption-budget', rationale: 'a PodDisruptionBudget that allows one eviction keeps the service up through node drains without blocking them', source: 'kube-score', productionOnly: true },
  spread: { id: 'spread-across-nodes', rationale: 'replicas spread across nodes survive the loss of one node', source: 'kube-score' },
  networkPolicy: { id: 'production-network-policy', rationale: 'in production every workload sits behind a NetworkPolicy', source: 'kube-score, kube-linter', productionOnly: true },
  ingressTls: { id: 'production-ingress-tls', rationale: 'production traffic is encrypted in transit', source: 'kube-score', productionOnly: true },
} satisfies Record<string, PolicyRule>;

const ALLOWED_VOLUMES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret', 'name']);
const BUILT_IN_GROUP = /^(v1|(apps|batch|policy|autoscaling|networking\.k8s\.io|rbac\.authorization\.k8s\.io|storage\.k8s\.io|apiextensions\.k8s\.io|admissionregistration\.k8s\.io|coordination\.k8s\.io|discovery\.k8s\.io|events\.k8s\.io|node\.k8s\.io|scheduling\.k8s\.io|certificates\.k8s\.io|flowcontrol\.apiserver\.k8s\.io)\/.+)$/;
const RECOMMENDED_LABELS = ['name', 'instance', 'version', 'component', 'part-of', 'managed-by'].map((l) => `app.kubernetes.io/${l}`);
const LONG_RUNNING = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);

/** A pod template inside a workload object. */
interface PodTemplate {
  readonly labels: Record<string, string>;
  readonly spec: any;
  /** JSON pointer of the pod spec. */
  readonly path: string;
}

/** The pod template of a workload object, if it has one. */
export function podTemplateOf(obj: any): PodTemplate | undefined {
  switch (obj?.kind) {
    case 'Pod':
      return obj.spec ? { labels: obj.metadata?.labels ?? {}, spec: obj.spec, path: '/spec' } : undefined;
    case 'Deployment': case 'StatefulSet': case 'DaemonSet': case 'ReplicaSet': case 'Job':
      return obj.spec?.template?.spec ? { labels: obj.spec.template.metadata?.labels ?? {}, spec: obj.spec.template.spec, path: '/spec/template/spec' } : undefined;
    case 'CronJob': {
      const t = obj.spec?.jobTemplate?.spec?.template;
      return t?.spec ? { labels: t.metadata?.labels ?? {}, spec: t.spec, path: '/spec/jobTemplate/spec/template/spec' } : undefined;
    }
    default:
      return undefined;
  }
}

function refOf(obj: any): ObjectRef {
  return { apiVersion: obj?.apiVersion, kind: obj?.kind ?? '(no kind)', namespace: obj?.metadata?.namespace, name: obj?.metadata?.name ?? '(no name)' };
}

function matches(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  if (!selector) {
    return false;
  }
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

function allContainers(spec: any): { c: any; path: string }[] {
  const out: { c: any; path: string }[] = [];
  for (const field of ['initContainers', 'containers', 'ephemeralContainers']) {
    (spec?.[field] ?? []).forEach((c: any, i: number) => out.push({ c, path: `${field}/${i}` }));
  }
  return out;
}

type Report = (rule: PolicyRule, message: string, fix: string, where?: string) => void;

/** What the schema check looks up for an apiVersion and kind in one minor (see {@link schemaPlan}). */
interface MinorPlan {
  readonly m: KubernetesMinor;
  readonly change: ReturnType<typeof apiChangeOf>;
  readonly known: boolean;
  /** The validator the minor uses ({@link validatorKeyOf}), when known. */
  readonly key: string | undefined;
  /** The deprecation walk the minor uses ({@link deprecationKeyOf}), when known. */
  readonly notesKey: string | undefined;
}

/** Plans by targeted minors (each environment passes the same list), then by apiVersion and kind. */
const schemaPlans = new WeakMap<readonly KubernetesMinor[], Map<string, readonly MinorPlan[]>>();

/**
 * The schema lookups of an apiVersion and kind in each minor: they depend on nothing else, and
 * every object of a kind would otherwise repeat them for every minor.
 */
function schemaPlan(apiVersion: string, kind: string, minors: readonly KubernetesMinor[]): readonly MinorPlan[] {
  let byKind = schemaPlans.get(minors);
  if (byKind === undefined) {
    byKind = new Map();
    schemaPlans.set(minors, byKind);
  }
  const id = `${apiVersion}\u0000${kind}`;
  let plan = byKind.get(id);
  // A list changed in place since (it is the caller's) gets a new plan.
  if (plan === undefined || plan.length !== minors.length || plan.some((p, i) => p.m !== minors[i])) {
    plan = minors.map((m) => {
      const change = apiChangeOf(apiVersion, kind, m);
      if (change?.status === 'removed' || change?.status === 'unreleased') {
        return { m, change, known: false, key: undefined, notesKey: undefined };
      }
      const known = isKnownKind(apiVersion, kind, m);
      return { m, change, known, key: known ? validatorKeyOf(apiVersion, kind, m) : undefined, notesKey: known ? deprecationKeyOf(apiVersion, kind, m) : undefined };
    });
    if (byKind.size >= 1000) {
      byKind.clear();
    }
    byKind.set(id, plan);
  }
  return plan;
}

/**
 * No violations when an earlier run found the object (by the digest of its text) valid under the
 * validator `key` (result-cache.ts); otherwise `validate()`, whose clean result is kept for the next run.
 */
function keptOrValidated(key: string | undefined, digest: string | undefined, validate: () => SchemaViolation[]): SchemaViolation[] {
  const entry = key !== undefined && digest !== undefined ? resultEntry(key, digest) : undefined;
  if (entry !== undefined && knownValid(entry)) return [];
  const violations = validate();
  if (entry !== undefined && violations.length === 0) noteValid(entry);
  return violations;
}

/**
 * The schema rules of one object in each targeted minor. A violation found in several minors is
 * reported once, naming them; one found in some minors only says which minors accept the object.
 */
function checkSchema(obj: any, minors: readonly KubernetesMinor[], report: Report, json?: string, digest?: string): void {
  const R = MANIFEST_RULES;
  const apiVersion = obj?.apiVersion;
  const kind = obj?.kind;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
    report(R.schema, `${apiVersion ?? '(no apiVersion)'} ${kind ?? '(no kind)'} is not a Kubernetes object: it needs a string apiVersion and kind`, 'set apiVersion and kind, such as apps/v1 and Deployment');
    return;
  }
  if (isKnownCustomResource(apiVersion, kind)) {
    // A custom resource prodpath emits: its published CRD, the same in every minor.
    for (const v of keptOrValidated(customResourceValidatorKey(apiVersion, kind), digest, () => validateCustomResource(obj))) {
      report(R.schema, `${v.message} (${kind} CRD ${apiVersion})`, `correct the field to match the ${kind} CRD`, v.path);
    }
    return;
  }
  const byProblem = new Map<string, { rule: PolicyRule; message: string; fix: string; where?: string; minors: KubernetesMinor[] }>();
  const add = (m: KubernetesMinor, rule: PolicyRule, message: string, fix: string, where?: string) => {
    const key = `${rule.id}\u0000${where ?? ''}\u0000${message}\u0000${fix}`;
    const entry = byProblem.get(key) ?? { rule, message, fix, where, minors: [] };
    entry.minors.push(m);
    byProblem.set(key, entry);
  };
  const unknownIn: KubernetesMinor[] = [];
  // Minors whose schema of this kind is the same give the same violations: validate once. An object
  // valid in one minor is valid in those whose schema is proven wider (ALSO_VALID_UNDER).
  const byValidator = new Map<string, SchemaViolation[]>();
  const byNotes = new Map<string, DeprecatedField[]>();
  for (const { m, change, known, key, notesKey } of schemaPlan(apiVersion, kind, minors)) {
    if (change?.status === 'removed' || change?.status === 'unreleased') {
      const what = change.status === 'removed' ? `Kubernetes ${change.minor} removed it` : `Kubernetes serves it from ${change.minor} on`;
      add(m, R.apiServed, `${apiVersion} ${kind} is not served: ${what}`, change.use ? `use apiVersion ${change.use}, or target only the Kubernetes minors that serve ${apiVersion}` : `target only the Kubernetes minors that serve ${apiVersion}`);
      continue;
    }
    if (change?.status === 'deprecated') {
      add(m, R.apiDeprecated, `${apiVersion} ${kind} is removed in Kubernetes ${change.minor}`, `move to apiVersion ${change.use} before the clusters run ${change.minor}`);
    }
    if (!known) {
      if (BUILT_IN_GROUP.test(apiVersion)) unknownIn.push(m);
      continue;
    }
    const violations = (key !== undefined ? byValidator.get(key) : undefined) ?? keptOrValidated(key, digest, () => validateManifest(obj, m));
    if (key !== undefined && !byValidator.has(key)) {
      byValidator.set(key, violations);
      // Valid here: valid too in the minors whose schema of the kind is proven to accept all this one does.
      if (violations.length === 0) for (const wider of alsoValidUnder(key)) if (!byValidator.has(wider)) byValidator.set(wider, violations);
    }
    for (const v of violations) add(m, R.schema, v.message, 'correct the field to match the Kubernetes API', v.path);
    if (violations.length === 0) {
      const deprecated = (notesKey !== undefined ? byNotes.get(notesKey) : undefined) ?? deprecatedFieldsOf(obj, m, json);
      if (notesKey !== undefined) byNotes.set(notesKey, deprecated);
      for (const d of deprecated) add(m, R.deprecatedField, `the field is deprecated: ${d.note}`, 'stop setting it (see the note for what replaces it)', d.path);
    }
  }
  if (unknownIn.length > 0) {
    report(R.schema, `${apiVersion} ${kind} is not a kind prodpath knows in Kubernetes ${formatMinors(unknownIn)}`, 'use a current apiVersion, such as apps/v1 for Deployment or policy/v1 for PodDisruptionBudget');
  }
  for (const p of byProblem.values()) {
    const some = p.minors.length < minors.length;
    const others = minors.filter((m) => !p.minors.includes(m));
    const fix = some && p.rule !== R.apiDeprecated && p.rule !== R.deprecatedField
      ? `${p.fix}; Kubernetes ${formatMinors(others)} accept${others.length === 1 ? 's' : ''} it, so either change the object or drop ${formatMinors(p.minors)} from the environment's kubernetes setting`
      : p.fix;
    report(p.rule, `${p.message} (in Kubernetes ${formatMinors(p.minors)})`, fix, p.where);
  }
}

/**
 * Checks the objects of one environment against the manifest rules.
 * @returns every finding, errors and warnings, exemptions already applied
 */
export function checkManifests(inputs: readonly ManifestInput[], ctx: ManifestContext): Finding[] {
  return checkManifestStream(inputs, inputs.map((i) => i.object), ctx);
}

/** The kinds the cross-object rules look up: what {@link checkManifestStream} needs in `related`. */
export const RELATED_KINDS: ReadonlySet<string> = new Set(['HorizontalPodAutoscaler', 'PodDisruptionBudget', 'NetworkPolicy']);

/**
 * {@link checkManifests} for objects read one at a time (`prodpath check` of a large output, which
 * need not hold them all): `related` holds the objects among the inputs whose kind is in
 * {@link RELATED_KINDS} (more do no harm), in input order.
 */
export function checkManifestStream(inputs: Iterable<ManifestInput>, related: readonly any[], ctx: ManifestContext): Finding[] {
  const findings: Finding[] = [];
  // Indexed once, so the cross-object rules stay linear in the number of objects.
  const hpaByTarget = new Map<string, any>();
  for (const h of related.filter((o) => o?.kind === 'HorizontalPodAutoscaler')) {
    hpaByTarget.set(`${h.spec?.scaleTargetRef?.kind}/${h.spec?.scaleTargetRef?.name}`, h);
  }
  const pdbsFor = indexBySelector(related.filter((o) => o?.kind === 'PodDisruptionBudget'), (b) => b.spec?.selector?.matchLabels);
  const netpolsFor = indexBySelector(related.filter((o) => o?.kind === 'NetworkPolicy'), (n) => n.spec?.podSelector?.matchLabels);

  const minors = ctx.kubernetes ?? DEFAULT_KUBERNETES_MINORS;
  for (const input of inputs) {
    const obj = input.object;
    const annotations: Record<string, string> = obj?.metadata?.annotations ?? {};
    const report = (rule: PolicyRule, message: string, fix: string, where?: string, severity: Severity = rule.severity ?? 'error') => {
      const exemptible = rule.exemptible ?? true;
      const reason = annotations[`${EXEMPTION_PREFIX}${rule.id}`];
      if (exemptible && typeof reason === 'string' && reason.trim() !== '') {
        return;
      }
      findings.push({ rule, severity, message, fix, where, object: refOf(obj), constructPath: input.constructPath, file: input.file });
    };
    const R = MANIFEST_RULES;

    // Schema: in every targeted minor, known kinds are validated strictly; built-in groups must be
    // served there and known.
    // The object's JSON text, once: the size and surrogate checks and the deprecated-field check read it.
    const json = typeof obj === 'object' && obj !== null ? JSON.stringify(obj) : undefined;
    checkSchema(obj, minors, report, json, input.textDigest);
    for (const v of limitViolations(obj, json)) {
      report(R.limits, v.message, v.fix, v.where);
    }

    for (const [key, reason] of Object.entries(annotations)) {
      if (key.startsWith(EXEMPTION_PREFIX) && !isWrittenReason(reason)) {
        report(R.schema, `the exemption ${key} has no written reason (got ${JSON.stringify(reason)})`, 'give the reason in a sentence: Policy.exempt(scope, rule, \'why this is safe\')', `/metadata/annotations/${escapePointer(key)}`);
      }
    }

    // Secrets in plain text anywhere in the object: by name, by format, by entropy.
    for (const s of findObjectSecrets(obj)) {
      report(R.plaintextSecrets, `${s.holder} holds a secret in plain text (${s.detector}: ${DETECTOR_DESCRIPTIONS[s.detector]}; value ${s.masked})`, secretFix(s.key), s.pointer);
    }

    if (obj?.kind === 'Secret' && (obj.data !== undefined || obj.stringData !== undefined)) {
      report(R.secretData, `Secret ${obj.metadata?.name} carries values (${Object.keys({ ...obj.data, ...obj.stringData }).join(', ')})`, 'reference an existing Secret or an ExternalSecret instead of writing its data', obj.data !== undefined ? '/data' : '/stringData');
    }

    if (obj?.kind === 'ConfigMap' && obj.metadata?.labels?.['app.kubernetes.io/managed-by'] === 'prodpath') {
      if (obj.immutable !== true || !/-[0-9a-f]{10}$/.test(obj.metadata?.name ?? '')) {
        report(R.configMapHash, `ConfigMap ${obj.metadata?.name} is not immutable and named by its content hash`, 'name it <name>-<10 hex of the content hash> and set immutable: true', '/metadata/name');
      }
    }

    if (obj?.kind === 'Ingress' && ctx.production) {
      const tlsHosts = new Set<string>((obj.spec?.tls ?? []).flatMap((t: any) => t.hosts ?? []));
      for (const [i, rule] of (obj.spec?.rules ?? []).entries()) {
        if (rule.host !== undefined && !tlsHosts.has(rule.host)) {
          report(R.ingressTls, `host ${JSON.stringify(rule.host)} is served without TLS`, 'add the host to spec.tls (prodpath WebService: leave tls on)', `/spec/rules/${i}/host`);
        }
      }
    }

    const template = podTemplateOf(obj);
    if (!template) {
      continue;
    }
    const { spec, path: p, labels } = template;
    const podSc = spec.securityContext ?? {};

    // Labels and selectors.
    const missingLabels = RECOMMENDED_LABELS.filter((l) => !obj.metadata?.labels?.[l] || !labels[l]);
    if (missingLabels.length > 0) {
      report(R.labels, `the object or its pod template lacks ${missingLabels.join(', ')}`, 'set every app.kubernetes.io recommended label on the object and its pod template', '/metadata/labels');
    }
    if (obj.kind !== 'Pod' && obj.kind !== 'CronJob' && obj.kind !== 'Job') {
      const selector = obj.spec?.selector?.matchLabels;
      if (!selector || Object.keys(selector).length === 0 || !matches(selector, labels)) {
        report(R.selector, `selector ${JSON.stringify(selector ?? {})} does not select the pod template's labels`, 'select on app.kubernetes.io/name and app.kubernetes.io/instance, which the template carries', '/spec/selector');
      }
    }

    // Pod-level security.
    if (spec.automountServiceAccountToken !== false) {
      report(R.serviceAccountToken, `automountServiceAccountToken is ${JSON.stringify(spec.automountServiceAccountToken ?? '(unset: true)')}`, 'set automountServiceAccountToken: false, or exempt the object with the reason it calls the API', `${p}/automountServiceAccountToken`);
    }
    for (const field of ['hostNetwork', 'hostPID', 'hostIPC']) {
      if (spec[field] === true) {
        report(R.hostAccess, `${field} is true`, `remove ${field}`, `${p}/${field}`);
      }
    }
    for (const [i, vol] of (spec.volumes ?? []).entries()) {
      const type = Object.keys(vol).find((k) => k !== 'name');
      if (type === 'hostPath') {
        report(R.hostAccess, `volume ${vol.name} is a hostPath`, 'use an emptyDir or a PersistentVolumeClaim', `${p}/volumes/${i}`);
      } else if (type !== undefined && !ALLOWED_VOLUMES.has(type)) {
        report(R.volumeTypes, `volume ${vol.name} is of type ${type}`, 'use configMap, secret, emptyDir, projected, persistentVolumeClaim, csi or ephemeral volumes', `${p}/volumes/${i}`);
      }
    }
    const podSeccomp = podSc.seccompProfile?.type;

    for (const { c, path: cp } of allContainers(spec)) {
      const where = `${p}/${cp}`;
      const sc = c.securityContext ?? {};
      const runAsNonRoot = sc.runAsNonRoot ?? podSc.runAsNonRoot;
      const uid = sc.runAsUser ?? podSc.runAsUser;
      const gid = sc.runAsGroup ?? podSc.runAsGroup;
      if (runAsNonRoot !== true || uid === 0) {
        report(R.runAsNonRoot, `container ${c.name} may run as root (runAsNonRoot ${JSON.stringify(runAsNonRoot ?? '(unset)')}, runAsUser ${JSON.stringify(uid ?? '(unset)')})`, 'set runAsNonRoot: true and a numeric runAsUser of at least 10000', `${where}/securityContext/runAsNonRoot`);
      }
      if (!Number.isInteger(uid) || uid < 10000 || !Number.isInteger(gid) || gid < 10000) {
        report(R.highUid, `container ${c.name} runs as user ${JSON.stringify(uid ?? '(unset)')} and group ${JSON.stringify(gid ?? '(unset)')}`, 'run as a numeric user and group of at least 10000, the same as the image\'s USER', `${where}/securityContext/runAsUser`);
      }
      if (sc.allowPrivilegeEscalation !== false) {
        report(R.privilegeEscalation, `container ${c.name} has allowPrivilegeEscalation ${JSON.stringify(sc.allowPrivilegeEscalation ?? '(unset: true)')}`, 'set allowPrivilegeEscalation: false', `${where}/securityContext/allowPrivilegeEscalation`);
      }
      if (sc.privileged === true) {
        report(R.privileged, `container ${c.name} is privileged`, 'remove privileged: true', `${where}/securityContext/privileged`);
      }
      const drop: string[] = sc.capabilities?.drop ?? [];
      const add: string[] = (sc.capabilities?.add ?? []).filter((x: string) => x !== 'NET_BIND_SERVICE');
      if (!drop.includes('ALL') || add.length > 0) {
        report(R.capabilities, `container ${c.name} drops ${JSON.stringify(drop)} and adds ${JSON.stringify(sc.capabilities?.add ?? [])}`, 'drop ["ALL"] and add nothing but NET_BIND_SERVICE', `${where}/securityContext/capabilities`);
      }
      const seccomp = sc.seccompProfile?.type ?? podSeccomp;
      if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') {
        report(R.seccomp, `container ${c.name} has seccomp profile ${JSON.stringify(seccomp ?? '(unset)')}`, 'set seccompProfile: { type: RuntimeDefault } on the pod', `${p}/securityContext/seccompProfile`);
      }
      if (sc.readOnlyRootFilesystem !== true) {
        report(R.readOnlyRoot, `container ${c.name} has a writable root filesystem`, 'set readOnlyRootFilesystem: true and mount an emptyDir where the app writes (/tmp)', `${where}/securityContext/readOnlyRootFilesystem`);
      }
      for (const [i, port] of (c.ports ?? []).entries()) {
        if (port.hostPort !== undefined && port.hostPort !== 0) {
          report(R.hostAccess, `container ${c.name} binds host port ${port.hostPort}`, 'remove hostPort and expose the port through a Service', `${where}/ports/${i}/hostPort`);
        }
      }
      if (!hasPinnedTag(c.image)) {
        report(R.imageTag, `container ${c.name} runs image ${JSON.stringify(c.image ?? '(unset)')}`, 'name the image by a tag other than latest, optionally with @sha256:<digest>', `${where}/image`);
      }
      if (cp.startsWith('containers/')) {
        const requests = c.resources?.requests ?? {};
        const limits = c.resources?.limits ?? {};
        const missing = [
          ...['cpu', 'memory', 'ephemeral-storage'].filter((r) => requests[r] === undefined).map((r) => `requests.${r}`),
          ...(limits.memory === undefined ? ['limits.memory'] : []),
        ];
        if (missing.length > 0) {
          report(R.resources, `container ${c.name} sets no ${missing.join(', ')}`, 'set CPU, memory and ephemeral-storage requests and a memory limit', `${where}/resources`);
        }
        const portNames = new Set((c.ports ?? []).map((x: any) => x.name).filter(Boolean));
        for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
          const handler = c[probe]?.httpGet ?? c[probe]?.tcpSocket;
          if (handler && (typeof handler.port !== 'string' || !portNames.has(handler.port))) {
            report(R.probePort, `container ${c.name}'s ${probe} targets port ${JSON.stringify(handler.port)}, which is not a port it declares by name`, 'name the container port (e.g. http) and point the probe at that name', `${where}/${probe}`);
          }
        }
        if (LONG_RUNNING.has(obj.kind)) {
          const missingProbes = ['readinessProbe', 'livenessProbe'].filter((x) => c[x] === undefined);
          if (missingProbes.length > 0) {
            report(R.probes, `container ${c.name} has no ${missingProbes.join(' or ')}`, 'add readiness and liveness probes (HTTP, TCP or exec)', where);
          }
        }
      }
    }

    // Availability: replicas, autoscaling, disruption budget, spread, network policy.
    if (obj.kind === 'Deployment' || obj.kind === 'StatefulSet') {
      const hpa = hpaByTarget.get(`${obj.kind}/${obj.metadata?.name}`);
      const replicas: number = hpa ? (hpa.spec?.minReplicas ?? 1) : (obj.spec?.replicas ?? 1);
      if (hpa && obj.spec?.replicas !== undefined) {
        report(R.replicas, `${obj.kind} ${obj.metadata?.name} sets replicas ${obj.spec.replicas} although HorizontalPodAutoscaler ${hpa.metadata?.name} scales it`, 'leave replicas out when an autoscaler is attached', '/spec/replicas', 'error');
      }
      if (ctx.production && replicas < 2) {
        report(R.replicas, `${obj.kind} ${obj.metadata?.name} runs ${replicas} replica(s)${hpa ? ' at the autoscaler\'s minimum' : ''}`, 'run at least 2 replicas in production, or an autoscaler with minReplicas >= 2', hpa ? undefined : '/spec/replicas');
      }
      if (replicas >= 2) {
        const spreads = (spec.topologySpreadConstraints ?? []).some((t: any) => t.topologyKey === 'kubernetes.io/hostname')
          || (spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).some((t: any) => t.topologyKey === 'kubernetes.io/hostname')
          || (spec.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).some((t: any) => t.podAffinityTerm?.topologyKey === 'kubernetes.io/hostname');
        if (!spreads) {
          report(R.spread, `${replicas} replicas of ${obj.kind} ${obj.metadata?.name} may all land on one node`, 'add a topologySpreadConstraint on kubernetes.io/hostname', `${p}/topologySpreadConstraints`, ctx.production ? 'error' : 'warning');
        }
      }
      if (ctx.production && replicas >= 2) {
        const pdb = pdbsFor(labels).find((b) => matches(b.spec?.selector?.matchLabels, labels));
        if (!pdb) {
          report(R.disruptionBudget, `no PodDisruptionBudget selects the pods of ${obj.kind} ${obj.metadata?.name}`, 'add a PodDisruptionBudget with maxUnavailable: 1 and unhealthyPodEvictionPolicy: AlwaysAllow');
        } else if (!allowsEviction(pdb, replicas) || pdb.spec?.unhealthyPodEvictionPolicy !== 'AlwaysAllow') {
          report(R.disruptionBudget, `PodDisruptionBudget ${pdb.metadata?.name} allows no eviction at ${replicas} replicas, or lacks unhealthyPodEvictionPolicy: AlwaysAllow`, 'use maxUnavailable: 1 and unhealthyPodEvictionPolicy: AlwaysAllow');
        }
      }
    }
    if (ctx.production && LONG_RUNNING.has(obj.kind)) {
      const covered = netpolsFor(labels).some((n) => {
        const sel = n.spec?.podSelector?.matchLabels;
        const selectsAll = n.spec?.podSelector !== undefined && (sel === undefined || Object.keys(sel).length === 0) && !n.spec?.podSelector?.matchExpressions;
        return selectsAll || matches(sel, labels);
      });
      if (!covered) {
        report(R.networkPolicy, `no NetworkPolicy selects the pods of ${obj.kind} ${obj.metadata?.name}`, 'add a NetworkPolicy that denies by default and allows the edges the workload needs');
      }
    }
  }
  return findings;
}

/** Whether an image reference names a tag other than `latest` (a well-formed digest may follow). */
export function hasPinnedTag(image: unknown): boolean {
  if (typeof image !== 'string') {
    return false;
  }
  const at = image.indexOf('@');
  if (at >= 0 && !/^sha256:[a-f0-9]{64}$/.test(image.slice(at + 1))) {
    return false;
  }
  const name = at >= 0 ? image.slice(0, at) : image;
  const lastPart = name.slice(name.lastIndexOf('/') + 1);
  const colon = lastPart.indexOf(':');
  const tag = colon >= 0 ? lastPart.slice(colon + 1) : '';
  return /^[\w][\w.-]{0,127}$/.test(tag) && tag !== 'latest';
}

const INSTANCE_LABEL = 'app.kubernetes.io/instance';

/**
 * Groups objects by the `app.kubernetes.io/instance` value their selector requires; the
 * returned function gives the objects that can select pods with `labels` (those of the same
 * instance, and those whose selector does not name one). Callers still check the whole selector.
 */
function indexBySelector(objs: readonly any[], selectorOf: (o: any) => Record<string, string> | undefined): (labels: Record<string, string>) => any[] {
  const byInstance = new Map<string, any[]>();
  const others: any[] = [];
  for (const o of objs) {
    const instance = selectorOf(o)?.[INSTANCE_LABEL];
    if (typeof instance === 'string') {
      byInstance.set(instance, [...(byInstance.get(instance) ?? []), o]);
    } else {
      others.push(o);
    }
  }
  return (labels) => [...(byInstance.get(labels[INSTANCE_LABEL]) ?? []), ...others];
}

/** Whether a PodDisruptionBudget lets at least one of `replicas` pods be evicted. */
function allowsEviction(pdb: any, replicas: number): boolean {
  const percent = (v: unknown) => (typeof v === 'string' && v.endsWith('%') ? Number(v.slice(0, -1)) : undefined);
  const { maxUnavailable, minAvailable } = pdb.spec ?? {};
  if (maxUnavailable !== undefined) {
    const pct = percent(maxUnavailable);
    return pct !== undefined ? Math.ceil((pct / 100) * replicas) >= 1 : Number(maxUnavailable) >= 1;
  }
  if (minAvailable !== undefined) {
    const pct = percent(minAvailable);
    return pct !== undefined ? Math.ceil((pct / 100) * replicas) < replicas : Number(minAvailable) < replicas;
  }
  return false;
}
