import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { ValidationError } from '../policy/errors';
import { DEFAULT_KUBERNETES_MINORS, formatMinors, KubernetesMinor } from '../policy/schema/minors';
import { ENVIRONMENT_ANNOTATION, KUBERNETES_ANNOTATION, PRODUCTION_ANNOTATION } from './annotations';
import { EnvironmentSettings, isProductionName } from './settings';

export { ENVIRONMENT_ANNOTATION, KUBERNETES_ANNOTATION, PRODUCTION_ANNOTATION } from './annotations';

/** Props for {@link Environment}; `Pipeline` creates environments from its `environments` table. */
export interface EnvironmentProps<S extends EnvironmentSettings> {
  /** The environment's name, for example `dev`; also its output folder. */
  readonly name: string;
  /** The environment's settings. */
  readonly settings: S;
  /** The pipeline's name, used in labels and file names. */
  readonly pipelineName: string;
  /** The names of all environments of the pipeline, so `is()` can catch a misspelt name. */
  readonly allNames: readonly string[];
  /**
   * The Kubernetes minors the environment's clusters run (checked by the pipeline).
   * @default - every supported minor
   */
  readonly kubernetes?: readonly KubernetesMinor[];
}

const ENVIRONMENT_SYMBOL = Symbol.for('prodpath.Environment');


/**
 * One environment of a pipeline (dev, staging, prod, ...): a cdk8s Chart whose objects all
 * go to the environment's namespace. The `define` callback of the pipeline receives each
 * environment in turn; workloads are created inside it.
 */
export class Environment<S extends EnvironmentSettings = EnvironmentSettings> extends Chart {
  /** Whether `x` is an Environment (works across copies of the library). */
  public static isEnvironment(x: unknown): x is Environment {
    return typeof x === 'object' && x !== null && ENVIRONMENT_SYMBOL in x;
  }

  /** The environment that contains `scope`; throws when `scope` is not inside one. */
  public static of(scope: IConstruct): Environment {
    for (const c of scope.node.scopes.slice().reverse()) {
      if (Environment.isEnvironment(c)) {
        return c;
      }
    }
    throw new ValidationError(scope, {
      field: 'scope',
      value: scope.node.path,
      rule: 'workloads must be created inside an environment',
      fix: 'create it in the callback of pipeline.define((env) => { new WebService(env, ...) })',
    });
  }

  /** The environment's name. */
  public readonly name: string;
  /** The environment's settings, as declared in the pipeline. */
  public readonly settings: S;
  /** The namespace all objects of this environment go to. */
  public readonly namespaceName: string;
  /** Whether production rules apply. */
  public readonly production: boolean;
  /** The pipeline's name. */
  public readonly pipelineName: string;
  /** The Kubernetes minors the environment's clusters run; objects are validated against each. */
  public readonly kubernetesMinors: readonly KubernetesMinor[];
  private readonly allNames: readonly string[];

  constructor(scope: Construct, id: string, props: EnvironmentProps<S>) {
    super(scope, id, { namespace: props.settings.namespace, disableResourceNameHashes: true });
    Object.defineProperty(this, ENVIRONMENT_SYMBOL, { value: true });
    this.name = props.name;
    this.settings = props.settings;
    this.namespaceName = props.settings.namespace;
    this.production = props.settings.production ?? isProductionName(props.name);
    this.pipelineName = props.pipelineName;
    this.allNames = props.allNames;
    this.kubernetesMinors = props.kubernetes ?? DEFAULT_KUBERNETES_MINORS;
    const namespace = new kplus.Namespace(this, 'namespace', {
      metadata: {
        name: this.namespaceName,
        // `prodpath check` reads these to apply the same rules to committed manifests.
        annotations: {
          [ENVIRONMENT_ANNOTATION]: this.name,
          [PRODUCTION_ANNOTATION]: String(this.production),
          [KUBERNETES_ANNOTATION]: formatMinors(this.kubernetesMinors),
        },
        labels: {
          'app.kubernetes.io/managed-by': 'prodpath',
          'app.kubernetes.io/part-of': this.pipelineName,
          // Pod Security Admission refuses pods that break the "restricted" standard.
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'v1.27',
        },
      },
    });
    // A Namespace is cluster-scoped: the chart's namespace does not apply to it.
    ApiObject.of(namespace).addJsonPatch(JsonPatch.remove('/metadata/namespace'), JsonPatch.remove('/spec'));
  }

  /** Whether this environment is one of `names`: `env.is('prod')`, `env.is('staging', 'prod')`. */
  public is(...names: string[]): boolean {
    for (const n of names) {
      if (!this.allNames.includes(n)) {
        throw new ValidationError(this, {
          field: 'is()',
          value: n,
          rule: `the pipeline has no environment of that name (it has ${this.allNames.join(', ')})`,
          fix: `use one of ${this.allNames.map((x) => JSON.stringify(x)).join(', ')}`,
        });
      }
    }
    return names.includes(this.name);
  }
}
