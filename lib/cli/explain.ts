/**
 * `prodpath explain <env> <Kind>/<name> [<json-pointer>]`: which source set a field of a
 * synthesized object (or, without a pointer, every field of it): the construct that renders it
 * and where the user's code created it, and the prop, environment setting or prodpath default
 * that decides the field.
 *
 * It recomputes the construct tree by loading the app in memory (without synthesizing) and
 * reads the values from the committed manifests; nothing is written. See the README for why
 * this and not a sidecar file next to the manifests.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from '../app';
import { readEnvironment, DiffInputError } from '../diff/sources';
import { valueAt } from '../diff/semantic-diff';
import { explainField, findApiObject, leafPointers, objectOrigin } from '../explain/explain';
import type { CliIo } from './io';

/** Options of {@link explainCommand}. */
export interface ExplainCommandOptions {
  /** The folder `cdk8s synth` wrote. @default 'dist' */
  readonly dist?: string;
  /**
   * The app: a module path, optionally `#export` naming a function that takes an App and defines
   * the pipeline (as examples/shop/main.ts exports `buildShop`).
   * @default - the entry file of cdk8s.yaml's `app` command; its only exported function
   */
  readonly app?: string;
}

/** A problem with the explain arguments or the app. */
export class ExplainInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExplainInputError';
  }
}

/** The app module and export named by --app or cdk8s.yaml. */
function appEntry(option: string | undefined): { file: string; exportName?: string } {
  let spec = option;
  if (spec === undefined) {
    const config = fs.existsSync('cdk8s.yaml') ? fs.readFileSync('cdk8s.yaml', 'utf8') : '';
    const app = /^app:\s*(.+)$/m.exec(config)?.[1] ?? '';
    spec = app.split(/\s+/).find((t) => /\.(?:ts|js|mjs|cjs|mts|cts)$/.test(t));
    if (spec === undefined) {
      throw new ExplainInputError('prodpath explain: no app to load: cdk8s.yaml has no `app:` command naming a .ts or .js file. Fix: pass --app <file>#<export>, such as --app examples/shop/main.ts#buildShop.');
    }
  }
  const [file, exportName] = spec.split('#');
  return { file: path.resolve(file), ...(exportName ? { exportName } : {}) };
}

/** Loads the app in memory and returns it without synthesizing. */
export function loadApp(option: string | undefined): App {
  const { file, exportName } = appEntry(option);
  if (!fs.existsSync(file)) {
    throw new ExplainInputError(`prodpath explain: the app file ${path.relative(process.cwd(), file)} does not exist. Fix: pass --app <file>#<export>.`);
  }
  if (/\.[mc]?ts$/.test(file)) {
    // tsx (a devDependency of TypeScript cdk8s apps) compiles the app as `cdk8s synth` does.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('tsx/cjs/api').register();
  }
  let captured: App | undefined;
  const synth = App.prototype.synth;
  App.prototype.synth = function capture(this: App) {
    captured = this;
  };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(file);
    if (captured !== undefined) {
      return captured;
    }
    const fns = Object.entries(mod).filter(([, v]) => typeof v === 'function');
    const chosen = exportName !== undefined ? fns.find(([k]) => k === exportName) : fns.length === 1 ? fns[0] : undefined;
    if (chosen === undefined) {
      throw new ExplainInputError(`prodpath explain: ${path.relative(process.cwd(), file)} ${exportName ? `exports no function ${exportName}` : `exports ${fns.length} functions (${fns.map(([k]) => k).join(', ') || 'none'})`}, and did not synthesize an App when loaded. `
        + 'Fix: pass --app <file>#<export> naming the function that takes an App and defines the pipeline.');
    }
    const app = new App({ outdir: path.join(os.tmpdir(), 'prodpath-explain-unused'), printSummary: false });
    (chosen[1] as (a: App) => unknown)(app);
    return app;
  } finally {
    App.prototype.synth = synth;
  }
}

/**
 * Runs `prodpath explain`.
 * @returns the exit code: 0
 */
export function explainCommand(environment: string, target: string, pointer: string | undefined, options: ExplainCommandOptions, io: CliIo): number {
  const m = /^([A-Za-z]+)\/([a-z0-9][-a-z0-9.]*)$/.exec(target);
  if (!m) {
    throw new ExplainInputError(`prodpath explain: "${target}" is not <Kind>/<name>. Fix: name an object as in the manifests, such as Deployment/api.`);
  }
  if (pointer !== undefined && pointer !== '' && !pointer.startsWith('/')) {
    throw new ExplainInputError(`prodpath explain: "${pointer}" is not a JSON pointer. Fix: start it with /, such as /spec/replicas or /spec/template/spec/containers/0/resources.`);
  }
  const [, kind, name] = m;
  const dist = options.dist ?? 'dist';
  const objects = readEnvironment(dist, environment);
  const base = (n: string) => n.replace(/-[0-9a-f]{10}$/, '');
  const manifest = objects.find((o) => o.object?.kind === kind && (o.object?.metadata?.name === name || base(String(o.object?.metadata?.name)) === base(name)));
  if (manifest === undefined) {
    const names = objects.filter((o) => o.object?.kind === kind).map((o) => `${kind}/${o.object.metadata.name}`);
    throw new DiffInputError(`prodpath explain: no ${kind}/${name} in ${path.join(dist, environment)}. Fix: name one of ${names.join(', ') || `(no ${kind} there)`}.`);
  }
  const app = loadApp(options.app);
  const api = findApiObject(app, environment, kind, String(manifest.object.metadata.name));
  if (api === undefined) {
    throw new ExplainInputError(`prodpath explain: the app defines no ${kind}/${name} in environment ${environment}; ${path.join(dist, environment)} may be out of date. Fix: synthesize again (npx cdk8s synth).`);
  }
  const origin = objectOrigin(api);
  io.out(`${kind}/${manifest.object.metadata.name} in ${environment}: rendered by ${origin.constructPath}`
    + `${origin.owner ? ` (${origin.owner.type} ${origin.owner.path.split('/').pop()}, created at ${origin.owner.site ?? 'an unknown place'})` : ''}`);
  if (pointer !== undefined && pointer !== '') {
    const value = valueAt(manifest.object, pointer);
    if (value === undefined) {
      throw new ExplainInputError(`prodpath explain: ${kind}/${name} has no field ${pointer}. Fix: run without a pointer to list its fields.`);
    }
    const s = explainField(kind, pointer, origin, environment);
    io.out(`${pointer} = ${JSON.stringify(value)}`);
    io.out(`set by ${s.by === 'default' ? 'prodpath default' : s.by}: ${s.what}`);
    io.out(`at: ${s.where}`);
    return 0;
  }
  io.out('| Field | Value | Set by | What | Where |');
  io.out('|---|---|---|---|---|');
  for (const p of leafPointers(manifest.object)) {
    const s = explainField(kind, p, origin, environment);
    const v = JSON.stringify(valueAt(manifest.object, p)) ?? '';
    const cell = (t: string) => t.replace(/\|/g, '\\|');
    io.out(`| \`${cell(p)}\` | ${cell(v.length > 60 ? `${v.slice(0, 57)}...` : v)} | ${s.by === 'default' ? 'prodpath default' : s.by} | ${cell(s.what)} | ${cell(s.where)} |`);
  }
  return 0;
}
