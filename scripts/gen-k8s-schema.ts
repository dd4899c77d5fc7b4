/**
 * Generates `lib/policy/schema/k8s-<minor>.schema.json`, one file per supported Kubernetes minor
 * (1.27 to 1.33): a strict JSON schema (draft-07) for the kinds prodpath emits, used offline by
 * `lib/policy/schema/validate.ts` with kubeconform `-strict` semantics (unknown fields are
 * rejected), plus what changed in the API around that minor (removed and deprecated apiVersions,
 * deprecated fields).
 *
 * Sources of truth, all pinned in devDependencies (nothing is fetched):
 *  - `kubernetes-models` 4.3.1: its `_schemas/*.js` files hold the JSON schemas its authors
 *    generated from the Kubernetes 1.27 OpenAPI document (types, required fields, formats and the
 *    `+enum` values of the API). This is the strict base every minor starts from. Later 4.4.x
 *    releases ship precompiled validators instead of schemas, and every release keeps the
 *    apiVersions Kubernetes removed, so it cannot say what one minor serves.
 *  - `cdk8s-plus-<minor>` (27 to 33): the cdk8s team generates each one's `lib/imports/k8s.d.ts`
 *    and `k8s.js` from exactly one Kubernetes minor's OpenAPI document (`cdk8s import k8s@1.<minor>`).
 *    From them: which apiVersion/kind pairs the minor serves (the `GVK` of every `Kube*` class),
 *    which fields each definition has and which are required (`@schema <definition>#<field>` tags,
 *    optional `?`), the field types of fields added after 1.27, and the "Deprecated" notes of the
 *    field docs.
 *
 * A minor's definition is the 1.27 one where the field set and field types agree with that minor;
 * a field the minor lacks is dropped (so it is an unknown field there), a field added or retyped
 * after 1.27 gets a schema from the minor's declaration (numbers stay `number`: the declarations do
 * not say int32 or double), and definitions new after 1.27 are built the same way.
 *
 * What this script changes on the way (the 1.27 base):
 *  - every object type with named properties gets `additionalProperties: false` (maps such as
 *    labels, annotations, ConfigMap data keep their value schema and stay open);
 *  - OpenAPI `nullable` becomes a JSON-schema type union with "null" (as kubeconform's schemas do);
 *    `oneOf [$ref, null]` wrappers become a plain `$ref`;
 *  - `Quantity` follows the exact apimachinery grammar (see QUANTITY_PATTERN) and also accepts
 *    numbers; `IntOrString` accepts an integer or a string;
 *  - enums the OpenAPI document leaves as plain strings are added from HAND_ENUMS below.
 *
 * Run: `npm run gen:schema` (writes the files; `--check` only compares).
 * Output is deterministic: keys sorted, arrays in source order, two-space indentation.
 */
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { createHash } from 'node:crypto';
import { type KubernetesMinor, SUPPORTED_KUBERNETES_MINORS } from '../lib/policy/schema/minors';

/** The Kubernetes minors prodpath validates against, oldest first (one list, in the library). */
export const SUPPORTED_MINORS = SUPPORTED_KUBERNETES_MINORS;
export type Minor = KubernetesMinor;

/** Where the generated schema of a minor lives (committed; shipped inside the package). */
export function schemaFile(minor: string): string {
  return path.join(__dirname, '..', 'lib', 'policy', 'schema', `k8s-${minor}.schema.json`);
}

/** The 1.27 schema file (kept for callers of the single-file generator). */
export const SCHEMA_FILE = schemaFile('1.27');

/** The pinned strict base and the Kubernetes release its schemas describe. */
const SOURCE_PACKAGE = 'kubernetes-models';
const SOURCE_VERSION = '4.3.1';
const KUBERNETES_VERSION = '1.27';

/** The per-minor source: cdk8s-plus-<minor>, pinned (dependencies for 27, devDependencies for the rest). */
const MINOR_SOURCES: Readonly<Record<Minor, { readonly package: string; readonly version: string }>> = {
  '1.27': { package: 'cdk8s-plus-27', version: '2.9.5' },
  '1.28': { package: 'cdk8s-plus-28', version: '2.5.6' },
  '1.29': { package: 'cdk8s-plus-29', version: '2.6.0' },
  '1.30': { package: 'cdk8s-plus-30', version: '2.4.10' },
  '1.31': { package: 'cdk8s-plus-31', version: '2.6.43' },
  '1.32': { package: 'cdk8s-plus-32', version: '2.5.92' },
  '1.33': { package: 'cdk8s-plus-33', version: '2.5.57' },
};

/**
 * The kinds we emit or check, keyed by apiVersion + kind, with their OpenAPI definition names.
 * A minor's schema holds those the minor serves. FlowSchema is here in its three versions because
 * its apiVersions change inside the supported range (v1beta2 is removed in 1.29, v1beta3 in 1.32).
 */
export const KINDS: ReadonlyArray<{ readonly apiVersion: string; readonly kind: string; readonly definition: string }> = [
  { apiVersion: 'v1', kind: 'Namespace', definition: 'io.k8s.api.core.v1.Namespace' },
  { apiVersion: 'v1', kind: 'Service', definition: 'io.k8s.api.core.v1.Service' },
  { apiVersion: 'v1', kind: 'ConfigMap', definition: 'io.k8s.api.core.v1.ConfigMap' },
  { apiVersion: 'v1', kind: 'Secret', definition: 'io.k8s.api.core.v1.Secret' },
  { apiVersion: 'v1', kind: 'ServiceAccount', definition: 'io.k8s.api.core.v1.ServiceAccount' },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim', definition: 'io.k8s.api.core.v1.PersistentVolumeClaim' },
  { apiVersion: 'apps/v1', kind: 'Deployment', definition: 'io.k8s.api.apps.v1.Deployment' },
  { apiVersion: 'apps/v1', kind: 'StatefulSet', definition: 'io.k8s.api.apps.v1.StatefulSet' },
  { apiVersion: 'batch/v1', kind: 'Job', definition: 'io.k8s.api.batch.v1.Job' },
  { apiVersion: 'batch/v1', kind: 'CronJob', definition: 'io.k8s.api.batch.v1.CronJob' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', definition: 'io.k8s.api.networking.v1.Ingress' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', definition: 'io.k8s.api.networking.v1.NetworkPolicy' },
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', definition: 'io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', definition: 'io.k8s.api.policy.v1.PodDisruptionBudget' },
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta2', kind: 'FlowSchema', definition: 'io.k8s.api.flowcontrol.v1beta2.FlowSchema' },
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta3', kind: 'FlowSchema', definition: 'io.k8s.api.flowcontrol.v1beta3.FlowSchema' },
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'FlowSchema', definition: 'io.k8s.api.flowcontrol.v1.FlowSchema' },
];

/**
 * apiVersions of our kinds that Kubernetes removed before 1.27 (from the Kubernetes deprecated
 * API migration guide): refused in every supported minor, with the version to use instead.
 */
export const REMOVED_BEFORE_RANGE: ReadonlyArray<{ readonly apiVersion: string; readonly kind: string; readonly removedIn: string; readonly use: string }> = [
  { apiVersion: 'extensions/v1beta1', kind: 'Deployment', removedIn: '1.16', use: 'apps/v1' },
  { apiVersion: 'apps/v1beta1', kind: 'Deployment', removedIn: '1.16', use: 'apps/v1' },
  { apiVersion: 'apps/v1beta2', kind: 'Deployment', removedIn: '1.16', use: 'apps/v1' },
  { apiVersion: 'apps/v1beta1', kind: 'StatefulSet', removedIn: '1.16', use: 'apps/v1' },
  { apiVersion: 'apps/v1beta2', kind: 'StatefulSet', removedIn: '1.16', use: 'apps/v1' },
  { apiVersion: 'extensions/v1beta1', kind: 'NetworkPolicy', removedIn: '1.16', use: 'networking.k8s.io/v1' },
  { apiVersion: 'extensions/v1beta1', kind: 'Ingress', removedIn: '1.22', use: 'networking.k8s.io/v1' },
  { apiVersion: 'networking.k8s.io/v1beta1', kind: 'Ingress', removedIn: '1.22', use: 'networking.k8s.io/v1' },
  { apiVersion: 'batch/v1beta1', kind: 'CronJob', removedIn: '1.25', use: 'batch/v1' },
  { apiVersion: 'policy/v1beta1', kind: 'PodDisruptionBudget', removedIn: '1.25', use: 'policy/v1' },
  { apiVersion: 'autoscaling/v2beta1', kind: 'HorizontalPodAutoscaler', removedIn: '1.25', use: 'autoscaling/v2' },
  { apiVersion: 'autoscaling/v2beta2', kind: 'HorizontalPodAutoscaler', removedIn: '1.26', use: 'autoscaling/v2' },
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta1', kind: 'FlowSchema', removedIn: '1.26', use: 'flowcontrol.apiserver.k8s.io/v1beta3' },
];

/**
 * Kubernetes resource.Quantity, exactly as apimachinery's ParseQuantity accepts it:
 *   <sign>? ( <digits> | <digits>. | <digits>.<digits> | .<digits> )  <suffix>
 *   suffix: binary SI Ki Mi Gi Ti Pi Ei | decimal SI n u m "" k M G T P E | e/E <sign>? <digits>
 * So `512Mi`, `0.5`, `100m`, `1e3`, `1.5Gi` pass; `512MB`, `1.5.0`, `1 Gi`, `1.5KiB`, `` fail.
 * (kubeconform's looser `^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$` would accept `1.5.0`.)
 */
export const QUANTITY_PATTERN = '^[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[KMGTPE]i|[numkMGTPE]|[eE][+-]?[0-9]+)?$';

const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';

/** Definitions replaced wholesale (the upstream ones use a custom `quantity` format and `oneOf`). */
const REPLACED_DEFINITIONS: Readonly<Record<string, JsonObject>> = {
  [QUANTITY]: {
    description: 'Kubernetes quantity: a number, or a string such as 512Mi, 0.5, 100m or 1e3.',
    type: ['string', 'number'],
    pattern: QUANTITY_PATTERN,
  },
  [INT_OR_STRING]: {
    description: 'Kubernetes int-or-string: an integer (e.g. 8080) or a string (e.g. "http" or "25%").',
    type: ['integer', 'string'],
  },
};

/**
 * ENUMS ADDED BY HAND — the one table of enum values the generator adds or checks.
 *
 * The 1.27 OpenAPI document lists enum values only for fields whose Go type carries `+enum`.
 * Entries without `upstream` are plain strings there although the API server accepts only these
 * values (see the field docs and the API's validation code): the generator adds the enum, and
 * fails if upstream has grown one (then mark the entry `upstream: true`).
 * Entries with `upstream: true` are enums the OpenAPI document already carries and that matter to
 * us: the generator checks that upstream still has exactly these values, and writes them in the
 * order given here (most common first: it is the order error messages list them in).
 * `items: true` puts the enum on the array's items. A misspelt definition or property fails too.
 */
export const HAND_ENUMS: ReadonlyArray<{
  readonly definition: string;
  readonly property: string;
  readonly values: readonly string[];
  readonly items?: boolean;
  readonly upstream?: boolean;
}> = [
  // --- added: plain strings in the OpenAPI document ---
  // NetworkPolicy
  { definition: 'io.k8s.api.networking.v1.NetworkPolicySpec', property: 'policyTypes', values: ['Ingress', 'Egress'], items: true },
  // HorizontalPodAutoscaler (autoscaling/v2)
  { definition: 'io.k8s.api.autoscaling.v2.MetricSpec', property: 'type', values: ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'] },
  { definition: 'io.k8s.api.autoscaling.v2.MetricStatus', property: 'type', values: ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'] },
  { definition: 'io.k8s.api.autoscaling.v2.MetricTarget', property: 'type', values: ['AverageValue', 'Utilization', 'Value'] },
  { definition: 'io.k8s.api.autoscaling.v2.HPAScalingRules', property: 'selectPolicy', values: ['Max', 'Min', 'Disabled'] },
  { definition: 'io.k8s.api.autoscaling.v2.HPAScalingPolicy', property: 'type', values: ['Pods', 'Percent'] },
  // Label selectors (meta/v1): the API's validation accepts only these operators.
  { definition: 'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement', property: 'operator', values: ['In', 'NotIn', 'Exists', 'DoesNotExist'] },
  // StatefulSet PVC retention (beta in 1.27)
  { definition: 'io.k8s.api.apps.v1.StatefulSetPersistentVolumeClaimRetentionPolicy', property: 'whenDeleted', values: ['Retain', 'Delete'] },
  { definition: 'io.k8s.api.apps.v1.StatefulSetPersistentVolumeClaimRetentionPolicy', property: 'whenScaled', values: ['Retain', 'Delete'] },
  // PersistentVolumeClaim, Service, Pod
  { definition: 'io.k8s.api.core.v1.PersistentVolumeClaimSpec', property: 'accessModes', values: ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'], items: true },
  { definition: 'io.k8s.api.core.v1.ServiceSpec', property: 'ipFamilies', values: ['IPv4', 'IPv6'], items: true },
  { definition: 'io.k8s.api.core.v1.PodOS', property: 'name', values: ['linux', 'windows'] },
  { definition: 'io.k8s.api.core.v1.ContainerResizePolicy', property: 'restartPolicy', values: ['NotRequired', 'RestartContainer'] },

  // --- upstream: already enums in the 1.27 OpenAPI document; checked, not changed ---
  { definition: 'io.k8s.api.core.v1.ServiceSpec', property: 'type', values: ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'], upstream: true },
  { definition: 'io.k8s.api.core.v1.ServiceSpec', property: 'ipFamilyPolicy', values: ['SingleStack', 'PreferDualStack', 'RequireDualStack'], upstream: true },
  { definition: 'io.k8s.api.core.v1.ContainerPort', property: 'protocol', values: ['TCP', 'UDP', 'SCTP'], upstream: true },
  { definition: 'io.k8s.api.core.v1.ServicePort', property: 'protocol', values: ['TCP', 'UDP', 'SCTP'], upstream: true },
  { definition: 'io.k8s.api.networking.v1.NetworkPolicyPort', property: 'protocol', values: ['TCP', 'UDP', 'SCTP'], upstream: true },
  { definition: 'io.k8s.api.core.v1.Container', property: 'imagePullPolicy', values: ['Always', 'IfNotPresent', 'Never'], upstream: true },
  { definition: 'io.k8s.api.core.v1.PodSpec', property: 'restartPolicy', values: ['Always', 'OnFailure', 'Never'], upstream: true },
  { definition: 'io.k8s.api.core.v1.PersistentVolumeClaimSpec', property: 'volumeMode', values: ['Block', 'Filesystem'], upstream: true },
  { definition: 'io.k8s.api.core.v1.SeccompProfile', property: 'type', values: ['RuntimeDefault', 'Localhost', 'Unconfined'], upstream: true },
  { definition: 'io.k8s.api.core.v1.TopologySpreadConstraint', property: 'nodeAffinityPolicy', values: ['Honor', 'Ignore'], upstream: true },
  { definition: 'io.k8s.api.core.v1.TopologySpreadConstraint', property: 'nodeTaintsPolicy', values: ['Honor', 'Ignore'], upstream: true },
  { definition: 'io.k8s.api.networking.v1.HTTPIngressPath', property: 'pathType', values: ['Exact', 'Prefix', 'ImplementationSpecific'], upstream: true },
  { definition: 'io.k8s.api.batch.v1.CronJobSpec', property: 'concurrencyPolicy', values: ['Allow', 'Forbid', 'Replace'], upstream: true },
  { definition: 'io.k8s.api.batch.v1.JobSpec', property: 'completionMode', values: ['NonIndexed', 'Indexed'], upstream: true },
  { definition: 'io.k8s.api.policy.v1.PodDisruptionBudgetSpec', property: 'unhealthyPodEvictionPolicy', values: ['IfHealthyBudget', 'AlwaysAllow'], upstream: true },
];

// ---------------------------------------------------------------------------------------------

export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Loads the upstream schemas of KINDS and everything they reference: definition name -> schema. */
function collectUpstreamSchemas(): Map<string, JsonObject> {
  const packageJson = require.resolve(`${SOURCE_PACKAGE}/package.json`);
  const version = (JSON.parse(fs.readFileSync(packageJson, 'utf8')) as { version: string }).version;
  if (version !== SOURCE_VERSION) {
    throw new Error(`${SOURCE_PACKAGE} ${version} is installed, but this generator is written for ${SOURCE_VERSION} (Kubernetes ${KUBERNETES_VERSION}).`);
  }
  const req = createRequire(packageJson);
  // Each `_schemas/<Name>.js` registers its schema (and, first, those it references) through
  // @kubernetes-models/validate's `register`: intercept it to collect exactly the reachable set.
  type Register = (id: string, schema: unknown) => void;
  const validateModules = new Set<{ register: Register }>([
    req('@kubernetes-models/validate'),
    createRequire(req.resolve('@kubernetes-models/apimachinery/_schemas/IoK8sApimachineryPkgApisMetaV1ObjectMeta'))('@kubernetes-models/validate'),
  ]);
  const collected = new Map<string, JsonObject>();
  const originals = new Map<{ register: Register }, Register>();
  for (const mod of validateModules) {
    originals.set(mod, mod.register);
    mod.register = (id: string, schema: unknown) => {
      if (!isObject(schema)) throw new Error(`schema ${id} is not an object`);
      collected.set(id, schema);
    };
  }
  try {
    for (const { definition } of KINDS) {
      const file = definition.split('.').map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('');
      const modulePath = path.join(path.dirname(packageJson), '_schemas', `${file}.js`);
      if (!fs.existsSync(modulePath)) continue; // newer than 1.27: built from the minor's declarations
      const mod = req(modulePath) as { addSchema: () => void };
      mod.addSchema();
      if (!collected.has(definition)) throw new Error(`${file}.js did not register ${definition}`);
    }
  } finally {
    for (const [mod, register] of originals) mod.register = register;
  }
  return collected;
}

function isNullBranch(value: Json): boolean {
  return isObject(value) && value.type === 'null' && Object.keys(value).length === 1;
}

/** Rewrites one upstream (sub)schema into strict draft-07 form. `where` is used in error messages. */
function transform(schema: JsonObject, where: string, openObjects: string[]): JsonObject {
  // `oneOf: [X, {type: null}]` (how kubernetes-models marks an optional reference) -> X
  if (Array.isArray(schema.oneOf)) {
    const branches = schema.oneOf.filter((b) => !isNullBranch(b));
    if (branches.length !== 1 || schema.oneOf.length !== 2 || Object.keys(schema).length !== 1 || !isObject(branches[0])) {
      throw new Error(`${where}: unexpected oneOf ${JSON.stringify(schema)}`);
    }
    return transform(branches[0], where, openObjects);
  }
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    switch (key) {
      case '$ref': {
        if (typeof value !== 'string' || !value.endsWith('#')) throw new Error(`${where}: unexpected $ref ${String(value)}`);
        out.$ref = `#/definitions/${value.slice(0, -1)}`;
        break;
      }
      case 'nullable':
        break; // folded into `type` below
      case 'properties': {
        if (!isObject(value)) throw new Error(`${where}: properties is not an object`);
        const props: JsonObject = {};
        for (const [name, sub] of Object.entries(value)) {
          if (!isObject(sub)) throw new Error(`${where}.${name}: not a schema`);
          props[name] = transform(sub, `${where}.${name}`, openObjects);
        }
        out.properties = props;
        break;
      }
      case 'items':
      case 'additionalProperties': {
        if (typeof value === 'boolean') out[key] = value;
        else if (isObject(value)) out[key] = transform(value, `${where}[${key}]`, openObjects);
        else throw new Error(`${where}: unexpected ${key}`);
        break;
      }
      case 'type':
      case 'format':
      case 'enum':
      case 'required':
        out[key] = value;
        break;
      default:
        throw new Error(`${where}: unexpected keyword ${key}`);
    }
  }
  if (schema.nullable === true) {
    if (typeof out.type !== 'string') throw new Error(`${where}: nullable without a single type`);
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
  }
  const types = Array.isArray(out.type) ? out.type : [out.type];
  if (types.includes('object')) {
    if (out.properties !== undefined && out.additionalProperties === undefined) {
      out.additionalProperties = false; // closed struct: unknown fields are errors
    } else if (out.properties === undefined && out.additionalProperties === undefined) {
      openObjects.push(where); // free-form (e.g. managedFields' FieldsV1): left open on purpose
    }
  }
  return out;
}

function applyHandEnums(definitions: JsonObject): void {
  for (const entry of HAND_ENUMS) {
    const def = definitions[entry.definition];
    const prop = isObject(def) && isObject(def.properties) ? def.properties[entry.property] : undefined;
    if (!isObject(prop)) throw new Error(`HAND_ENUMS: ${entry.definition}.${entry.property} does not exist`);
    const target = entry.items ? prop.items : prop;
    if (!isObject(target)) throw new Error(`HAND_ENUMS: ${entry.definition}.${entry.property} has no items`);
    const type = Array.isArray(target.type) ? target.type : [target.type];
    if (!type.includes('string')) throw new Error(`HAND_ENUMS: ${entry.definition}.${entry.property} is not a string`);
    const nullable = type.includes('null');
    const wanted: Json[] = nullable ? [...entry.values, null] : [...entry.values];
    const where = `HAND_ENUMS: ${entry.definition}.${entry.property}${entry.items ? '[]' : ''}`;
    if (entry.upstream) {
      const have = Array.isArray(target.enum) ? new Set(target.enum) : new Set<Json>();
      if (have.size !== wanted.length || !wanted.every((v) => have.has(v))) {
        throw new Error(`${where}: upstream enum ${JSON.stringify(target.enum ?? null)} is not ${JSON.stringify(entry.values)}`);
      }
      target.enum = wanted;
    } else {
      if (target.enum !== undefined) throw new Error(`${where}: upstream now has enum ${JSON.stringify(target.enum)}; mark the entry upstream: true`);
      target.enum = wanted;
    }
  }
}

/** Recursively sorts object keys (arrays keep their order) so output is byte-stable. */
function sortKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys(value[key]);
  return out;
}

/** The strict 1.27 base: every definition reachable from KINDS in kubernetes-models, hand enums applied. */
function generateBase(): { definitions: JsonObject; openObjects: string[] } {
  const upstream = collectUpstreamSchemas();
  const openObjects: string[] = [];
  const definitions: JsonObject = {};
  for (const [name, schema] of upstream) {
    definitions[name] = REPLACED_DEFINITIONS[name] ?? transform(schema, name, openObjects);
  }
  applyHandEnums(definitions);
  for (const name of Object.keys(REPLACED_DEFINITIONS)) {
    if (!(name in definitions)) throw new Error(`${name} is not reachable any more`);
  }
  return { definitions, openObjects: openObjects.sort() };
}

// --- a minor's declarations (cdk8s-plus-<minor>/lib/imports/k8s.d.ts and k8s.js) ------------------

interface DeclaredField {
  readonly optional: boolean;
  readonly type: ts.TypeNode;
  readonly doc: string;
}

interface DeclaredDefinition {
  readonly fields: Map<string, DeclaredField>;
  /** A `Kube<Kind>Props` interface: the top level of a kind, without apiVersion, kind and status. */
  readonly topLevel: boolean;
}

interface Declarations {
  readonly minor: Minor;
  readonly file: ts.SourceFile;
  readonly definitions: Map<string, DeclaredDefinition>;
  /** TypeScript interface name -> definition name. */
  readonly interfaces: Map<string, string>;
  /** TypeScript enum name -> its string values. */
  readonly enums: Map<string, string[]>;
  /** `<apiVersion> <kind>` of every kind the minor serves. */
  readonly served: Set<string>;
}

function schemaTag(node: ts.Node): string | undefined {
  for (const tag of ts.getJSDocTags(node)) {
    if (tag.tagName.text === 'schema') return ts.getTextOfJSDocComment(tag.comment)?.trim();
  }
  return undefined;
}

function docOf(node: ts.Node): string {
  return ts
    .getJSDocCommentsAndTags(node)
    .filter(ts.isJSDoc)
    .map((d) => ts.getTextOfJSDocComment(d.comment) ?? '')
    .join(' ');
}

const declarationCache = new Map<Minor, Declarations>();

function readDeclarations(minor: Minor): Declarations {
  const cached = declarationCache.get(minor);
  if (cached !== undefined) return cached;
  const source = MINOR_SOURCES[minor];
  const packageJson = require.resolve(`${source.package}/package.json`);
  const version = (JSON.parse(fs.readFileSync(packageJson, 'utf8')) as { version: string }).version;
  if (version !== source.version) {
    throw new Error(`${source.package} ${version} is installed, but this generator is written for ${source.version} (Kubernetes ${minor}).`);
  }
  const dir = path.join(path.dirname(packageJson), 'lib', 'imports');
  const file = ts.createSourceFile('k8s.d.ts', fs.readFileSync(path.join(dir, 'k8s.d.ts'), 'utf8'), ts.ScriptTarget.ES2022, true);
  const definitions = new Map<string, DeclaredDefinition>();
  const interfaces = new Map<string, string>();
  const enums = new Map<string, string[]>();
  for (const statement of file.statements) {
    if (ts.isEnumDeclaration(statement)) {
      enums.set(statement.name.text, statement.members.map((m) => (m.initializer !== undefined && ts.isStringLiteral(m.initializer) ? m.initializer.text : m.name.getText(file))));
      continue;
    }
    if (!ts.isInterfaceDeclaration(statement)) continue;
    const definition = schemaTag(statement);
    if (definition === undefined || definition.includes('#')) continue;
    const name = statement.name.text;
    const topLevel = /^Kube.*Props$/.test(name);
    interfaces.set(name, definition);
    const fields = new Map<string, DeclaredField>();
    for (const member of statement.members) {
      if (!ts.isPropertySignature(member) || member.type === undefined) continue;
      const tag = schemaTag(member);
      if (tag === undefined || !tag.startsWith(`${definition}#`)) throw new Error(`${source.package}: ${name}.${member.name.getText(file)} has no @schema tag for ${definition}`);
      fields.set(tag.slice(definition.length + 1), { optional: member.questionToken !== undefined, type: member.type, doc: docOf(member) });
    }
    if (!definitions.has(definition) || !topLevel) definitions.set(definition, { fields, topLevel });
  }
  const served = new Set<string>();
  const js = fs.readFileSync(path.join(dir, 'k8s.js'), 'utf8');
  for (const m of js.matchAll(/(?:\.|static )GVK = \{\s*apiVersion: '([^']+)',\s*kind: '([^']+)',?\s*\}/g)) served.add(`${m[1]} ${m[2]}`);
  if (served.size < 100) throw new Error(`${source.package}: found only ${served.size} served kinds in k8s.js`);
  const result: Declarations = { minor, file, definitions, interfaces, enums, served };
  declarationCache.set(minor, result);
  return result;
}

/** A field type as text, with interface names replaced by definition names, to compare minors. */
function signature(node: ts.TypeNode, decl: Declarations): string {
  if (ts.isArrayTypeNode(node)) return `${signature(node.elementType, decl)}[]`;
  if (ts.isTypeReferenceNode(node)) {
    const name = node.typeName.getText(decl.file);
    const definition = decl.interfaces.get(name);
    if (definition !== undefined) return `#${definition}`;
    const values = decl.enums.get(name);
    if (values !== undefined) return `enum(${values.join('|')})`;
    return name;
  }
  if (ts.isTypeLiteralNode(node)) {
    return `{${node.members.map((m) => (ts.isIndexSignatureDeclaration(m) ? `[]:${signature(m.type, decl)}` : m.getText(decl.file))).join(';')}}`;
  }
  return node.getText(decl.file);
}

/** A JSON schema for a field type of a minor's declarations (fields new since 1.27). */
function schemaOfType(node: ts.TypeNode, decl: Declarations, where: string): JsonObject {
  switch (node.kind) {
    case ts.SyntaxKind.StringKeyword:
      return { type: 'string' };
    case ts.SyntaxKind.NumberKeyword:
      return { type: 'number' };
    case ts.SyntaxKind.BooleanKeyword:
      return { type: 'boolean' };
    case ts.SyntaxKind.AnyKeyword:
      return {};
    default:
      break;
  }
  if (ts.isArrayTypeNode(node)) return { type: 'array', items: schemaOfType(node.elementType, decl, `${where}[]`) };
  if (ts.isTypeReferenceNode(node)) {
    const name = node.typeName.getText(decl.file);
    const definition = decl.interfaces.get(name);
    if (definition !== undefined) return { $ref: `#/definitions/${definition}` };
    const values = decl.enums.get(name);
    if (values !== undefined) return { type: 'string', enum: values };
    if (name === 'Quantity') return { $ref: `#/definitions/${QUANTITY}` };
    if (name === 'IntOrString') return { $ref: `#/definitions/${INT_OR_STRING}` };
    if (name === 'Date') return { type: 'string', format: 'date-time' };
  }
  if (ts.isTypeLiteralNode(node) && node.members.length === 1 && ts.isIndexSignatureDeclaration(node.members[0])) {
    return { type: 'object', additionalProperties: schemaOfType(node.members[0].type, decl, `${where}{}`) };
  }
  throw new Error(`${where}: cannot turn the type ${node.getText(decl.file)} (Kubernetes ${decl.minor}) into a schema`);
}

/** Adds the names of the definitions `schema` references (`$ref: #/definitions/<name>`) to `out`. */
export function refsOf(schema: Json, out: Set<string>): void {
  if (Array.isArray(schema)) schema.forEach((s) => refsOf(s, out));
  else if (isObject(schema)) {
    for (const [key, value] of Object.entries(schema)) {
      if (key === '$ref' && typeof value === 'string') out.add(value.replace('#/definitions/', ''));
      else refsOf(value, out);
    }
  }
}

/** Fields on the top level of a kind that `Kube<Kind>Props` leaves out. */
const TOP_LEVEL_FIELDS: Readonly<Record<string, JsonObject>> = {
  apiVersion: { type: 'string' },
  kind: { type: 'string' },
  status: { type: 'object' },
};

const DEPRECATED_NOTE = /(?:^|[\s.])(Deprecated[:.]|DEPRECATED:)\s*([^]*?)(?:\.(?:\s|$)|$)/;

/** A minor's definition: the 1.27 one where the minor agrees with 1.27, else from its declarations. */
function deriveDefinition(name: string, base: JsonObject, decl: Declarations, decl27: Declarations): JsonObject {
  const replaced = REPLACED_DEFINITIONS[name];
  if (replaced !== undefined) return replaced;
  const baseSchema = isObject(base[name]) ? (base[name] as JsonObject) : undefined;
  const declared = decl.definitions.get(name);
  if (declared === undefined) {
    if (baseSchema === undefined) throw new Error(`${name} is neither in the 1.27 base nor declared by Kubernetes ${decl.minor}`);
    return baseSchema; // not declared by cdk8s (status types): the 1.27 schema
  }
  const baseProps = baseSchema !== undefined && isObject(baseSchema.properties) ? baseSchema.properties : {};
  const declared27 = decl27.definitions.get(name);
  const properties: JsonObject = {};
  const required: string[] = [];
  for (const [field, f] of declared.fields) {
    const before = declared27?.fields.get(field);
    const same = baseProps[field] !== undefined && before !== undefined && signature(before.type, decl27) === signature(f.type, decl);
    properties[field] = same ? baseProps[field] : schemaOfType(f.type, decl, `${name}.${field}`);
    if (!f.optional) required.push(field);
  }
  if (declared.topLevel) {
    for (const [field, schema] of Object.entries(TOP_LEVEL_FIELDS)) {
      // A kind new since 1.27 gets an open status; one from the base keeps its own (or none: ConfigMap).
      const kept = baseProps[field] ?? (baseSchema === undefined || field !== 'status' ? schema : undefined);
      if (kept !== undefined) properties[field] = kept;
    }
  }
  const out: JsonObject = { ...(baseSchema ?? { type: 'object' }), properties, additionalProperties: false };
  const baseRequired = Array.isArray(baseSchema?.required) ? (baseSchema.required as string[]) : [];
  const sameRequired = baseRequired.length === required.length && required.every((r) => baseRequired.includes(r));
  const finalRequired = declared.topLevel ? baseRequired.filter((r) => r in properties) : sameRequired ? baseRequired : required;
  if (finalRequired.length > 0) out.required = finalRequired;
  else delete out.required;
  return out;
}

/** Sets the HAND_ENUMS on a minor's fields that have no enum (fields retyped or added since 1.27). */
function applyHandEnumsWhereMissing(definitions: JsonObject): void {
  for (const entry of HAND_ENUMS) {
    const def = definitions[entry.definition];
    const prop = isObject(def) && isObject(def.properties) ? def.properties[entry.property] : undefined;
    const target = isObject(prop) ? (entry.items ? prop.items : prop) : undefined;
    if (!isObject(target) || target.enum !== undefined || target.$ref !== undefined) continue;
    const type = Array.isArray(target.type) ? target.type : [target.type];
    target.enum = type.includes('null') ? [...entry.values, null] : [...entry.values];
  }
}

/** How an apiVersion of a kind stands in one minor. */
interface ApiChange {
  /** removed: not served any more; deprecated: served, removed in a later supported minor; unreleased: not served yet. */
  readonly status: 'removed' | 'deprecated' | 'unreleased';
  /** The minor that removes (removed, deprecated) or first serves (unreleased) it. */
  readonly minor: string;
  /** The apiVersion to use instead, served by this minor. */
  readonly use: string;
}

function isGa(apiVersion: string): boolean {
  return !/(alpha|beta)\d*$/.test(apiVersion);
}

/** The apiVersion of `kind` in the same API group that `minor` serves and that lasts longest. */
function replacement(apiVersion: string, kind: string, minor: Minor, decls: ReadonlyMap<Minor, Declarations>): string | undefined {
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  const candidates = KINDS.filter((k) => k.kind === kind && k.apiVersion !== apiVersion && (k.apiVersion.includes('/') ? k.apiVersion.split('/')[0] : '') === group)
    .filter((k) => decls.get(minor)!.served.has(`${k.apiVersion} ${k.kind}`));
  const lasting = (v: string) => SUPPORTED_MINORS.filter((m) => decls.get(m)!.served.has(`${v} ${kind}`)).length;
  candidates.sort((a, b) => Number(isGa(b.apiVersion)) - Number(isGa(a.apiVersion)) || lasting(b.apiVersion) - lasting(a.apiVersion) || b.apiVersion.localeCompare(a.apiVersion));
  return candidates[0]?.apiVersion;
}

function apiChanges(minor: Minor, decls: ReadonlyMap<Minor, Declarations>): JsonObject {
  const changes: JsonObject = {};
  const put = (apiVersion: string, kind: string, change: ApiChange) => {
    const byKind = (changes[apiVersion] ??= {}) as JsonObject;
    byKind[kind] = { ...change };
  };
  const index = SUPPORTED_MINORS.indexOf(minor);
  for (const { apiVersion, kind } of KINDS) {
    const servedIn = SUPPORTED_MINORS.map((m) => decls.get(m)!.served.has(`${apiVersion} ${kind}`));
    if (!servedIn.some(Boolean)) throw new Error(`${apiVersion} ${kind} is served by no supported minor`);
    const use = replacement(apiVersion, kind, minor, decls);
    if (servedIn[index]) {
      const gone = servedIn.findIndex((s, i) => i > index && !s);
      if (gone >= 0) put(apiVersion, kind, { status: 'deprecated', minor: SUPPORTED_MINORS[gone], use: replacement(apiVersion, kind, SUPPORTED_MINORS[gone], decls) ?? '' });
    } else if (servedIn.slice(0, index).some(Boolean)) {
      const last = servedIn.slice(0, index).lastIndexOf(true);
      put(apiVersion, kind, { status: 'removed', minor: SUPPORTED_MINORS[last + 1], use: use ?? '' });
    } else {
      put(apiVersion, kind, { status: 'unreleased', minor: SUPPORTED_MINORS[servedIn.indexOf(true)], use: use ?? '' });
    }
  }
  for (const { apiVersion, kind, removedIn, use } of REMOVED_BEFORE_RANGE) {
    if (decls.get(minor)!.served.has(`${apiVersion} ${kind}`)) throw new Error(`REMOVED_BEFORE_RANGE: Kubernetes ${minor} still serves ${apiVersion} ${kind}`);
    put(apiVersion, kind, { status: 'removed', minor: removedIn, use });
  }
  return changes;
}

/** A hash of a definition and everything it references (equal across minors when none of it changed). */
export function fingerprint(definition: string, definitions: JsonObject): string {
  const seen = new Set<string>();
  const queue = [definition];
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const refs = new Set<string>();
    refsOf(definitions[name], refs);
    queue.push(...refs);
  }
  const closure = [...seen].sort().map((n) => [n, sortKeys(definitions[n])]);
  return createHash('sha256').update(JSON.stringify(closure)).digest('hex').slice(0, 16);
}

/**
 * The schema document of one minor: `definitions`; `kinds` (apiVersion -> kind -> definition);
 * `fingerprints` (definition of each kind -> hash of everything it references, equal across
 * minors when the kind did not change, so validators can be shared); `apiChanges` (apiVersion ->
 * kind -> removed / deprecated / unreleased in this minor, with the apiVersion to use);
 * `deprecatedFields` (definition -> field -> the API's deprecation note); `reachesDeprecated`
 * (the definitions from which a deprecated field can be reached, sorted).
 */
export function generateSchema(minor: Minor = '1.27'): { document: JsonObject; openObjects: string[] } {
  const { definitions: base, openObjects } = generateBase();
  const decls = new Map(SUPPORTED_MINORS.map((m) => [m, readDeclarations(m)] as const));
  const decl = decls.get(minor)!;
  const decl27 = decls.get('1.27')!;
  const kinds: JsonObject = {};
  const definitions: JsonObject = {};
  const queue: string[] = [];
  for (const { apiVersion, kind, definition } of KINDS) {
    if (!decl.served.has(`${apiVersion} ${kind}`)) continue;
    const byKind = (kinds[apiVersion] ??= {}) as JsonObject;
    byKind[kind] = definition;
    queue.push(definition);
  }
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (name in definitions) continue;
    definitions[name] = deriveDefinition(name, base, decl, decl27);
    const refs = new Set<string>();
    refsOf(definitions[name], refs);
    queue.push(...[...refs].sort());
  }
  applyHandEnumsWhereMissing(definitions);
  const deprecatedFields: JsonObject = {};
  for (const name of Object.keys(definitions).sort()) {
    for (const [field, f] of decl.definitions.get(name)?.fields ?? []) {
      const note = DEPRECATED_NOTE.exec(f.doc.replace(/\s+/g, ' '));
      if (note === null) continue;
      const byField = (deprecatedFields[name] ??= {}) as JsonObject;
      byField[field] = `${note[1]} ${note[2]}`.trim().slice(0, 200);
    }
  }
  const fingerprints: JsonObject = {};
  for (const byKind of Object.values(kinds)) {
    for (const definition of Object.values(byKind as JsonObject)) fingerprints[definition as string] = fingerprint(definition as string, definitions);
  }
  // The definitions from which a deprecated field can be reached: those with one of their own,
  // then, until nothing changes, those that reference one of them (cycles are fine). Computed
  // here so that synth does not walk every definition of every minor to find them.
  const refs = new Map(Object.keys(definitions).map((name) => {
    const out = new Set<string>();
    refsOf(definitions[name], out);
    return [name, out] as const;
  }));
  const reaching = new Set(Object.keys(deprecatedFields));
  for (let grew = true; grew;) {
    grew = false;
    for (const [name, targets] of refs) {
      if (!reaching.has(name) && [...targets].some((t) => reaching.has(t))) {
        reaching.add(name);
        grew = true;
      }
    }
  }
  const source = MINOR_SOURCES[minor];
  const document: JsonObject = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $comment:
      `Kubernetes ${minor} schemas for the kinds prodpath emits, strict (additionalProperties: false). ` +
      `GENERATED by scripts/gen-k8s-schema.ts from ${SOURCE_PACKAGE}@${SOURCE_VERSION} (the ${KUBERNETES_VERSION} base) and ` +
      `${source.package}@${source.version} (what ${minor} serves and declares); do not edit by hand.`,
    kubernetes: minor,
    definitions,
    kinds,
    fingerprints,
    apiChanges: apiChanges(minor, decls),
    deprecatedFields,
    reachesDeprecated: [...reaching].sort(),
  };
  return { document: sortKeys(document) as JsonObject, openObjects };
}

/** The exact text of a minor's schema file. */
export function renderSchema(minor: Minor = '1.27'): string {
  return `${JSON.stringify(generateSchema(minor).document, null, 2)}\n`;
}

// --- custom resources: the published CRDs in scripts/crds/ -------------------------------------

/** Where the generated schema of the custom resources lives. */
export const CRD_SCHEMA_FILE = path.join(__dirname, '..', 'lib', 'policy', 'schema', 'crds.schema.json');
const CRD_DIR = path.join(__dirname, 'crds');
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/** The custom resources prodpath emits, and the CRD file that defines each. */
export const CRD_KINDS: ReadonlyArray<{ readonly apiVersion: string; readonly kind: string; readonly file: string }> = [
  { apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', file: 'external-secrets.io_externalsecrets.yaml' },
  { apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', file: 'bitnami.com_sealedsecrets.yaml' },
];

/** Keywords of a CRD's structural schema that only document or drive the API server, not validity. */
const CRD_DROPPED = new Set(['description', 'default', 'x-kubernetes-map-type', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-validations', 'example']);
const CRD_KEPT = new Set(['type', 'format', 'enum', 'required', 'pattern', 'maxLength', 'minLength', 'maxItems', 'minItems', 'maxProperties', 'minProperties', 'maximum', 'minimum']);

/** A CRD's openAPIV3Schema in strict draft-07 form: objects with named fields are closed unless the CRD preserves unknown fields. */
function transformCrd(schema: JsonObject, where: string): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (CRD_DROPPED.has(key) || key === 'nullable' || key === 'x-kubernetes-preserve-unknown-fields' || key === 'x-kubernetes-int-or-string') continue;
    if (CRD_KEPT.has(key)) out[key] = value;
    else if (key === 'properties' && isObject(value)) {
      out.properties = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, transformCrd(sub as JsonObject, `${where}.${name}`)]));
    } else if ((key === 'items' || key === 'additionalProperties') && isObject(value)) out[key] = transformCrd(value, `${where}[${key}]`);
    else if (key === 'additionalProperties' && typeof value === 'boolean') out[key] = value;
    else throw new Error(`${where}: unexpected CRD schema keyword ${key}`);
  }
  if (schema['x-kubernetes-int-or-string'] === true) out.type = ['integer', 'string'];
  if (schema.nullable === true && typeof out.type === 'string') {
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
  }
  if (out.type === 'object' && out.properties !== undefined && out.additionalProperties === undefined && schema['x-kubernetes-preserve-unknown-fields'] !== true) {
    out.additionalProperties = false;
  }
  return out;
}

/**
 * The schema document of the custom resources: `definitions` (each kind's served version, with
 * `metadata` as the 1.27 ObjectMeta), `kinds`, `fingerprints` and `sources` (where each CRD came from).
 */
export function generateCrdSchema(): JsonObject {
  const { definitions: base } = generateBase();
  const { parse } = require('yaml') as typeof import('yaml');
  const definitions: JsonObject = {};
  const kinds: JsonObject = {};
  const sources: JsonObject = {};
  const queue = [OBJECT_META];
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (name in definitions) continue;
    definitions[name] = base[name];
    const refs = new Set<string>();
    refsOf(base[name], refs);
    queue.push(...[...refs].sort());
  }
  for (const { apiVersion, kind, file } of CRD_KINDS) {
    const crd = parse(fs.readFileSync(path.join(CRD_DIR, file), 'utf8')) as any;
    const [group, version] = apiVersion.split('/');
    if (crd?.spec?.group !== group || crd?.spec?.names?.kind !== kind) throw new Error(`${file} does not define ${apiVersion} ${kind}`);
    const served = (crd.spec.versions as any[]).find((v) => v.name === version && v.served === true);
    if (served === undefined) throw new Error(`${file} does not serve ${apiVersion}`);
    const schema = transformCrd(served.schema.openAPIV3Schema as JsonObject, `${apiVersion} ${kind}`);
    (schema.properties as JsonObject).metadata = { $ref: `#/definitions/${OBJECT_META}` };
    const definition = `crd.${group}.${version}.${kind}`;
    definitions[definition] = schema;
    ((kinds[apiVersion] ??= {}) as JsonObject)[kind] = definition;
    sources[definition] = `scripts/crds/${file} (see scripts/crds/README.md)`;
  }
  const fingerprints: JsonObject = {};
  for (const { apiVersion, kind } of CRD_KINDS) {
    const definition = ((kinds[apiVersion] as JsonObject)[kind]) as string;
    fingerprints[definition] = fingerprint(definition, definitions);
  }
  return sortKeys({
    $schema: 'http://json-schema.org/draft-07/schema#',
    $comment: 'Strict schemas of the custom resources prodpath emits, from their published CRDs. GENERATED by scripts/gen-k8s-schema.ts; do not edit by hand.',
    definitions,
    kinds,
    fingerprints,
    sources,
  }) as JsonObject;
}

/** The exact text of the custom resources' schema file. */
export function renderCrdSchema(): string {
  return `${JSON.stringify(generateCrdSchema(), null, 2)}\n`;
}

function main(argv: readonly string[]): number {
  let failed = 0;
  for (const minor of SUPPORTED_MINORS) {
    const started = process.hrtime.bigint();
    const { document, openObjects } = generateSchema(minor);
    const text = `${JSON.stringify(document, null, 2)}\n`;
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const file = schemaFile(minor);
    const rel = path.relative(process.cwd(), file);
    const definitions = Object.keys(document.definitions as JsonObject).length;
    if (argv.includes('--check')) {
      const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
      if (current !== text) {
        process.stderr.write(`${rel} is out of date: run npm run gen:schema\n`);
        failed += 1;
      } else {
        process.stdout.write(`${rel} is up to date (${definitions} definitions)\n`);
      }
      continue;
    }
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    process.stdout.write(
      `wrote ${rel}: ${definitions} definitions, ${Buffer.byteLength(text)} bytes, generated in ${ms.toFixed(0)} ms\n` +
        (argv.includes('--verbose') ? `open (free-form) objects:\n  ${openObjects.join('\n  ')}\n` : ''),
    );
  }
  const crdText = renderCrdSchema();
  const crdRel = path.relative(process.cwd(), CRD_SCHEMA_FILE);
  if (argv.includes('--check')) {
    if ((fs.existsSync(CRD_SCHEMA_FILE) ? fs.readFileSync(CRD_SCHEMA_FILE, 'utf8') : '') !== crdText) {
      process.stderr.write(`${crdRel} is out of date: run npm run gen:schema\n`);
      failed += 1;
    } else {
      process.stdout.write(`${crdRel} is up to date\n`);
    }
  } else {
    fs.writeFileSync(CRD_SCHEMA_FILE, crdText);
    process.stdout.write(`wrote ${crdRel}: ${Buffer.byteLength(crdText)} bytes\n`);
  }
  return failed === 0 ? 0 : 1;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
