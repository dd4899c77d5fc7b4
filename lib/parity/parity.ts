import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { Environment } from '../environments/environment';
import { describeObject, diffManifests, FieldChange, ManifestObject, ObjectDiff, pointerSegments } from '../diff/semantic-diff';
import { maskValue } from '../diff/mask';
import { escapePointer } from '../policy/json-pointer';
import { describe, ValidationError } from '../policy/errors';
import { isWrittenReason } from '../policy/names';
import { Finding, PolicyRule } from '../policy/rules';
import { DECLARED_DIFFERENCES, declaredBy, DeclaredDifference, matchPointer } from './declared';

/** The rule behind parity findings. */
export const PARITY_RULE: PolicyRule = {
  id: 'environment-parity',
  rationale: 'every environment runs the same application, so what was validated in one holds in the next; they differ only where the source declares it',
  source: 'prodpath (one source, every environment); the twelve-factor app, dev/prod parity',
  exemptible: false,
};

/**
 * The annotation that records the differences declared with {@link Parity.allowDifference}: a JSON
 * object from JSON pointer to reason, keys sorted, on each object the declaration covers.
 */
export const PARITY_ANNOTATION = 'parity.prodpath.dev/declared-differences';

/** One environment's objects, in promotion order, for {@link Parity.check}. */
export interface ParityEnvironment {
  /** The environment's name. */
  readonly name: string;
  /** Its objects. */
  readonly objects: readonly ManifestObject[];
  /** The construct that renders each object, keyed by `kind|name`, for messages. @default - none */
  readonly owners?: ReadonlyMap<string, string>;
  /** The environment's construct path, for messages. @default - none */
  readonly constructPath?: string;
}

/** What a pipeline gives the parity check (a `Pipeline` is one). */
export interface ParitySubject extends IConstruct {
  readonly environments: readonly Environment[];
}

const declarations = new WeakMap<IConstruct, Map<string, string>>();

/**
 * Environment parity: the environments of a pipeline run the same workloads, kinds, images,
 * ports and commands, and differ only in the fields the source declares per environment
 * ({@link Parity.declaredDifferences}). The check runs at every synth, comparing each
 * environment with the one before it (dev with staging, staging with prod, ...).
 */
export class Parity {
  /** The kinds of difference accepted between environments without a declaration. */
  public static declaredDifferences(): readonly DeclaredDifference[] {
    return DECLARED_DIFFERENCES;
  }

  /**
   * Declares that a field of the objects under `scope` differs between environments on
   * purpose. The reason is required and recorded on each object that has the field (or, for
   * an added field, its parent) as the annotation `parity.prodpath.dev/declared-differences`.
   * Call it inside `pipeline.define`, so every environment's manifests record it.
   *
   * @param pointer a JSON pointer into the objects, covering the field and everything below it;
   *   `*` stands for one segment; `''` covers whole objects, which may then exist in some
   *   environments only
   * @example
   * const mailer = new Worker(env, 'mailer', { image, command: env.is('dev') ? ['node', 'mailer.js', '--dry-run'] : ['node', 'mailer.js'] });
   * Parity.allowDifference(mailer, '/spec/template/spec/containers/0/command', 'dev sends no mail: it prints it');
   */
  public static allowDifference(scope: IConstruct, pointer: string, reason: string): void {
    if (!scope.node.scopes.some((s) => Environment.isEnvironment(s))) {
      throw new ValidationError(scope, {
        field: 'scope',
        value: scope.node.path,
        rule: 'a parity declaration covers objects of an environment, and this construct is not inside one',
        fix: 'call Parity.allowDifference(workload, ...) inside pipeline.define((env) => ...) on a workload of env',
      });
    }
    if (typeof pointer !== 'string' || (pointer !== '' && !/^(\/([^/~]|~[01])+)+$/.test(pointer))) {
      throw new ValidationError(scope, {
        field: 'pointer',
        value: pointer,
        rule: 'must be a JSON pointer: "" for whole objects, or "/" followed by non-empty segments ("~1" for "/", "~0" for "~", "*" for any one segment)',
        fix: 'use a pointer such as "/spec/template/spec/containers/0/command"',
      });
    }
    if (!isWrittenReason(reason)) {
      throw new ValidationError(scope, {
        field: 'reason',
        value: reason,
        rule: 'a declared difference needs a written reason of at least 10 characters, recorded on the objects for reviewers',
        fix: 'say why the environments differ, such as "dev sends no mail: it prints it"',
      });
    }
    const map = declarations.get(scope) ?? new Map<string, string>();
    map.set(pointer, reason.trim());
    declarations.set(scope, map);
  }

  /**
   * Compares each environment with the one before it and reports every difference that is
   * neither declared by the source ({@link Parity.declaredDifferences}) nor recorded on the objects
   * with {@link Parity.allowDifference}. Reads only the objects (declarations are annotations), so it
   * works on synthesized output too.
   * @internal synth runs it for every pipeline; `prodpath diff` shows the differences.
   */
  public static check(environments: readonly ParityEnvironment[]): Finding[] {
    const findings: Finding[] = [];
    for (let i = 1; i < environments.length; i += 1) {
      const a = environments[i - 1];
      const b = environments[i];
      for (const d of diffManifests(a.objects, b.objects).objects) {
        findings.push(...objectFindings(a, b, d));
      }
    }
    return findings;
  }

  private constructor() {}
}

/**
 * Records the declarations under a pipeline on its objects, then checks parity across its
 * environments. Run by `App.render()` before the manifests are rendered.
 * @returns the findings (errors), empty with fewer than two environments
 */
export function checkPipelineParity(pipeline: ParitySubject, rendered?: (env: ParitySubject['environments'][number]) => readonly unknown[]): Finding[] {
  recordDeclarations(pipeline);
  if (pipeline.environments.length < 2) {
    return [];
  }
  return Parity.check(pipeline.environments.map((env) => {
    const owners = new Map<string, string>();
    for (const obj of apiObjectsUnder(env)) {
      owners.set(`${obj.kind}|${obj.name}`, (obj.node.scope ?? obj).node.path);
    }
    const objects = rendered ? rendered(env) : env.toJson();
    return { name: env.name, objects: objects.map((object) => ({ object })), owners, constructPath: env.node.path };
  }));
}

/**
 * Writes the `Parity.allowDifference` declarations under `root` as annotations on the objects
 * they cover. `App` calls it before rendering, then passes the rendered manifests to
 * {@link checkPipelineParity}, so each environment is rendered once.
 */
export function recordParityDeclarations(root: IConstruct): void {
  recordDeclarations(root);
}

function apiObjectsUnder(root: IConstruct): ApiObject[] {
  return root.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);
}

/**
 * Writes each declaration as an annotation on the objects under its scope that have the field
 * (or its parent). A declaration that covers no object in any environment is an error: its
 * pointer is most likely misspelt.
 */
function recordDeclarations(root: IConstruct): void {
  const unmatched = new Map<string, IConstruct>();
  const matched = new Set<string>();
  for (const obj of apiObjectsUnder(root)) {
    const own = new Map<string, string>();
    let json: unknown;
    for (const scope of obj.node.scopes) {
      for (const [pointer, reason] of declarations.get(scope) ?? []) {
        if (!unmatched.has(pointer)) {
          unmatched.set(pointer, scope);
        }
        json ??= obj.toJson();
        if (pointer === '' || hasParent(json, pointer)) {
          own.set(pointer, reason);
          matched.add(pointer);
        }
      }
    }
    if (own.size > 0) {
      obj.metadata.addAnnotation(PARITY_ANNOTATION, JSON.stringify(Object.fromEntries([...own].sort(([x], [y]) => (x < y ? -1 : 1)))));
    }
  }
  for (const [pointer, scope] of unmatched) {
    if (!matched.has(pointer)) {
      throw new ValidationError(scope, {
        field: 'Parity.allowDifference pointer',
        value: pointer,
        rule: 'no object under this construct has that field or its parent, in any environment, so the declaration covers nothing',
        fix: 'check the pointer against the synthesized manifests (`prodpath diff <envA> <envB>` prints the pointers that differ)',
      });
    }
  }
}

/** Whether the parent of `pointer` (with `*` for any segment) exists in `json`. */
function hasParent(json: unknown, pointer: string): boolean {
  const segments = pointerSegments(pointer).slice(0, -1);
  const walk = (v: unknown, i: number): boolean => {
    if (i === segments.length) {
      return v !== undefined && v !== null;
    }
    if (typeof v !== 'object' || v === null) {
      return false;
    }
    const children = segments[i] === '*' ? Object.values(v) : [(v as Record<string, unknown>)[segments[i]]];
    return children.some((c) => walk(c, i + 1));
  };
  return walk(json, 0);
}

/** The declarations recorded on an object (an annotation that does not parse records none). */
function parseDeclarations(text: unknown): Map<string, string> {
  if (typeof text !== 'string') {
    return new Map();
  }
  try {
    const parsed = JSON.parse(text);
    return new Map(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return new Map();
  }
}

function declaredOn(o: ManifestObject | undefined): Map<string, string> {
  return parseDeclarations(o?.object?.metadata?.annotations?.[PARITY_ANNOTATION]);
}

/** Whether a declaration recorded on either object covers the pointer. */
function allowed(d: ObjectDiff, pointer: string): boolean {
  return [declaredOn(d.from), declaredOn(d.to)].some((m) => [...m.keys()].some((p) => matchPointer(p, pointer) !== undefined));
}

function objectFindings(a: ParityEnvironment, b: ParityEnvironment, d: ObjectDiff): Finding[] {
  const present = (d.to ?? d.from)!;
  const env = d.to ? b : a;
  const { kind, name, namespace } = describeObject(present);
  // What every finding of the object shares, built once, for the few objects that have one.
  let parts: { base: Omit<Finding, 'message' | 'fix'>; target: string } | undefined;
  const shared = () => {
    if (parts !== undefined) {
      return parts;
    }
    const ref = { apiVersion: present.object?.apiVersion, kind, name, ...(namespace !== undefined ? { namespace } : {}) };
    const owner = env.owners?.get(`${kind}|${name}`);
    const target = declarationTarget(kind, name, owner, env.constructPath);
    const base = { rule: PARITY_RULE, severity: 'error' as const, object: ref, ...(owner !== undefined ? { constructPath: owner } : {}) };
    parts = { base, target };
    return parts;
  };
  if (d.status !== 'changed') {
    const declared = DECLARED_DIFFERENCES.some((x) => x.mayBeAbsent && (x.kinds === '*' || x.kinds.includes(kind)));
    if (declared || allowed(d, '')) {
      return [];
    }
    const { base, target } = shared();
    const [has, lacks] = d.status === 'added' ? [b.name, a.name] : [a.name, b.name];
    return [{
      ...base,
      message: `${kind} ${name} exists in environment "${has}" but not in environment "${lacks}", and no setting declares it per environment`,
      fix: `create it in every environment, or declare it inside pipeline.define: Parity.allowDifference(${target}, '', '<why only some environments have it>')`,
    }];
  }
  const out: Finding[] = [];
  for (const c of d.changes.flatMap(leaves)) {
    if (c.derivedFrom !== undefined || declaredBy(kind, c, d.from?.object, d.to?.object) !== undefined || allowed(d, c.pointer)) {
      continue;
    }
    const { base, target } = shared();
    out.push({
      ...base,
      where: c.pointer,
      message: `environments "${a.name}" and "${b.name}" differ here: ${side(a.name, kind, c, 'from', d)}, ${side(b.name, kind, c, 'to', d)}; `
        + 'only replicas, autoscaling, disruption budgets, spread, resources, Ingress hosts and TLS, config values, storage, secret sources and the namespace may differ by default',
      fix: `give it the same value in every environment, ${/\/containers\/\d+\/(command|args|env)(\/|$)/.test(c.pointer) ? 'pass the per-environment value through config (config values may differ), ' : ''}`
        + `or declare the difference inside pipeline.define: Parity.allowDifference(${target}, '${c.pointer}', '<why it differs>')`,
    });
  }
  return out;
}

/**
 * A field that exists in one environment only and holds an object is judged field by field:
 * `metadata.annotations` present only in production, holding only a policy exemption, is that
 * exemption (a recorded decision), not an undeclared difference.
 */
function leaves(c: FieldChange): FieldChange[] {
  const value = c.op === 'added' ? c.to : c.op === 'removed' ? c.from : undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.keys(value).length === 0) {
    return [c];
  }
  return Object.entries(value).flatMap(([k, v]) => leaves({
    pointer: `${c.pointer}/${escapePointer(k)}`,
    op: c.op,
    ...(c.op === 'added' ? { to: v } : { from: v }),
  }));
}

function side(envName: string, kind: string, c: FieldChange, which: 'from' | 'to', d: ObjectDiff): string {
  const value = c[which];
  if (value === undefined) {
    return `${envName} does not set it`;
  }
  return `${envName} has ${describe(maskValue(kind, c.pointer, value, d[which]?.object))}`;
}

/**
 * How the fix names the construct to declare on: the construct the user made inside `define`
 * (the first one below the environment), by its id, with its path.
 */
function declarationTarget(kind: string, name: string, owner: string | undefined, envPath: string | undefined): string {
  if (owner === undefined || envPath === undefined || !owner.startsWith(`${envPath}/`)) {
    return owner === undefined ? `<the construct that renders ${kind} ${name}>` : `<the construct ${owner}>`;
  }
  const id = owner.slice(envPath.length + 1).split('/')[0];
  return `${/^[A-Za-z_$][\w$]*$/.test(id) ? id : 'workload'} /* ${envPath}/${id} */`;
}
