import { ApiObject, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Environment } from '../environments/environment';
import { ValidationError } from '../policy/errors';
import { checkCount } from '../policy/names';
import { checkCountOrPercent, checkSeconds, CountOrPercent, podsOf } from './_checks';
import { AutoscaleProps, DisruptionBudgetProps, DrainProps, RolloutProps, TopologySpreadProps } from './availability';

/** A resolved HPA. */
export interface ResolvedAutoscale {
  readonly min: number;
  readonly max: number;
  readonly cpuUtilization: number;
  readonly memoryUtilization?: number;
}

/** How many pods a workload runs. */
export interface Scaling {
  /** The fixed replica count; undefined with an HPA. */
  readonly replicas?: number;
  readonly autoscale?: ResolvedAutoscale;
  /** The fewest pods the workload runs. */
  readonly minPods: number;
  /** The most pods the workload may run. */
  readonly maxPods: number;
}

/** Resolves replicas and autoscaling from the workload's props and the environment's settings. */
export function resolveScaling(scope: Construct, env: Environment, replicasProp: number | undefined,
  autoscaleProp: AutoscaleProps | boolean | undefined, options: { canAutoscale: boolean; defaultReplicas: number }): Scaling {
  if (replicasProp !== undefined && autoscaleProp !== undefined && autoscaleProp !== false) {
    throw new ValidationError(scope, {
      field: 'replicas',
      value: replicasProp,
      rule: 'a workload has either a fixed replica count or an autoscaler, and autoscale is set too',
      fix: `leave replicas out and set autoscale.min: ${replicasProp}, or leave autoscale out`,
    });
  }
  const fromEnv = env.settings.autoscale;
  const wanted = autoscaleProp === false ? false
    : autoscaleProp !== undefined ? true
      : replicasProp === undefined && fromEnv !== undefined && options.canAutoscale;
  if (!wanted) {
    const replicas = checkCount(scope, 'replicas', replicasProp ?? options.defaultReplicas);
    return { replicas, minPods: replicas, maxPods: replicas };
  }
  if (!options.canAutoscale) {
    throw new ValidationError(scope, {
      field: 'autoscale',
      value: autoscaleProp,
      rule: 'only Deployments (web services and workers) are autoscaled',
      fix: 'leave autoscale out and set replicas',
    });
  }
  const merged: AutoscaleProps = { ...(fromEnv ?? {}), ...(typeof autoscaleProp === 'object' ? autoscaleProp : {}) };
  const min = checkCount(scope, 'autoscale.min', merged.min ?? env.settings.replicas ?? (env.production ? 2 : 1), 1);
  if (merged.max === undefined) {
    throw new ValidationError(scope, {
      field: 'autoscale.max',
      value: undefined,
      rule: `an autoscaler needs a maximum number of pods, and neither the workload nor environment "${env.name}" gives one`,
      fix: `set autoscale: { max: ${Math.max(min, 2) * 2} }`,
    });
  }
  const max = checkCount(scope, 'autoscale.max', merged.max, 1);
  if (min > max) {
    throw new ValidationError(scope, {
      field: 'autoscale.min',
      value: min,
      rule: `the minimum number of pods may not be above the maximum (${max})`,
      fix: `raise autoscale.max to at least ${min}, or lower autoscale.min to at most ${max}`,
    });
  }
  const cpuUtilization = checkUtilization(scope, 'autoscale.cpuUtilization', merged.cpuUtilization ?? 70);
  const memoryUtilization = merged.memoryUtilization === undefined ? undefined
    : checkUtilization(scope, 'autoscale.memoryUtilization', merged.memoryUtilization);
  return { autoscale: { min, max, cpuUtilization, memoryUtilization }, minPods: min, maxPods: max };
}

function checkUtilization(scope: Construct, field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 1000) {
    throw new ValidationError(scope, {
      field,
      value,
      rule: 'a utilization target is a whole percentage of the request, from 1 to 1000',
      fix: 'use 70',
    });
  }
  return value;
}

/** Adds the HPA of a Deployment. */
export function addAutoscaler(scope: Construct, id: string, target: kplus.Deployment, name: string, labels: Record<string, string>, a: ResolvedAutoscale): kplus.HorizontalPodAutoscaler {
  const metrics = [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(a.cpuUtilization))];
  if (a.memoryUtilization !== undefined) {
    metrics.push(kplus.Metric.resourceMemory(kplus.MetricTarget.averageUtilization(a.memoryUtilization)));
  }
  return new kplus.HorizontalPodAutoscaler(scope, id, {
    metadata: { name, labels },
    target,
    minReplicas: a.min,
    maxReplicas: a.max,
    metrics,
  });
}

/** Whether a default-on availability feature applies: always in production, else for multi-pod workloads. */
function defaultOn(env: Environment, scaling: Scaling): boolean {
  return env.production || scaling.maxPods > 1;
}

/** Checks and adds the PodDisruptionBudget of a workload, when it has one. */
export function addDisruptionBudget(scope: Construct, env: Environment, prop: DisruptionBudgetProps | boolean | undefined, scaling: Scaling,
  name: string, labels: Record<string, string>, selector: Record<string, string>): kplus.k8s.KubePodDisruptionBudget | undefined {
  if (prop === false && env.production) {
    throw new ValidationError(scope, {
      field: 'disruptionBudget',
      value: false,
      rule: `environment "${env.name}" is production, where every workload has a PodDisruptionBudget`,
      fix: 'leave disruptionBudget out (the default allows one pod down at a time)',
    });
  }
  const on = prop === false ? false : prop !== undefined ? true : defaultOn(env, scaling);
  if (!on) {
    return undefined;
  }
  const p: DisruptionBudgetProps = typeof prop === 'object' ? prop : {};
  if (p.maxUnavailable !== undefined && p.minAvailable !== undefined) {
    throw new ValidationError(scope, {
      field: 'disruptionBudget',
      value: p,
      rule: 'a PodDisruptionBudget has maxUnavailable or minAvailable, not both',
      fix: 'keep one of the two, such as { maxUnavailable: 1 }',
    });
  }
  const noEviction = (field: string, value: CountOrPercent, why: string): never => {
    throw new ValidationError(scope, {
      field,
      value,
      rule: `a PodDisruptionBudget must allow at least one pod to be evicted (${why}), or node drains and cluster upgrades block forever`,
      fix: 'use maxUnavailable: 1',
    });
  };
  let spec: { maxUnavailable?: kplus.k8s.IntOrString; minAvailable?: kplus.k8s.IntOrString };
  if (p.minAvailable !== undefined) {
    const v = checkCountOrPercent(scope, 'disruptionBudget.minAvailable', p.minAvailable);
    const allowed = scaling.minPods - podsOf(v, scaling.minPods, 'up');
    if (allowed < 1) {
      noEviction('disruptionBudget.minAvailable', v, `with ${scaling.minPods} pod(s) and ${v} required available, none may go`);
    }
    spec = { minAvailable: intOrString(v) };
  } else {
    const v = checkCountOrPercent(scope, 'disruptionBudget.maxUnavailable', p.maxUnavailable ?? 1);
    if (podsOf(v, Math.max(scaling.minPods, 1), 'up') < 1) {
      noEviction('disruptionBudget.maxUnavailable', v, 'it lets no pod be unavailable');
    }
    spec = { maxUnavailable: intOrString(v) };
  }
  return new kplus.k8s.KubePodDisruptionBudget(scope, 'disruption-budget', {
    metadata: { name, labels },
    spec: { ...spec, selector: { matchLabels: selector }, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
  });
}

function intOrString(v: CountOrPercent): kplus.k8s.IntOrString {
  return typeof v === 'number' ? kplus.k8s.IntOrString.fromNumber(v) : kplus.k8s.IntOrString.fromString(v);
}

/** Checks and adds topology spread constraints (nodes, then zones) to a pod template. */
export function addTopologySpread(scope: Construct, env: Environment, prop: TopologySpreadProps | boolean | undefined, scaling: Scaling,
  obj: ApiObject, podSpecPath: string, selector: Record<string, string>, matchLabelKeys: readonly string[]): boolean {
  if (prop === false && env.production) {
    throw new ValidationError(scope, {
      field: 'topologySpread',
      value: false,
      rule: `environment "${env.name}" is production, where pods are spread across nodes so one node failure does not take the workload down`,
      fix: 'leave topologySpread out, or set { whenUnsatisfiable: "ScheduleAnyway" }',
    });
  }
  const on = prop === false ? false : prop !== undefined ? true : defaultOn(env, scaling);
  if (!on) {
    return false;
  }
  const when = (typeof prop === 'object' ? prop.whenUnsatisfiable : undefined) ?? 'ScheduleAnyway';
  if (when !== 'ScheduleAnyway' && when !== 'DoNotSchedule') {
    throw new ValidationError(scope, {
      field: 'topologySpread.whenUnsatisfiable',
      value: when,
      rule: 'must be "ScheduleAnyway" or "DoNotSchedule"',
      fix: 'use "ScheduleAnyway"',
    });
  }
  const constraint = (topologyKey: string, whenUnsatisfiable: string) => ({
    labelSelector: { matchLabels: selector },
    ...(matchLabelKeys.length > 0 ? { matchLabelKeys: [...matchLabelKeys] } : {}),
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable,
  });
  obj.addJsonPatch(JsonPatch.add(`${podSpecPath}/topologySpreadConstraints`, [
    constraint('kubernetes.io/hostname', when),
    // Zones are a preference: many clusters have one zone, or nodes without the label.
    constraint('topology.kubernetes.io/zone', 'ScheduleAnyway'),
  ]));
  return true;
}

/** The rolling-update settings of a Deployment, checked. */
export interface ResolvedRollout {
  readonly strategy: kplus.DeploymentStrategy;
  readonly revisionHistoryLimit: number;
  readonly progressDeadline: Duration;
  readonly minReady: Duration;
  /** The checked values, for renderers other than Kubernetes. */
  readonly maxSurge: CountOrPercent;
  readonly maxUnavailable: CountOrPercent;
  readonly minReadySeconds: number;
}

/** Checks rollout settings. */
export function resolveRollout(scope: Construct, props: RolloutProps | undefined): ResolvedRollout {
  const maxSurge = checkCountOrPercent(scope, 'rollout.maxSurge', props?.maxSurge ?? '25%');
  const maxUnavailable = checkCountOrPercent(scope, 'rollout.maxUnavailable', props?.maxUnavailable ?? 0);
  const isZero = (v: CountOrPercent) => v === 0 || v === '0%';
  if (isZero(maxSurge) && isZero(maxUnavailable)) {
    throw new ValidationError(scope, {
      field: 'rollout',
      value: { maxSurge, maxUnavailable },
      rule: 'a rolling update needs room to move: maxSurge and maxUnavailable may not both be 0',
      fix: 'use { maxSurge: "25%", maxUnavailable: 0 }',
    });
  }
  const minReadySeconds = checkSeconds(scope, 'rollout.minReadySeconds', props?.minReadySeconds ?? 0, 0, 3600, 10);
  const progressDeadlineSeconds = checkSeconds(scope, 'rollout.progressDeadlineSeconds', props?.progressDeadlineSeconds ?? 600, 1, 86400, 600);
  if (progressDeadlineSeconds <= minReadySeconds) {
    throw new ValidationError(scope, {
      field: 'rollout.progressDeadlineSeconds',
      value: progressDeadlineSeconds,
      rule: `the progress deadline must be longer than minReadySeconds (${minReadySeconds})`,
      fix: `use at least ${minReadySeconds + 60}`,
    });
  }
  const pct = (v: CountOrPercent) => (typeof v === 'number' ? kplus.PercentOrAbsolute.absolute(v) : kplus.PercentOrAbsolute.percent(Number(v.slice(0, -1))));
  return {
    strategy: kplus.DeploymentStrategy.rollingUpdate({ maxSurge: pct(maxSurge), maxUnavailable: pct(maxUnavailable) }),
    revisionHistoryLimit: checkCount(scope, 'rollout.revisionHistoryLimit', props?.revisionHistoryLimit ?? 5, 0, 100),
    progressDeadline: Duration.seconds(progressDeadlineSeconds),
    minReady: Duration.seconds(minReadySeconds),
    maxSurge,
    maxUnavailable,
    minReadySeconds,
  };
}

/** The checked drain settings. */
export interface ResolvedDrain {
  readonly terminationGracePeriod: Duration;
  readonly terminationGracePeriodSeconds: number;
  readonly preStop?: kplus.Handler;
}

/** Checks drain settings. */
export function resolveDrain(scope: Construct, props: DrainProps | undefined, defaultPreStop: number): ResolvedDrain {
  const grace = checkSeconds(scope, 'drain.terminationGracePeriodSeconds', props?.terminationGracePeriodSeconds ?? 30, 1, 3600, 30);
  const preStop = checkSeconds(scope, 'drain.preStopDelaySeconds', props?.preStopDelaySeconds ?? defaultPreStop, 0, 3600, 5);
  if (preStop >= grace) {
    throw new ValidationError(scope, {
      field: 'drain.preStopDelaySeconds',
      value: preStop,
      rule: `the preStop delay counts against the termination grace period (${grace}s), and would leave the app no time to stop`,
      fix: `use at most ${Math.max(0, Math.floor(grace / 3))}, or raise terminationGracePeriodSeconds`,
    });
  }
  return {
    terminationGracePeriod: Duration.seconds(grace),
    terminationGracePeriodSeconds: grace,
    preStop: preStop > 0 ? kplus.Handler.fromCommand(['sleep', String(preStop)]) : undefined,
  };
}
