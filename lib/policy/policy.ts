import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { DOCKERFILE_RULES } from './dockerfile-rules';
import { ValidationError } from './errors';
import { isWrittenReason } from './names';
import { CREDENTIAL_FILES_RULE, DIGEST_RULE } from './image-rules';
import { MANIFEST_RULES } from './manifest-rules';
import { EXEMPTION_PREFIX, PolicyRule } from './rules';

const exemptions = new WeakMap<IConstruct, Map<string, string>>();

/**
 * The policy prodpath applies at synth and in `prodpath check`, and the per-construct
 * way out of a rule.
 */
export class Policy {
  /** Every rule, manifests and images first, then Dockerfiles; sorted by id within each. */
  public static rules(): PolicyRule[] {
    const byId = (a: PolicyRule, b: PolicyRule) => (a.id < b.id ? -1 : 1);
    return [...[...Object.values(MANIFEST_RULES), DIGEST_RULE, CREDENTIAL_FILES_RULE].sort(byId), ...Object.values(DOCKERFILE_RULES).sort(byId)];
  }

  /**
   * Exempts every Kubernetes object under `scope` from one rule. The reason is required and
   * recorded on each object as the annotation `exempt.policy.prodpath.dev/<rule>: <reason>`,
   * so reviewers see it in the manifests and `prodpath check` honours it too.
   *
   * @example
   * Policy.exempt(legacyApi, 'read-only-root-filesystem', 'writes its cache to /app/cache until #42 moves it to /tmp');
   */
  public static exempt(scope: IConstruct, ruleId: string, reason: string): void {
    const rule = Policy.rules().find((r) => r.id === ruleId);
    if (!rule) {
      throw new ValidationError(scope, {
        field: 'rule',
        value: ruleId,
        rule: 'the rule to exempt from must be one of prodpath\'s rule ids',
        fix: `use one of ${Object.values(MANIFEST_RULES).map((r) => r.id).filter((id) => id !== 'schema-valid').slice(0, 4).join(', ')}, ... (see Policy.rules())`,
      });
    }
    if ((rule as PolicyRule).exemptible === false || ruleId.startsWith('dockerfile') || ruleId.startsWith('dockerignore')) {
      throw new ValidationError(scope, {
        field: 'rule',
        value: ruleId,
        rule: 'this rule cannot be exempted per object (schema validity and generated Dockerfiles are not negotiable)',
        fix: 'fix the object or the recipe instead',
      });
    }
    if (!isWrittenReason(reason)) {
      throw new ValidationError(scope, {
        field: 'reason',
        value: reason,
        rule: 'an exemption needs a written reason of at least 10 characters, recorded on the objects for reviewers',
        fix: 'say why the rule does not apply, such as "legacy app writes to /app/cache until ticket 42"',
      });
    }
    const map = exemptions.get(scope) ?? new Map<string, string>();
    map.set(ruleId, reason.trim());
    exemptions.set(scope, map);
  }

  /** Writes the exemptions recorded under `root` as annotations on the objects they cover. */
  public static applyExemptions(root: IConstruct): void {
    applyExemptionsTo(root.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject));
  }

  private constructor() {}
}

/**
 * The exemptions that cover `scope`: those recorded on it and on every scope above it, by
 * rule id (the closest scope's reason wins). Internal: images record them in image.json.
 */
export function exemptionsFor(scope: IConstruct): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of scope.node.scopes) {
    for (const [ruleId, reason] of exemptions.get(s) ?? []) {
      out[ruleId] = reason;
    }
  }
  return out;
}

/**
 * {@link Policy.applyExemptions} for objects the caller has already found (App.render walks the
 * construct tree once for everything it needs).
 * @internal
 */
export function applyExemptionsTo(objects: readonly ApiObject[]): void {
  for (const obj of objects) {
    for (const scope of obj.node.scopes) {
      for (const [ruleId, reason] of exemptions.get(scope) ?? []) {
        obj.metadata.addAnnotation(`${EXEMPTION_PREFIX}${ruleId}`, reason);
      }
    }
  }
}
