/**
 * `prodpath init [dir]`: scaffolds an app repository that synthesizes, checks and tests on its
 * first `npm install`: package.json, cdk8s.yaml, main.ts with one web service in dev, staging
 * and prod, a service folder (node, python, go or static), a unit test written with `Testing`,
 * .gitignore, a CI workflow and a README. Every input is checked and every file rendered in
 * memory before the first one is written.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ValidationError } from '../policy/errors';
import { checkDns1035Label, REGISTRY } from '../policy/names';
import { packageInfo, PEER_PACKAGES } from '../peers';
import type { CliIo } from './io';

/** The service recipes `init` can start from. */
export const INIT_RECIPES = ['node', 'python', 'go', 'static'] as const;
/** One of {@link INIT_RECIPES}. */
export type InitRecipe = (typeof INIT_RECIPES)[number];

/** The longest app name: `<name>-staging` must stay a namespace name (63) with room to spare. */
const MAX_NAME = 40;

/** The image recipe each service folder is built with, as main.ts writes it. */
const RECIPE_SOURCE: Record<InitRecipe, string> = {
  node: "ImageRecipe.node({ source: 'services/web', start: ['node', 'server.js'] })",
  python: "ImageRecipe.python({ source: 'services/web', start: ['python', 'app.py'] })",
  go: "ImageRecipe.go({ source: 'services/web' })",
  static: "ImageRecipe.staticSite({ source: 'services/web', healthCheck: { kind: 'http', path: '/healthz' } })",
};

/** The packages the app's package.json lists besides prodpath, at the versions prodpath is tested with. */
const APP_DEPENDENCIES = [...PEER_PACKAGES];
const APP_DEV_DEPENDENCIES = ['@types/jest', '@types/node', 'cdk8s-cli', 'jest', 'ts-jest', 'tsx', 'typescript'];

/** What `prodpath init` is asked to do. */
export interface InitOptions {
  /** The folder to create the app in (made when missing). */
  readonly dir: string;
  /**
   * The app's name: its package name, pipeline name and namespace prefix.
   * @default - the folder's name
   */
  readonly name?: string;
  /**
   * The registry images are pushed to.
   * @default 'ghcr.io/<name>'
   */
  readonly registry?: string;
  /**
   * The service's language.
   * @default 'node'
   */
  readonly recipe?: string;
  /**
   * Where prodpath comes from: a version range from the npm registry, or the path of a packed
   * tarball (`npm pack`).
   * @default - `^<this prodpath's version>`
   */
  readonly prodpath?: string;
  /** Write into a folder that is not empty, replacing files of the same name. */
  readonly force?: boolean;
  /** The working directory relative paths are resolved from. */
  readonly cwd?: string;
}

/** What `init` wrote. */
export interface InitResult {
  /** The app folder. */
  readonly dir: string;
  /** The files written, relative to `dir`, sorted. */
  readonly files: readonly string[];
}

const WHERE = 'prodpath init';

/** Checks the options and renders every file of the new app, without writing anything. */
export function renderInit(options: InitOptions): { dir: string; files: Map<string, string> } {
  const cwd = options.cwd ?? process.cwd();
  const dir = path.resolve(cwd, options.dir);
  const recipe = options.recipe ?? 'node';
  if (!(INIT_RECIPES as readonly string[]).includes(recipe)) {
    throw new ValidationError(WHERE, { field: '--recipe', value: recipe, rule: `the service recipe must be one of ${INIT_RECIPES.join(', ')}`, fix: 'use --recipe node (or python, go, static)' });
  }
  const name = checkDns1035Label(WHERE, options.name === undefined ? `--name (from the folder name "${path.basename(dir)}")` : '--name',
    options.name ?? path.basename(dir), MAX_NAME);
  const registry = options.registry ?? `ghcr.io/${name}`;
  if (!REGISTRY.test(registry)) {
    throw new ValidationError(WHERE, { field: '--registry', value: registry, rule: 'a registry is a lowercase host (with an optional :port) and optional path, without a tag', fix: 'use --registry ghcr.io/acme or --registry registry.example.com:5000/team' });
  }
  const info = packageInfo();
  const prodpathSpec = resolveProdpathSpec(options.prodpath, cwd, dir, info.version);

  if (fs.existsSync(dir)) {
    if (!fs.statSync(dir).isDirectory()) {
      throw new ValidationError(WHERE, { field: 'dir', value: options.dir, rule: 'the app folder is a file', fix: 'give the path of a new or empty folder' });
    }
    const entries = fs.readdirSync(dir).filter((e) => e !== '.git');
    if (entries.length > 0 && options.force !== true) {
      throw new ValidationError(WHERE, {
        field: 'dir',
        value: options.dir,
        rule: `the folder is not empty (${entries.slice(0, 5).join(', ')}${entries.length > 5 ? ', ...' : ''}), and init would overwrite files of the same name`,
        fix: 'give a new or empty folder, or pass --force to write into this one anyway',
      });
    }
  }

  const templates = path.join(info.root, 'templates', 'init');
  const fill = (text: string) => text.split('__NAME__').join(name).split('__REGISTRY__').join(registry).split('__RECIPE__').join(RECIPE_SOURCE[recipe as InitRecipe]);
  const files = new Map<string, string>();
  for (const rel of listFiles(path.join(templates, 'app'))) {
    // npm leaves dotfiles such as .gitignore out of a package: the template stores them without the dot.
    const target = rel === 'gitignore' ? '.gitignore' : rel.startsWith('github/') ? `.${rel}` : rel;
    files.set(target, fill(fs.readFileSync(path.join(templates, 'app', rel), 'utf8')));
  }
  for (const rel of listFiles(path.join(templates, 'services', recipe))) {
    files.set(`services/web/${rel}`, fs.readFileSync(path.join(templates, 'services', recipe, rel), 'utf8'));
  }
  const pick = (names: readonly string[]) => Object.fromEntries(names.map((n) => {
    const version = info.devVersions[n];
    if (version === undefined) {
      throw new Error(`${WHERE}: prodpath's package.json gives no version of ${n} to start the app with`);
    }
    return [n, version];
  }));
  files.set('package.json', `${JSON.stringify({
    name,
    version: '0.1.0',
    private: true,
    description: `${name}: images and Kubernetes manifests for dev, staging and prod, from one typed source (prodpath)`,
    engines: { node: '>=20' },
    scripts: {
      synth: 'cdk8s synth --check-upgrade=false',
      typecheck: 'tsc --noEmit -p tsconfig.json',
      check: 'prodpath check dist',
      test: 'prodpath check dist && jest',
    },
    dependencies: Object.fromEntries(Object.entries({ prodpath: prodpathSpec, ...pick(APP_DEPENDENCIES) }).sort(([a], [b]) => (a < b ? -1 : 1))),
    devDependencies: pick(APP_DEV_DEPENDENCIES),
  }, null, 2)}\n`);
  return { dir, files: new Map([...files].sort(([a], [b]) => (a < b ? -1 : 1))) };
}

/** Checks everything, renders every file, then writes them; nothing is written when a check fails. */
export function initApp(options: InitOptions, io: CliIo): InitResult {
  const { dir, files } = renderInit(options);
  for (const [rel, content] of files) {
    const file = path.join(dir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
  const shown = path.relative(options.cwd ?? process.cwd(), dir) || '.';
  io.out(`prodpath init: wrote ${files.size} files to ${shown}/`);
  io.out('Next:');
  if (shown !== '.') {
    io.out(`  cd ${shown}`);
  }
  io.out('  npm install');
  io.out('  npm run synth    # type-checks main.ts, checks every environment, writes dist/');
  io.out('  npm test         # prodpath check dist, then the unit test');
  return { dir, files: [...files.keys()] };
}

/** The `prodpath` entry of the app's package.json: a version range, or `file:` and a tarball's path. */
function resolveProdpathSpec(given: string | undefined, cwd: string, dir: string, version: string): string {
  if (given === undefined) {
    return `^${version}`;
  }
  // Loaded here: `prodpath check` loads this module for its help text, not semver.
  const semver = require('semver') as typeof import('semver');
  if (semver.validRange(given) !== null && !given.endsWith('.tgz')) {
    return given;
  }
  const tarball = path.resolve(cwd, given.replace(/^file:/, ''));
  if (!given.endsWith('.tgz') || !fs.existsSync(tarball) || !fs.statSync(tarball).isFile()) {
    throw new ValidationError(WHERE, {
      field: '--prodpath',
      value: given,
      rule: fs.existsSync(tarball) || given.endsWith('.tgz')
        ? `it is neither a version range nor an existing tarball (looked for ${tarball})`
        : 'it is neither a version range (such as ^0.1.0) nor the path of a packed tarball (*.tgz)',
      fix: `give a version such as ^${version}, or the path of the file \`npm pack\` wrote, such as ./prodpath-${version}.tgz`,
    });
  }
  // Relative to the app folder, so the app still installs when the two are moved together.
  return `file:${path.relative(dir, tarball).split(path.sep).join('/')}`;
}

/** Every file below a folder, as sorted `/`-separated paths relative to it. */
function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) {
        walk(r);
      } else {
        out.push(r);
      }
    }
  };
  walk('');
  return out.sort();
}
