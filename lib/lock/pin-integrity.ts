/**
 * Lock integrity at synth: every pin of a pipeline's images names an environment the pipeline
 * has, and a build (tag and digest) the lock records for that image, unless the pin was
 * recorded on purpose with `prodpath promote --force --reason`. A hand-edited digest or a pin
 * for a misspelled environment is refused, so the lock cannot quietly run an unknown image.
 */
import type { EnvironmentPin, LockEntry, PinEntry } from './lock';
import { Finding, PolicyRule } from '../policy/rules';

/** The rule behind {@link checkPinIntegrity}'s findings. */
export const PIN_RULE: PolicyRule = {
  id: 'lock-pins-recorded',
  rationale: 'a pin runs a build the lock recorded for that image in an environment that exists, so a hand edit cannot swap in an unknown image',
  source: 'prodpath',
  exemptible: false,
};

/** What the check reads of a pipeline (a `Pipeline` is one). */
export interface PinIntegritySubject {
  /** The lock file, or undefined when locks are switched off. */
  readonly lockFile?: string;
  readonly environments: readonly { readonly name: string }[];
  readonly images: readonly { readonly repository: string; readonly node: { readonly path: string } }[];
  /** The lock's pins. */
  lockPins(): readonly PinEntry[];
  /** The builds the lock records for `repository` with `digest`. */
  lockedBuilds(repository: string, digest: string): readonly LockEntry[];
}

/** Findings (errors) for the pins of the pipeline's images that are neither recorded nor forced. */
export function checkPinIntegrity(pipeline: PinIntegritySubject): Finding[] {
  if (pipeline.lockFile === undefined) {
    return [];
  }
  const envs = pipeline.environments.map((e) => e.name);
  const findings: Finding[] = [];
  for (const pin of pipeline.lockPins()) {
    const image = pipeline.images.find((i) => i.repository === pin.repository);
    if (image === undefined || isForced(pin)) {
      continue;
    }
    const where = `${pipeline.lockFile} pins[${JSON.stringify(pin.environment)}][${JSON.stringify(pin.repository)}]`;
    const force = `or, if this is on purpose, record it with \`prodpath promote --force --reason "<why>"\``;
    if (!envs.includes(pin.environment)) {
      findings.push({
        rule: PIN_RULE,
        severity: 'error',
        constructPath: image.node.path,
        where,
        message: `the lock pins ${pin.repository} in environment "${pin.environment}", which the pipeline does not have (it has ${envs.join(', ')})`,
        fix: `remove the pin or correct the environment name with \`prodpath promote\`, ${force}`,
      });
      continue;
    }
    const builds = pipeline.lockedBuilds(pin.repository, pin.digest);
    if (!builds.some((b) => b.tag === pin.tag)) {
      findings.push({
        rule: PIN_RULE,
        severity: 'error',
        constructPath: image.node.path,
        where: `${where}.digest`,
        message: builds.length === 0
          ? `${pin.environment} is pinned to ${pin.repository}:${pin.tag}@${pin.digest}, a digest the lock never recorded for that image`
          : `${pin.environment} is pinned to ${pin.repository}:${pin.tag}@${pin.digest}, but the lock records that digest for tag ${builds.map((b) => b.tag).join(', ')}`,
        fix: `pin a recorded build with \`prodpath promote <from> ${pin.environment}\` or \`prodpath promote --to ${pin.environment} --digest <a recorded digest>\`, ${force}`,
      });
    }
  }
  return findings;
}

function isForced(pin: EnvironmentPin): boolean {
  return pin.forced !== undefined;
}
