/**
 * Hiding secret-looking values in diffs, which end up in terminals, CI logs and pull-request
 * comments. prodpath never writes a secret value to its output, but hand-edited manifests or
 * escape hatches might.
 */
import { findSecretTokens, isSecretName } from '../policy/secrets';
import { escapePointer } from '../policy/json-pointer';
import { pointerSegments, valueAt } from './semantic-diff';

/** What a masked value is shown as. */
export const MASK = '(hidden: looks secret)';

/** Kinds whose data is secret (or encrypted) by nature. */
const SECRET_KINDS = new Set(['Secret', 'SealedSecret']);

/** Fields whose names contain "secret" or "token" but hold references or switches, not secrets. */
const REFERENCE_FIELDS = new Set([
  'secret', 'secrets', 'secretKey', 'secretKeyRef', 'secretRef', 'secretName', 'secretStoreRef', 'automountServiceAccountToken',
]);

const secretName = (name: string) => !REFERENCE_FIELDS.has(name) && isSecretName(name);

/**
 * The value to show for a field of a diff. Hidden (shown as {@link MASK}): string values of
 * fields with a secret-looking name (`password`, `token`, `api_key`, ...), the value of an env
 * var with such a name, and everything in a Secret's or SealedSecret's data; inside strings, every
 * secret the detector of lib/policy/secrets.ts finds by format (a URL's password, tokens,
 * private keys). Other values as they are.
 * @param object the object the field belongs to, to read an env var's name beside its value
 */
export function maskValue(kind: string, pointer: string, value: unknown, object?: unknown): unknown {
  if (value === undefined) {
    return value;
  }
  const segments = pointerSegments(pointer);
  if (SECRET_KINDS.has(kind) && ['data', 'stringData', 'encryptedData'].some((k) => segments.includes(k))) {
    return MASK;
  }
  const last = segments[segments.length - 1];
  if (last !== undefined && secretName(last) && typeof value === 'string') {
    return MASK;
  }
  // The value of an env var item ({ name, value }): judge by its name.
  if (last === 'value' && segments.length >= 3 && segments[segments.length - 3] === 'env') {
    const item = valueAt(object, `/${segments.slice(0, -1).map(escapePointer).join('/')}`) as { name?: unknown } | undefined;
    if (typeof item?.name === 'string' && isSecretName(item.name)) {
      return MASK;
    }
  }
  return maskDeep(value, SECRET_KINDS.has(kind) && segments.length === 0);
}

function maskDeep(value: unknown, secretObject: boolean): unknown {
  if (typeof value === 'string') {
    // Secrets by format (a URL's password, tokens, keys): each one replaced by ***.
    return findSecretTokens(value).reduce((text, token) => text.split(token.text).join('***'), value);
  }
  if (Array.isArray(value)) {
    return value.map((v) => maskDeep(v, false));
  }
  if (typeof value === 'object' && value !== null) {
    const o = value as Record<string, unknown>;
    const envItem = typeof o.name === 'string' && isSecretName(o.name) && typeof o.value === 'string';
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) {
      const hide = (envItem && k === 'value')
        || (typeof v === 'string' && secretName(k))
        || (secretObject && ['data', 'stringData'].includes(k))
        || k === 'encryptedData';
      out[k] = hide ? MASK : maskDeep(v, false);
    }
    return out;
  }
  return value;
}
