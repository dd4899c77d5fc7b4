import { IConstruct } from 'constructs';
import type { Environment } from '../environments/environment';
import { ValidationError } from '../policy/errors';
import { checkDns1035Label } from '../policy/names';

/**
 * A name Kubernetes (or prodpath) derives from a workload's name, and the limit it must fit:
 * the object names themselves, labels that add the pipeline name, the names a controller makes
 * by appending a suffix. Internal to the workloads layer.
 */
export interface DerivedName {
  /** What the derived name is, for messages: `the app.kubernetes.io/instance label`. */
  readonly what: string;
  /** The derived name for a workload name (suffixes at their longest). */
  readonly of: (name: string) => string;
  /** Its limit in characters. */
  readonly max: number;
}

/** The names every workload derives from its name. */
export function commonDerivedNames(env: Environment): DerivedName[] {
  return [
    { what: 'object and container name', of: (n) => n, max: 63 },
    { what: 'label app.kubernetes.io/instance (<pipeline>-<name>)', of: (n) => `${env.pipelineName}-${n}`, max: 63 },
    { what: 'ConfigMap name (<name>-config-<10 hex>)', of: (n) => `${n}-config-0123456789`, max: 253 },
    { what: 'DNS name (<name>.<namespace>.svc)', of: (n) => `${n}.${env.namespaceName}.svc`, max: 253 },
  ];
}

/** How many characters a name may have so that every derived name fits: the tightest limit. */
export function longestFitting(derived: readonly DerivedName[]): number {
  return Math.min(...derived.map((d) => d.max - d.of('').length));
}

/**
 * Checks a workload name: a DNS-1035 label, and short enough that every name derived from it
 * stays within its Kubernetes limit. The message names the derived name that breaks its limit,
 * the limit, and the longest name that fits (with this pipeline's name).
 */
export function checkWorkloadName(scope: IConstruct, field: string, value: unknown, kind: string, derived: readonly DerivedName[]): string {
  if (typeof value === 'string' && /^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(value)) {
    const fits = longestFitting(derived);
    for (const d of derived) {
      const name = d.of(value);
      if (name.length > d.max) {
        // A shorter name that ends on a whole word where the name has words.
        let short = value.slice(0, Math.max(fits, 1));
        if (value[short.length] !== '-' && short.lastIndexOf('-') > 0) {
          short = short.slice(0, short.lastIndexOf('-'));
        }
        short = short.replace(/-+$/, '');
        throw new ValidationError(scope, {
          field,
          value,
          rule: `the ${d.what} would be "${name}", ${name.length} characters, over Kubernetes' limit of ${d.max}; `
            + `here a ${kind} name may have at most ${Math.max(fits, 0)} characters`,
          fix: fits >= 1 ? `use a name of at most ${fits} characters, such as "${short}"` : 'shorten the pipeline name',
        });
      }
    }
  }
  return checkDns1035Label(scope, field, value, 63);
}
