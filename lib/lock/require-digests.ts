/**
 * The production digest rule: production runs the exact image that was built and pushed before
 * it, pinned by digest. Whether a missing digest is a warning or an error is the pipeline's
 * `requireDigests` setting (off by default until CI builds and locks images).
 */
import { Image } from '../images/image';
import { DIGEST_RULE } from '../policy/image-rules';
import { Finding } from '../policy/rules';

/** What the check reads of a pipeline (a `Pipeline` is one). */
export interface DigestCheckSubject {
  readonly requireDigests: 'off' | 'warn' | 'error';
  /** The lock file, or undefined when locks are switched off. */
  readonly lockFile?: string;
  readonly environments: readonly { readonly name: string; readonly production: boolean }[];
  readonly images: readonly Image[];
  /** What an image runs in an environment; a pinned environment runs its pin, not the current build. @default - no pins */
  imageIn?(envName: string, image: Image): { readonly pin?: { readonly digest: string; readonly tag: string } };
  /** Whether the lock records a build of `repository` with `digest`, and whether it was pushed. @default - never */
  lockedDigest?(repository: string, digest: string): { readonly pushed: boolean } | undefined;
}

/** The rule behind the findings of {@link checkLockedDigests}. */
export { DIGEST_RULE };

/**
 * Findings for the images of a pipeline that its production environments would run without a
 * pushed digest from the lock: warnings under `requireDigests: 'warn'`, errors under `'error'`,
 * nothing under `'off'` or without a production environment.
 */
export function checkLockedDigests(pipeline: DigestCheckSubject): Finding[] {
  if (pipeline.requireDigests === 'off') {
    return [];
  }
  const production = pipeline.environments.filter((e) => e.production).map((e) => e.name);
  if (production.length === 0) {
    return [];
  }
  const severity = pipeline.requireDigests === 'error' ? 'error' : 'warning';
  const lock = pipeline.lockFile ?? 'prodpath.lock.json';
  const findings: Finding[] = [];
  for (const image of pipeline.images) {
    // An environment pinned by `prodpath promote` runs the pinned digest, not the current build.
    const pinned = production.map((env) => ({ env, pin: pipeline.imageIn?.(env, image).pin }));
    const envs = pinned.filter((p) => p.pin === undefined).map((p) => p.env).join(', ');
    if (envs === '') {
      // nothing runs the current build in production
    } else if (image.digest === undefined) {
      findings.push({
        rule: DIGEST_RULE,
        severity,
        constructPath: image.node.path,
        message: `image ${image.taggedRef} has no digest in ${pipeline.lockFile === undefined ? 'a lock (lockFile is false)' : lock} for its content hash, so ${envs} would run it by tag`,
        fix: `run \`prodpath build --push\` and commit ${lock}, then synthesize again`,
      });
    } else if (image.digestPushed === false) {
      findings.push({
        rule: DIGEST_RULE,
        severity,
        constructPath: image.node.path,
        message: `${lock} records only a local build of ${image.taggedRef} (image id ${image.digest}, never pushed); a local id is never pinned, so ${envs} would run it by tag`,
        fix: `run \`prodpath build --push\` and commit ${lock}, then synthesize again`,
      });
    }
    for (const { env, pin } of pinned) {
      if (pin !== undefined && pipeline.lockedDigest?.(image.repository, pin.digest)?.pushed === false) {
        findings.push({
          rule: DIGEST_RULE,
          severity,
          constructPath: image.node.path,
          message: `${env} is pinned to ${image.repository}:${pin.tag}@${pin.digest}, which ${lock} records only from a local build that was never pushed; it is not rendered, so ${env} would run ${image.repository}:${pin.tag} by tag`,
          fix: `run \`prodpath build --push\` for that build, or promote a pushed build into ${env}, then synthesize again`,
        });
      }
    }
  }
  return findings;
}

/** A workload of a production environment that runs an image no pipeline builds. */
export interface ExternalImageUse {
  /** The environment. */
  readonly env: string;
  /** The workload's construct path. */
  readonly constructPath: string;
  /** The reference it runs, as given to `ExternalImage.of`. */
  readonly reference: string;
}

/**
 * Findings for external images (such as `postgres:16-bookworm`) that production environments run
 * by tag alone: warnings under `requireDigests: 'warn'`, errors under `'error'`. Pin one with
 * `ExternalImage.of('postgres:16-bookworm@sha256:<digest>', ...)`.
 */
export function checkExternalDigests(pipeline: Pick<DigestCheckSubject, 'requireDigests' | 'environments'>, uses: readonly ExternalImageUse[]): Finding[] {
  if (pipeline.requireDigests === 'off') {
    return [];
  }
  const production = new Set(pipeline.environments.filter((e) => e.production).map((e) => e.name));
  const severity = pipeline.requireDigests === 'error' ? 'error' : 'warning';
  return uses.filter((u) => production.has(u.env) && !/@sha256:[a-f0-9]{64}$/.test(u.reference)).map((u) => ({
    rule: DIGEST_RULE,
    severity,
    constructPath: u.constructPath,
    message: `the external image ${u.reference} has no digest, so ${u.env} would run whatever the tag points to when a node pulls it`,
    fix: `pin it: ExternalImage.of('${u.reference}@sha256:<digest>', ...), with the digest from \`docker buildx imagetools inspect ${u.reference}\` or your registry`,
  }));
}
