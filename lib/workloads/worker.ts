import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ValidationError } from '../policy/errors';
import { checkCommand, checkPort } from '../policy/names';
import { NamedPortProbes } from './_pod';
import { AutoscaleProps, AvailabilityProps, RolloutProps } from './availability';
import type { MigrationJob } from './migration-job';
import { Workload, WorkloadProps } from './workload';

/**
 * How a worker shows it is alive: a command that exits 0 (`exec`), or a TCP port that accepts
 * connections (`tcpPort`, declared on the container as the named port `health`).
 */
export type WorkerHealth =
  | { readonly exec: readonly string[] }
  | { readonly tcpPort: number };

/** Props for {@link Worker}. */
export interface WorkerProps extends WorkloadProps, AvailabilityProps {
  /**
   * The liveness and readiness check. A worker serves no traffic, so there is no HTTP check.
   * @default - the image's own HEALTHCHECK command, when its recipe has a command check (such
   * as `ImageRecipe.node({ port: false, healthCheck: { kind: 'command', command } })`), so the
   * Dockerfile and the probes run the same check
   */
  readonly health?: WorkerHealth;
  /**
   * How many pods run. Leave it out to autoscale when the environment has an `autoscale` setting.
   * @default - the environment's `replicas` setting, else 2 in production and 1 elsewhere
   */
  readonly replicas?: number;
  /**
   * A HorizontalPodAutoscaler: `true` or settings to turn it on, `false` to turn the
   * environment's autoscaling off for this worker.
   * @default - the environment's `autoscale` setting, when `replicas` is not set
   */
  readonly autoscale?: AutoscaleProps | boolean;
  /** Rolling-update settings. @default - see {@link RolloutProps} */
  readonly rollout?: RolloutProps;
  /**
   * Migrations whose schema must be in place before a pod starts.
   * @default []
   */
  readonly waitFor?: readonly MigrationJob[];
}

/**
 * A background worker (a queue consumer, a scheduler): a Deployment without a Service, with
 * exec or TCP probes, hardened like every prodpath workload. Nothing may connect to it; it
 * connects out to its `connectsTo` targets.
 *
 * @example
 * new Worker(env, 'mailer', { image: api, command: ['node', 'dist/mailer.js'], health: { exec: ['node', 'dist/mailer.js', '--check'] } });
 */
export class Worker extends Workload {
  /** The Deployment. */
  public readonly deployment: kplus.Deployment;
  /** The HorizontalPodAutoscaler, when autoscaled. */
  public readonly autoscaler?: kplus.HorizontalPodAutoscaler;
  /** The PodDisruptionBudget, when there is one. */
  public readonly disruptionBudget?: kplus.k8s.KubePodDisruptionBudget;

  constructor(scope: Construct, id: string, props: WorkerProps) {
    super(scope, id, props, { component: 'worker', kind: 'Worker', commandExample: '["node", "dist/worker.js"]' });
    const imageCommand = this.image.image?.declaredHealth.healthCommand;
    const health = (props.health ?? (imageCommand === undefined ? undefined : { exec: imageCommand })) as Partial<{ exec: readonly string[]; tcpPort: number }> | undefined;
    const fix = 'use health: { exec: ["node", "dist/worker.js", "--check"] } or health: { tcpPort: 9090 }, or give the image recipe a command healthCheck';
    if (typeof health !== 'object' || health === null || (health.exec === undefined) === (health.tcpPort === undefined)) {
      throw new ValidationError(this, {
        field: 'health',
        value: health,
        rule: 'a worker has a liveness check: either a command (exec) or a TCP port (tcpPort)',
        fix,
      });
    }
    let probe: (failureThreshold: number, period: number) => kplus.Probe;
    let ports: kplus.ContainerPort[] | undefined;
    const named: NamedPortProbes = {};
    if (health.exec !== undefined) {
      const command = checkCommand(this, 'health.exec', health.exec, '["node", "dist/worker.js", "--check"]');
      this.readinessCheck = { kind: 'exec', command, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3, startupSeconds: 60 };
      probe = (failureThreshold, period) => kplus.Probe.fromCommand(command, {
        periodSeconds: Duration.seconds(period), timeoutSeconds: Duration.seconds(5), failureThreshold,
      });
    } else {
      const port = checkPort(this, 'health.tcpPort', health.tcpPort);
      this.readinessCheck = { kind: 'tcp', port, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3, startupSeconds: 60 };
      ports = [{ number: port, name: 'health' }];
      probe = (failureThreshold, period) => kplus.Probe.fromTcpSocket({
        port, periodSeconds: Duration.seconds(period), timeoutSeconds: Duration.seconds(2), failureThreshold,
      });
      named.readinessProbe = { handler: 'tcpSocket', port: 'health' };
      named.livenessProbe = { handler: 'tcpSocket', port: 'health' };
      named.startupProbe = { handler: 'tcpSocket', port: 'health' };
    }
    // An image left at its recipe's defaults and run only by workers takes this check as its
    // HEALTHCHECK and drops its port (lib/images/image.ts).
    this.image.image?.noteUse({ user: this, role: 'worker', check: this.readinessCheck.kind === 'exec' ? { exec: this.readinessCheck.command } : { tcpPort: this.readinessCheck.port } });
    const parts = this.createDeployment(props, {
      ports,
      readiness: probe(3, 10),
      liveness: probe(3, 30),
      startup: probe(30, 2),
    }, named, 0);
    this.deployment = parts.deployment;
    this.autoscaler = parts.autoscaler;
    this.disruptionBudget = parts.disruptionBudget;
  }
}
