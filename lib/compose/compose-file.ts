/**
 * The subset of the Compose file model prodpath renders (compose-spec, and the Compose file
 * format 3.x that `docker stack deploy` reads). Plain data: the renderer builds it, the YAML
 * writer turns it into text.
 */

/**
 * A value Compose takes from the environment of the `docker compose` command when it reads the
 * file (`${NAME:?message}`): the way a secret reaches a service without its value ever being
 * written to the file. Every other string is written literally (`$` escaped as `$$`).
 */
export class ComposeVariable {
  constructor(
    /** The variable's name. */
    public readonly name: string,
    /** The error Compose prints when the variable is unset or empty. */
    public readonly message: string,
  ) {}

  /** The reference as Compose reads it. */
  public toString(): string {
    return `\${${this.name}:?${this.message}}`;
  }
}

/** A string, or a value Compose interpolates from its environment. */
export type ComposeString = string | ComposeVariable;

/** `healthcheck:` of a service. */
export interface ComposeHealthcheck {
  /** `["CMD", ...]`; left out to run the image's own HEALTHCHECK. */
  readonly test?: readonly string[];
  readonly interval: string;
  readonly timeout: string;
  readonly retries: number;
  readonly start_period: string;
}

/** One entry of a service's `volumes:` (long syntax). */
export type ComposeMount =
  | { readonly type: 'volume'; readonly source: string; readonly target: string }
  | { readonly type: 'tmpfs'; readonly target: string; readonly tmpfs: { readonly size: number } };

/** `deploy.resources.limits` or `reservations`. */
export interface ComposeResourceSpec {
  readonly cpus?: string;
  readonly memory?: string;
}

/** `deploy:` of a service (Swarm and Compose both read it). */
export interface ComposeDeploy {
  readonly replicas?: number;
  readonly resources?: { readonly limits?: ComposeResourceSpec; readonly reservations?: ComposeResourceSpec };
  readonly restart_policy: { readonly condition: 'any' | 'on-failure' | 'none'; readonly delay?: string; readonly max_attempts?: number };
  readonly update_config?: {
    readonly parallelism: number;
    readonly order: 'start-first' | 'stop-first';
    readonly failure_action: 'rollback' | 'pause';
    readonly monitor?: string;
  };
  /** How Swarm rolls back a failed update: the same pace and order, pausing if the rollback fails too. */
  readonly rollback_config?: {
    readonly parallelism: number;
    readonly order: 'start-first' | 'stop-first';
    readonly failure_action: 'pause' | 'continue';
    readonly monitor?: string;
  };
}

/** `depends_on.<service>` (long syntax). */
export interface ComposeDependency {
  readonly condition: 'service_started' | 'service_healthy' | 'service_completed_successfully';
}

/** A service's `secrets:` entry: a file secret mounted at `target`. */
export interface ComposeSecretMount {
  readonly source: string;
  readonly target: string;
}

/** One service. */
export interface ComposeService {
  readonly image: string;
  readonly build?: { readonly context: string; readonly dockerfile: string; readonly args?: Readonly<Record<string, string>> };
  readonly entrypoint?: readonly string[];
  readonly environment?: Readonly<Record<string, ComposeString>>;
  readonly ports?: readonly string[];
  readonly user: string;
  readonly read_only: true;
  readonly cap_drop: readonly ['ALL'];
  readonly security_opt?: readonly string[];
  readonly volumes: readonly ComposeMount[];
  readonly secrets?: readonly ComposeSecretMount[];
  readonly healthcheck?: ComposeHealthcheck;
  readonly depends_on?: Readonly<Record<string, ComposeDependency>>;
  readonly networks: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  readonly profiles?: readonly string[];
  readonly restart?: 'always' | 'no';
  readonly stop_grace_period?: string;
  readonly deploy: ComposeDeploy;
}

/** A top-level secret: a local file (Compose), or one created beforehand in the swarm (`docker secret create`). */
export type ComposeSecret = { readonly file: string } | { readonly external: true; readonly name: string };

/** A whole file. */
export interface ComposeFile {
  /** The Compose file format version: `docker stack deploy` of Docker 20.10 refuses a file without one. */
  readonly version?: string;
  /** The project name (Compose only: `docker stack deploy` takes it on the command line). */
  readonly name?: string;
  readonly services: Readonly<Record<string, ComposeService>>;
  readonly networks: Readonly<Record<string, Record<string, never>>>;
  readonly volumes?: Readonly<Record<string, Record<string, never>>>;
  readonly secrets?: Readonly<Record<string, ComposeSecret>>;
}
