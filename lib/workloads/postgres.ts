import { Construct } from 'constructs';
import { ValidationError } from '../policy/errors';
import { EnvVar } from './_pod';
import { AvailabilityProps } from './availability';
import { ExternalImage } from './external-image';
import { Resources } from './resources';
import { SecretRef } from './secret-ref';
import { StatefulService } from './stateful-service';
import { IWorkload, NetworkPeer } from './workload';

/** The image {@link Postgres} runs unless told otherwise. */
export const POSTGRES_IMAGE = 'postgres:16-bookworm';

/**
 * The numeric user and group Postgres runs as. The official image's own user is 999, below
 * the 10000 that "restricted" pods need; it runs under any uid when its data directory is on
 * a volume the pod's fsGroup owns (its entrypoint creates PGDATA and uses nss_wrapper).
 */
export const POSTGRES_USER_IDS = { uid: 10999, gid: 10999 } as const;

/** Props for {@link Postgres}. */
export interface PostgresProps extends AvailabilityProps {
  /** The size of the data volume, such as `10Gi`. */
  readonly storage: string;
  /** The password of the database user, by reference (the key must hold the password alone). */
  readonly password: SecretRef;
  /**
   * The image: the official `postgres` image or one built like it (its entrypoint, `pg_isready`).
   * @default ExternalImage.of('postgres:16-bookworm', { user: { uid: 10999, gid: 10999 }, port: 5432 })
   */
  readonly image?: ExternalImage;
  /**
   * The database created on first start.
   * @default 'app'
   */
  readonly database?: string;
  /**
   * The user created on first start, who owns the database.
   * @default 'app'
   */
  readonly user?: string;
  /**
   * The StorageClass of the data volume.
   * @default - the environment's `storageClassName`, else the cluster's default
   */
  readonly storageClassName?: string;
  /**
   * CPU, memory and ephemeral storage.
   * @default { cpu: { request: '250m' }, memory: { request: '512Mi', limit: '1Gi' } }
   */
  readonly resources?: Resources;
  /**
   * More environment variables for the image (`POSTGRES_INITDB_ARGS`, ...).
   * @default {}
   */
  readonly config?: Readonly<Record<string, string>>;
  /**
   * The name of the StatefulSet, Service and pods.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Who else may connect, besides the workloads that list this database in `connectsTo`.
   * @default []
   */
  readonly allowFrom?: readonly (IWorkload | NetworkPeer)[];
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * PostgreSQL as a {@link StatefulService}: one pod, its data on a persistent volume
 * (`PGDATA` is a subfolder of the volume, so the entrypoint can create it owned by the pod's
 * user), readiness through `pg_isready`, a fast shutdown before SIGTERM (Postgres treats
 * SIGTERM as a "smart" shutdown that waits for every client), and the password from a
 * secret reference.
 *
 * A client that lists it in `connectsTo` gets `<P>_HOST`, `<P>_PORT`, `<P>_USER`,
 * `<P>_DATABASE` and `<P>_PASSWORD` (from the same Secret), where `<P>` is the name upper-cased.
 *
 * @example
 * const db = new Postgres(env, 'db', { storage: env.is('prod') ? '50Gi' : '1Gi', password: SecretRef.external('shop/db-password') });
 */
export class Postgres extends StatefulService {
  /** The database name. */
  public readonly database: string;
  /** The database user. */
  public readonly user: string;
  /** The password reference. */
  public readonly password: SecretRef;

  constructor(scope: Construct, id: string, props: PostgresProps) {
    const database = props.database ?? 'app';
    const user = props.user ?? 'app';
    const image = props.image ?? ExternalImage.of(POSTGRES_IMAGE, { user: { ...POSTGRES_USER_IDS }, port: 5432 });
    const mountPath = '/var/lib/postgresql/data';
    super(scope, id, {
      name: props.name,
      image,
      port: image.port ?? 5432,
      portName: 'postgres',
      storage: { size: props.storage, mountPath, storageClassName: props.storageClassName },
      replicas: 1,
      config: {
        ...(props.config ?? {}),
        PGDATA: `${mountPath}/pgdata`,
        POSTGRES_DB: database,
        POSTGRES_USER: user,
      },
      secrets: { POSTGRES_PASSWORD: props.password },
      resources: props.resources ?? { cpu: { request: '250m' }, memory: { request: '512Mi', limit: '1Gi' } },
      readinessCommand: ['pg_isready', '--host=127.0.0.1', `--port=${image.port ?? 5432}`, `--username=${user}`, `--dbname=${database}`],
      stopCommand: ['pg_ctl', 'stop', '--mode=fast', '--wait', '--timeout=50'],
      writableDirs: [
        { path: '/var/run/postgresql' },
        // Parallel queries use POSIX shared memory; a container's default /dev/shm is 64Mi.
        { path: '/dev/shm', memory: true, sizeLimit: '256Mi' },
      ],
      allowFrom: props.allowFrom,
      disruptionBudget: props.disruptionBudget,
      topologySpread: props.topologySpread,
      drain: { terminationGracePeriodSeconds: 60, ...(props.drain ?? {}) },
    }, { component: 'database', startupSeconds: 300, kind: 'Postgres' });
    for (const [field, value] of [['database', database], ['user', user]] as const) {
      if (!IDENTIFIER.test(value)) {
        throw new ValidationError(this, {
          field,
          value,
          rule: 'a Postgres identifier here is 1 to 63 lowercase letters, digits or "_", not starting with a digit',
          fix: 'use a name such as "app"',
        });
      }
    }
    for (const key of ['PGDATA', 'POSTGRES_DB', 'POSTGRES_USER', 'POSTGRES_PASSWORD']) {
      if (props.config !== undefined && Object.prototype.hasOwnProperty.call(props.config, key)) {
        throw new ValidationError(this, {
          field: `config.${key}`,
          value: props.config[key],
          rule: 'Postgres sets this variable itself',
          fix: key === 'POSTGRES_DB' ? 'use the database prop' : key === 'POSTGRES_USER' ? 'use the user prop' : `leave ${key} out`,
        });
      }
    }
    this.database = database;
    this.user = user;
    this.password = props.password;
  }

  /** `<P>_HOST`, `<P>_PORT`, `<P>_USER`, `<P>_DATABASE`, and `<P>_PASSWORD` from the password's Secret. */
  public connectionEnv(prefix: string): EnvVar[] {
    return [
      ...super.connectionEnv(prefix),
      { name: `${prefix}_DATABASE`, value: this.database },
      { name: `${prefix}_PASSWORD`, secret: this.password },
      { name: `${prefix}_USER`, value: this.user },
    ];
  }
}
