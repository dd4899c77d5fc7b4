/**
 * Build contexts that cannot carry credentials: the files tools write credentials into are
 * left out of every generated ignore file, and a context that would still send one (brought
 * back by a `!` rule of the source's own `.dockerignore` or of the recipe's `ignore` option)
 * is refused at synth, naming the file.
 */
import * as fs from 'fs';
import * as path from 'path';
import { findSecretTokens } from '../policy/secrets';
import { CREDENTIAL_FILES_RULE, CREDENTIAL_PATTERNS } from '../policy/image-rules';
import { ContextFile, IgnoreRules } from './context';


/**
 * Files that hold settings a build needs (registry URLs, Yarn's `yarnPath`) and may also hold
 * a token: sent only when their content carries no credential.
 */
const CHECKED_BY_CONTENT = new Set(['.npmrc', '.yarnrc', '.yarnrc.yml']);
/** Settings of those files that hold credentials. */
const CREDENTIAL_SETTINGS = /(^|[\s:])(_authToken|_auth|_password|npmAuthToken|npmAuthIdent|email|username|password)\s*[=:]\s*(?!\$\{|"\$\{|'\$\{)\S/m;

const byName = new IgnoreRules(CREDENTIAL_PATTERNS.filter((p) => !CHECKED_BY_CONTENT.has(p.replace('**/', ''))));

/** A credential file a context would send, or a rule that would bring one back. */
export interface CredentialProblem {
  /** The file (context-relative) or the `!` rule. */
  readonly subject: string;
  /** Why it is refused. */
  readonly reason: string;
  /** What to do. */
  readonly fix: string;
}

/** A path a pattern matches, for testing what a `!` rule brings back: `**` and `*` become names. */
function examplePath(pattern: string): string {
  return pattern.replace(/^\/+/, '').replace(/\*\*\/?/g, '').replace(/\*/g, 'x').replace(/\?/g, 'x').replace(/\[[^\]]*\]/g, 'x').replace(/\/+$/, '');
}

/**
 * What makes a context unsafe: every file the ignore rules let in whose name is a credential
 * file's (or whose settings hold a credential, for `.npmrc` and Yarn's files), and every `!`
 * rule that brings back a credential file's name, even when no such file exists yet.
 */
export function findCredentialProblems(contextDir: string, files: readonly ContextFile[], patterns: readonly string[]): CredentialProblem[] {
  const out: CredentialProblem[] = [];
  for (const p of patterns.filter((x) => x.startsWith('!'))) {
    const example = examplePath(p.slice(1));
    if (example !== '' && byName.ignores(example)) {
      out.push({
        subject: p,
        reason: `the ignore rule ${JSON.stringify(p)} brings back ${example === p.slice(1) ? example : `files such as ${example}`}, where credentials are kept`,
        fix: `remove ${JSON.stringify(p)} from the .dockerignore or the recipe's ignore option; pass secrets to the build with a secret mount (ImageRecipe.custom: mounts: [{ type: "secret", id: "..." }]) and to the app with a SecretRef; if what it brings back holds no secret, exempt the image: Policy.exempt(image, '${CREDENTIAL_FILES_RULE.id}', '<why>')`,
      });
    }
  }
  for (const f of files) {
    const base = f.path.split('/').pop() ?? f.path;
    if (CHECKED_BY_CONTENT.has(base)) {
      const abs = path.join(contextDir, f.path);
      const text = fs.lstatSync(abs).isFile() && f.size < 1 << 20 ? fs.readFileSync(abs, 'utf8') : '';
      if (CREDENTIAL_SETTINGS.test(text) || findSecretTokens(text).length > 0) {
        out.push({
          subject: f.path,
          reason: `${f.path} would be sent to the builder and copied into the image, and it holds a credential`,
          fix: `keep only settings in ${base}: write the token as \${NPM_TOKEN} (read from the environment) or keep it in ~/${base}, and pass it to the build with a secret mount; for a false positive, exempt the image: Policy.exempt(image, '${CREDENTIAL_FILES_RULE.id}', '<why>')`,
        });
      }
    } else if (byName.ignores(f.path)) {
      out.push({
        subject: f.path,
        reason: `${f.path} would be sent to the builder and copied into the image, and its name is a credential file's`,
        fix: `move it out of the source folder, or remove the "!" rule that brings it back; if it holds no secret (a public certificate), rename it or exempt the image: Policy.exempt(image, '${CREDENTIAL_FILES_RULE.id}', '<why>')`,
      });
    }
  }
  return out;
}
