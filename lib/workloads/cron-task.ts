import { ApiObject, Cron, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ValidationError } from '../policy/errors';
import { checkCount } from '../policy/names';
import { checkCronSchedule, checkSeconds, checkTimeZone } from './_checks';
import type { MigrationJob } from './migration-job';
import { Workload, WorkloadProps } from './workload';

/** What a CronTask does when a run is due while the previous one still runs. */
export type ConcurrencyPolicy = 'Forbid' | 'Replace' | 'Allow';

/** Props for {@link CronTask}. */
export interface CronTaskProps extends WorkloadProps {
  /**
   * When to run: five cron fields `minute hour day-of-month month day-of-week`
   * (e.g. `0 3 * * *`, every day at 03:00), or a macro such as `@daily`.
   */
  readonly schedule: string;
  /**
   * The IANA time zone of the schedule.
   * @default - the time zone of the kube-controller-manager (usually UTC)
   */
  readonly timeZone?: string;
  /**
   * What happens when a run is due while the previous one still runs.
   * @default 'Forbid' - skip the new run
   */
  readonly concurrencyPolicy?: ConcurrencyPolicy;
  /**
   * How late a missed run may still start, in seconds (after a controller outage).
   * @default 300
   */
  readonly startingDeadlineSeconds?: number;
  /**
   * How many finished successful Jobs to keep.
   * @default 3
   */
  readonly successfulJobsHistoryLimit?: number;
  /**
   * How many finished failed Jobs to keep.
   * @default 3
   */
  readonly failedJobsHistoryLimit?: number;
  /**
   * Seconds after which a finished Job (and its pods and logs) is deleted, even when the
   * history limits would keep it.
   * @default - none: the history limits decide which finished Jobs are kept
   */
  readonly ttlSecondsAfterFinished?: number;
  /**
   * How many times a failed run is retried (a new pod each time).
   * @default 2
   */
  readonly backoffLimit?: number;
  /**
   * The most a run may take, in seconds, before it is stopped and marked failed.
   * @default 3600
   */
  readonly timeoutSeconds?: number;
  /**
   * Migrations whose schema must be in place before a run starts.
   * @default []
   */
  readonly waitFor?: readonly MigrationJob[];
}

/**
 * A scheduled task: a CronJob whose schedule is checked as five cron fields, with a
 * concurrency policy, history limits, a starting deadline, a TTL and a timeout, and pods
 * hardened like every prodpath workload. The name is at most 52 characters (the CronJob
 * controller adds 11 to name its Jobs).
 *
 * @example
 * new CronTask(env, 'cleanup', { image: api, schedule: '0 3 * * *', command: ['node', 'dist/cleanup.js'] });
 */
export class CronTask extends Workload {
  /** The CronJob. */
  public readonly cronJob: kplus.CronJob;
  /** The schedule, as checked. */
  public readonly schedule: string;
  /** The IANA time zone of the schedule, when set. */
  public readonly timeZone?: string;

  constructor(scope: Construct, id: string, props: CronTaskProps) {
    super(scope, id, props, {
      component: 'job',
      kind: 'CronTask',
      derivedNames: [{ what: 'name of the Jobs the CronJob controller makes (<name>-<10 digits>)', of: (n) => `${n}-0123456789`, max: 63 }],
      commandExample: '["node", "dist/cleanup.js"]',
    });
    this.schedule = checkCronSchedule(this, 'schedule', props.schedule);
    const timeZone = props.timeZone === undefined ? undefined : checkTimeZone(this, 'timeZone', props.timeZone);
    this.timeZone = timeZone;
    const policy = props.concurrencyPolicy ?? 'Forbid';
    if (!['Forbid', 'Replace', 'Allow'].includes(policy)) {
      throw new ValidationError(this, {
        field: 'concurrencyPolicy',
        value: policy,
        rule: 'must be "Forbid", "Replace" or "Allow"',
        fix: 'use "Forbid"',
      });
    }
    const startingDeadline = checkSeconds(this, 'startingDeadlineSeconds', props.startingDeadlineSeconds ?? 300, 10, 86400, 300);
    const successful = checkCount(this, 'successfulJobsHistoryLimit', props.successfulJobsHistoryLimit ?? 3, 0, 100);
    const failed = checkCount(this, 'failedJobsHistoryLimit', props.failedJobsHistoryLimit ?? 3, 0, 100);
    const ttl = props.ttlSecondsAfterFinished === undefined ? undefined
      : checkSeconds(this, 'ttlSecondsAfterFinished', props.ttlSecondsAfterFinished, 0, 31536000, 86400);
    const backoffLimit = checkCount(this, 'backoffLimit', props.backoffLimit ?? 2, 0, 100);
    const timeout = checkSeconds(this, 'timeoutSeconds', props.timeoutSeconds ?? 3600, 1, 604800, 3600);
    const inits = this.migrationGates(props.waitFor);

    const cronFields = this.schedule.startsWith('@') ? undefined : this.schedule.split(' ');
    this.cronJob = new kplus.CronJob(this, 'cron-job', {
      metadata: { name: this.name, labels: { ...this.objectLabels } },
      schedule: cronFields
        ? Cron.schedule({ minute: cronFields[0], hour: cronFields[1], day: cronFields[2], month: cronFields[3], weekDay: cronFields[4] })
        : Cron.daily(),
      timeZone,
      concurrencyPolicy: policy as kplus.ConcurrencyPolicy,
      startingDeadline: Duration.seconds(startingDeadline),
      successfulJobsRetained: successful,
      failedJobsRetained: failed,
      backoffLimit,
      activeDeadline: Duration.seconds(timeout),
      ...this.podBaseline(),
      containers: [this.mainContainerProps({})],
    });
    const obj = ApiObject.of(this.cronJob);
    if (ttl !== undefined) {
      // cdk8s-plus refuses a TTL next to history limits; Kubernetes takes both.
      obj.addJsonPatch(JsonPatch.add('/spec/jobTemplate/spec/ttlSecondsAfterFinished', ttl));
    }
    if (!cronFields) {
      // cdk8s's Cron builds five fields only: write a macro such as @daily as it is.
      obj.addJsonPatch(JsonPatch.replace('/spec/schedule', this.schedule));
    }
    this.finishPod(this.cronJob, obj, '/spec/jobTemplate/spec/template/spec', {}, inits);
  }
}
