import { IConstruct } from 'constructs';
import { ValidationError } from './errors';

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
/** An image registry and namespace: a lowercase host with an optional :port, and an optional path, without a tag. */
export const REGISTRY = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/;

/**
 * Checks a name used as a Kubernetes object name that must be an RFC 1035 label
 * (Services, and everything prodpath names after a workload): lowercase letters,
 * digits and `-`, starting with a letter, ending with a letter or digit, at most `max` characters.
 */
export function checkDns1035Label(scope: IConstruct | string, field: string, value: unknown, max = 63): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max || !DNS_1035_LABEL.test(value)) {
    throw new ValidationError(scope, {
      field,
      value,
      rule: `must be a DNS-1035 label: 1 to ${max} lowercase letters, digits or '-', starting with a letter and ending with a letter or digit`,
      fix: `use a name such as "api" or "order-worker"`,
    });
  }
  return value;
}

/** Checks an RFC 1123 label (namespaces): lowercase alphanumerics and `-`, at most 63 characters. */
export function checkDns1123Label(scope: IConstruct | string, field: string, value: unknown, max = 63): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max || !DNS_1123_LABEL.test(value)) {
    throw new ValidationError(scope, {
      field,
      value,
      rule: `must be a DNS-1123 label: 1 to ${max} lowercase letters, digits or '-', starting and ending with a letter or digit`,
      fix: `use a name such as "shop-dev"`,
    });
  }
  return value;
}

/** Checks an RFC 1123 subdomain (most object names, host names): dot-separated labels, at most 253 characters. */
export function checkDns1123Subdomain(scope: IConstruct | string, field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 253 || !DNS_1123_SUBDOMAIN.test(value)
    || value.split('.').some((label) => label.length > 63)) {
    throw new ValidationError(scope, {
      field,
      value,
      rule: 'must be a DNS-1123 subdomain: dot-separated labels of lowercase letters, digits and \'-\', at most 253 characters',
      fix: 'use a name such as "api.shop.example.com"',
    });
  }
  return value;
}

/** Checks a host name used on an Ingress: a DNS subdomain with at least two labels, not an IP address. */
export function checkHost(scope: IConstruct | string, field: string, value: unknown): string {
  if (typeof value === 'string' && /^[0-9.]+$/.test(value)) {
    throw new ValidationError(scope, {
      field,
      value,
      rule: 'an Ingress host must be a DNS name, not an IP address',
      fix: 'use a host such as "api.shop.example.com"',
    });
  }
  const host = checkDns1123Subdomain(scope, field, value);
  if (!host.includes('.')) {
    throw new ValidationError(scope, {
      field,
      value,
      rule: 'an Ingress host must be a fully qualified name with at least two labels',
      fix: 'use a host such as "api.shop.example.com"',
    });
  }
  return host;
}

/** Checks a TCP/UDP port number: an integer from 1 to 65535. */
export function checkPort(scope: IConstruct | string, field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) {
    throw new ValidationError(scope, {
      field,
      value,
      rule: 'a port must be an integer from 1 to 65535',
      fix: 'use a port such as 8080',
    });
  }
  return value;
}

/** Checks an IANA service name used as a container port name: at most 15 characters, at least one letter. */
export function checkPortName(scope: IConstruct | string, field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 15 || !IANA_SVC_NAME.test(value)
    || !/[a-z]/.test(value) || value.includes('--')) {
    throw new ValidationError(scope, {
      field,
      value,
      rule: 'a port name must be an IANA service name: 1 to 15 lowercase letters, digits or single \'-\', with at least one letter',
      fix: 'use a name such as "http" or "metrics"',
    });
  }
  return value;
}

/**
 * Checks an exec-form command (a start command, a probe or job command): a non-empty list of
 * non-empty strings, the first naming the program. Images and workloads share this check.
 */
export function checkCommand(scope: IConstruct | string, field: string, value: unknown, example = '["node", "dist/server.js"]'): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.some((a) => typeof a !== 'string' || a === '') || (value[0] as string).trim() === '') {
    throw new ValidationError(scope, {
      field,
      value,
      rule: 'a command is a non-empty list of strings in exec form, the first naming the program',
      fix: `use ${example}`,
    });
  }
  return [...value] as string[];
}

/** Checks a non-negative integer count, such as replicas. */
export function checkCount(scope: IConstruct | string, field: string, value: unknown, min = 0, max = 10000): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(scope, {
      field,
      value,
      rule: `must be an integer from ${min} to ${max}`,
      fix: `use a number such as ${Math.max(min, 2)}`,
    });
  }
  return value;
}

/** Checks an environment variable name as Kubernetes accepts it (C identifier rules). */
export function checkEnvName(scope: IConstruct | string, field: string, value: unknown): string {
  if (typeof value !== 'string' || !ENV_VAR_NAME.test(value)) {
    throw new ValidationError(scope, {
      field,
      value,
      rule: 'an environment variable name must start with a letter or \'_\' and hold only letters, digits and \'_\'',
      fix: 'use a name such as "LOG_LEVEL"',
    });
  }
  return value;
}

/** Checks a ConfigMap key: letters, digits, `-`, `_` and `.`, at most 253 characters. */
export function checkConfigKey(scope: IConstruct | string, field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 253 || !CONFIG_KEY.test(value) || value === '.' || value === '..') {
    throw new ValidationError(scope, {
      field,
      value,
      rule: 'a ConfigMap key must be 1 to 253 letters, digits, \'-\', \'_\' or \'.\'',
      fix: 'use a key such as "LOG_LEVEL"',
    });
  }
  return value;
}

/** Checks an HTTP path used by probes and Ingress rules: absolute, no `//`, no `..` segment. */
export function checkHttpPath(scope: IConstruct | string, field: string, value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.includes('//')
    || value.split('/').some((segment) => segment === '..' || segment === '.') || /\s/.test(value)) {
    throw new ValidationError(scope, {
      field,
      value,
      rule: 'an HTTP path must start with \'/\' and contain no \'//\', \'.\' or \'..\' segments or spaces',
      fix: 'use a path such as "/healthz"',
    });
  }
  return value;
}

/**
 * The shortest written reason prodpath accepts where a person overrides a check (a policy
 * exemption, a parity difference, a forced promotion): it is recorded for reviewers.
 */
export const MIN_REASON_LENGTH = 10;

/** Whether `value` is a written reason: a string of at least {@link MIN_REASON_LENGTH} characters once trimmed. */
export function isWrittenReason(value: unknown): value is string {
  return typeof value === 'string' && value.trim().length >= MIN_REASON_LENGTH;
}

/** Whether a string holds a lone UTF-16 surrogate (half of a pair), which is not valid Unicode. */
export function hasLoneSurrogate(value: string): boolean {
  return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(value);
}

/**
 * Checks the id of a construct before it is created, so an empty or duplicate id gets
 * prodpath's message (with the scope's path) instead of the constructs library's.
 * @returns the id
 */
export function checkConstructId(scope: IConstruct, id: unknown, kind: string): string {
  if (typeof id !== 'string' || id.trim() === '') {
    throw new ValidationError(scope, {
      field: `${kind} id`,
      value: id,
      rule: 'a construct id is a non-empty string, unique among its siblings',
      fix: `give the ${kind} an id such as "api"`,
    });
  }
  const existing = scope.node.tryFindChild(id);
  if (existing !== undefined) {
    throw new ValidationError(scope, {
      field: `${kind} id`,
      value: id,
      rule: `${existing.node.path} (a ${existing.constructor.name}) already has this id in the same scope, and a construct id must be unique among its siblings`,
      fix: `give the ${kind} another id, such as "${id}-2"`,
    });
  }
  return id;
}
