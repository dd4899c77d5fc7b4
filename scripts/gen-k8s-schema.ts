/**
 * Generates `lib/policy/schema/k8s-1.27.schema.json`: a strict JSON schema (draft-07) for the
 * Kubernetes 1.27 kinds prodpath emits, used offline by `lib/policy/schema/validate.ts` with
 * kubeconform `-strict` semantics (unknown fields are rejected).
 *
 * Source of truth: the `kubernetes-models` package, pinned to 4.3.1 in devDependencies. Its
 * `_schemas/*.js` files hold the JSON schemas its authors generated from the official Kubernetes
 * 1.27 OpenAPI document (types, required fields, formats and the `+enum` values of the API).
 * Later 4.4.x releases ship precompiled validators instead of schemas, and 4.5+ follow newer
 * Kubernetes releases: do not bump it without re-checking both.
 *
 * What this script changes on the way:
 *  - every object type with named properties gets `additionalProperties: false` (maps such as
 *    labels, annotations, ConfigMap data keep their value schema and stay open);
 *  - OpenAPI `nullable` becomes a JSON-schema type union with "null" (as kubeconform's schemas do);
 *    `oneOf [$ref, null]` wrappers become a plain `$ref`;
 *  - `Quantity` follows the exact apimachinery grammar (see QUANTITY_PATTERN) and also accepts
 *    numbers; `IntOrString` accepts an integer or a string;
 *  - enums the OpenAPI document leaves as plain strings are added from HAND_ENUMS below.
 *
 * Run: `npx tsx scripts/gen-k8s-schema.ts` (writes the file; `--check` only compares).
 * Output is deterministic: keys sorted, arrays in source order, two-space indentation.
 */
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Where the generated schema lives (committed; shipped inside the package). */
export const SCHEMA_FILE = path.join(__dirname, '..', 'lib', 'policy', 'schema', 'k8s-1.27.schema.json');

/** The pinned source package and the Kubernetes release its schemas describe. */
const SOURCE_PACKAGE = 'kubernetes-models';
const SOURCE_VERSION = '4.3.1';
const KUBERNETES_VERSION = '1.27';

/** The kinds we emit or will emit, keyed by apiVersion + kind, with their OpenAPI definition names. */
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

type Json = null | boolean | number | string | Json[] | JsonObject;
interface JsonObject {
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
      const mod = req(path.join(path.dirname(packageJson), '_schemas', `${file}.js`)) as { addSchema: () => void };
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

/** The schema document: `definitions` plus `kinds` (apiVersion -> kind -> definition name). */
export function generateSchema(): { document: JsonObject; openObjects: string[] } {
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
  const kinds: JsonObject = {};
  for (const { apiVersion, kind, definition } of KINDS) {
    const byKind = (kinds[apiVersion] ??= {}) as JsonObject;
    byKind[kind] = definition;
  }
  const document: JsonObject = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $comment:
      `Kubernetes ${KUBERNETES_VERSION} schemas for the kinds prodpath emits, strict (additionalProperties: false). ` +
      `GENERATED by scripts/gen-k8s-schema.ts from ${SOURCE_PACKAGE}@${SOURCE_VERSION}; do not edit by hand. ` +
      '`kinds` maps apiVersion -> kind -> the name of its entry in `definitions`.',
    definitions,
    kinds,
  };
  return { document: sortKeys(document) as JsonObject, openObjects: openObjects.sort() };
}

/** The exact text of the schema file. */
export function renderSchema(): string {
  return `${JSON.stringify(generateSchema().document, null, 2)}\n`;
}

function main(argv: readonly string[]): number {
  const started = process.hrtime.bigint();
  const { document, openObjects } = generateSchema();
  const text = `${JSON.stringify(document, null, 2)}\n`;
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const rel = path.relative(process.cwd(), SCHEMA_FILE);
  const definitions = Object.keys(document.definitions as JsonObject).length;
  if (argv.includes('--check')) {
    const current = fs.existsSync(SCHEMA_FILE) ? fs.readFileSync(SCHEMA_FILE, 'utf8') : '';
    if (current !== text) {
      process.stderr.write(`${rel} is out of date: run npx tsx scripts/gen-k8s-schema.ts\n`);
      return 1;
    }
    process.stdout.write(`${rel} is up to date (${definitions} definitions)\n`);
    return 0;
  }
  fs.mkdirSync(path.dirname(SCHEMA_FILE), { recursive: true });
  fs.writeFileSync(SCHEMA_FILE, text);
  process.stdout.write(
    `wrote ${rel}: ${definitions} definitions, ${Buffer.byteLength(text)} bytes, generated in ${ms.toFixed(0)} ms\n` +
      (argv.includes('--verbose') ? `open (free-form) objects:\n  ${openObjects.join('\n  ')}\n` : ''),
  );
  return 0;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
