/**
 * The one place `prodpath import` decides what is secret: the same detector synth uses
 * (secret-like names, URLs with a password, token formats, high-entropy values under key names).
 */
import { detectSecret } from '../policy/secrets';

/** Whether the variable `name` with `value` must become a SecretRef instead of config. */
export function isSecretValue(name: string, value: string): boolean {
  return detectSecret(name === '' ? undefined : name, value) !== undefined;
}

/**
 * The first command-line argument that carries a secret value (`--password=x`, `--requirepass x`,
 * a URL with a password), or undefined. Such a command cannot be carried over: the value would
 * be written in plain text into main.ts and the manifests.
 */
export function secretInCommand(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const eq = /^--?([A-Za-z0-9_.-]+)=(.+)$/.exec(a);
    if (eq && !eq[2].startsWith('$') && (isSecretValue(eq[1], eq[2]) || /pass$/i.test(eq[1]))) {
      return eq[1];
    }
    const flag = /^--?([A-Za-z0-9_.-]+)$/.exec(a);
    const next = args[i + 1];
    if (flag && next !== undefined && !next.startsWith('-') && !next.startsWith('$') && (isSecretValue(flag[1], next) || /pass$/i.test(flag[1]))) {
      return flag[1];
    }
    if (isSecretValue('', a)) {
      return `argument ${i + 1}`;
    }
  }
  return undefined;
}
