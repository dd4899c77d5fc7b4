/**
 * The name, label and size limits the Kubernetes API server and its controllers enforce on
 * an object, checked on the object as written. Synth runs this through the manifest policy
 * (rule `names-within-limits`), and `prodpath check` runs the same code on committed files,
 * so the two can never disagree. Workload constructors check the names they derive earlier,
 * with a friendlier message (lib/workloads/_names.ts).
 */
import { hasLoneSurrogate } from './names';
import { escapePointer } from './json-pointer';

/** One limit broken by an object. */
export interface LimitViolation {
  /** What is wrong, naming the bad value and the limit. */
  readonly message: string;
  /** How to fix it. */
  readonly fix: string;
  /** JSON pointer of the bad value. */
  readonly where: string;
}

/** The largest object the API server stores (etcd's default request limit is 1.5 MiB; a ConfigMap's data is capped at 1 MiB). */
export const MAX_OBJECT_BYTES = 1024 * 1024;

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/**
 * The longest object name per kind, where a controller or the API server allows less than a
 * DNS subdomain's 253: Services are DNS-1035 labels; the CronJob controller appends 11
 * characters to name its Jobs; the StatefulSet controller writes `<name>-<10 characters>` into
 * the `controller-revision-hash` label (at most 63); Jobs write their name into the `job-name`
 * pod label; Namespaces are DNS-1123 labels.
 */
const NAME_LIMITS: Record<string, { max: number; pattern: RegExp; rule: string }> = {
  Service: { max: 63, pattern: DNS_1035_LABEL, rule: 'a Service name is a DNS-1035 label (at most 63 characters, starting with a letter)' },
  Namespace: { max: 63, pattern: DNS_1123_LABEL, rule: 'a Namespace name is a DNS-1123 label (at most 63 characters)' },
  CronJob: { max: 52, pattern: DNS_1123_SUBDOMAIN, rule: 'a CronJob name is at most 52 characters: its controller appends 11 to name each Job' },
  StatefulSet: { max: 52, pattern: DNS_1123_LABEL, rule: 'a StatefulSet name is at most 52 characters: the controller-revision-hash label holds <name>-<10 characters>' },
  Job: { max: 63, pattern: DNS_1123_LABEL, rule: 'a Job name is at most 63 characters: it becomes the job-name label of its pods' },
  Deployment: { max: 253, pattern: DNS_1123_SUBDOMAIN, rule: 'a Deployment name is a DNS-1123 subdomain' },
};
const DEFAULT_NAME = { max: 253, pattern: DNS_1123_SUBDOMAIN, rule: 'an object name is a DNS-1123 subdomain (at most 253 lowercase letters, digits, \'-\' or \'.\')' };

/** The escape JSON.stringify writes for a lone surrogate (a backslash before it may be escaped itself: the walk decides). */
const LONE_SURROGATE_ESCAPE = /\\ud[89a-f][0-9a-f]{2}/;

/** Calls `visit` with every string key and value of a JSON value and its JSON pointer. */
function walkStrings(value: unknown, where: string, visit: (text: string, where: string) => void): void {
  if (typeof value === 'string') {
    visit(value, where);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => walkStrings(v, `${where}/${i}`, visit));
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      visit(k, `${where}/${escapePointer(k)}`);
      walkStrings(v, `${where}/${escapePointer(k)}`, visit);
    }
  }
}


/** Problems of one label map (keys and values), reported at `base`. */
export function labelViolations(labels: unknown, base: string): LimitViolation[] {
  const out: LimitViolation[] = [];
  if (typeof labels !== 'object' || labels === null) {
    return out;
  }
  for (const [key, value] of Object.entries(labels as Record<string, unknown>)) {
    const slash = key.lastIndexOf('/');
    const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
    const name = slash >= 0 ? key.slice(slash + 1) : key;
    if (name.length > 63 || !LABEL_NAME.test(name) || (prefix !== undefined && (prefix.length > 253 || !DNS_1123_SUBDOMAIN.test(prefix)))) {
      out.push({
        message: `label key ${JSON.stringify(key)} is not a valid label key (an optional DNS subdomain prefix and "/", then 1 to 63 letters, digits, '-', '_' or '.')`,
        fix: 'use a key such as "app.kubernetes.io/name"',
        where: `${base}/${escapePointer(key)}`,
      });
    }
    if (typeof value !== 'string' || value.length > 63 || !LABEL_VALUE.test(value)) {
      const length = typeof value === 'string' ? ` (${value.length} characters)` : '';
      out.push({
        message: `label ${key} has the value ${JSON.stringify(value)}${length}, over the limit of 63 characters or not made of letters, digits, '-', '_' and '.' between alphanumerics`,
        fix: 'shorten the name it is derived from (the workload or pipeline name) so the value fits 63 characters',
        where: `${base}/${escapePointer(key)}`,
      });
    }
  }
  return out;
}

function checkName(out: LimitViolation[], name: unknown, max: number, pattern: RegExp, rule: string, where: string, fix: string): void {
  if (typeof name !== 'string' || name.length === 0 || name.length > max || !pattern.test(name)) {
    const length = typeof name === 'string' ? ` (${name.length} characters)` : '';
    out.push({ message: `${JSON.stringify(name)}${length} breaks the rule: ${rule}`, fix, where });
  }
}

/** The pod spec of a workload object and its JSON pointer, if it has one. */
function podSpecs(obj: any): { spec: any; labels: unknown; path: string }[] {
  switch (obj?.kind) {
    case 'Pod':
      return [{ spec: obj.spec, labels: undefined, path: '/spec' }];
    case 'Deployment': case 'StatefulSet': case 'DaemonSet': case 'ReplicaSet': case 'Job':
      return [{ spec: obj.spec?.template?.spec, labels: obj.spec?.template?.metadata?.labels, path: '/spec/template' }];
    case 'CronJob':
      return [{ spec: obj.spec?.jobTemplate?.spec?.template?.spec, labels: obj.spec?.jobTemplate?.spec?.template?.metadata?.labels, path: '/spec/jobTemplate/spec/template' }];
    default:
      return [];
  }
}

/**
 * Every name, label and size limit one object breaks: its name (per kind), its labels and
 * those of its pod template and selectors, container, port and volume names, and its size.
 * @param json `JSON.stringify(obj)`, when the caller has it already
 */
export function limitViolations(obj: any, json?: string): LimitViolation[] {
  const out: LimitViolation[] = [];
  if (typeof obj !== 'object' || obj === null) {
    return out;
  }
  const kind = typeof obj.kind === 'string' ? obj.kind : '';
  const limit = NAME_LIMITS[kind] ?? DEFAULT_NAME;
  checkName(out, obj.metadata?.name, limit.max, limit.pattern, limit.rule, '/metadata/name', `use a name of at most ${limit.max} characters (shorten the workload or pipeline name it comes from)`);
  out.push(...labelViolations(obj.metadata?.labels, '/metadata/labels'));
  const selector = obj.spec?.selector?.matchLabels ?? (kind === 'Service' ? obj.spec?.selector : undefined);
  out.push(...labelViolations(selector, kind === 'Service' ? '/spec/selector' : '/spec/selector/matchLabels'));
  if (kind === 'NetworkPolicy' || kind === 'PodDisruptionBudget') {
    out.push(...labelViolations(obj.spec?.podSelector?.matchLabels, '/spec/podSelector/matchLabels'));
  }
  for (const { spec, labels, path } of podSpecs(obj)) {
    out.push(...labelViolations(labels, `${path}/metadata/labels`));
    for (const field of ['initContainers', 'containers']) {
      (spec?.[field] ?? []).forEach((c: any, i: number) => {
        const where = `${path}/spec/${field}/${i}`;
        checkName(out, c?.name, 63, DNS_1123_LABEL, 'a container name is a DNS-1123 label (at most 63 characters)', `${where}/name`, 'use a container name of at most 63 characters');
        (c?.ports ?? []).forEach((p: any, j: number) => {
          if (p?.name !== undefined) {
            checkName(out, p.name, 15, IANA_SVC_NAME, 'a port name is an IANA service name (at most 15 characters)', `${where}/ports/${j}/name`, 'use a port name such as "http"');
          }
        });
      });
    }
    (spec?.volumes ?? []).forEach((v: any, i: number) => {
      checkName(out, v?.name, 63, DNS_1123_LABEL, 'a volume name is a DNS-1123 label (at most 63 characters)', `${path}/spec/volumes/${i}/name`, 'use a volume name of at most 63 characters');
    });
  }
  if (kind === 'Service') {
    (obj.spec?.ports ?? []).forEach((p: any, j: number) => {
      if (p?.name !== undefined) {
        checkName(out, p.name, 15, IANA_SVC_NAME, 'a port name is an IANA service name (at most 15 characters)', `/spec/ports/${j}/name`, 'use a port name such as "http"');
      }
    });
  }
  json ??= JSON.stringify(obj);
  // JSON.stringify writes a lone surrogate as the escape \udxxx (and a pair as itself): without
  // one in the text, no key or value holds one, and the strings need no walk.
  if (LONE_SURROGATE_ESCAPE.test(json)) {
    walkStrings(obj, '', (text, where) => {
      if (hasLoneSurrogate(text)) {
        out.push({
          message: `${JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text)} holds a lone UTF-16 surrogate, which is not valid Unicode (YAML readers such as kubectl kustomize refuse the whole file)`,
          fix: 'write the character whole (both halves of the surrogate pair), or remove it',
          where,
        });
      }
    });
  }
  // A UTF-16 code unit is at most 3 bytes of UTF-8: most objects are too short to need counting.
  if (json.length * 3 > MAX_OBJECT_BYTES) {
    const bytes = Buffer.byteLength(json, 'utf8');
    if (bytes > MAX_OBJECT_BYTES) {
      out.push({
        message: `the object is ${bytes} bytes, over the 1 MiB (${MAX_OBJECT_BYTES} bytes) a Kubernetes object or ConfigMap may hold`,
        fix: 'move large data out of the manifest (into the image, a volume, or several ConfigMaps)',
        where: '',
      });
    }
  }
  return out;
}
