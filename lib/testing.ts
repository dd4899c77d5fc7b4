/**
 * Helpers for an app's unit tests, as cdk8s exports `Testing`: render an app in memory (every
 * check runs, nothing is written), pick objects out of an environment's manifests, read an
 * image's generated Dockerfile, collect the warnings, and get snapshot-friendly output.
 *
 * ```ts
 * import { Testing } from 'prodpath';
 * import { buildApp } from '../main';
 *
 * test('prod runs the API behind TLS', () => {
 *   const app = Testing.app();
 *   buildApp(app);
 *   const out = Testing.render(app);
 *   expect(out.find('prod', 'Ingress', 'api').spec.tls).toHaveLength(1);
 *   expect(out.dockerfile('api')).toContain('USER 10001:10001');
 *   expect(out.warnings).toEqual([]);
 * });
 * ```
 */
import { parseAllDocuments } from 'yaml';
import { App, AppProps } from './app';
import { Finding, formatFinding } from './policy/rules';

/** A Kubernetes object as rendered: plain JSON. */
export type RenderedObject = { readonly apiVersion: string; readonly kind: string; readonly metadata: { readonly name: string; readonly namespace?: string; readonly [key: string]: any }; readonly [key: string]: any };

/** Options for {@link RenderedApp.snapshot}. */
export interface SnapshotOptions {
  /**
   * Only the files of this environment (and no image or bake files).
   * @default - every file
   */
  readonly environment?: string;
  /**
   * Replace each image's content-hash tag and digest with `<name:tag>` / `<name:hash>`, so a
   * snapshot of the manifests does not change whenever a file of the image's source changes.
   * @default true
   */
  readonly maskImageTags?: boolean;
}

/** An app rendered in memory by {@link Testing.render}. */
export class RenderedApp {
  /** Every file `synth()` would write, keyed by path relative to `outdir`, in sorted order. */
  public readonly files: ReadonlyMap<string, string>;
  /** The policy warnings of the render (errors throw instead). */
  public readonly warnings: readonly Finding[];
  private readonly parsed = new Map<string, RenderedObject[]>();

  constructor(files: ReadonlyMap<string, string>, warnings: readonly Finding[]) {
    this.files = new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    this.warnings = warnings;
  }

  /** The warnings as the CLI prints them: one line each, with the construct path and rule. */
  public get warningMessages(): string[] {
    return this.warnings.map(formatFinding);
  }

  /** The environment names that have manifests, in file order. */
  public get environments(): string[] {
    return [...new Set([...this.files.keys()].filter((f) => f.endsWith('.k8s.yaml')).map((f) => f.split('/')[0]))];
  }

  /**
   * Every object of an environment (of all its pipelines, or of one), parsed.
   * @throws when the environment has no manifests, naming the ones that do
   */
  public manifests(environment: string, pipeline?: string): RenderedObject[] {
    const files = [...this.files.keys()].filter((f) => f.startsWith(`${environment}/`) && f.endsWith('.k8s.yaml')
      && (pipeline === undefined || f === `${environment}/${pipeline}.k8s.yaml`));
    if (files.length === 0) {
      throw new Error(`prodpath Testing: no manifests for environment "${environment}"${pipeline ? ` and pipeline "${pipeline}"` : ''}; the app renders: ${this.environments.join(', ') || '(none)'}`);
    }
    return files.flatMap((f) => this.parse(f));
  }

  /** Every object of a kind in an environment, optionally only those with a name. */
  public findAll(environment: string, kind: string, name?: string): RenderedObject[] {
    return this.manifests(environment).filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  }

  /**
   * The one object of a kind and name in an environment.
   * @throws when there is none or more than one, listing the objects of that kind
   */
  public find(environment: string, kind: string, name: string): RenderedObject {
    const hits = this.findAll(environment, kind, name);
    if (hits.length !== 1) {
      const ofKind = this.findAll(environment, kind).map((o) => o.metadata.name);
      throw new Error(`prodpath Testing: expected one ${kind} "${name}" in ${environment}, found ${hits.length}; ${kind} objects there: ${ofKind.join(', ') || '(none)'}`);
    }
    return hits[0];
  }

  /**
   * The generated Dockerfile of an image.
   * @throws when the app has no image of that name, naming the ones it has
   */
  public dockerfile(image: string): string {
    const text = this.files.get(`images/${image}/Dockerfile`);
    if (text === undefined) {
      throw new Error(`prodpath Testing: no image "${image}"; the app's images: ${this.imageNames().join(', ') || '(none)'}`);
    }
    return text;
  }

  /** The build metadata of an image (`images/<name>/image.json`): tag, content hash, user, port. */
  public image(image: string): { readonly name: string; readonly tag: string; readonly contentHash: string; readonly image: string; readonly [key: string]: any } {
    this.dockerfile(image);
    return JSON.parse(this.files.get(`images/${image}/image.json`)!);
  }

  /**
   * The output as one plain object for `expect(...).toMatchSnapshot()`: keys are file paths in
   * sorted order; YAML files are their parsed documents, JSON files their parsed value, other
   * files their text. Image tags are masked unless told otherwise.
   */
  public snapshot(options: SnapshotOptions = {}): Record<string, unknown> {
    const masks = (options.maskImageTags ?? true)
      ? this.imageNames().flatMap((name) => {
        const { tag, contentHash } = this.image(name);
        return [[contentHash, `<${name}:hash>`], [tag, `<${name}:tag>`]] as Array<[string, string]>;
      })
      : [];
    const mask = (text: string) => masks.reduce((t, [from, to]) => t.split(from).join(to), text);
    const out: Record<string, unknown> = {};
    for (const [file, text] of this.files) {
      if (options.environment !== undefined && !file.startsWith(`${options.environment}/`)) {
        continue;
      }
      const masked = mask(text);
      out[file] = file.endsWith('.yaml') ? parseAllDocuments(masked).map((d) => d.toJS())
        : file.endsWith('.json') ? JSON.parse(masked) : masked;
    }
    return out;
  }

  private imageNames(): string[] {
    return [...this.files.keys()].filter((f) => /^images\/[^/]+\/Dockerfile$/.test(f)).map((f) => f.split('/')[1]);
  }

  private parse(file: string): RenderedObject[] {
    let docs = this.parsed.get(file);
    if (docs === undefined) {
      docs = parseAllDocuments(this.files.get(file)!).map((d) => d.toJS()).filter((d) => d !== null);
      this.parsed.set(file, docs);
    }
    return docs;
  }
}

/** Test helpers for prodpath apps. */
export class Testing {
  /**
   * A prodpath App for a test: prints nothing, and renders exactly what `cdk8s synth` from the
   * app root writes to `dist/` (paths in the output are relative to `outdir`). Use
   * {@link Testing.render}, which writes nothing; calling `synth()` would write `outdir`.
   */
  public static app(props: AppProps = {}): App {
    return new App({ printSummary: false, ...props });
  }

  /**
   * Renders every environment of an app in memory, with every check `synth()` runs: a bad value
   * throws a `ValidationError`, a broken rule a `PolicyError`. Nothing is written.
   */
  public static render(app: App): RenderedApp {
    const files = app.render();
    return new RenderedApp(files, app.warnings);
  }

  /** Renders the app (see {@link Testing.render}) and returns one environment's objects. */
  public static environment(app: App, environment: string): RenderedObject[] {
    return Testing.render(app).manifests(environment);
  }

  private constructor() {}
}
