/**
 * The `prodpath` command. Each subcommand lives in its own module; this file wires them to
 * commander, which gives every subcommand `--help`.
 */
import { Command } from 'commander';
import { formatFinding } from '../policy/rules';
import { checkDist } from './check';

/** Where the command writes; tests pass their own. */
export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

const STD_IO: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Builds the command-line program. */
export function program(io: CliIo = STD_IO, setExitCode: (code: number) => void = (c) => { process.exitCode = c; }): Command {
  const cli = new Command('prodpath')
    .description('prodpath: one typed source for images and Kubernetes manifests from dev to prod')
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride()
    .showHelpAfterError();

  cli.command('check')
    .description('run the synth-time checks (Kubernetes 1.27 schema, Pod Security "restricted", production and Dockerfile rules) on an existing output folder; exits 1 on errors')
    .argument('[dist]', 'the folder `cdk8s synth` wrote', 'dist')
    .option('--json', 'print the findings as JSON')
    .option('--production <envs>', 'comma-separated environment folders to treat as production (default: the prodpath.dev/production annotation of each Namespace)')
    .action((dist: string, opts: { json?: boolean; production?: string }) => {
      const result = checkDist(dist, { production: opts.production?.split(',').map((s) => s.trim()).filter(Boolean) });
      const errors = result.findings.filter((f) => f.severity === 'error');
      const warnings = result.findings.filter((f) => f.severity === 'warning');
      if (opts.json) {
        io.out(JSON.stringify({
          counts: result.counts,
          findings: result.findings.map((f) => ({ rule: f.rule.id, severity: f.severity, file: f.file, object: f.object, where: f.where, message: f.message, fix: f.fix })),
        }, null, 2));
      } else {
        for (const f of result.findings) {
          (f.severity === 'error' ? io.err : io.out)(`${f.severity}: ${formatFinding(f)}`);
        }
        const { manifestFiles, objects, images } = result.counts;
        io.out(`prodpath check: ${errors.length} error(s), ${warnings.length} warning(s) in ${manifestFiles} manifest file(s) (${objects} objects) and ${images} image(s) under ${dist}`);
      }
      setExitCode(errors.length > 0 ? 1 : 0);
    });

  return cli;
}

/** Runs the command line; resolves to the exit code. */
export async function run(argv: readonly string[], io: CliIo = STD_IO): Promise<number> {
  let code = 0;
  const cli = program(io, (c) => { code = c; });
  try {
    await cli.parseAsync([...argv], { from: 'user' });
  } catch (e: any) {
    if (e?.code === 'commander.helpDisplayed' || e?.code === 'commander.version' || e?.code === 'commander.help') {
      return 0;
    }
    if (typeof e?.exitCode === 'number' && typeof e?.code === 'string' && e.code.startsWith('commander.')) {
      return e.exitCode;
    }
    io.err(e instanceof Error ? e.message : String(e));
    return 2;
  }
  return code;
}

if (require.main === module) {
  run(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
