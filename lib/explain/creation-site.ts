/**
 * Where the user's code created a construct: the first stack frame outside prodpath and
 * outside node_modules, as `path:line:column` relative to the working directory. Recorded as
 * node metadata (never in the manifests) for `prodpath explain`.
 */
import * as path from 'path';
import { Construct } from 'constructs';

/** The metadata type of a construct's creation site. */
export const CREATION_SITE = 'prodpath:creation-site';
/** The metadata type of the names of the props a construct was given (names only, no values). */
export const GIVEN_PROPS = 'prodpath:given-props';

const LIB = path.resolve(__dirname, '..');

/** The user's frame of the current stack, or undefined when there is none (called from prodpath itself). */
export function userFrame(stack: string | undefined = new Error().stack): string | undefined {
  for (const line of (stack ?? '').split('\n').slice(1)) {
    const m = /\(?((?:file:\/\/)?[^\s()]+):(\d+):(\d+)\)?$/.exec(line.trim());
    if (!m) {
      continue;
    }
    const file = m[1].replace(/^file:\/\//, '');
    if (!path.isAbsolute(file) || file.startsWith(`${LIB}${path.sep}`) || file.includes(`${path.sep}node_modules${path.sep}`)) {
      continue;
    }
    return `${path.relative(process.cwd(), file).split(path.sep).join('/')}:${m[2]}:${m[3]}`;
  }
  return undefined;
}

/** Records where the user created `scope` and which props they gave. */
export function recordCreation(scope: Construct, props: object): void {
  const site = userFrame();
  if (site !== undefined) {
    scope.node.addMetadata(CREATION_SITE, site);
  }
  scope.node.addMetadata(GIVEN_PROPS, Object.keys(props).filter((k) => (props as Record<string, unknown>)[k] !== undefined).sort());
}
