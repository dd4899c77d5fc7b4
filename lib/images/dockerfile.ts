/**
 * A small typed model of a multi-stage Dockerfile, rendered to deterministic text.
 * Recipes build one of these; nothing else writes Dockerfile text.
 */

/** One build stage: `FROM <from> AS <name>` followed by its instructions. */
export interface DockerfileStage {
  /** Lowercase stage name (never `scratch` or `context`). */
  readonly name: string;
  /** The base image reference, with a tag (never `latest`) and optionally a digest. */
  readonly from: string;
  /** Instructions in order, each already rendered (for example `WORKDIR /app`). */
  readonly instructions: readonly string[];
}

/** A whole Dockerfile: a header comment and its stages. */
export interface DockerfileModel {
  readonly header: string;
  readonly stages: readonly DockerfileStage[];
}

/** Renders a JSON-form (exec form) argument list: `["node", "server.js"]`. */
export function execForm(args: readonly string[]): string {
  return `[${args.map((a) => JSON.stringify(a)).join(', ')}]`;
}

/** Renders the model to text: one blank line between stages, a trailing newline. */
export function renderDockerfile(model: DockerfileModel): string {
  const lines: string[] = model.header.split('\n').map((l) => `# ${l}`.trimEnd());
  for (const stage of model.stages) {
    lines.push('');
    lines.push(`FROM ${stage.from} AS ${stage.name}`);
    lines.push(...stage.instructions);
  }
  return `${lines.join('\n')}\n`;
}
