/**
 * Props shared by long-running workloads for scaling, disruptions, spreading and rollouts.
 * The defaults follow the environment: in production every workload gets a
 * PodDisruptionBudget and topology spread; elsewhere, every workload that may run more than
 * one pod does.
 */

/** A number of pods, or a percentage such as `"25%"`. */
export type PodCount = number | `${number}%`;

/**
 * Horizontal Pod Autoscaler (autoscaling/v2) of a Deployment. Fields left out come from the
 * environment's `autoscale` setting. With an HPA, the Deployment has no `replicas` field.
 */
export interface AutoscaleProps {
  /**
   * The fewest pods.
   * @default - the environment's autoscale.min, else its `replicas`, else 2 in production and 1 elsewhere
   */
  readonly min?: number;
  /**
   * The most pods.
   * @default - the environment's autoscale.max (one of the two must give it)
   */
  readonly max?: number;
  /**
   * The target average CPU use, in percent of the CPU request.
   * @default - the environment's autoscale.cpuUtilization, else 70
   */
  readonly cpuUtilization?: number;
  /**
   * The target average memory use, in percent of the memory request.
   * @default - the environment's autoscale.memoryUtilization, else memory does not drive scaling
   */
  readonly memoryUtilization?: number;
}

/**
 * A PodDisruptionBudget: how many pods voluntary disruptions (node drains, cluster upgrades)
 * may take down at once. It must allow at least one eviction, or drains block forever.
 * Give one of the two fields. prodpath always sets `unhealthyPodEvictionPolicy: AlwaysAllow`,
 * so pods that are not ready never block a drain.
 */
export interface DisruptionBudgetProps {
  /**
   * How many pods may be down at once.
   * @default 1 (when minAvailable is not given)
   */
  readonly maxUnavailable?: PodCount;
  /**
   * How many pods must stay up.
   * @default - maxUnavailable is used instead
   */
  readonly minAvailable?: PodCount;
}

/** Topology spread constraints: how pods are spread over nodes and zones. */
export interface TopologySpreadProps {
  /**
   * What the scheduler does when it cannot keep the spread within one pod: `ScheduleAnyway`
   * (prefer spreading, still run the pod) or `DoNotSchedule` (leave the pod pending).
   * @default 'ScheduleAnyway'
   */
  readonly whenUnsatisfiable?: 'ScheduleAnyway' | 'DoNotSchedule';
}

/** How a Deployment replaces its pods on a change. */
export interface RolloutProps {
  /**
   * How many extra pods may run during a rollout.
   * @default '25%'
   */
  readonly maxSurge?: PodCount;
  /**
   * How many pods may be unavailable during a rollout.
   * @default 0 - old pods serve until new ones are ready
   */
  readonly maxUnavailable?: PodCount;
  /**
   * How many old ReplicaSets are kept for `kubectl rollout undo`.
   * @default 5
   */
  readonly revisionHistoryLimit?: number;
  /**
   * How long a rollout may make no progress before it is reported failed.
   * @default 600
   */
  readonly progressDeadlineSeconds?: number;
  /**
   * How long a new pod must be ready before it counts as available.
   * @default 0
   */
  readonly minReadySeconds?: number;
}

/** How pods stop: a grace period, and a pause before SIGTERM so load balancers stop sending traffic. */
export interface DrainProps {
  /**
   * How long a pod may take to stop after SIGTERM before it is killed.
   * @default 30
   */
  readonly terminationGracePeriodSeconds?: number;
  /**
   * Seconds the pod keeps serving after it is marked terminating (a preStop `sleep`), while
   * endpoints and load balancers drop it. The image needs a `sleep` program; 0 turns it off.
   * @default 5 for web services, 0 for other workloads
   */
  readonly preStopDelaySeconds?: number;
}

/** Availability props of every long-running workload (web services, workers, stateful services). */
export interface AvailabilityProps {
  /**
   * The PodDisruptionBudget: `false` turns it off (not allowed in production).
   * @default - { maxUnavailable: 1 } in production and for workloads that may run more than one pod; none otherwise
   */
  readonly disruptionBudget?: DisruptionBudgetProps | boolean;
  /**
   * Spreading pods across nodes (and, as a preference, zones): `false` turns it off (not allowed in production).
   * @default - on in production and for workloads that may run more than one pod
   */
  readonly topologySpread?: TopologySpreadProps | boolean;
  /** How pods stop. @default - see {@link DrainProps} */
  readonly drain?: DrainProps;
}
