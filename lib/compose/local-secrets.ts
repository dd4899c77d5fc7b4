import { Environment } from '../environments/environment';
import { ValidationError } from '../policy/errors';
import { SecretRef } from '../workloads/secret-ref';
import { ComposeVariable } from './compose-file';

/** The file, inside an environment's secrets folder, that holds the variables of secret environment variables. */
export const SECRETS_ENV_FILE = 'secrets.env';

/**
 * The local stand-ins for an environment's Secrets. prodpath never knows a secret's value, so
 * the Compose files only point at where the developer keeps it, outside the output folder:
 *
 * - a Secret key used as an environment variable is a Compose variable named after the Secret
 *   and key (`db-password` / `password` gives `DB_PASSWORD_PASSWORD`), set in
 *   `<secretsDir>/secrets.env` and passed with `docker compose --env-file`; every workload that
 *   references that key gets the same value, under its own variable name, as in Kubernetes;
 * - a Secret key mounted as a file is a Compose file secret read from `<secretsDir>/<secret>/<key>`.
 */
export class LocalSecrets {
  private readonly variables = new Map<string, { ref: SecretRef; where: string }>();
  private readonly files = new Map<string, SecretRef>();

  constructor(private readonly env: Environment, public readonly secretsDir: string) {}

  /** The Compose variable that carries the value of `ref`; `where` names the workload in messages. */
  public variable(ref: SecretRef, where: string): ComposeVariable {
    const name = `${ref.secretName}_${ref.key}`.toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^([0-9])/, '_$1');
    const before = this.variables.get(name);
    if (before !== undefined && (before.ref.secretName !== ref.secretName || before.ref.key !== ref.key)) {
      throw new ValidationError(where, {
        field: 'secret reference',
        value: `${ref.secretName}/${ref.key}`,
        rule: `${before.where} references ${before.ref.secretName}/${before.ref.key}, and both would be the Compose variable ${name}`,
        fix: 'rename one of the two Secrets or keys',
      });
    }
    this.variables.set(name, before ?? { ref, where });
    return new ComposeVariable(name, `set ${name} (Secret ${ref.secretName}, key ${ref.key}) in ${this.secretsDir}/${SECRETS_ENV_FILE}`);
  }

  /** The Compose secret name of a file secret (`<secret>__<key>`: Secret names have no `_`). */
  public file(ref: SecretRef): string {
    const name = `${ref.secretName}__${ref.key}`;
    this.files.set(name, ref);
    return name;
  }

  /** The variables referenced, sorted. */
  public get variableNames(): string[] {
    return [...this.variables.keys()].sort();
  }

  /** The file secrets referenced: Compose name and path inside the secrets folder, sorted. */
  public get fileSecrets(): { name: string; path: string }[] {
    return [...this.files.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, ref]) => ({ name, path: `${ref.secretName}/${ref.key}` }));
  }

  /** The environment these secrets belong to. */
  public get environment(): Environment {
    return this.env;
  }
}
