/**
 * The `prodpath` command. Each subcommand lives in its own module; this file wires them to
 * commander, which gives every subcommand `--help`.
 */
import { Command } from 'commander';
import { formatFinding } from '../policy/rules';
import { BuildFailedError, buildImages } from './build';
import { checkDist } from './check';
import { diffCommand, shouldColor } from './diff';
import { importCommand } from './import';
import { promote } from './promote';
import { type CliIo, STD_IO } from './io';

export type { CliIo } from './io';

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

  cli.command('diff')
    .description('show how two environments\' manifests differ (prodpath diff staging prod), or what a change does to each environment\'s committed manifests as Markdown for a pull-request comment (prodpath diff --against origin/main), by object and field; exits 0')
    .argument('[environments...]', 'two environment folders to compare; with --against, the environments to include (default: all)')
    .option('--dist <folder>', 'the folder `cdk8s synth` wrote', 'dist')
    .option('--against <ref>', 'compare with the manifests committed at this git revision (read with git show)')
    .option('--json', 'print the differences as JSON')
    .option('--no-color', 'never color the output (also off when NO_COLOR is set or the output is not a terminal)')
    .action((environments: string[], opts: { dist: string; against?: string; json?: boolean; color: boolean }) => {
      setExitCode(diffCommand(environments, { dist: opts.dist, against: opts.against, json: opts.json, color: shouldColor(opts.color) }, io));
    });

  cli.command('build')
    .description('build each image of an output folder once per content hash with podman or docker, push it when asked, and record its digest in the lock file that `cdk8s synth` reads to pin images by digest')
    .argument('[dist]', 'the folder `cdk8s synth` wrote', 'dist')
    .option('--engine <engine>', 'podman or docker (default: detected, podman first)')
    .option('--root <dir>', 'the app root that image contexts are relative to (default: the folder that holds dist)')
    .option('--lock <file>', 'the lock file, relative to the app root', 'prodpath.lock.json')
    .option('--push', 'push each image to its registry (which must be reachable) and lock the registry digest')
    .option('--only <names>', 'comma-separated image names to build (default: all)')
    .option('--pull <policy>', 'base image pull policy passed to the engine: always, missing, never or newer')
    .option('--verbose', 'print all of the engine\'s output, not only its steps')
    .action(async (dist: string, opts: { engine?: string; root?: string; lock: string; push?: boolean; only?: string; pull?: string; verbose?: boolean }) => {
      try {
        await buildImages({
          dist,
          root: opts.root,
          lock: opts.lock,
          engine: opts.engine,
          push: opts.push,
          only: opts.only?.split(',').map((s) => s.trim()).filter(Boolean),
          pull: opts.pull,
          verbose: opts.verbose,
        }, io);
        setExitCode(0);
      } catch (e) {
        if (e instanceof BuildFailedError) {
          io.err(e.message);
          if (e.output) {
            io.err(`--- the engine's last output ---\n${e.output}`);
          }
          setExitCode(1);
          return;
        }
        throw e;
      }
    });

  cli.command('promote')
    .description('pin in the next environment the builds an environment runs (prodpath promote dev staging), or roll an environment back (--to prod --digest sha256:... or --to prod --revision <git ref>), in the lock file that `cdk8s synth` reads; refuses to skip an environment unless --force --reason')
    .argument('[from]', 'the environment whose builds are promoted')
    .argument('[to]', 'the environment that gets them: the next one in the promotion order')
    .option('--to <env>', 'with --digest or --revision: the environment to roll back')
    .option('--digest <digest>', 'roll back to this digest (sha256:<64 hex>), which the lock records for a build of the image')
    .option('--tag <tag>', 'with --digest: the build\'s content tag (default: the tag the lock records for the digest)')
    .option('--image <name>', 'with --digest: the image (default: the one whose builds the lock records the digest for)')
    .option('--revision <ref>', 'roll back to what the lock at this git revision pinned in the environment')
    .option('--dist <folder>', 'the folder `cdk8s synth` wrote', 'dist')
    .option('--root <dir>', 'the app root (default: the folder that holds dist)')
    .option('--lock <file>', 'the lock file, relative to the app root', 'prodpath.lock.json')
    .option('--force', 'allow skipping an environment, promoting backwards, or a digest the lock does not record; needs --reason')
    .option('--reason <text>', 'with --force: why, recorded in the pin')
    .action((from: string | undefined, to: string | undefined, opts: { to?: string; digest?: string; tag?: string; image?: string; revision?: string; dist: string; root?: string; lock: string; force?: boolean; reason?: string }) => {
      if (opts.to !== undefined && to !== undefined) {
        throw new Error('prodpath promote: give the target environment once: as the second argument, or with --to when rolling back.');
      }
      promote({ ...opts, from, to: to ?? opts.to }, io);
      setExitCode(0);
    });

  // issue 19: prodpath import
  cli.command('import')
    .description('write a prodpath app (main.ts with dev, staging and prod) from a Compose file and its Dockerfiles; lists what has no equivalent; writes nothing when the file is refused')
    .argument('<compose-file>', 'the Compose file (compose.yaml, docker-compose.yml)')
    .option('--out <file>', 'where to write the app (default: main.ts next to the Compose file)')
    .option('--profile <name...>', 'Compose profiles to activate (services in other profiles are skipped)')
    .option('--name <name>', 'the app name (default: the Compose project name)')
    .option('--force', 'replace the output file when it exists')
    .action((file: string, opts: { out?: string; profile?: string[]; name?: string; force?: boolean }) => {
      setExitCode(importCommand(file, opts, io));
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
