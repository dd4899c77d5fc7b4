/**
 * Where the user's code created a construct: the first stack frame outside prodpath and
 * outside node_modules, as `path:line:column` relative to the working directory. Recorded as
 * node metadata (never in the manifests) for `prodpath explain`.
 */
import { findSourceMap } from 'module';
import * as path from 'path';
import { fileURLToPath } from 'url';
import { Construct } from 'constructs';

/** The metadata type of a construct's creation site. */
export const CREATION_SITE = 'prodpath:creation-site';
/** The metadata type of the names of the props a construct was given (names only, no values). */
export const GIVEN_PROPS = 'prodpath:given-props';

const LIB = path.resolve(__dirname, '..');

/** The user's frame of the current stack, or undefined when there is none (called from prodpath itself). */
export function userFrame(stack?: string): string | undefined {
  if (stack === undefined) {
    const callSites = currentCallSites();
    if (callSites === undefined) return userFrame(new Error().stack ?? '');
    return userFrameOfCallSites(callSites);
  }
  for (const line of stack.split('\n').slice(1)) {
    const m = /\(?((?:file:\/\/)?[^\s()]+):(\d+):(\d+)\)?$/.exec(line.trim());
    if (!m) {
      continue;
    }
    const site = siteOf(m[1], m[2], m[3]);
    if (site !== undefined) return site;
  }
  return undefined;
}

/** `path:line:column` relative to the working directory, unless the file is prodpath's or a dependency's. */
function siteOf(fileName: string, line: string | number, column: string | number): string | undefined {
  const file = fileName.startsWith('file://') ? fileURLToPath(fileName) : fileName;
  if (!path.isAbsolute(file) || file.startsWith(`${LIB}${path.sep}`) || file.includes(`${path.sep}node_modules${path.sep}`)) {
    return undefined;
  }
  return `${path.relative(process.cwd(), file).split(path.sep).join('/')}:${line}:${column}`;
}

/**
 * The current stack as V8's call sites (its structured stack trace API), not as text: every
 * workload records its creation site, and formatting the stack, which node maps through source
 * maps frame by frame when tsx runs the app, cost about 5% of a synth. Undefined if another
 * stack formatter ignores the request.
 */
function currentCallSites(): NodeJS.CallSite[] | undefined {
  const prepare = Error.prepareStackTrace;
  const holder: { stack?: unknown } = {};
  let stack: unknown;
  try {
    Error.prepareStackTrace = (_error, callSites) => callSites;
    Error.captureStackTrace(holder, currentCallSites);
    stack = holder.stack; // formatted when first read: while the override is in place
  } finally {
    Error.prepareStackTrace = prepare;
  }
  return Array.isArray(stack) ? (stack as NodeJS.CallSite[]) : undefined;
}

/** The first user frame, at its place in the source the user wrote (through its source map, as node's stack text is). */
function userFrameOfCallSites(callSites: readonly NodeJS.CallSite[]): string | undefined {
  for (const callSite of callSites) {
    const fileName = callSite.getFileName();
    const line = callSite.getLineNumber();
    const column = callSite.getColumnNumber();
    if (!fileName || line === null || column === null || siteOf(fileName, line, column) === undefined) continue;
    const entry = findSourceMap(fileName)?.findEntry(line - 1, column - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number } | undefined;
    if (entry?.originalSource !== undefined && entry.originalLine !== undefined && entry.originalColumn !== undefined) {
      return siteOf(entry.originalSource, entry.originalLine + 1, entry.originalColumn + 1);
    }
    return siteOf(fileName, line, column);
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
