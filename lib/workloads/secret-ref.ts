import { ApiObject, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { Environment } from '../environments/environment';
import { ValidationError } from '../policy/errors';
import { checkConfigKey, checkDns1123Subdomain } from '../policy/names';
import { MANAGED_BY } from './labels';

/** Options for {@link SecretRef.external}. */
export interface ExternalSecretOptions {
  /**
   * The name of the external-secrets.io store to read from.
   * @default - the environment's `secretStore` setting
   */
  readonly store?: string;
  /**
   * The kind of the store.
   * @default - the environment's `secretStore.kind`, else 'ClusterSecretStore'
   */
  readonly storeKind?: 'SecretStore' | 'ClusterSecretStore';
  /**
   * The property inside the remote secret (for stores that keep JSON objects).
   * @default - the whole remote value
   */
  readonly property?: string;
  /**
   * The name of the Kubernetes Secret the ExternalSecret writes.
   * @default - the remote key in lowercase with other characters than letters, digits, '.' and '-' replaced by '-' (`shop/db-url` gives `shop-db-url`)
   */
  readonly secretName?: string;
  /**
   * The key of the value inside that Secret (also the file name when mounted).
   * @default - the property, else 'value'
   */
  readonly key?: string;
  /**
   * How often external-secrets refreshes the value (a Go duration).
   * @default '1h'
   */
  readonly refreshInterval?: string;
}

/** Options for {@link SecretRef.sealed}. */
export interface SealedSecretOptions {
  /** The name of the SealedSecret and of the Secret the controller unseals it into. */
  readonly name: string;
  /** The key of the value this reference points at. */
  readonly key: string;
  /**
   * The encrypted values, as `kubeseal` writes them (base64 ciphertext), by key. Sealed
   * values are bound to a namespace: give each environment its own (read them from the
   * environment's settings).
   */
  readonly encryptedData: Readonly<Record<string, string>>;
  /**
   * The sealing scope the values were encrypted with.
   * @default 'strict'
   */
  readonly scope?: 'strict' | 'namespace-wide' | 'cluster-wide';
}

type SecretSource =
  | { readonly kind: 'existing' }
  | { readonly kind: 'external'; readonly remoteKey: string; readonly options: ExternalSecretOptions }
  | { readonly kind: 'sealed'; readonly options: SealedSecretOptions };

/**
 * A reference to one value of a Kubernetes Secret. prodpath never holds a secret's value:
 * the Secret exists already, or an ExternalSecret (external-secrets.io/v1) or a SealedSecret
 * (bitnami.com/v1alpha1) that prodpath renders makes it in the cluster.
 *
 * Use references in a workload's `secrets` (environment variables, as `secretKeyRef`) or
 * `secretFiles` (files in a read-only volume).
 *
 * @example
 * secrets: {
 *   DATABASE_URL: SecretRef.external('shop/db-url', { store: 'vault' }),
 *   STRIPE_KEY: SecretRef.fromSecretName('stripe', 'api-key'),
 * }
 */
export class SecretRef {
  /** A key of a Secret that exists in the namespace already (made by hand or by another tool). */
  public static fromSecretName(name: string, key: string): SecretRef {
    return new SecretRef(name, key, { kind: 'existing' });
  }

  /**
   * A value of an external secret manager (Vault, AWS Secrets Manager, GCP Secret Manager...),
   * copied into a Secret by external-secrets.io. prodpath renders the ExternalSecret in every
   * environment that uses the reference; references to the same Secret share one ExternalSecret.
   */
  public static external(remoteKey: string, options: ExternalSecretOptions = {}): SecretRef {
    const name = options.secretName ?? deriveSecretName(remoteKey);
    return new SecretRef(name, options.key ?? options.property ?? 'value', { kind: 'external', remoteKey, options });
  }

  /** A value of a SealedSecret (bitnami-labs/sealed-secrets), given as the ciphertext `kubeseal` wrote. */
  public static sealed(options: SealedSecretOptions): SecretRef {
    return new SecretRef(options?.name, options?.key, { kind: 'sealed', options });
  }

  /** Whether `x` is a SecretRef. */
  public static isSecretRef(x: unknown): x is SecretRef {
    return x instanceof SecretRef;
  }

  /** The name of the Kubernetes Secret. */
  public readonly secretName: string;
  /** The key inside the Secret. */
  public readonly key: string;
  private readonly source: SecretSource;

  private constructor(secretName: string, key: string, source: SecretSource) {
    this.secretName = secretName;
    this.key = key;
    this.source = source;
  }

  /** Where the value comes from: `existing`, `external` or `sealed`. */
  public get sourceKind(): 'existing' | 'external' | 'sealed' {
    return this.source.kind;
  }

  /**
   * Checks the reference and makes sure the objects that create its Secret exist in the
   * environment of `scope`. Called by workloads; `field` names the setting in messages.
   * @internal
   */
  public _bind(scope: IConstruct, field: string): void {
    checkDns1123Subdomain(scope, `${field}.secretName`, this.secretName);
    checkConfigKey(scope, `${field}.key`, this.key);
    if (this.source.kind === 'existing') {
      return;
    }
    const env = Environment.of(scope);
    const registry = SecretObjects.of(env);
    if (this.source.kind === 'external') {
      const o = this.source.options;
      if (typeof this.source.remoteKey !== 'string' || this.source.remoteKey.trim() === '') {
        throw new ValidationError(scope, {
          field: `${field}.remoteKey`,
          value: this.source.remoteKey,
          rule: 'an external secret needs the key of the value in the secret manager',
          fix: 'use SecretRef.external("shop/db-url")',
        });
      }
      const store = o.store ?? env.settings.secretStore?.name;
      if (store === undefined) {
        throw new ValidationError(scope, {
          field: `${field}.store`,
          value: undefined,
          rule: `SecretRef.external("${this.source.remoteKey}") names no store, and environment "${env.name}" has no secretStore setting`,
          fix: 'pass { store: "vault" }, or set secretStore: { name: "vault" } on the environment',
        });
      }
      checkDns1123Subdomain(scope, `${field}.store`, store);
      const storeKind = o.storeKind ?? env.settings.secretStore?.kind ?? 'ClusterSecretStore';
      const refreshInterval = o.refreshInterval ?? '1h';
      if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(refreshInterval)) {
        throw new ValidationError(scope, {
          field: `${field}.refreshInterval`,
          value: refreshInterval,
          rule: 'a refresh interval is a Go duration',
          fix: 'use "1h" or "15m"',
        });
      }
      registry.addExternal(scope, field, {
        secretName: this.secretName,
        store,
        storeKind,
        refreshInterval,
        secretKey: this.key,
        remoteKey: this.source.remoteKey,
        property: o.property,
      });
    } else {
      const o = this.source.options;
      const data = o.encryptedData;
      if (typeof data !== 'object' || data === null || Object.keys(data).length === 0) {
        throw new ValidationError(scope, {
          field: `${field}.encryptedData`,
          // Never echo what was pasted here: it may be the plain secret.
          value: data === undefined || data === null ? data : `(hidden: ${Array.isArray(data) ? 'an array' : typeof data === 'object' ? 'an empty object' : `a ${typeof data}`})`,
          rule: 'a sealed secret needs the encrypted values kubeseal wrote, as an object of key to ciphertext',
          fix: 'run `kubeseal --raw --namespace <ns> --name <name>` and pass { key: "<ciphertext>" }',
        });
      }
      for (const k of Object.keys(data)) {
        checkConfigKey(scope, `${field}.encryptedData key`, k);
        const v = data[k];
        // kubeseal's output is base64 of an RSA-wrapped session key plus the AES-GCM ciphertext:
        // hundreds of characters. Anything short or not base64 is most likely a plain value.
        if (typeof v !== 'string' || v.length < 100 || !/^[A-Za-z0-9+/]+={0,2}$/.test(v)) {
          throw new ValidationError(scope, {
            field: `${field}.encryptedData.${k}`,
            value: '(value hidden)',
            rule: 'a sealed value is the base64 ciphertext kubeseal writes (at least 100 characters); a plain secret value may never be written to the manifests',
            fix: `encrypt it with \`echo -n "$VALUE" | kubeseal --raw --namespace ${env.namespaceName} --name ${this.secretName}\``,
          });
        }
      }
      if (!Object.prototype.hasOwnProperty.call(data, this.key)) {
        throw new ValidationError(scope, {
          field: `${field}.key`,
          value: this.key,
          rule: `the sealed secret "${this.secretName}" has no such key (it has ${Object.keys(data).sort().join(', ')})`,
          fix: `use one of ${Object.keys(data).sort().map((k) => JSON.stringify(k)).join(', ')}`,
        });
      }
      registry.addSealed(scope, field, { secretName: this.secretName, encryptedData: data, scope: o.scope ?? 'strict' });
    }
  }
}

function deriveSecretName(remoteKey: unknown): string {
  if (typeof remoteKey !== 'string') {
    return '';
  }
  return remoteKey.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '').slice(0, 253);
}

interface ExternalEntry {
  readonly secretName: string;
  readonly store: string;
  readonly storeKind: string;
  readonly refreshInterval: string;
  readonly secretKey: string;
  readonly remoteKey: string;
  readonly property?: string;
}

interface SealedEntry {
  readonly secretName: string;
  readonly encryptedData: Readonly<Record<string, string>>;
  readonly scope: 'strict' | 'namespace-wide' | 'cluster-wide';
}

const REGISTRY_ID = 'prodpath-secret-objects';

/**
 * The ExternalSecrets and SealedSecrets of one environment: one object per Secret name,
 * however many workloads reference it. Conflicting definitions of one Secret are errors.
 */
class SecretObjects extends Construct {
  public static of(env: Environment): SecretObjects {
    return (env.node.tryFindChild(REGISTRY_ID) as SecretObjects | undefined) ?? new SecretObjects(env, REGISTRY_ID);
  }

  private readonly external = new Map<string, { first: string; entries: Map<string, ExternalEntry> }>();
  private readonly sealed = new Map<string, { first: string; entry: SealedEntry }>();

  public addExternal(scope: IConstruct, field: string, entry: ExternalEntry): void {
    this.checkNotSealed(scope, field, entry.secretName, 'sealed');
    let group = this.external.get(entry.secretName);
    const where = scope.node.path;
    if (group === undefined) {
      group = { first: where, entries: new Map() };
      this.external.set(entry.secretName, group);
      const g = group;
      const labels = { 'app.kubernetes.io/managed-by': MANAGED_BY, 'app.kubernetes.io/part-of': Environment.of(this).pipelineName };
      new ApiObject(this, `external-${entry.secretName}`, {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ExternalSecret',
        metadata: { name: entry.secretName, labels },
        spec: Lazy.any({
          produce: () => ({
            data: [...g.entries.values()].sort((a, b) => (a.secretKey < b.secretKey ? -1 : 1)).map((e) => ({
              remoteRef: e.property === undefined ? { key: e.remoteKey } : { key: e.remoteKey, property: e.property },
              secretKey: e.secretKey,
            })),
            refreshInterval: entry.refreshInterval,
            secretStoreRef: { kind: entry.storeKind, name: entry.store },
            target: { creationPolicy: 'Owner', name: entry.secretName },
          }),
        }),
      });
    }
    const any = group.entries.values().next().value as ExternalEntry | undefined;
    if (any !== undefined && (any.store !== entry.store || any.storeKind !== entry.storeKind || any.refreshInterval !== entry.refreshInterval)) {
      throw new ValidationError(scope, {
        field: `${field}.store`,
        value: `${entry.storeKind}/${entry.store} every ${entry.refreshInterval}`,
        rule: `${group.first} already makes the Secret "${entry.secretName}" from ${any.storeKind}/${any.store} every ${any.refreshInterval}, and one ExternalSecret has one store`,
        fix: 'use the same store and refreshInterval, or give this reference its own secretName',
      });
    }
    const same = group.entries.get(entry.secretKey);
    if (same !== undefined && (same.remoteKey !== entry.remoteKey || same.property !== entry.property)) {
      throw new ValidationError(scope, {
        field: `${field}.key`,
        value: entry.secretKey,
        rule: `${group.first} already fills key "${entry.secretKey}" of the Secret "${entry.secretName}" from "${same.remoteKey}"${same.property ? ` property "${same.property}"` : ''}`,
        fix: 'give this reference another key or secretName',
      });
    }
    group.entries.set(entry.secretKey, entry);
  }

  public addSealed(scope: IConstruct, field: string, entry: SealedEntry): void {
    this.checkNotSealed(scope, field, entry.secretName, 'external');
    const before = this.sealed.get(entry.secretName);
    if (before !== undefined) {
      if (canonical(before.entry) !== canonical(entry)) {
        throw new ValidationError(scope, {
          field: `${field}.encryptedData`,
          value: '(values hidden)',
          rule: `${before.first} already defines the SealedSecret "${entry.secretName}" with other encrypted data or scope`,
          fix: 'pass the same encryptedData and scope wherever the sealed secret is referenced, or use another name',
        });
      }
      return;
    }
    this.sealed.set(entry.secretName, { first: scope.node.path, entry });
    const labels = { 'app.kubernetes.io/managed-by': MANAGED_BY, 'app.kubernetes.io/part-of': Environment.of(this).pipelineName };
    const annotations: Record<string, string> = {};
    if (entry.scope === 'namespace-wide') {
      annotations['sealedsecrets.bitnami.com/namespace-wide'] = 'true';
    } else if (entry.scope === 'cluster-wide') {
      annotations['sealedsecrets.bitnami.com/cluster-wide'] = 'true';
    }
    const sorted = Object.fromEntries(Object.keys(entry.encryptedData).sort().map((k) => [k, entry.encryptedData[k]]));
    new ApiObject(this, `sealed-${entry.secretName}`, {
      apiVersion: 'bitnami.com/v1alpha1',
      kind: 'SealedSecret',
      metadata: { name: entry.secretName, labels, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) },
      spec: {
        encryptedData: sorted,
        template: { metadata: { name: entry.secretName, labels } },
      },
    });
  }

  private checkNotSealed(scope: IConstruct, field: string, secretName: string, other: 'sealed' | 'external'): void {
    const first = other === 'sealed' ? this.sealed.get(secretName)?.first : this.external.get(secretName)?.first;
    if (first !== undefined) {
      throw new ValidationError(scope, {
        field: `${field}.secretName`,
        value: secretName,
        rule: `${first} already makes that Secret from ${other === 'sealed' ? 'a SealedSecret' : 'an ExternalSecret'}, and two controllers would fight over it`,
        fix: 'give one of the two references another secret name',
      });
    }
  }
}

function canonical(e: SealedEntry): string {
  return JSON.stringify([e.scope, Object.keys(e.encryptedData).sort().map((k) => [k, e.encryptedData[k]])]);
}
