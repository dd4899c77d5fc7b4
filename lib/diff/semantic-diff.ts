/**
 * A semantic diff of Kubernetes manifests: objects are paired by kind and name (not by text
 * line), and each pair is compared field by field, giving JSON pointers (RFC 6901) with the old
 * and the new value. Used by `prodpath diff` and by the parity check at synth.
 */
import { escapePointer } from '../policy/json-pointer';

/** One object of a set of manifests, with where it came from. */
export interface ManifestObject {
  /** The parsed object (`apiVersion`, `kind`, `metadata`, ...). */
  readonly object: any;
  /**
   * Which file or pipeline the object belongs to, such as `shop.k8s.yaml`; objects of different
   * sources are never paired with each other.
   * @default ''
   */
  readonly source?: string;
  /** The construct path that renders the object, when known (at synth). */
  readonly constructPath?: string;
}

/**
 * Why a changed value follows from something else and is not a change of its own:
 * - `namespace`: the two values are equal once each side's namespace name is taken out
 *   (`db.shop-dev.svc` and `db.shop.svc`, or `metadata.namespace` itself);
 * - `content-hashed-name`: the two values are the content-hashed names of the same ConfigMap or
 *   Job (`api-config-52018ad7ad` and `api-config-673b9c5278`), which change with what they hash.
 */
export type DerivedFrom = 'namespace' | 'content-hashed-name';

/** One changed field of an object. */
export interface FieldChange {
  /**
   * The JSON pointer of the field: in the newer object for `added` and `changed`, in the older
   * one for `removed`. List items that have a `name` (containers, env vars, ports, volumes) are
   * paired by that name, so an inserted item is one change, not a shift of every later one.
   */
  readonly pointer: string;
  /** Whether the field was added, removed or changed. */
  readonly op: 'added' | 'removed' | 'changed';
  /** The old value (absent when added). */
  readonly from?: unknown;
  /** The new value (absent when removed). */
  readonly to?: unknown;
  /** Set when the change only follows from the namespace or a content hash. */
  readonly derivedFrom?: DerivedFrom;
}

/** How one object differs between the two sets. */
export interface ObjectDiff {
  /** The key objects are paired by: source, kind and name (content hashes and the environment's namespace left out). */
  readonly key: string;
  /** `added`: only in the newer set; `removed`: only in the older; `changed`: in both, with changes. */
  readonly status: 'added' | 'removed' | 'changed';
  readonly kind: string;
  /** The object's name in the older set, when it is there. */
  readonly fromName?: string;
  /** The object's name in the newer set, when it is there. */
  readonly toName?: string;
  readonly source: string;
  /** The older object, when it is there. */
  readonly from?: ManifestObject;
  /** The newer object, when it is there. */
  readonly to?: ManifestObject;
  /** The changed fields (for `changed`), sorted by pointer. */
  readonly changes: readonly FieldChange[];
}

/** The difference between two sets of manifests. */
export interface ManifestDiff {
  /** The objects that differ, sorted by source, kind and name. */
  readonly objects: readonly ObjectDiff[];
  /** How many paired objects are equal. */
  readonly unchanged: number;
}

/** Options of {@link diffManifests}. */
export interface DiffOptions {
  /**
   * Leave out changes that only follow from the two sides' different namespaces (`metadata.namespace`,
   * `db.shop-dev.svc` against `db.shop.svc`): comparing two environments, they differ by design.
   * @default false
   */
  readonly ignoreNamespace?: boolean;
  /**
   * Leave out what only names the environment: the Namespace's `prodpath.dev/environment` and
   * `prodpath.dev/production` annotations, and the content-hashed name of a ConfigMap or Job whose
   * content is otherwise equal (a migration Job whose hash covers its namespace), with every
   * reference to that name. Comparing two environments, these differ by design.
   * @default false
   */
  readonly ignoreEnvironmentIdentity?: boolean;
}

/** The Namespace annotations that name the environment rather than describe it. */
export const ENVIRONMENT_IDENTITY_ANNOTATIONS: readonly string[] = ['prodpath.dev/environment', 'prodpath.dev/production'];
const IDENTITY_POINTERS = new Set(ENVIRONMENT_IDENTITY_ANNOTATIONS.map((a) => `/metadata/annotations/${escapePointer(a)}`));

/** The annotation that marks the Namespace object of an environment (written by prodpath). */
const ENVIRONMENT_ANNOTATION = 'prodpath.dev/environment';
/** Kinds prodpath names `<name>-<10 hex digits of a content hash>`. */
const HASHED_KINDS = new Set(['ConfigMap', 'Job']);
const HASH_SUFFIX = /^(.+)-[0-9a-f]{10}$/;


/** The segments of a JSON pointer, unescaped (`''` gives none). */
export function pointerSegments(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The value at a JSON pointer, or undefined. */
export function valueAt(root: unknown, pointer: string): unknown {
  let v: any = root;
  for (const s of pointerSegments(pointer)) {
    if (v === null || typeof v !== 'object') {
      return undefined;
    }
    v = v[s];
  }
  return v;
}

/** The kind, name and namespace of an object, for messages. */
export function describeObject(o: ManifestObject | undefined): { kind: string; name: string; namespace?: string } {
  const m = o?.object?.metadata ?? {};
  const kind = String(o?.object?.kind ?? '?');
  const name = String(m.name ?? '?');
  return m.namespace !== undefined ? { kind, name, namespace: String(m.namespace) } : { kind, name };
}

/**
 * The key objects are paired by across environments or revisions: source, kind and name, where
 * the name of a ConfigMap or Job leaves out its content hash, and the environment's own Namespace
 * (the one annotated `prodpath.dev/environment`, or the only Namespace of its source) is
 * `(environment)`, whatever its name.
 * @param soleNamespace whether the object is the only Namespace of its source
 */
export function pairingKey(o: ManifestObject, soleNamespace = false): string {
  const kind = String(o.object?.kind ?? '');
  const name = String(o.object?.metadata?.name ?? '');
  return `${o.source ?? ''}|${kind}|${baseName(o.object, kind, name, soleNamespace)}`;
}

function baseName(object: any, kind: string, name: string, soleNamespace: boolean): string {
  if (kind === 'Namespace' && (soleNamespace || object?.metadata?.annotations?.[ENVIRONMENT_ANNOTATION] !== undefined)) {
    return '(environment)';
  }
  const m = HASHED_KINDS.has(kind) ? HASH_SUFFIX.exec(name) : null;
  return m ? m[1] : name;
}

/** The namespace an object lives in (a Namespace: its own name). */
function namespaceOf(object: any): string | undefined {
  const ns = object?.kind === 'Namespace' ? object?.metadata?.name : object?.metadata?.namespace;
  return typeof ns === 'string' && ns !== '' ? ns : undefined;
}

/** Keys objects by {@link pairingKey}; objects whose key collides within one set keep their full name. */
function keyed(set: readonly ManifestObject[]): Map<string, ManifestObject> {
  const namespaces = new Map<string, number>();
  for (const o of set.filter((x) => x.object?.kind === 'Namespace')) {
    namespaces.set(o.source ?? '', (namespaces.get(o.source ?? '') ?? 0) + 1);
  }
  const keys = set.map((o) => pairingKey(o, o.object?.kind === 'Namespace' && namespaces.get(o.source ?? '') === 1));
  const counts = new Map<string, number>();
  for (const key of keys) {
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const out = new Map<string, ManifestObject>();
  for (const [i, o] of set.entries()) {
    let key = keys[i];
    if ((counts.get(key) ?? 0) > 1) {
      key = `${o.source ?? ''}|${o.object?.kind}|${o.object?.metadata?.name}|${o.object?.metadata?.namespace ?? ''}`;
    }
    out.set(key, o);
  }
  return out;
}

/** The content-hashed names of a set, mapped to their pairing keys. */
function hashedNames(set: readonly ManifestObject[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const o of set) {
    const kind = String(o.object?.kind ?? '');
    const name = o.object?.metadata?.name;
    if (HASHED_KINDS.has(kind) && typeof name === 'string' && HASH_SUFFIX.test(name)) {
      out.set(name, pairingKey(o));
    }
  }
  return out;
}

/**
 * Compares two sets of manifests object by object and field by field.
 * @param from the older set (or the first environment)
 * @param to the newer set (or the second environment)
 */
export function diffManifests(from: readonly ManifestObject[], to: readonly ManifestObject[], options: DiffOptions = {}): ManifestDiff {
  const a = keyed(from);
  const b = keyed(to);
  const ctx = { hashedFrom: hashedNames(from), hashedTo: hashedNames(to) };
  const objects: ObjectDiff[] = [];
  let unchanged = 0;
  const sortKey = (key: string, o: ManifestObject) => `${o.source ?? ''}\u0000${o.object?.kind}\u0000${key}`;
  // Sort keys built once per object, not once per comparison.
  const keys = [...new Set([...a.keys(), ...b.keys()])]
    .map((key) => ({ key, by: sortKey(key, (a.get(key) ?? b.get(key))!) }))
    .sort((x, y) => (x.by < y.by ? -1 : x.by > y.by ? 1 : 0))
    .map((x) => x.key);
  const pairs: Array<{ key: string; oa?: ManifestObject; ob?: ManifestObject; changes: FieldChange[] }> = [];
  for (const key of keys) {
    const oa = a.get(key);
    const ob = b.get(key);
    const changes = oa === undefined || ob === undefined ? [] : diffValues(oa.object, ob.object, {
      hashedFrom: ctx.hashedFrom,
      hashedTo: ctx.hashedTo,
      nsFrom: namespaceOf(oa.object),
      nsTo: namespaceOf(ob.object),
    }).filter((c) => !(options.ignoreNamespace && c.derivedFrom === 'namespace'))
      .filter((c) => !(options.ignoreEnvironmentIdentity && oa.object?.kind === 'Namespace' && IDENTITY_POINTERS.has(c.pointer)));
    pairs.push({ key, oa, ob, changes });
  }
  // Content-hashed objects equal but for their name: the two names stand for the same thing.
  const sameContent = new Set<string>();
  if (options.ignoreEnvironmentIdentity) {
    for (const p of pairs) {
      if (p.oa && p.ob && HASHED_KINDS.has(String(p.oa.object?.kind)) && p.changes.every((c) => c.derivedFrom !== undefined)) {
        sameContent.add(`${p.oa.object?.metadata?.name}\u0000${p.ob.object?.metadata?.name}`);
      }
    }
  }
  for (const { key, oa, ob, changes: all } of pairs) {
    // Object literals rather than spreads of a common base: V8 builds `{ ...base, more }` several times slower.
    const kind = String((oa ?? ob)!.object?.kind ?? '');
    const source = (oa ?? ob)!.source ?? '';
    if (oa === undefined) {
      objects.push({ key, kind, source, status: 'added', toName: ob!.object?.metadata?.name, to: ob, changes: [] });
      continue;
    }
    if (ob === undefined) {
      objects.push({ key, kind, source, status: 'removed', fromName: oa.object?.metadata?.name, from: oa, changes: [] });
      continue;
    }
    const changes = all.filter((c) => !(c.derivedFrom === 'content-hashed-name' && sameContent.has(`${c.from}\u0000${c.to}`)));
    if (changes.length === 0) {
      unchanged += 1;
      continue;
    }
    objects.push({ key, kind, source, status: 'changed', fromName: oa.object?.metadata?.name, toName: ob.object?.metadata?.name, from: oa, to: ob, changes });
  }
  return { objects, unchanged };
}

interface ValueContext {
  readonly nsFrom?: string;
  readonly nsTo?: string;
  readonly hashedFrom: Map<string, string>;
  readonly hashedTo: Map<string, string>;
}

/**
 * The changes between two JSON values, as JSON pointers below `pointer`. Lists of scalars
 * (commands, args) change as a whole; lists of objects with a unique `name` are paired by name;
 * other lists by position.
 */
export function diffValues(from: unknown, to: unknown, ctx: ValueContext = { hashedFrom: new Map(), hashedTo: new Map() }, pointer = ''): FieldChange[] {
  const out: FieldChange[] = [];
  walk(from, to, { base: pointer, path: [], ctx, out });
  return out.sort((x, y) => (x.pointer < y.pointer ? -1 : x.pointer > y.pointer ? 1 : 0));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function changed(from: unknown, to: unknown, pointer: string, ctx: ValueContext): FieldChange {
  const derivedFrom = derivation(from, to, ctx);
  // Literals rather than a spread: V8 builds `{ ...a, ...b }` several times slower.
  return derivedFrom ? { pointer, op: 'changed', from, to, derivedFrom } : { pointer, op: 'changed', from, to };
}

/**
 * What one walk shares: the pointer it starts below, the segments walked since (pushed and
 * popped as it goes: the pointer is built only for a change, and most fields are equal), the
 * context and the changes found.
 */
interface Walk {
  readonly base: string;
  readonly path: Array<string | number>;
  readonly ctx: ValueContext;
  readonly out: FieldChange[];
}

/** The JSON pointer of the walk's current path, followed by `last` when given. */
function pointerOf(w: Walk, last?: string | number): string {
  let p = w.base;
  for (const s of w.path) {
    p += `/${typeof s === 'number' ? s : escapePointer(s)}`;
  }
  return last === undefined ? p : `${p}/${typeof last === 'number' ? last : escapePointer(last)}`;
}

function walk(from: unknown, to: unknown, w: Walk): void {
  if (from === to) {
    return;
  }
  if (isObject(from) && isObject(to)) {
    // Keys of both sides; the changes are sorted by pointer at the end.
    for (const k in from) {
      if (from[k] === undefined) {
        continue;
      }
      if (to[k] === undefined) {
        w.out.push({ pointer: pointerOf(w, k), op: 'removed', from: from[k] });
      } else {
        w.path.push(k);
        walk(from[k], to[k], w);
        w.path.pop();
      }
    }
    for (const k in to) {
      if (to[k] !== undefined && from[k] === undefined) {
        w.out.push({ pointer: pointerOf(w, k), op: 'added', to: to[k] });
      }
    }
    return;
  }
  if (Array.isArray(from) && Array.isArray(to)) {
    walkArray(from, to, w);
    return;
  }
  if (!deepEqual(from, to)) {
    w.out.push(changed(from, to, pointerOf(w), w.ctx));
  }
}

function namedItems(list: readonly unknown[]): string[] | undefined {
  if (list.length === 0 || !list.every((x) => isObject(x) && typeof x.name === 'string')) {
    return undefined;
  }
  const names = list.map((x) => (x as { name: string }).name);
  return new Set(names).size === names.length ? names : undefined;
}

/** Walks item `i` of `to` against `item` of `from`. */
function walkItem(item: unknown, to: unknown, i: number, w: Walk): void {
  w.path.push(i);
  walk(item, to, w);
  w.path.pop();
}

function walkArray(from: unknown[], to: unknown[], w: Walk): void {
  if (deepEqual(from, to)) {
    return;
  }
  const scalars = (l: unknown[]) => l.every((x) => x === null || typeof x !== 'object');
  if (scalars(from) && scalars(to)) {
    w.out.push(changed(from, to, pointerOf(w), w.ctx));
    return;
  }
  const na = namedItems(from);
  const nb = namedItems(to);
  if (na && nb) {
    const common = nb.filter((n) => na.includes(n));
    if (common.join('\u0000') !== na.filter((n) => nb.includes(n)).join('\u0000')) {
      // The same items in another order (init containers run in order): the list of names changes.
      w.out.push(changed(na, nb, pointerOf(w), w.ctx));
    }
    na.forEach((n, i) => {
      if (!nb.includes(n)) {
        w.out.push({ pointer: pointerOf(w, i), op: 'removed', from: from[i] });
      }
    });
    nb.forEach((n, i) => {
      const j = na.indexOf(n);
      if (j < 0) {
        w.out.push({ pointer: pointerOf(w, i), op: 'added', to: to[i] });
      } else {
        walkItem(from[j], to[i], i, w);
      }
    });
    return;
  }
  const n = Math.max(from.length, to.length);
  for (let i = 0; i < n; i += 1) {
    if (i >= to.length) {
      w.out.push({ pointer: pointerOf(w, i), op: 'removed', from: from[i] });
    } else if (i >= from.length) {
      w.out.push({ pointer: pointerOf(w, i), op: 'added', to: to[i] });
    } else {
      walkItem(from[i], to[i], i, w);
    }
  }
}

/** Whether a changed value only follows from the namespace or a content hash. */
function derivation(from: unknown, to: unknown, ctx: ValueContext): DerivedFrom | undefined {
  if (typeof from === 'string' && typeof to === 'string') {
    const hf = ctx.hashedFrom.get(from);
    if (hf !== undefined && hf === ctx.hashedTo.get(to)) {
      return 'content-hashed-name';
    }
  }
  if (ctx.nsFrom !== undefined && ctx.nsTo !== undefined && ctx.nsFrom !== ctx.nsTo) {
    if (withoutNamespace(JSON.stringify(from), ctx.nsFrom) === withoutNamespace(JSON.stringify(to), ctx.nsTo)) {
      return 'namespace';
    }
  }
  return undefined;
}

/** The pattern of each namespace name as a whole DNS label: a pipeline has few namespaces, and every object has a namespace change. */
const namespacePatterns = new Map<string, RegExp>();

/** Replaces the namespace name where it stands as a whole DNS label. */
function withoutNamespace(text: string, ns: string): string {
  let pattern = namespacePatterns.get(ns);
  if (pattern === undefined) {
    const escaped = ns.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    pattern = new RegExp(`(?<![A-Za-z0-9-])${escaped}(?![A-Za-z0-9-])`, 'g');
    if (namespacePatterns.size >= 1000) {
      namespacePatterns.clear();
    }
    namespacePatterns.set(ns, pattern);
  }
  return text.replace(pattern, '\u0001ns\u0001');
}

/** Structural equality of JSON values (key order does not matter). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) {
    return true;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}
