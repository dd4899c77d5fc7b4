import * as crypto from 'crypto';
import { Construct } from 'constructs';
import { ValidationError } from '../policy/errors';
import { checkConfigKey, checkEnvName, hasLoneSurrogate } from '../policy/names';
import { isSecretName } from '../policy/secrets';

/**
 * Checks config: env-var-safe keys and string values. Secrets (by key name, URL password,
 * token format or entropy) are refused at synth by the `no-plaintext-secrets` rule, where a
 * false positive can be exempted with `Policy.exempt`.
 */
export function checkConfig(scope: Construct, config: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(config).sort()) {
    if (key === '__proto__') {
      throw new ValidationError(scope, {
        field: 'config key',
        value: key,
        rule: 'the key "__proto__" would set the prototype of a JavaScript object instead of a value, so it would be silently lost',
        fix: 'use another key, such as "PROTO"',
      });
    }
    checkConfigKey(scope, `config key`, key);
    checkEnvName(scope, `config key`, key);
    const value = config[key];
    if (typeof value !== 'string') {
      throw new ValidationError(scope, {
        field: `config.${key}`,
        value: isSecretName(key) ? '(hidden: the name looks secret)' : value,
        rule: 'config values are strings (environment variables)',
        fix: isSecretName(key) ? 'reference the secret instead: secrets: { NAME: SecretRef.external("...") }' : `write it as a string, such as "${String(value)}"`,
      });
    }
    if (hasLoneSurrogate(value)) {
      throw new ValidationError(scope, {
        field: `config.${key}`,
        value,
        rule: 'the value holds a lone UTF-16 surrogate, which is not valid Unicode and breaks YAML readers (kubectl kustomize refuses the whole environment)',
        fix: 'write the character whole (both halves of the surrogate pair), or remove it',
      });
    }
    out[key] = value;
  }
  return out;
}

/** The first 10 hex digits of the SHA-256 of a string map, keys sorted. */
export function contentHash(data: Readonly<Record<string, string>>): string {
  const sorted = Object.keys(data).sort().map((k) => [k, data[k]]);
  return crypto.createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 10);
}

