/**
 * Proves, where it can, that one schema accepts everything another accepts: `A ⊆ B`, so an object
 * valid under A is valid under B without running B's validator. gen-validators.ts uses it to
 * record, per kind, which minors' schemas take in an older (or newer) minor's: a Deployment that
 * passes 1.27's schema then passes the later minors' too, as long as none of them removed or
 * narrowed a field the object could hold.
 *
 * Only the keywords the Kubernetes schema files use are understood: `type`, `enum`, `format`,
 * `pattern`, `properties`, `additionalProperties`, `required`, `items`, `$ref` (and `description`,
 * which constrains nothing). A keyword of B outside that list makes the answer "not proven"; one of
 * A may be ignored, since ignoring a constraint of A only makes A larger. So the answer errs one
 * way only: `true` is a proof, `false` means "validate".
 *
 * References: a pair of definitions is assumed to hold while it is being checked, and every
 * pair's answer is then settled as the greatest fixed point (a pair that turns out false makes
 * every pair that relied on it false, until nothing changes). For finite JSON values that is
 * sound: by induction on the depth of a value, each A-valid value is B-valid.
 */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = { readonly [key: string]: Json };

/** The keywords of B this check understands; any other keyword of B makes it answer false. */
const UNDERSTOOD = new Set(['type', 'enum', 'format', 'pattern', 'properties', 'additionalProperties', 'required', 'items', '$ref', 'description']);

function isSchema(value: Json | undefined): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typesOf(schema: Schema): Set<string> | undefined {
  const type = schema.type;
  if (type === undefined) return undefined;
  return new Set(Array.isArray(type) ? type.map(String) : [String(type)]);
}

/** Whether the schema constrains nothing (every value is valid). */
function isEmpty(schema: Schema): boolean {
  return Object.keys(schema).every((k) => k === 'description');
}

/**
 * The pairs of definitions (`<a>\u0000<b>`) whose `a ⊆ b` holds, among those reachable from the
 * asked pairs; definitions are those of one document, referenced as `#/definitions/<name>`.
 */
export class SubsetProver {
  /** Each pair met: whether it still holds, and the pairs it relies on. */
  private readonly pairs = new Map<string, { ok: boolean; readonly needs: Set<string> }>();
  private readonly queue: string[] = [];
  private settled = true;

  constructor(private readonly definitions: Readonly<Record<string, Json>>) {}

  /** Whether every value `definitions[a]` accepts is accepted by `definitions[b]` (false: not proven). */
  proves(a: string, b: string): boolean {
    const key = this.pair(a, b);
    this.settle();
    return this.pairs.get(key)!.ok;
  }

  private pair(a: string, b: string): string {
    const key = `${a}\u0000${b}`;
    if (!this.pairs.has(key)) {
      this.pairs.set(key, { ok: true, needs: new Set() });
      this.queue.push(key);
      this.settled = false;
    }
    return key;
  }

  private definition(ref: Json): Schema | undefined {
    if (typeof ref !== 'string' || !ref.startsWith('#/definitions/')) return undefined;
    const target = this.definitions[ref.slice('#/definitions/'.length)];
    return isSchema(target) ? target : undefined;
  }

  /** Checks every pair met, then makes false each pair that relies on a false one, until stable. */
  private settle(): void {
    if (this.settled) return;
    while (this.queue.length > 0) {
      const key = this.queue.pop()!;
      const entry = this.pairs.get(key)!;
      const [a, b] = key.split('\u0000');
      const needs = new Set<string>();
      entry.ok = this.subset(this.definitions[a], this.definitions[b], needs);
      needs.forEach((n) => entry.needs.add(n));
    }
    for (let changed = true; changed;) {
      changed = false;
      for (const entry of this.pairs.values()) {
        if (entry.ok && [...entry.needs].some((n) => !this.pairs.get(n)!.ok)) {
          entry.ok = false;
          changed = true;
        }
      }
    }
    this.settled = true;
  }

  /** `a ⊆ b` for two schemas, relying on the definition pairs it adds to `needs`. */
  private subset(a: Json | undefined, b: Json | undefined, needs: Set<string>): boolean {
    if (a === false) return true; // A accepts nothing
    if (!isSchema(b)) return b === true || b === undefined;
    if (!isSchema(a)) return a === true && isEmpty(b);
    if (typeof a.$ref === 'string' && typeof b.$ref === 'string') {
      if (Object.keys(a).length !== 1 || Object.keys(b).length !== 1) return false;
      if (this.definition(a.$ref) === undefined || this.definition(b.$ref) === undefined) return false;
      needs.add(this.pair(a.$ref.slice('#/definitions/'.length), b.$ref.slice('#/definitions/'.length)));
      return true;
    }
    if (b.$ref !== undefined) {
      // An inline A against a referenced B: A is finite, so resolving B cannot loop.
      const target = Object.keys(b).length === 1 ? this.definition(b.$ref) : undefined;
      return target !== undefined && this.subset(a, target, needs);
    }
    if (a.$ref !== undefined) {
      const target = Object.keys(a).length === 1 ? this.definition(a.$ref) : undefined;
      return target !== undefined && this.subset(target, b, needs);
    }
    if (!Object.keys(b).every((k) => UNDERSTOOD.has(k))) return false;

    // type: every type A allows, B allows (an integer is a number).
    const typesB = typesOf(b);
    if (typesB !== undefined) {
      const typesA = typesOf(a);
      if (typesA === undefined) return false;
      for (const t of typesA) if (!typesB.has(t) && !(t === 'integer' && typesB.has('number'))) return false;
    }
    // enum: A's values are among B's.
    if (b.enum !== undefined) {
      if (!Array.isArray(b.enum) || !Array.isArray(a.enum)) return false;
      const inB = new Set(b.enum.map((v) => JSON.stringify(v)));
      if (!a.enum.every((v) => inB.has(JSON.stringify(v)))) return false;
    }
    // format and pattern: B's is A's, or B has none.
    if (b.format !== undefined && b.format !== a.format) return false;
    if (b.pattern !== undefined && b.pattern !== a.pattern) return false;
    // required: what B requires, A requires.
    if (b.required !== undefined) {
      if (!Array.isArray(b.required)) return false;
      const inA = new Set(Array.isArray(a.required) ? a.required : []);
      if (!b.required.every((r) => inA.has(r))) return false;
    }
    // items: every item A allows, B allows.
    if (b.items !== undefined && !this.subset(a.items ?? {}, b.items, needs)) return false;
    // Properties: for each name, the values A allows there are allowed by B there.
    if (b.properties !== undefined || b.additionalProperties !== undefined) {
      const propsA = isSchema(a.properties) ? a.properties : {};
      const propsB = isSchema(b.properties) ? b.properties : {};
      if (b.properties !== undefined && !isSchema(b.properties)) return false;
      // A's other names take a.additionalProperties (any value when absent, none when false).
      const restA: Json = a.additionalProperties === undefined ? {} : a.additionalProperties;
      const restB: Json = b.additionalProperties === undefined ? {} : b.additionalProperties;
      for (const name of new Set([...Object.keys(propsA), ...Object.keys(propsB)])) {
        const inA = Object.prototype.hasOwnProperty.call(propsA, name) ? propsA[name] : restA;
        const inB = Object.prototype.hasOwnProperty.call(propsB, name) ? propsB[name] : restB;
        if (!this.subset(inA, inB, needs)) return false;
      }
      // The names neither lists: A's rest within B's rest.
      if (!this.subset(restA, restB, needs)) return false;
    }
    return true;
  }
}
