/**
 * `prodpath diff`: what differs between two environments' synthesized manifests, or what a
 * change does to each environment's committed manifests (`--against <git ref>`), by object and
 * field rather than by text line.
 */
import * as fs from 'fs';
import { diffToJson, EnvironmentChange, formatMarkdown, formatText, counts } from '../diff/format';
import { DiffInputError, listEnvironments, readEnvironment, readEnvironmentsAtRef } from '../diff/sources';
import { diffManifests, ManifestObject } from '../diff/semantic-diff';
import { environmentCapacity } from '../report/capacity';
import { capacityDeltaMarkdown } from '../report/format';
import { topologyMermaid } from '../topology/mermaid';
import { readTopology } from '../topology/model';
import type { CliIo } from './io';

/** Options of {@link diffCommand}. */
export interface DiffCommandOptions {
  /** The folder `cdk8s synth` wrote. @default 'dist' */
  readonly dist?: string;
  /** Compare each environment with its manifests committed at this git revision. @default - compare two environments */
  readonly against?: string;
  /** Print JSON. @default false */
  readonly json?: boolean;
  /** Color the text output. @default false */
  readonly color?: boolean;
  /** Exit 1 when there are differences, like `git diff --exit-code`. @default false */
  readonly exitCode?: boolean;
  /**
   * With `against`: the whole pull-request summary: the field changes, and for each changed
   * environment its capacity before and after and its topology as a Mermaid diagram.
   * @default false - the field changes only
   */
  readonly markdown?: boolean;
}

/**
 * Whether to color text output: never when asked not to (`--no-color`); always when
 * `FORCE_COLOR` is set to anything but `0` or `false` (as Node.js and most CLIs read it, so CI
 * logs that render ANSI get colors); not when `NO_COLOR` is set (https://no-color.org);
 * otherwise only on a terminal.
 */
export function shouldColor(option: boolean | undefined, env: NodeJS.ProcessEnv = process.env, isTTY: boolean | undefined = process.stdout.isTTY): boolean {
  if (option === false) {
    return false;
  }
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    return !['0', 'false'].includes(force.trim().toLowerCase());
  }
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') {
    return false;
  }
  return isTTY === true;
}

/**
 * Runs `prodpath diff`. With two environment names, prints how the second differs from the
 * first; with `against`, prints a Markdown summary of how each environment (or each named one)
 * differs from its manifests committed at that revision.
 * @returns the exit code: 0, or with `exitCode` 1 when there are differences
 * @throws DiffInputError on a missing folder or environment, a bad revision, or unreadable YAML
 */
export function diffCommand(environments: readonly string[], options: DiffCommandOptions, io: CliIo): number {
  const dist = options.dist ?? 'dist';
  if (options.against !== undefined) {
    return diffAgainst(dist, options.against, environments, options, io);
  }
  if (environments.length !== 2) {
    throw new DiffInputError(`prodpath diff: compare two environments (got ${environments.length === 0 ? 'none' : environments.join(' ')}). `
      + 'Fix: prodpath diff <envA> <envB>, such as `prodpath diff staging prod`, or prodpath diff --against <git ref> for what a change does to each environment.');
  }
  const [a, b] = environments;
  const from = readEnvironment(dist, a);
  const to = readEnvironment(dist, b);
  const diff = diffManifests(from, to, { ignoreNamespace: true, ignoreEnvironmentIdentity: true });
  const code = options.exitCode && diff.objects.length > 0 ? 1 : 0;
  if (options.json) {
    io.out(JSON.stringify({ from: a, to: b, dist, ...(diffToJson(diff) as object) }, null, 2));
    return code;
  }
  const [nsA, nsB] = [namespaceOf(from), namespaceOf(to)];
  const nsNote = nsA !== undefined && nsB !== undefined && nsA !== nsB
    ? ` (namespaces ${nsA} → ${nsB}; differences that only follow from the namespace are left out)` : '';
  io.out(`prodpath diff: ${a} → ${b} in ${dist}${nsNote}`);
  const [pA, pB] = [isProduction(from), isProduction(to)];
  if (pA !== pB) {
    io.out(`${pA ? a : b} is production and ${pA ? b : a} is not: production adds disruption budgets and spreads pods across nodes`);
  }
  for (const line of formatText(diff, { color: options.color ?? false })) {
    io.out(line);
  }
  const n = counts(diff);
  io.out(`${n.added} object(s) only in ${b}, ${n.removed} only in ${a}, ${n.changed} changed, ${n.unchanged} the same`);
  return code;
}

function diffAgainst(dist: string, ref: string, only: readonly string[], options: DiffCommandOptions, io: CliIo): number {
  const before = readEnvironmentsAtRef(dist, ref);
  const now = fs.existsSync(dist) ? listEnvironments(dist) : [];
  let names = [...new Set([...before.keys(), ...now])].sort();
  if (only.length > 0) {
    const unknown = only.filter((e) => !names.includes(e));
    if (unknown.length > 0) {
      throw new DiffInputError(`prodpath diff: no environment ${unknown.map((e) => `"${e}"`).join(', ')} in ${dist} or at ${ref}. `
        + `Fix: name one of ${names.join(', ') || '(none)'}, or leave the names out to compare every environment.`);
    }
    names = names.filter((e) => only.includes(e));
  }
  const sides = new Map<string, { old: ManifestObject[]; current: ManifestObject[] }>();
  const changes: EnvironmentChange[] = names.map((name) => {
    const old: ManifestObject[] = before.get(name) ?? [];
    const current: ManifestObject[] = now.includes(name) ? readEnvironment(dist, name) : [];
    sides.set(name, { old, current });
    const diff = diffManifests(old, current);
    const status = !before.has(name) ? 'added' : !now.includes(name) ? 'removed' : diff.objects.length > 0 ? 'changed' : 'unchanged';
    return { name, status, diff };
  });
  const code = options.exitCode && changes.some((c) => c.status !== 'unchanged') ? 1 : 0;
  if (options.json) {
    io.out(JSON.stringify({
      against: ref,
      dist,
      environments: changes.map((c) => ({ name: c.name, status: c.status, ...(diffToJson(c.diff) as object) })),
    }, null, 2));
    return code;
  }
  io.out(formatMarkdown(changes, ref).trimEnd());
  if (options.markdown) {
    for (const c of changes.filter((x) => x.status !== 'unchanged')) {
      io.out(pullRequestExtras(c.name, sides.get(c.name)!, ref).join('\n'));
    }
  }
  return code;
}

/** The capacity change and the topology of one changed environment, for a pull request. */
function pullRequestExtras(name: string, side: { old: ManifestObject[]; current: ManifestObject[] }, ref: string): string[] {
  const before = side.old.length > 0 ? environmentCapacity(name, side.old) : undefined;
  const after = side.current.length > 0 ? environmentCapacity(name, side.current) : undefined;
  const delta = capacityDeltaMarkdown(before, after);
  const lines = ['', `#### ${name}: capacity and topology`, ''];
  lines.push(...(delta.length > 0 ? delta : [`Capacity (pods, CPU, memory, storage) is the same as at \`${ref}\`.`]));
  if (side.current.length > 0) {
    lines.push('', `<details><summary>Topology of ${name} after this change</summary>`, '', '```mermaid', ...topologyMermaid(readTopology(name, side.current)), '```', '', '</details>');
  }
  return lines;
}

/** Whether an environment's prodpath Namespace says production rules apply. */
function isProduction(objects: readonly ManifestObject[]): boolean {
  return objects.some((o) => o.object?.kind === 'Namespace' && o.object?.metadata?.annotations?.['prodpath.dev/production'] === 'true');
}

/** The namespace of an environment: its prodpath Namespace object's name. */
function namespaceOf(objects: readonly ManifestObject[]): string | undefined {
  const ns = objects.find((o) => o.object?.kind === 'Namespace' && o.object?.metadata?.annotations?.['prodpath.dev/environment'] !== undefined);
  return ns?.object?.metadata?.name;
}

