/**
 * The policy model: rules with an id, a one-line rationale and a severity, findings they
 * report, and the annotation that records a per-object exemption with its reason.
 */

/** How bad a finding is: an error stops the synth; a warning is printed once. */
export type Severity = 'error' | 'warning';

/** One rule of the policy. */
export interface PolicyRule {
  /** Stable kebab-case id, used in messages and exemption annotations. */
  readonly id: string;
  /** Why the rule exists, in one line. */
  readonly rationale: string;
  /** Where the rule comes from (Pod Security Standards, kube-score, hadolint, ...). */
  readonly source: string;
  /** Whether it applies only to environments marked production. */
  readonly productionOnly?: boolean;
  /** Whether its findings are warnings rather than errors. @default 'error' */
  readonly severity?: Severity;
  /** Whether an exemption may switch it off (schema validity cannot be exempted). @default true */
  readonly exemptible?: boolean;
}

/** The object a finding is about. */
export interface ObjectRef {
  readonly apiVersion?: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

/** One problem found in the output. */
export interface Finding {
  /** The rule broken. */
  readonly rule: PolicyRule;
  /** The severity after environment rules are applied. */
  readonly severity: Severity;
  /** What is wrong, naming the bad value. */
  readonly message: string;
  /** How to fix it. */
  readonly fix: string;
  /** The object, when the finding is about a manifest object. */
  readonly object?: ObjectRef;
  /** JSON pointer (manifests) or line (Dockerfiles) of the bad value. */
  readonly where?: string;
  /** The construct path that renders the object, when known (at synth). */
  readonly constructPath?: string;
  /** The file, when known (`prodpath check`). */
  readonly file?: string;
}

/** The annotation prefix that records an exemption: `exempt.policy.prodpath.dev/<rule-id>: <reason>`. */
export const EXEMPTION_PREFIX = 'exempt.policy.prodpath.dev/';

/** A finding as one line: `<where>: [<rule>] <message>. Fix: <fix>.` */
export function formatFinding(f: Finding): string {
  const object = f.object ? `${f.object.kind} ${f.object.namespace ? `${f.object.namespace}/` : ''}${f.object.name}` : undefined;
  const location = [f.constructPath ?? f.file, object, f.where].filter((x) => x !== undefined && x !== '').join(' ');
  return `${location}: [${f.rule.id}] ${f.message}. Fix: ${f.fix}. (${f.rule.rationale})`;
}
