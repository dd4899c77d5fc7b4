/**
 * The one place `prodpath import` decides whether a Compose environment value is a secret. It
 * asks the policy layer's detector (by name, as synth does), and also treats a URL that carries
 * a password (`postgres://app:pw@db/app`) as secret. Swap the detector here, and only here.
 */
import { looksSecret } from '../policy/names';

/** Whether the variable `name` with `value` must become a SecretRef instead of config. */
export function isSecretValue(name: string, value: string): boolean {
  return looksSecret(name) || /^[a-z][a-z0-9+.-]*:\/\/[^/@:\s]*:[^/@\s]+@/i.test(value);
}
