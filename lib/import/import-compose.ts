/**
 * `prodpath import`: reads a Compose file, plans the prodpath app, prints it as main.ts, and
 * writes it only when everything succeeded (never over an existing file unless asked).
 */
import * as fs from 'fs';
import * as path from 'path';
import { ComposeProject, ImportError, readComposeFile } from './compose-read';
import { AppPlan, planApp, sanitizeName } from './plan';
import { renderMain } from './render-main';

/** Options for {@link importCompose}. */
export interface ImportComposeOptions {
  /** The Compose file. */
  readonly file: string;
  /**
   * Where main.ts is written.
   * @default 'main.ts' in the Compose file's folder
   */
  readonly out?: string;
  /** The variables interpolation reads (the CLI passes the process environment). @default {} */
  readonly variables?: Readonly<Record<string, string | undefined>>;
  /** Active Compose profiles. @default [] */
  readonly profiles?: readonly string[];
  /**
   * The app's name (the pipeline, namespaces, labels).
   * @default - the Compose project name, made a valid name
   */
  readonly name?: string;
  /** Replace an existing output file. @default false */
  readonly force?: boolean;
}

/** What an import produced. */
export interface ImportResult {
  /** The file written. */
  readonly out: string;
  /** The generated source. */
  readonly source: string;
  readonly project: ComposeProject;
  readonly plan: AppPlan;
}

/** Imports a Compose file and writes main.ts. Throws {@link ImportError} before writing anything. */
export function importCompose(options: ImportComposeOptions): ImportResult {
  const project = readComposeFile(options.file, { variables: options.variables, profiles: options.profiles });
  const out = path.resolve(options.out ?? path.join(project.dir, 'main.ts'));
  if (fs.existsSync(out) && !options.force) {
    throw new ImportError(out, 'exists already', 'give another file with --out, or pass --force to replace it');
  }
  const name = options.name ?? sanitizeName(project.name);
  if (!/^[a-z]([-a-z0-9]{0,40}[a-z0-9])?$/.test(name)) {
    throw new ImportError('--name', `"${name}" cannot name the app (lowercase letters, digits and "-", at most 42 characters so "<name>-staging" stays a namespace)`, `use --name ${sanitizeName(name).slice(0, 42).replace(/-+$/, '')}`);
  }
  const plan = planApp(project, name);
  const appRoot = path.relative(path.dirname(out), project.dir).split(path.sep).join('/') || '.';
  const composeShown = path.relative(project.dir, path.resolve(options.file)).split(path.sep).join('/');
  const source = renderMain(plan, composeShown, appRoot);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, source);
  fs.renameSync(tmp, out);
  return { out, source, project, plan };
}

/** The command's report: what was written, skipped, not carried over, and to do. */
export function importReport(r: ImportResult, cwd: string = process.cwd()): string[] {
  const lines: string[] = [];
  const kinds = r.plan.workloads.map((w) => `${w.service} (${w.kind})`).join(', ');
  lines.push(`prodpath import: wrote ${path.relative(cwd, r.out) || r.out}: ${r.plan.images.length} image(s), ${r.plan.workloads.length} workload(s): ${kinds}`);
  for (const s of r.project.skipped) {
    lines.push(`  skipped ${s.name}: only in profile(s) ${s.profiles.join(', ')} (import it with --profile ${s.profiles[0]})`);
  }
  if (r.plan.notCarried.length > 0) {
    lines.push('Not carried over:');
    for (const n of r.plan.notCarried) {
      lines.push(`  - ${n.service}: ${n.key}: ${n.why}`);
    }
  }
  if (r.plan.todos.length > 0) {
    lines.push('TODO (also at the top of the file):');
    for (const t of r.plan.todos) {
      lines.push(`  - ${t}`);
    }
  }
  if (r.plan.devSecrets.length > 0) {
    lines.push(`The dev Compose file reads these from .secrets/dev/secrets.env: ${r.plan.devSecrets.join(', ')}`);
  }
  return lines;
}
