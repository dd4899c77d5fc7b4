import { ApiObject, JsonPatch, Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { Environment } from '../environments/environment';
import type { Image } from '../images/image';
import type { ImageUser } from '../images/recipe';
import { ValidationError } from '../policy/errors';
import { checkCommand, checkConstructId, checkEnvName, checkPort } from '../policy/names';
import { checkLabels, envPrefix } from './_checks';
import { checkConfig, contentHash } from './_config';
import { ResolvedImage, resolveImage } from './_image';
import { checkWorkloadName, commonDerivedNames, DerivedName } from './_names';
import { addContainerEnv, ContainerExtras, containerProps, ContainerSpec, EnvVar, hardenPodSpec, NamedPortProbes, patchContainer, podSecurityContext, SecretFile } from './_pod';
import { addAutoscaler, addDisruptionBudget, addTopologySpread, resolveDrain, resolveRollout, resolveScaling, Scaling } from './_availability';
import { AutoscaleProps, AvailabilityProps, RolloutProps } from './availability';
import { ImageSource } from './external-image';
import { recommendedLabels, selectorLabels, WorkloadComponent } from './labels';
import { ResolvedResources, resolveResources, Resources } from './resources';
import { recordCreation } from '../explain/creation-site';
import { SecretRef } from './secret-ref';

/** A workload of an environment: something that runs pods, selected by stable labels. */
export interface IWorkload extends IConstruct {
  /** The workload's name, the same in every environment. */
  readonly name: string;
  /** The environment the workload belongs to. */
  readonly environment: Environment;
  /** The labels that select the workload's pods. */
  readonly selectorLabels: Readonly<Record<string, string>>;
}

/**
 * A schema migration that workloads wait for (their `waitFor`): a `MigrationJob`. The base class
 * knows migrations through this interface so that it does not import `MigrationJob`, its own
 * subclass (a cycle between the two files).
 */
export interface IMigration extends IWorkload {
  /** What the migration connects to: a workload that waits for it gets the same network edges. */
  readonly connections: readonly IConnectable[];
  /**
   * The init container that holds a workload's pods until the schema is in place.
   * @internal
   */
  _gate(): { spec: ContainerSpec; extras: ContainerExtras };
}

/** A workload that others connect to over the network: a web service or a stateful service. */
export interface IConnectable extends IWorkload {
  /** The port clients connect to. */
  readonly port: number;
  /** The DNS name clients connect to, e.g. `db.shop.svc`. */
  readonly host: string;
  /**
   * The environment variables a client gets for this target with `connectsTo`: at least
   * `<PREFIX>_HOST` and `<PREFIX>_PORT`.
   * @param prefix the target's name upper-cased, `-` replaced by `_` (`order-db` gives `ORDER_DB`)
   */
  connectionEnv(prefix: string): EnvVar[];
}

/**
 * A network peer outside prodpath's own workloads: pods selected by namespace and pod labels,
 * or an IP block. Give `cidr`, or `namespaceLabels` and/or `podLabels`.
 */
export interface NetworkPeer {
  /**
   * An IP block, such as `10.0.0.0/8` or `0.0.0.0/0`.
   * @default - a pod selector
   */
  readonly cidr?: string;
  /**
   * Addresses inside `cidr` that are left out.
   * @default []
   */
  readonly except?: readonly string[];
  /**
   * Labels of the peer's namespaces.
   * @default - the workload's own namespace
   */
  readonly namespaceLabels?: Readonly<Record<string, string>>;
  /**
   * Labels of the peer's pods.
   * @default - every pod of the selected namespaces
   */
  readonly podLabels?: Readonly<Record<string, string>>;
  /**
   * The TCP ports the rule allows.
   * @default - allowFrom: the workload's own ports; egressTo: every port
   */
  readonly ports?: readonly number[];
}

/** How often a readiness check runs and how long the workload may take to start. */
export interface CheckTiming {
  /** Seconds between checks. */
  readonly periodSeconds: number;
  /** Seconds a check may take. */
  readonly timeoutSeconds: number;
  /** Failed checks in a row before the workload counts as not ready. */
  readonly failureThreshold: number;
  /** Seconds the workload may take to start before failed checks count (the startup probe's budget). */
  readonly startupSeconds: number;
}

/**
 * A workload's readiness check, as a description for renderers other than Kubernetes (the
 * Compose renderer): an HTTP GET, a command run in the container, or a TCP connect.
 */
export type ReadinessCheck =
  | (CheckTiming & { readonly kind: 'http'; readonly path: string; readonly port: number })
  | (CheckTiming & { readonly kind: 'exec'; readonly command: readonly string[] })
  | (CheckTiming & { readonly kind: 'tcp'; readonly port: number });

/** How a long-running workload is scaled, updated and stopped, as resolved from its props and environment. */
export interface RunSettings {
  /** The fixed number of pods; undefined when an autoscaler decides. */
  readonly replicas?: number;
  /** The autoscaler's bounds, when there is one. */
  readonly autoscale?: { readonly min: number; readonly max: number };
  /** Rolling updates (Deployments): extra pods allowed, pods that may be unavailable, seconds a new pod must be ready. */
  readonly rollout?: { readonly maxSurge: number | string; readonly maxUnavailable: number | string; readonly minReadySeconds: number };
  /** Seconds a pod may take to stop after SIGTERM. */
  readonly terminationGracePeriodSeconds: number;
}

/** The main container of a workload as prodpath resolved it (read-only). */
export interface ContainerDescription {
  /** The reference the pods run (`repository:tag`, or with `@sha256:` when locked). */
  readonly imageRef: string;
  /** The pipeline image, when the workload runs one (undefined for an {@link ExternalImage}). */
  readonly image?: Image;
  /** The numeric user and group the container runs as. */
  readonly user: ImageUser;
  /** The command, when it replaces the image's CMD. */
  readonly command?: readonly string[];
  /** The non-secret configuration (environment variables from the ConfigMap), keys sorted. */
  readonly config: Readonly<Record<string, string>>;
  /** The other environment variables: connections and secret references, sorted by name. */
  readonly env: readonly EnvVar[];
  /** Secret references mounted as files, sorted by path. */
  readonly secretFiles: readonly SecretFile[];
  /** CPU, memory and ephemeral-storage requests and limits. */
  readonly resources: ResolvedResources;
}

/** Props every workload has. */
export interface WorkloadProps {
  /** The image to run: from `pipeline.image()`, or an {@link ExternalImage}. */
  readonly image: ImageSource;
  /**
   * The name of the workload's objects and container: the same in every environment.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * The command to run instead of the image's CMD (exec form).
   * @default - the image's CMD
   */
  readonly command?: readonly string[];
  /**
   * Non-secret configuration, passed as environment variables from a ConfigMap named by the
   * hash of its content (so a change rolls the pods). Names that look secret are refused.
   * @default - no ConfigMap
   */
  readonly config?: Readonly<Record<string, string>>;
  /**
   * Secrets passed as environment variables (`valueFrom.secretKeyRef`), by reference only.
   * @default {}
   */
  readonly secrets?: Readonly<Record<string, SecretRef>>;
  /**
   * Secrets mounted as read-only files, keyed by absolute file path. Files of one folder
   * share a projected volume mounted at that folder (which hides what the image has there).
   * @default {}
   */
  readonly secretFiles?: Readonly<Record<string, SecretRef>>;
  /** CPU, memory and ephemeral storage. @default - see {@link Resources} */
  readonly resources?: Resources;
  /**
   * Workloads of the same environment this one connects to. For each target `t`, the
   * container gets `<T>_HOST` (its DNS name) and `<T>_PORT` (plus any the target adds, e.g.
   * Postgres's `<T>_USER`, `<T>_DATABASE`, `<T>_PASSWORD`), where `<T>` is the target's name
   * upper-cased with `-` as `_`; and the NetworkPolicies let this workload reach the target.
   * @default []
   */
  readonly connectsTo?: readonly IConnectable[];
  /**
   * Who else may connect to this workload: other workloads of the environment, or peers.
   * @default - only `connectsTo` clients (and the ingress controller for a web service with a host)
   */
  readonly allowFrom?: readonly (IWorkload | NetworkPeer)[];
  /**
   * Where else this workload may connect: external APIs, SMTP servers, other namespaces.
   * @default - only DNS and `connectsTo` targets
   */
  readonly egressTo?: readonly NetworkPeer[];
}

/** Options subclasses give the {@link Workload} constructor. @internal */
export interface WorkloadOptions {
  readonly component: WorkloadComponent;
  /** The kind in messages, such as 'CronTask'. */
  readonly kind: string;
  /** Names the kind derives from the workload name besides the common ones. @default [] */
  readonly derivedNames?: readonly DerivedName[];
  /** The command example in messages. @default '["node", "dist/server.js"]' */
  readonly commandExample?: string;
}

/** The Deployment settings of web services and workers. @internal */
export interface DeploymentOptions extends AvailabilityProps {
  readonly replicas?: number;
  readonly autoscale?: AutoscaleProps | boolean;
  readonly rollout?: RolloutProps;
  readonly waitFor?: readonly IMigration[];
}

/** What `Workload.createDeployment` makes. @internal */
export interface DeploymentParts {
  readonly deployment: kplus.Deployment;
  readonly autoscaler?: kplus.HorizontalPodAutoscaler;
  readonly disruptionBudget?: kplus.k8s.KubePodDisruptionBudget;
}

interface Rule {
  readonly peer?: Record<string, unknown>;
  /** undefined: every port; 'own': the workload's own ports, resolved at synthesis. */
  readonly ports: readonly number[] | 'own' | undefined;
  readonly protocol?: 'TCP' | 'UDP';
}

const WORKLOAD_SYMBOL = Symbol.for('prodpath.Workload');

/**
 * The base of every prodpath workload: name, image, configuration, secrets, connections,
 * resources and its default-deny NetworkPolicy. Subclasses render the pods.
 */
export abstract class Workload extends Construct implements IWorkload {
  /** Whether `x` is a prodpath workload (works across copies of the library). */
  public static isWorkload(x: unknown): x is Workload {
    return typeof x === 'object' && x !== null && WORKLOAD_SYMBOL in x;
  }

  /** The workload's name. */
  public readonly name: string;
  /** The environment the workload belongs to. */
  public readonly environment: Environment;
  /** The labels that select the workload's pods. */
  public readonly selectorLabels: Readonly<Record<string, string>>;
  /**
   * The recommended labels of the workload's objects, as the workload's own objects carry them
   * while the app is being defined: the version label may be a placeholder synth resolves
   * (lib/images/deferred.ts). Read `labels` for the values. @internal
   */
  protected readonly objectLabels: Readonly<Record<string, string>>;
  private readonly component: WorkloadComponent;
  /** The ConfigMap, when config is set. */
  public readonly configMap?: kplus.ConfigMap;
  /** The workloads this one connects to. */
  public readonly connections: readonly IConnectable[];
  /** The non-secret configuration, as checked (keys sorted). */
  public readonly config: Readonly<Record<string, string>>;

  /** The image, resolved. @internal */
  protected readonly image: ResolvedImage;
  /** The main container, before it is added to a pod. @internal */
  protected readonly containerSpec: ContainerSpec;
  /** The ports the workload listens on; allowFrom rules without ports allow these. @internal */
  protected readonly listenPorts: number[] = [];

  /** The readiness check, set by subclasses that have one. @internal */
  protected readinessCheck?: ReadinessCheck;
  /** Scaling, rollout and stop settings, set by long-running subclasses. @internal */
  protected runSettingsValue?: RunSettings;
  private readonly migrations: IMigration[] = [];
  private policy?: kplus.k8s.KubeNetworkPolicy;
  private readonly ingressRules: Rule[] = [];
  /** allowFrom entries that allow the workload's own ports. */
  private readonly ownPortFields: { field: string; value: unknown }[] = [];
  private readonly egressRules: Rule[] = [];

  /** @internal */
  protected constructor(scope: Construct, id: string, props: WorkloadProps, options: WorkloadOptions) {
    super(scope, checkConstructId(scope, id, 'workload'));
    Object.defineProperty(this, WORKLOAD_SYMBOL, { value: true });
    // issue 17: where the user created the workload, and which props they gave, for `prodpath explain`.
    recordCreation(this, props);
    this.environment = Environment.of(this);
    const env = this.environment;
    this.name = checkWorkloadName(this, 'name', props.name ?? id, options.kind, [...commonDerivedNames(env), ...(options.derivedNames ?? [])]);
    this.image = resolveImage(this, env, props.image);
    if (options.component !== 'worker') {
      // A worker tells its use once its check is known (worker.ts).
      this.image.image?.noteUse({ user: this, role: options.component === 'job' || options.component === 'migration' ? 'job' : 'serves' });
    }
    const resources = resolveResources(this, 'resources', props.resources);
    const config = checkConfig(this, props.config ?? {});
    this.config = config;
    const command = props.command === undefined ? undefined : checkCommand(this, 'command', props.command, options.commandExample);
    this.selectorLabels = selectorLabels(env, this.name);
    this.component = options.component;
    this.objectLabels = recommendedLabels(env, this.name, options.component, this.image.manifestVersion);

    // Environment variables: connections, then secrets; none may shadow another or config.
    const taken = new Map<string, string>(Object.keys(config).map((k) => [k, 'config']));
    const env_: EnvVar[] = [];
    const claim = (name: string, field: string, v: EnvVar) => {
      const before = taken.get(name);
      if (before !== undefined) {
        throw new ValidationError(this, {
          field,
          value: name,
          rule: `${before} already sets the environment variable ${name}`,
          fix: 'rename one of the two',
        });
      }
      taken.set(name, field);
      env_.push(v);
    };
    this.connections = checkConnections(this, props.connectsTo);
    for (const target of this.connections) {
      for (const v of target.connectionEnv(envPrefix(target.name))) {
        claim(v.name, `connectsTo ${target.name}`, v);
      }
    }
    for (const [name, ref] of Object.entries(props.secrets ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
      checkEnvName(this, 'secrets key', name);
      checkSecretRef(this, `secrets.${name}`, ref);
      claim(name, `secrets.${name}`, { name, secret: ref });
    }
    const files: SecretFile[] = [];
    for (const [path, ref] of Object.entries(props.secretFiles ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
      checkFilePath(this, path);
      checkSecretRef(this, `secretFiles["${path}"]`, ref);
      files.push({ path, secret: ref });
    }

    if (Object.keys(config).length > 0) {
      this.configMap = new kplus.ConfigMap(this, 'config', {
        metadata: { name: `${this.name}-config-${contentHash(config)}`, labels: { ...this.objectLabels } },
        immutable: true,
      });
      // The data goes in as a patch, not through cdk8s-plus: it drops the data when every
      // value is "", and refuses keys named like Object.prototype members ("constructor").
      ApiObject.of(this.configMap).addJsonPatch(JsonPatch.add('/data', config));
    }
    this.containerSpec = {
      name: this.name,
      image: this.image,
      command,
      configMap: this.configMap,
      env: env_.sort((a, b) => (a.name < b.name ? -1 : 1)),
      files,
      resources,
    };

    // Default deny, DNS allowed (to any address: cluster DNS, or a node-local cache). The
    // NetworkPolicy object itself is made with the pods (finishPod), after the workload object.
    this.egressRules.push({ ports: [53], protocol: 'UDP' }, { ports: [53], protocol: 'TCP' });
    for (const target of this.connections) {
      this.connectTo(target);
    }
    for (const [i, from] of (props.allowFrom ?? []).entries()) {
      if (Workload.isWorkload(from)) {
        checkSameEnvironment(this, `allowFrom[${i}]`, from);
        this._allowIngress(from, 'own');
        this.ownPortFields.push({ field: `allowFrom[${i}]`, value: from.name });
      } else {
        const { peer, ports } = checkPeer(this, `allowFrom[${i}]`, from as NetworkPeer);
        this.ingressRules.push({ peer, ports: ports ?? 'own' });
        if (ports === undefined) {
          this.ownPortFields.push({ field: `allowFrom[${i}]`, value: from });
        }
      }
    }
    for (const [i, to] of (props.egressTo ?? []).entries()) {
      const { peer, ports } = checkPeer(this, `egressTo[${i}]`, to);
      this.egressRules.push({ peer, ports });
    }
  }

  /** The readiness check, when the workload has one (CronTasks and MigrationJobs have none). */
  public get readiness(): ReadinessCheck | undefined {
    return this.readinessCheck;
  }

  /** The recommended labels of the workload's objects and pods. */
  public get labels(): Readonly<Record<string, string>> {
    return recommendedLabels(this.environment, this.name, this.component, this.image.version);
  }

  /** How the workload is scaled, updated and stopped; undefined for run-to-completion workloads. */
  public get runSettings(): RunSettings | undefined {
    return this.runSettingsValue;
  }

  /** The migrations whose schema must be in place before this workload starts (its `waitFor`). */
  public get waitFor(): readonly IMigration[] {
    return [...this.migrations];
  }

  /** The main container as resolved: image, user, command, configuration, environment, secret files, resources. */
  public get container(): ContainerDescription {
    const spec = this.containerSpec;
    return {
      imageRef: spec.image.ref,
      image: spec.image.image,
      user: spec.image.user,
      command: spec.command,
      config: this.config,
      env: spec.env,
      secretFiles: spec.files,
      resources: spec.resources,
    };
  }

  /** The workload's NetworkPolicy: default deny, then the allowed edges. */
  public get networkPolicy(): kplus.k8s.KubeNetworkPolicy {
    return this.ensureNetworkPolicy();
  }

  private ensureNetworkPolicy(): kplus.k8s.KubeNetworkPolicy {
    if (this.policy === undefined) {
      this.policy = new kplus.k8s.KubeNetworkPolicy(this, 'network-policy', {
        metadata: { name: this.name, labels: { ...this.objectLabels } },
        spec: Lazy.any({ produce: () => this.renderNetworkPolicy() }),
      });
    }
    return this.policy;
  }

  /**
   * Lets `from`'s pods reach this workload's pods on `ports` ('own': this workload's ports).
   * @internal
   */
  public _allowIngress(from: IWorkload, ports: readonly number[] | 'own'): void {
    this.addRule(this.ingressRules, { peer: { podSelector: { matchLabels: { ...from.selectorLabels } } }, ports });
  }

  /**
   * Lets this workload's pods reach `to`'s pods on `ports`.
   * @internal
   */
  public _allowEgress(to: IWorkload, ports: readonly number[]): void {
    this.addRule(this.egressRules, { peer: { podSelector: { matchLabels: { ...to.selectorLabels } } }, ports });
  }

  /**
   * The main container spec, for init containers of other workloads (migration gates).
   * @internal
   */
  public get _containerSpec(): ContainerSpec {
    return this.containerSpec;
  }

  /** Allows ingress from a peer that is not a workload (e.g. the ingress controller). @internal */
  protected allowIngressFromPeer(peer: Record<string, unknown>, ports: readonly number[]): void {
    this.addRule(this.ingressRules, { peer, ports });
  }

  /** Connects to a target: egress here, ingress there. @internal */
  protected connectTo(target: IConnectable): void {
    this._allowEgress(target, [target.port]);
    if (Workload.isWorkload(target)) {
      target._allowIngress(this, [target.port]);
    }
  }

  /** The cdk8s-plus props of the main container. @internal */
  protected mainContainerProps(extras: ContainerExtras): kplus.ContainerProps {
    return containerProps(this, this.containerSpec, extras);
  }

  /**
   * Finishes a pod that cdk8s-plus made: environment, hardening, secret files, and the init
   * containers `inits` (added to the pod here, in order).
   * @internal
   */
  protected finishPod(pod: kplus.AbstractPod, obj: ApiObject, podSpecPath: string, mainProbes: NamedPortProbes,
    inits: readonly { spec: ContainerSpec; extras: ContainerExtras }[] = []): void {
    addContainerEnv(this, pod.containers[0], this.containerSpec);
    this.ensureNetworkPolicy();
    if (this.listenPorts.length === 0 && this.ownPortFields.length > 0) {
      throw new ValidationError(this, {
        field: this.ownPortFields[0].field,
        value: this.ownPortFields[0].value,
        rule: 'this workload listens on no port, so there is nothing to allow in',
        fix: 'give the peer its ports, such as { namespaceLabels: {...}, ports: [9090] }, or remove it',
      });
    }
    const counter = { n: 0 };
    hardenPodSpec(obj, podSpecPath);
    patchContainer(obj, podSpecPath, 'containers', 0, this.containerSpec, mainProbes, counter);
    inits.forEach(({ spec, extras }, i) => {
      const container = pod.addInitContainer(containerProps(this, spec, extras));
      addContainerEnv(this, container, spec);
      patchContainer(obj, podSpecPath, 'initContainers', i, spec, extras.namedPortProbes ?? {}, counter);
    });
  }

  /**
   * Init containers that hold the pods until each migration's schema is in place, and the
   * network edges their checks need.
   * @internal
   */
  protected migrationGates(waitFor: readonly IMigration[] | undefined): { spec: ContainerSpec; extras: ContainerExtras }[] {
    if (waitFor === undefined) {
      return [];
    }
    const seen = new Set<string>();
    return waitFor.map((m, i) => {
      const field = `waitFor[${i}]`;
      if (!Workload.isWorkload(m) || typeof (m as Partial<IMigration>)._gate !== 'function') {
        throw new ValidationError(this, {
          field,
          value: Workload.isWorkload(m) ? `${m.name} (${m.node.path})` : m,
          rule: 'a workload waits for MigrationJobs only',
          fix: 'pass the MigrationJob created in this environment',
        });
      }
      checkSameEnvironment(this, field, m);
      if (seen.has(m.name)) {
        throw new ValidationError(this, { field, value: m.name, rule: 'the migration is listed twice', fix: 'list each migration once' });
      }
      seen.add(m.name);
      this.migrations.push(m);
      for (const target of m.connections) {
        this.connectTo(target);
      }
      return m._gate();
    });
  }

  /**
   * Renders the workload as a Deployment with its autoscaler, disruption budget, topology
   * spread, rollout and drain settings and migration gates.
   * @internal
   */
  protected createDeployment(props: DeploymentOptions, container: ContainerExtras, probes: NamedPortProbes, defaultPreStop: number): DeploymentParts {
    const env = this.environment;
    const scaling = resolveScaling(this, env, props.replicas, props.autoscale, { canAutoscale: true, defaultReplicas: env.settings.replicas ?? (env.production ? 2 : 1) });
    const rollout = resolveRollout(this, props.rollout);
    const drain = resolveDrain(this, props.drain, defaultPreStop);
    const inits = this.migrationGates(props.waitFor);
    const deployment = new kplus.Deployment(this, 'deployment', {
      metadata: { name: this.name, labels: { ...this.objectLabels } },
      replicas: scaling.replicas,
      ...this.podBaseline(),
      strategy: rollout.strategy,
      progressDeadline: rollout.progressDeadline,
      minReady: rollout.minReady,
      terminationGracePeriod: drain.terminationGracePeriod,
      containers: [this.mainContainerProps({ ...container, lifecycle: drain.preStop ? { preStop: drain.preStop } : undefined })],
    });
    deployment.select(kplus.LabelSelector.of({ labels: { ...this.selectorLabels } }));
    this.runSettingsValue = {
      replicas: scaling.replicas,
      autoscale: scaling.autoscale ? { min: scaling.autoscale.min, max: scaling.autoscale.max } : undefined,
      rollout: { maxSurge: rollout.maxSurge, maxUnavailable: rollout.maxUnavailable, minReadySeconds: rollout.minReadySeconds },
      terminationGracePeriodSeconds: drain.terminationGracePeriodSeconds,
    };
    const obj = ApiObject.of(deployment);
    obj.addJsonPatch(JsonPatch.add('/spec/revisionHistoryLimit', rollout.revisionHistoryLimit));
    this.finishPod(deployment, obj, '/spec/template/spec', probes, inits);
    const parts = this.addAvailability(scaling, props, obj, '/spec/template/spec', ['pod-template-hash']);
    const autoscaler = scaling.autoscale ? addAutoscaler(this, 'autoscaler', deployment, this.name, { ...this.objectLabels }, scaling.autoscale) : undefined;
    return { deployment, autoscaler, ...parts };
  }

  /** Adds the disruption budget and topology spread a workload's scaling calls for. @internal */
  protected addAvailability(scaling: Scaling, props: AvailabilityProps, obj: ApiObject, podSpecPath: string, matchLabelKeys: readonly string[]): { disruptionBudget?: kplus.k8s.KubePodDisruptionBudget } {
    const env = this.environment;
    addTopologySpread(this, env, props.topologySpread, scaling, obj, podSpecPath, { ...this.selectorLabels }, matchLabelKeys);
    const disruptionBudget = addDisruptionBudget(this, env, props.disruptionBudget, scaling, this.name, { ...this.objectLabels }, { ...this.selectorLabels });
    return { disruptionBudget };
  }

  /**
   * The pod settings every workload's controller shares: selected by its own stable labels
   * (not cdk8s-plus's path-derived one), no service-account token, the restricted security
   * context for its image's user. @internal
   */
  protected podBaseline(): Pick<kplus.WorkloadProps, 'select' | 'podMetadata' | 'automountServiceAccountToken' | 'securityContext'> {
    return {
      select: false,
      podMetadata: { labels: { ...this.objectLabels } },
      automountServiceAccountToken: false,
      securityContext: podSecurityContext(this.image.user),
    };
  }

  private addRule(rules: Rule[], rule: Rule): void {
    const key = JSON.stringify(rule);
    if (!rules.some((r) => JSON.stringify(r) === key)) {
      rules.push(rule);
    }
  }

  private renderNetworkPolicy(): kplus.k8s.NetworkPolicySpec {
    const own = [...new Set(this.listenPorts)].sort((a, b) => a - b);
    const ports = (r: Rule) => {
      const list = r.ports === 'own' ? own : r.ports;
      return list?.map((port) => ({ port: kplus.k8s.IntOrString.fromNumber(port), protocol: r.protocol ?? 'TCP' }));
    };
    // A rule with 'own' ports on a workload without ports would allow every port: drop it.
    const usable = (r: Rule) => !(r.ports === 'own' && own.length === 0);
    const ingress = this.ingressRules.filter(usable).map((r) => ({ from: [r.peer as kplus.k8s.NetworkPolicyPeer], ports: ports(r) }));
    // Merge the two DNS rules into one with both protocols.
    const dns = this.egressRules.filter((r) => r.peer === undefined && r.ports !== 'own' && r.ports?.length === 1 && r.ports[0] === 53);
    const egress = [
      { ports: dns.flatMap((r) => ports(r) ?? []) },
      ...this.egressRules.filter((r) => !dns.includes(r)).map((r) => ({ ...(r.peer ? { to: [r.peer as kplus.k8s.NetworkPolicyPeer] } : {}), ports: ports(r) })),
    ];
    return {
      podSelector: { matchLabels: { ...this.selectorLabels } },
      policyTypes: ['Ingress', 'Egress'],
      ...(ingress.length > 0 ? { ingress } : {}),
      egress,
    };
  }
}

function checkSecretRef(scope: Construct, field: string, ref: unknown): SecretRef {
  if (!SecretRef.isSecretRef(ref)) {
    throw new ValidationError(scope, {
      field,
      value: '(value hidden)',
      rule: 'secrets are passed by reference only; a literal value would be written in plain text to the manifests',
      fix: 'use SecretRef.fromSecretName("name", "key"), SecretRef.external("remote/key") or SecretRef.sealed({...})',
    });
  }
  ref._bind(scope, field);
  return ref;
}

function checkFilePath(scope: Construct, path: string): void {
  const segments = path.split('/');
  if (!path.startsWith('/') || segments.length < 3 || segments.slice(1).some((s) => s === '' || s === '.' || s === '..')
    || path === '/tmp' || path.startsWith('/tmp/')) {
    throw new ValidationError(scope, {
      field: 'secretFiles key',
      value: path,
      rule: 'a secret file path is absolute, inside a folder other than / and /tmp, without empty, "." or ".." segments',
      fix: 'use a path such as "/etc/secrets/db-password"',
    });
  }
}

function checkSameEnvironment(scope: Workload, field: string, other: IWorkload): void {
  if (other.environment !== scope.environment) {
    throw new ValidationError(scope, {
      field,
      value: `${other.name} (${other.node.path})`,
      rule: other.environment.node.path === scope.environment.node.path
        ? `that workload belongs to another environment "${other.environment.name}" (of another pipeline or app of the same name), not to the one where this one runs`
        : `that workload belongs to environment "${other.environment.name}", not to "${scope.environment.name}" where this one runs`,
      fix: `pass the workload created for this environment in the same pipeline.define((env) => ...) callback`,
    });
  }
}

function checkConnections(scope: Workload, targets: unknown): IConnectable[] {
  if (targets === undefined) {
    return [];
  }
  if (!Array.isArray(targets)) {
    throw new ValidationError(scope, { field: 'connectsTo', value: targets, rule: 'must be a list of workloads', fix: 'use connectsTo: [db]' });
  }
  const seen = new Set<string>();
  return targets.map((t, i) => {
    const field = `connectsTo[${i}]`;
    if (!Workload.isWorkload(t) || typeof (t as Partial<IConnectable>).connectionEnv !== 'function') {
      throw new ValidationError(scope, {
        field,
        value: Workload.isWorkload(t) ? `${t.name} (${t.node.path})` : t,
        rule: 'a workload connects to a web service or a stateful service of its environment (something with a port)',
        fix: 'pass a WebService, StatefulService or Postgres created in this environment',
      });
    }
    checkSameEnvironment(scope, field, t);
    if (t === scope) {
      throw new ValidationError(scope, { field, value: t.name, rule: 'a workload does not connect to itself', fix: 'remove it from connectsTo' });
    }
    if (seen.has(t.name)) {
      throw new ValidationError(scope, { field, value: t.name, rule: 'the workload is listed twice', fix: 'list each target once' });
    }
    seen.add(t.name);
    return t as unknown as IConnectable;
  });
}

const CIDR = /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\/(?:3[0-2]|[12]?\d)$|^[0-9a-fA-F:]+:[0-9a-fA-F:]*\/(?:12[0-8]|1[01]\d|[1-9]?\d)$/;

function checkPeer(scope: Construct, field: string, peer: NetworkPeer): { peer: Record<string, unknown>; ports?: number[] } {
  const fix = 'use { cidr: "10.0.0.0/8", ports: [443] } or { namespaceLabels: { "kubernetes.io/metadata.name": "monitoring" } }';
  if (typeof peer !== 'object' || peer === null) {
    throw new ValidationError(scope, { field, value: peer, rule: 'a network peer is an IP block or a namespace/pod selector', fix });
  }
  const ports = peer.ports?.map((p, i) => checkPort(scope, `${field}.ports[${i}]`, p));
  if (peer.ports !== undefined && peer.ports.length === 0) {
    throw new ValidationError(scope, { field: `${field}.ports`, value: [], rule: 'an empty port list would allow nothing', fix: 'list ports, or leave ports out' });
  }
  const hasSelector = peer.namespaceLabels !== undefined || peer.podLabels !== undefined;
  if ((peer.cidr !== undefined) === hasSelector) {
    throw new ValidationError(scope, { field, value: peer, rule: 'a network peer has either cidr or namespace/pod labels, not both and not neither', fix });
  }
  if (peer.cidr !== undefined) {
    const cidrs = [peer.cidr, ...(peer.except ?? [])];
    cidrs.forEach((c, i) => {
      if (typeof c !== 'string' || !CIDR.test(c)) {
        throw new ValidationError(scope, { field: i === 0 ? `${field}.cidr` : `${field}.except`, value: c, rule: 'must be an IPv4 or IPv6 CIDR block', fix: 'use "10.0.0.0/8"' });
      }
    });
    const ipBlock = peer.except && peer.except.length > 0 ? { cidr: peer.cidr, except: [...peer.except] } : { cidr: peer.cidr };
    return { peer: { ipBlock }, ports };
  }
  const out: Record<string, unknown> = {};
  if (peer.namespaceLabels !== undefined) {
    out.namespaceSelector = { matchLabels: checkLabels(scope, `${field}.namespaceLabels`, peer.namespaceLabels) };
  }
  if (peer.podLabels !== undefined) {
    out.podSelector = { matchLabels: checkLabels(scope, `${field}.podLabels`, peer.podLabels) };
  }
  return { peer: out, ports };
}
