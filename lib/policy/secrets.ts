/**
 * The one secret detector every channel uses: config values, container env, labels and
 * annotations, command and args, Dockerfile ENV and ARG (recipe `env`, `buildArgs`), the
 * bake file, image.json, Compose and Swarm files, and a last scan of every file written.
 *
 * A value is refused by the name it is given (`DB_PASS`, `STRIPE_SECRET_KEY`, `--password`),
 * by its format (a URL with a password, a token format a provider publishes, a private key
 * block, a JWT), or by its entropy under a key that may hold a secret (`SESSION_KEY`).
 *
 * Hand-written rather than secretlint's rule presets: `@secretlint/core`'s `lintSource` is
 * Promise-based while `App.synth()` and the cdk8s CLI are synchronous, its packages are ES
 * modules only (jest here runs CommonJS), its current major needs node 22, its rules read
 * whole files rather than a key and a value, and the recommended preset has no Stripe,
 * GitLab or JWT rule. The token formats below follow the providers' published prefixes.
 */
import { PolicyRule } from './rules';
import { escapePointer } from './json-pointer';

/** The rule every secret finding reports under; exempt a false positive with `Policy.exempt(scope, 'no-plaintext-secrets', reason)`. */
export const SECRET_RULE: PolicyRule = {
  id: 'no-plaintext-secrets',
  rationale: 'a secret written in plain text is readable by everyone who can read the repository, the manifests, the image or its history: reference it (SecretRef), do not write it',
  source: 'prodpath; kube-linter env-var-secret; BuildKit SecretsUsedInArgOrEnv; secretlint and gitleaks token formats',
};

/** The name of the detector that recognised a secret (shown in messages, never the value). */
export type SecretDetector =
  | 'secret-name'
  | 'url-password'
  | 'private-key'
  | 'aws-access-key'
  | 'github-token'
  | 'gitlab-token'
  | 'slack-token'
  | 'slack-webhook'
  | 'stripe-live-key'
  | 'google-api-key'
  | 'npm-token'
  | 'openai-key'
  | 'anthropic-key'
  | 'sendgrid-key'
  | 'jwt'
  | 'high-entropy'
  | 'secret-flag';

/** Token formats, recognised anywhere in a string. Each pattern has the global flag for {@link findSecretTokens}. */
const FORMATS: readonly { readonly detector: SecretDetector; readonly pattern: RegExp }[] = [
  { detector: 'private-key', pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g },
  { detector: 'aws-access-key', pattern: /\b(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}\b/g },
  { detector: 'github-token', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{50,})\b/g },
  { detector: 'gitlab-token', pattern: /\bgl(?:pat|dt|rt|ptt|cbt|oas|ft)-[A-Za-z0-9_-]{20,}/g },
  { detector: 'slack-token', pattern: /\bxox[abposre]-[A-Za-z0-9-]{10,}/g },
  { detector: 'slack-webhook', pattern: /https:\/\/hooks\.slack\.com\/(?:services|workflows)\/[A-Za-z0-9/_-]{20,}/g },
  { detector: 'stripe-live-key', pattern: /\b(?:sk|rk)_live_[A-Za-z0-9]{16,}/g },
  { detector: 'google-api-key', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/g },
  { detector: 'npm-token', pattern: /\bnpm_[A-Za-z0-9]{36}\b|_authToken\s*=\s*(?!\$\{)[^\s]+|_auth\s*=\s*(?!\$\{)[A-Za-z0-9+/=]{8,}/g },
  { detector: 'anthropic-key', pattern: /\bsk-ant-[A-Za-z0-9_-]{20,}/g },
  { detector: 'openai-key', pattern: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,}|\bsk-proj-[A-Za-z0-9_-]{40,}/g },
  { detector: 'sendgrid-key', pattern: /\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b/g },
  { detector: 'jwt', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g },
];

/** `scheme://user:password@host`: group 1 is what comes before the password, group 2 the password. */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s:@/?#]*:)([^\s@/?#]+)@/gi;

/** Whether a string may hold any of the formats above: one pass, before the patterns one by one. */
const ANY_FORMAT = new RegExp([':\\/\\/[^\\s:@/?#]*:[^\\s@/?#]+@', ...FORMATS.map((f) => f.pattern.source)].map((x) => `(?:${x})`).join('|'));

/** A value that only refers to a variable (`$(DB_PASSWORD)`, `${DB_PASSWORD}`, `$DB_PASSWORD`) carries no secret itself. */
const REFERENCE = /^(?:\$\([A-Za-z_][A-Za-z0-9_]*\)|\$\{[A-Za-z_][A-Za-z0-9_]*\}|\$[A-Za-z_][A-Za-z0-9_]*)$/;

/** Words that make a name secret wherever they appear in it (compared without separators). */
const SECRET_WORDS = /PASSWORD|PASSWD|PASSPHRASE|SECRET|CREDENTIAL|APIKEY|PRIVATEKEY|SIGNINGKEY|ACCESSKEY|AUTHTOKEN|ACCESSTOKEN|REFRESHTOKEN|BEARER|CLIENTSECRET|ENCRYPTIONKEY|MASTERKEY/;
/** Whole words that make a name secret wherever they are: `GH_TOKEN`, `AWS_CREDS`. */
const SECRET_TOKENS = new Set(['TOKEN', 'CREDS']);
/** Whole words that make a name secret as its last word: `DB_PASS`, `SMTP_PWD`, `NPM_AUTH` (not `AUTH_DOMAIN`). */
const SECRET_LAST_TOKENS = new Set(['PASS', 'PWD', 'PW', 'AUTH']);
/** Whole words that make a name possibly secret: the value is judged by its entropy (`SESSION_KEY`, `HASH_SALT`). */
const MAYBE_SECRET_TOKENS = new Set(['KEY', 'SALT', 'HMAC', 'SIGNATURE', 'SIG', 'NONCE', 'SEED']);
/**
 * Last words that describe a secret without being one: where it is (`DB_PASSWORD_FILE`,
 * `TOKEN_URL`), what it is called, how long it lives or how it is checked.
 */
const DESCRIPTIVE_SUFFIXES = new Set([
  'HOST', 'PORT', 'FILE', 'PATH', 'DIR', 'URL', 'URI', 'ENDPOINT', 'NAME', 'REF', 'ID', 'KEYID', 'ARN', 'TTL', 'EXPIRY', 'EXPIRES',
  'LIFETIME', 'LENGTH', 'LEN', 'SIZE', 'COUNT', 'LIMIT', 'TIMEOUT', 'ENABLED', 'DISABLED', 'REQUIRED', 'POLICY', 'ALGORITHM', 'ALG',
  'TYPE', 'HEADER', 'FIELD', 'PARAM', 'MODE', 'PROVIDER', 'STORE', 'VERSION', 'ROTATION', 'PREFIX', 'ISSUER', 'AUDIENCE', 'SCOPE',
  'SCOPES', 'METHOD', 'REALM', 'USER', 'USERNAME', 'LOGIN', 'EMAIL',
]);
/** Names of public halves and of settings that only contain a secret word. */
const NOT_SECRET_TOKENS = new Set(['PUBLIC', 'PUBLISHABLE', 'PUB']);

/** A name as upper-case words: `dbPassword` and `db-password` are both `DB PASSWORD`. */
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toUpperCase()
    .split(/[^A-Z0-9]+/)
    .filter((w) => w !== '');
}

/**
 * How a name says its value is secret: `'secret'` (any literal is refused: `DB_PASS`,
 * `apiKey`, `--password`), `'maybe'` (a high-entropy literal is refused: `SESSION_KEY`), or
 * `undefined`. Names that end in a descriptive word (`_HOST`, `_FILE`, `_URL`, `_TTL`, ...)
 * or name a public half (`PUBLIC_KEY`) do not count.
 */
export function secretNameKind(name: string): 'secret' | 'maybe' | undefined {
  // Every object repeats the same few label, annotation and env names.
  const cached = nameKinds.get(name);
  if (cached !== undefined) {
    return cached === 'none' ? undefined : cached;
  }
  const kind = nameKindOf(name);
  if (nameKinds.size >= 10_000) {
    nameKinds.clear();
  }
  nameKinds.set(name, kind ?? 'none');
  return kind;
}

const nameKinds = new Map<string, 'secret' | 'maybe' | 'none'>();

function nameKindOf(name: string): 'secret' | 'maybe' | undefined {
  const w = words(name);
  if (w.length === 0 || (w.length === 1 && ['PWD', 'OLDPWD'].includes(w[0])) || DESCRIPTIVE_SUFFIXES.has(w[w.length - 1]) || w.some((x) => NOT_SECRET_TOKENS.has(x))) {
    return undefined;
  }
  if (SECRET_WORDS.test(w.join('')) || SECRET_LAST_TOKENS.has(w[w.length - 1]) || w.some((x) => SECRET_TOKENS.has(x) || (x.endsWith('TOKEN') && x.length <= 12))) {
    return 'secret';
  }
  return MAYBE_SECRET_TOKENS.has(w[w.length - 1]) ? 'maybe' : undefined;
}

/** Whether a name looks like it carries a secret (any literal value under it is refused). */
export function isSecretName(name: string): boolean {
  return secretNameKind(name) === 'secret';
}

/** Shannon entropy in bits per character. */
function entropy(value: string): number {
  const counts = new Map<string, number>();
  for (const ch of value) {
    counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** Whether a value looks random enough to be a key: 16+ characters, no spaces, letters and digits, 3.5+ bits per character. */
export function isHighEntropy(value: string): boolean {
  return value.length >= 16 && !/\s/.test(value) && /[0-9]/.test(value) && /[A-Za-z]/.test(value) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(value) && entropy(value) >= 3.5;
}

/** Whether a value is only a reference to a variable, or empty: nothing secret is written. */
function carriesNothing(value: string): boolean {
  if (startsPlain(value)) {
    // Neither blank, quoted, a reference nor asterisks: something is written.
    return false;
  }
  const v = value.trim().replace(/^["']+|["']+$/g, '');
  return v === '' || REFERENCE.test(v) || /^\*+$/.test(v);
}

/** Whether a string starts with a letter or digit (most values do). */
function startsPlain(value: string): boolean {
  const c = value.charCodeAt(0);
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** A secret found inside a string: the detector and the exact characters to hide. */
export interface SecretToken {
  readonly detector: SecretDetector;
  /** The secret characters themselves (for masking and for allow-lists; never print them). */
  readonly text: string;
}

/** Every secret a string carries by its format (URL passwords and token formats), whatever its key. */
export function findSecretTokens(value: string): SecretToken[] {
  // Most strings are short names and numbers, or hold none of the formats: one test each.
  if ((value.length < 16 && !value.includes('://')) || !ANY_FORMAT.test(value)) {
    return [];
  }
  const out: SecretToken[] = [];
  for (const m of value.matchAll(URL_PASSWORD)) {
    if (!carriesNothing(m[2])) {
      out.push({ detector: 'url-password', text: m[2] });
    }
  }
  for (const { detector, pattern } of FORMATS) {
    for (const m of value.matchAll(pattern)) {
      out.push({ detector, text: m[0] });
    }
  }
  return out;
}

/**
 * Which detector recognises `value`, given under `key`, as a secret; `undefined` when none
 * does. The key may be an environment variable, config key, label or annotation key, or a
 * command-line flag; pass `undefined` for a value without a key.
 *
 * @example
 * detectSecret('DB_PASS', 'hunter2')                              // 'secret-name'
 * detectSecret('DATABASE_URL', 'postgres://app:pw@db/shop')       // 'url-password'
 * detectSecret('LOG_LEVEL', 'debug')                              // undefined
 */
export function detectSecret(key: string | undefined, value: string): SecretDetector | undefined {
  if (typeof value !== 'string' || carriesNothing(value)) {
    return undefined;
  }
  const token = findSecretTokens(value)[0];
  if (token !== undefined) {
    return token.detector;
  }
  const kind = key === undefined ? undefined : secretNameKind(key);
  if (kind === 'secret' && !/^(true|false)$/i.test(value.trim())) {
    return 'secret-name';
  }
  if (kind === 'maybe' && isHighEntropy(value.trim())) {
    return 'high-entropy';
  }
  return undefined;
}

/**
 * A value as it may be shown: a URL keeps everything but its password; anything else is
 * replaced by its length. Never contains a detected secret.
 */
export function maskSecret(value: string, detector?: SecretDetector): string {
  if (detector === 'url-password') {
    const masked = value.replace(URL_PASSWORD, '$1***@');
    if (findSecretTokens(masked).length === 0 && masked.length <= 200) {
      return masked;
    }
  }
  return `*** (${value.length} characters, hidden)`;
}

/** Programs whose short flags take a password, and those flags. */
const PASSWORD_SHORT_FLAGS: Readonly<Record<string, readonly string[]>> = {
  mysql: ['-p'], mysqldump: ['-p'], mysqladmin: ['-p'], mariadb: ['-p'], 'mariadb-dump': ['-p'],
  sshpass: ['-p'], 'redis-cli': ['-a'], htpasswd: ['-b'], smbclient: ['-U'], mongosh: ['-p'], mongo: ['-p'], mongodump: ['-p'],
};
/** Flags that name a user: a `-p` right after one (`-u app -p x`) is a password. */
const USER_FLAGS = new Set(['-u', '--user', '--username', '-U']);

/** A secret found in a command line. */
export interface ArgumentSecret {
  /** The index of the argument in the list. */
  readonly index: number;
  /** The flag or `NAME=` that carried it, or the argument's position. */
  readonly argument: string;
  readonly detector: SecretDetector;
}

/**
 * Secrets in a command and its arguments: `--password=x`, `--token x`, `-p x` where the
 * program or the flag before it says `-p` is a password (`mysql -u app -p x`), `NAME=value`
 * words (`env DB_PASS=x`), `curl -u user:pass`, and token formats anywhere. Arguments with
 * spaces (`sh -c "..."`) are split into words first. References (`$(DB_PASSWORD)`) pass.
 */
export function findSecretArguments(args: readonly string[]): ArgumentSecret[] {
  const out: ArgumentSecret[] = [];
  const seen = new Set<number>();
  const report = (index: number, argument: string, detector: SecretDetector) => {
    if (!seen.has(index)) {
      seen.add(index);
      out.push({ index, argument, detector });
    }
  };
  // Every word with the index of the argument it came from.
  const list: { word: string; index: number }[] = [];
  args.forEach((a, index) => {
    if (typeof a !== 'string') {
      return;
    }
    const parts = /\s/.test(a) ? a.split(/\s+/).map((w) => w.replace(/^["']|["';]$/g, '')).filter((w) => w !== '') : [a];
    parts.forEach((word) => list.push({ word, index }));
  });
  let program = '';
  list.forEach(({ word, index }, i) => {
    const next = list[i + 1];
    const base = word.split('/').pop() ?? word;
    if (!word.startsWith('-') && !word.includes('=')) {
      if (PASSWORD_SHORT_FLAGS[base] !== undefined) {
        program = base;
      }
    }
    const token = findSecretTokens(word)[0];
    if (token !== undefined) {
      report(index, word.startsWith('-') ? word.split('=')[0] : `argument ${index}`, token.detector);
      return;
    }
    const eq = word.indexOf('=');
    if (word.startsWith('-') && eq > 0) {
      const flag = word.slice(0, eq);
      const value = word.slice(eq + 1);
      if (detectSecret(flag.replace(/^-+/, ''), value) !== undefined) {
        report(index, flag, 'secret-flag');
      }
      return;
    }
    if (word.startsWith('--') && next !== undefined && !next.word.startsWith('-')) {
      const flag = word.slice(2);
      if (isSecretName(flag) && !carriesNothing(next.word)) {
        report(next.index, word, 'secret-flag');
      }
      if (['user', 'proxy-user'].includes(flag) && /^[^:\s]*:.+$/.test(next.word) && !carriesNothing(next.word.split(':').slice(1).join(':'))) {
        report(next.index, word, 'secret-flag');
      }
      return;
    }
    if (/^-[A-Za-z]$/.test(word)) {
      const prev = list[i - 2];
      const passwordFlag = (PASSWORD_SHORT_FLAGS[program] ?? []).includes(word) || (word === '-p' && prev !== undefined && USER_FLAGS.has(prev.word));
      if (passwordFlag && next !== undefined && !next.word.startsWith('-') && !carriesNothing(next.word)) {
        report(next.index, word, 'secret-flag');
      }
      if (word === '-u' && next !== undefined && /^[^:\s]*:.+$/.test(next.word) && program === '' && /(^|\/)curl$/.test(list[0]?.word ?? '')) {
        report(next.index, word, 'secret-flag');
      }
      return;
    }
    if (/^-p.+/.test(word) && (PASSWORD_SHORT_FLAGS[program] ?? []).includes('-p') && !carriesNothing(word.slice(2))) {
      report(index, '-p', 'secret-flag');
      return;
    }
    if (!word.startsWith('-') && eq > 0 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(word.slice(0, eq))) {
      const detector = detectSecret(word.slice(0, eq), word.slice(eq + 1));
      if (detector !== undefined) {
        report(index, `${word.slice(0, eq)}=`, detector);
      }
    }
  });
  return out.sort((a, b) => a.index - b.index);
}

/** What each detector means, for messages. */
export const DETECTOR_DESCRIPTIONS: Readonly<Record<SecretDetector, string>> = {
  'secret-name': 'its name says it is a secret',
  'url-password': 'a URL with a password in it',
  'private-key': 'a PEM private key block',
  'aws-access-key': 'the format of an AWS access key id',
  'github-token': 'the format of a GitHub token',
  'gitlab-token': 'the format of a GitLab token',
  'slack-token': 'the format of a Slack token',
  'slack-webhook': 'a Slack webhook URL',
  'stripe-live-key': 'the format of a Stripe live key',
  'google-api-key': 'the format of a Google API key',
  'npm-token': 'the format of an npm token or auth setting',
  'openai-key': 'the format of an OpenAI key',
  'anthropic-key': 'the format of an Anthropic key',
  'sendgrid-key': 'the format of a SendGrid key',
  jwt: 'a JSON Web Token',
  'high-entropy': 'a random-looking value under a name that may hold a key',
  'secret-flag': 'a command-line flag that takes a secret',
};

/** The fix every secret finding offers. */
export function secretFix(key: string): string {
  return `reference it instead (secrets: { ${/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? key : 'NAME'}: SecretRef.external("...") }, or a secret mount in an image recipe); if it is not a secret (a public test key), exempt it: Policy.exempt(scope, '${SECRET_RULE.id}', '<why this value is public>')`;
}

/** A secret found in a Kubernetes object. */
export interface ObjectSecret {
  /** JSON pointer of the value. */
  readonly pointer: string;
  /** What holds it, for messages: `ConfigMap key DB_PASS`, `env DB_PASS of container api`, `label x`, `args of container api (--password)`. */
  readonly holder: string;
  /** The key, flag or argument it was given under, for the fix. */
  readonly key: string;
  readonly detector: SecretDetector;
  /** The value, masked. */
  readonly masked: string;
}

/** Annotation prefixes whose values are prodpath's own records (reasons), not user values. */
const RECORD_ANNOTATIONS = ['exempt.policy.prodpath.dev/', 'parity.prodpath.dev/'];

const lastSegment = (key: string) => key.slice(key.lastIndexOf('/') + 1);

/**
 * Every secret written in plain text in one Kubernetes object: ConfigMap data, env values,
 * command and args (read together, as one command line), labels and annotations by key and
 * value, and every other string by its format. Secret data (reported by its own rule) and
 * SealedSecret ciphertext are skipped.
 */
export function findObjectSecrets(obj: any): ObjectSecret[] {
  const out: ObjectSecret[] = [];
  // The segments from the object to the node walked, pushed and popped as the walk goes: a
  // pointer is built only for a finding, and almost every string walked has none.
  const path: string[] = [];
  const pointerTo = (...more: string[]): string => {
    let p = '';
    for (const s of path) {
      p += `/${escapePointer(s)}`;
    }
    for (const s of more) {
      p += `/${escapePointer(s)}`;
    }
    return p;
  };
  const add = (pointer: string, holder: string, key: string, value: string, detector: SecretDetector) => {
    out.push({ pointer, holder, key, detector, masked: maskSecret(value, detector) });
  };
  // depth, last and parent: the number of segments of the path, its last two segments.
  const walk = (node: any, depth: number, last: string | undefined, parent: string | undefined): void => {
    if (typeof node === 'string') {
      const token = findSecretTokens(node)[0];
      if (token !== undefined) {
        const pointer = pointerTo();
        add(pointer, `field ${pointer}`, last ?? '', node, token.detector);
      }
      return;
    }
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i += 1) {
        const segment = String(i);
        path.push(segment);
        walk(node[i], depth + 1, segment, last);
        path.pop();
      }
      return;
    }
    if (typeof node !== 'object' || node === null) {
      return;
    }
    // A container (or an exec handler): command and args are one command line.
    const hasCommandLine = (Array.isArray(node.command) || Array.isArray(node.args)) && (node.command ?? []).concat(node.args ?? []).every((x: unknown) => typeof x === 'string');
    if (hasCommandLine) {
      const command: string[] = node.command ?? [];
      const args: string[] = node.args ?? [];
      const line = [...command, ...args];
      for (const s of findSecretArguments(line)) {
        const who = typeof node.name === 'string' ? `container ${node.name}` : `command at ${pointerTo()}`;
        const inCommand = s.index < command.length;
        const field = inCommand ? 'command' : 'args';
        const i = inCommand ? s.index : s.index - command.length;
        add(pointerTo(field, String(i)), `${field} of ${who} (${s.argument})`, s.argument.replace(/^-+|=$/g, ''), line[s.index], s.detector);
      }
    }
    const keys = Object.keys(node);
    for (let n = 0; n < keys.length; n += 1) {
      const k = keys[n];
      const v = node[k];
      if (hasCommandLine && (k === 'command' || k === 'args')) {
        continue;
      }
      if (depth === 0 && (obj.kind === 'Secret' && (k === 'data' || k === 'stringData'))) {
        continue;
      }
      if (obj.kind === 'SealedSecret' && last === 'spec' && depth === 1 && k === 'encryptedData') {
        continue;
      }
      if (k === 'binaryData' && depth === 0) {
        continue;
      }
      if (typeof v === 'string' && (last === 'labels' || last === 'annotations') && parent === 'metadata') {
        if (last === 'annotations' && RECORD_ANNOTATIONS.some((prefix) => k.startsWith(prefix))) {
          continue;
        }
        const name = lastSegment(k);
        const detector = detectSecret(name, v);
        if (detector !== undefined) {
          add(pointerTo(k), `${last === 'labels' ? 'label' : 'annotation'} ${k}`, name, v, detector);
        }
        continue;
      }
      if (typeof v === 'string' && obj.kind === 'ConfigMap' && depth === 1 && last === 'data') {
        const detector = detectSecret(k, v);
        if (detector !== undefined) {
          add(pointerTo(k), `ConfigMap key ${k}`, k, v, detector);
        }
        continue;
      }
      if (k === 'value' && typeof v === 'string' && typeof node.name === 'string' && parent === 'env') {
        const detector = detectSecret(node.name, v);
        if (detector !== undefined) {
          add(pointerTo(k), `env ${node.name}`, node.name, v, detector);
        }
        continue;
      }
      path.push(k);
      walk(v, depth + 1, k, last);
      path.pop();
    }
  };
  walk(obj, 0, undefined, undefined);
  return out;
}
