import * as crypto from 'crypto';
import { ApiObject, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ValidationError } from '../policy/errors';
import { checkCommand, checkCount } from '../policy/names';
import { checkSeconds } from './_checks';
import { ContainerExtras, ContainerSpec } from './_pod';
import { IMigration, Workload, WorkloadProps } from './workload';

/** Props for {@link MigrationJob}. */
export interface MigrationJobProps extends WorkloadProps {
  /** The command that migrates the schema. It must be idempotent: it may run more than once per release. */
  readonly command: readonly string[];
  /**
   * A command, run in the same image with the same environment, that exits 0 once the schema
   * this release needs is in place (and otherwise waits, or exits non-zero to be retried).
   * Workloads that list the migration in `waitFor` run it as an init container.
   */
  readonly waitCommand: readonly string[];
  /**
   * How many times a failed migration is retried (a new pod each time, with a growing delay:
   * the database may still be starting on a first install).
   * @default 6
   */
  readonly backoffLimit?: number;
  /**
   * The most the migration may take, in seconds, before it is stopped and marked failed.
   * @default 1800
   */
  readonly timeoutSeconds?: number;
  /**
   * Seconds after which the finished Job (and its pod and logs) is deleted.
   * @default 86400 (one day)
   */
  readonly ttlSecondsAfterFinished?: number;
  /**
   * The Argo CD hook the Job is annotated with: `Sync` runs it while the other objects are
   * applied (so it works on a first install, before the database exists), `PreSync` before
   * them; `false` leaves Argo CD annotations out.
   * @default 'Sync'
   */
  readonly argoCdHook?: 'Sync' | 'PreSync' | false;
}

/**
 * A schema migration that runs before a new version of the app serves traffic.
 *
 * It renders a Job named `<name>-<hash of its rendered spec>`: a new release (new image, new
 * command, new configuration) gives a new Job, so `kubectl apply` never trips over a Job's
 * immutable pod template, and re-applying the same release changes nothing. The Job carries
 * Argo CD hook annotations (`hook: Sync`, `hook-delete-policy: BeforeHookCreation`), so Argo
 * CD runs it on each sync and reports its outcome, and its TTL does not make the app OutOfSync.
 *
 * Ordering does not depend on the deploy tool: each workload that lists the migration in
 * `waitFor` gets an init container that runs `waitCommand` (same image, same environment)
 * until the schema is in place. Its pods do not start, and with the default rolling update
 * (maxUnavailable 0) the old pods keep serving until then. That works with plain
 * `kubectl apply -k`, Argo CD and Flux alike, survives the Job's TTL deletion, and needs no
 * access to the Kubernetes API from the pods (they have no service-account token).
 *
 * @example
 * const migrate = new MigrationJob(env, 'migrate', {
 *   image: api, command: ['node', 'dist/migrate.js'], waitCommand: ['node', 'dist/migrate.js', '--wait'], connectsTo: [db],
 * });
 * new WebService(env, 'api', { image: api, connectsTo: [db], waitFor: [migrate] });
 */
export class MigrationJob extends Workload implements IMigration {
  /** The Job. */
  public readonly job: kplus.Job;
  /** The Job's name: `<name>-<hash>`. */
  public readonly jobName: string;
  /** The command that waits for the schema. */
  public readonly waitCommand: readonly string[];
  /** How many times a failed migration is retried. */
  public readonly backoffLimit: number;
  /** The most the migration may take, in seconds. */
  public readonly timeoutSeconds: number;

  constructor(scope: Construct, id: string, props: MigrationJobProps) {
    super(scope, id, props, {
      component: 'migration',
      kind: 'MigrationJob',
      derivedNames: [
        { what: 'Job name (<name>-<10 hex of its content>)', of: (n) => `${n}-0123456789`, max: 63 },
        { what: 'name of the init container that waits for it (wait-<name>)', of: (n) => `wait-${n}`, max: 63 },
      ],
      commandExample: '["node", "dist/migrate.js"]',
    });
    if (props.command === undefined) {
      throw new ValidationError(this, {
        field: 'command',
        value: undefined,
        rule: 'a migration needs the command that migrates the schema',
        fix: 'set command: ["node", "dist/migrate.js"]',
      });
    }
    this.waitCommand = checkCommand(this, 'waitCommand', props.waitCommand, '["node", "dist/migrate.js", "--wait"]');
    const backoffLimit = checkCount(this, 'backoffLimit', props.backoffLimit ?? 6, 0, 100);
    const timeout = checkSeconds(this, 'timeoutSeconds', props.timeoutSeconds ?? 1800, 1, 604800, 1800);
    this.backoffLimit = backoffLimit;
    this.timeoutSeconds = timeout;
    const ttl = checkSeconds(this, 'ttlSecondsAfterFinished', props.ttlSecondsAfterFinished ?? 86400, 0, 31536000, 86400);
    const hook = props.argoCdHook ?? 'Sync';
    if (hook !== false && hook !== 'Sync' && hook !== 'PreSync') {
      throw new ValidationError(this, {
        field: 'argoCdHook',
        value: hook,
        rule: 'must be "Sync", "PreSync" or false',
        fix: 'use "Sync"',
      });
    }
    const annotations: Record<string, string> = hook === false ? {} : {
      'argocd.argoproj.io/hook': hook,
      'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
    };

    this.job = new kplus.Job(this, 'job', {
      metadata: { name: this.name, labels: { ...this.objectLabels }, annotations },
      backoffLimit,
      activeDeadline: Duration.seconds(timeout),
      ttlAfterFinished: Duration.seconds(ttl),
      ...this.podBaseline(),
      containers: [this.mainContainerProps({})],
    });
    const obj = ApiObject.of(this.job);
    this.finishPod(this.job, obj, '/spec/template/spec', {});
    // Name the Job by what it runs: render its spec now (everything is set) and hash it.
    const spec = (obj.toJson() as { spec: unknown }).spec;
    this.jobName = `${this.name}-${crypto.createHash('sha256').update(canonicalJson(spec)).digest('hex').slice(0, 10)}`;
    // The name is known only now: set it on the object (cdk8s keeps it in two plain fields,
    // which TypeScript declares readonly), so collision checks and messages see it too.
    (obj as { name: string }).name = this.jobName;
    (obj.metadata as { name?: string }).name = this.jobName;
  }

  /**
   * The init container that holds a workload's pods until the schema is in place.
   * @internal
   */
  public _gate(): { spec: ContainerSpec; extras: ContainerExtras } {
    return { spec: this.containerSpec, extras: { name: `wait-${this.name}`, command: this.waitCommand } };
  }
}

/** JSON with object keys sorted, so the hash does not depend on key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(canonicalJson).join(',')}]`;
  }
  if (typeof value === 'object' && value !== null) {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
