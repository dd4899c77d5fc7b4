import * as crypto from 'crypto';
import { Construct } from 'constructs';
import { ValidationError } from '../policy/errors';
import { checkConfigKey, checkEnvName, looksSecret } from '../policy/names';

/** Checks config: env-var-safe keys, string values, and no secret-looking names. */
export function checkConfig(scope: Construct, config: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(config).sort()) {
    checkConfigKey(scope, `config key`, key);
    checkEnvName(scope, `config key`, key);
    if (looksSecret(key)) {
      throw new ValidationError(scope, {
        field: `config.${key}`,
        value: '(value hidden)',
        rule: 'config is written in plain text to the manifests; a name that looks secret (password, token, key, credential...) may not carry a literal value',
        fix: `reference a secret instead: secrets: { ${key}: SecretRef.external("...") }`,
      });
    }
    const value = config[key];
    if (typeof value !== 'string') {
      throw new ValidationError(scope, {
        field: `config.${key}`,
        value,
        rule: 'config values are strings (environment variables)',
        fix: `write it as a string, such as "${String(value)}"`,
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

