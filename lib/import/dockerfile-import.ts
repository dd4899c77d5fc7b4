/**
 * Turns an existing Dockerfile into the stages of `ImageRecipe.custom`, for `prodpath import`:
 * FROM, WORKDIR, COPY, RUN, ENV, ARG and EXPOSE carry over; CMD, ENTRYPOINT and HEALTHCHECK of the
 * last stage become the recipe's start, entrypoint and health check; what the custom recipe
 * cannot express (ADD of URLs, COPY flags, USER of the final stage, ONBUILD, ...) is reported.
 */
import { DockerfileParser } from 'dockerfile-ast';

/** One custom stage, as plain data for the generated code. */
export interface ImportedStage {
  readonly name: string;
  readonly from: string;
  readonly steps: readonly Record<string, unknown>[];
}

/** What a Dockerfile gives the custom recipe, and what it could not carry over. */
export interface ImportedDockerfile {
  readonly stages: readonly ImportedStage[];
  readonly start?: readonly string[];
  readonly entrypoint?: readonly string[];
  readonly port?: number;
  readonly healthCommand?: readonly string[];
  readonly dropped: readonly string[];
}

/** The CMD of a Dockerfile's last stage, in exec form (shell form as `sh -c`). */
export function dockerfileCmd(text: string): string[] | undefined {
  return importDockerfile(text).start?.slice();
}

function execOrShell(args: string): string[] {
  const t = args.trim();
  if (t.startsWith('[')) {
    try {
      const v = JSON.parse(t);
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) {
        return v;
      }
    } catch {
      // fall through: Docker runs a malformed JSON array as shell form too.
    }
  }
  return ['sh', '-c', t];
}

/** Translates a Dockerfile. */
export function importDockerfile(text: string): ImportedDockerfile {
  const doc = DockerfileParser.parse(text);
  const stages: { name: string; from: string; steps: Record<string, unknown>[] }[] = [];
  const dropped: string[] = [];
  let start: string[] | undefined;
  let entrypoint: string[] | undefined;
  let port: number | undefined;
  let healthCommand: string[] | undefined;
  for (const ins of doc.getInstructions()) {
    const kw = ins.getKeyword().toUpperCase();
    const args = ins.getArguments().map((a) => a.getValue());
    const content = ins.getArgumentsContent() ?? '';
    if (kw === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+as\s+(\S+))?$/i.exec(content.trim());
      const from = m?.[1] ?? args[0];
      const name = (m?.[2] ?? `stage${stages.length}`).toLowerCase();
      stages.push({ name, from, steps: [] });
      start = undefined;
      entrypoint = undefined;
      port = undefined;
      healthCommand = undefined;
      continue;
    }
    const stage = stages[stages.length - 1];
    if (stage === undefined) {
      if (kw !== 'ARG') {
        dropped.push(`${kw} before the first FROM`);
      }
      continue;
    }
    const flags = ((ins as any).getFlags?.() ?? []).map((f: any) => String(f.toString()));
    switch (kw) {
      case 'WORKDIR':
        stage.steps.push({ workdir: content.trim() });
        break;
      case 'COPY':
      case 'ADD': {
        const from = flags.find((f: string) => f.startsWith('--from='))?.slice('--from='.length);
        const other = flags.filter((f: string) => !f.startsWith('--from='));
        if (other.length > 0) {
          dropped.push(`${kw} ${other.join(' ')}: the flag is not carried over (files are owned by root and readable; the app runs as its numeric user)`);
        }
        if (kw === 'ADD' && args.some((a) => /^https?:\/\//.test(a) || /\.(tar|tgz|tar\.gz|tar\.xz)$/.test(a))) {
          dropped.push(`ADD ${content.trim()}: downloads and archive extraction are not carried over; fetch the file in a RUN step of a build stage`);
          break;
        }
        const list = content.trim().startsWith('[') ? execOrShell(content) : args;
        stage.steps.push({ copy: list.slice(0, -1), to: list[list.length - 1], ...(from ? { from: from.toLowerCase() } : {}) });
        break;
      }
      case 'RUN':
        if (flags.length > 0) {
          dropped.push(`RUN ${flags.join(' ')}: mounts are not carried over; add them as mounts of the step`);
        }
        stage.steps.push({ run: content.replace(/\\\r?\n/g, ' ').replace(/\s+/g, ' ').trim() });
        break;
      case 'ENV': {
        const env: Record<string, string> = {};
        const props = (ins as any).getProperties?.() ?? [];
        for (const p of props) {
          env[p.getName()] = p.getValue() ?? '';
        }
        stage.steps.push({ env });
        break;
      }
      case 'ARG': {
        const [name, def] = content.trim().split('=', 2);
        stage.steps.push(def === undefined ? { arg: name } : { arg: name, default: def.replace(/^"|"$/g, '') });
        break;
      }
      case 'EXPOSE': {
        const p = Number(args[0]?.split('/')[0]);
        if (Number.isInteger(p)) {
          port = p;
        }
        break;
      }
      case 'CMD':
        start = execOrShell(content);
        break;
      case 'ENTRYPOINT':
        entrypoint = execOrShell(content);
        break;
      case 'HEALTHCHECK': {
        const m = /^(?:--\S+\s+)*(?:CMD\s+)?(.*)$/is.exec(content.trim());
        if (/^NONE$/i.test(content.trim())) {
          healthCommand = undefined;
        } else if (m) {
          healthCommand = execOrShell(m[1]);
        }
        break;
      }
      case 'USER':
        if (stage === stages[stages.length - 1]) {
          dropped.push(`USER ${content.trim()}: the image runs as the recipe's numeric non-root user (10001:10001)`);
        }
        break;
      default:
        dropped.push(`${kw} ${content.trim()}: the custom recipe has no such step`);
    }
  }
  // A USER in a stage that turned out not to be last was kept out; build stages run as root.
  return { stages, start, entrypoint, port, healthCommand, dropped };
}
