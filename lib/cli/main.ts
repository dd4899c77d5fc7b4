/**
 * The `prodpath` command. Each subcommand lives in its own module; this file wires them to
 * commander, which gives every subcommand `--help`.
 */
import { Command } from 'commander';
import { packageInfo } from '../peers';
import { formatFinding } from '../policy/rules';
import { parseKubernetesMinors } from '../policy/schema/minors';
import { keptCheck } from './check-kept';
import { INIT_RECIPES, initApp } from './init';
import { type CliIo, STD_IO } from './io';

// Each subcommand's modules load when it runs: `prodpath check` need not load
// cdk8s-plus-27, the graph layout engine or the container engine clients.
const check = () => require('./check') as typeof import('./check');
const build = () => require('./build') as typeof import('./build');
const diff = () => require('./diff') as typeof import('./diff');
const importer = () => require('./import') as typeof import('./import');
const promoter = () => require('./promote') as typeof import('./promote');
const stackWait = () => require('./stack-wait') as typeof import('./stack-wait');
const report = () => require('./report') as typeof import('./report');
const graph = () => require('./graph') as typeof import('./graph');
const explain = () => require('./explain') as typeof import('./explain');

export type { CliIo } from './io';

/** Builds the command-line program. */
export function program(io: CliIo = STD_IO, setExitCode: (code: number) => void = (c) => { process.exitCode = c; }): Command {
  const cli = new Command('prodpath')
    .description('prodpath: one typed source for images and Kubernetes manifests from dev to prod')
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride()
    .showHelpAfterError();

  // issue 14: `prodpath --version`
  cli.version(packageInfo().version, '-V, --version', 'print the version of prodpath');

  cli.command('check')
    .description('run the synth-time checks (Kubernetes schemas of the targeted minors, Pod Security "restricted", production and Dockerfile rules) on an existing output folder; exits 1 on errors')
    .argument('[dist]', 'the folder `cdk8s synth` wrote', 'dist')
    .option('--json', 'print the findings as JSON')
    .option('--production <envs>', 'comma-separated environment folders to treat as production (default: the prodpath.dev/production annotation of each Namespace); an unknown name is an error')
    .option('--allow-empty', 'accept a folder with no manifests (an error otherwise, so a wrong path never passes)')
    .option('--kube <minors>', 'Kubernetes minors to validate against, such as 1.31 or 1.30-1.33 (default: the prodpath.dev/kubernetes annotation of each Namespace, else 1.27-1.33)')
    .action((dist: string, opts: { json?: boolean; production?: string; allowEmpty?: boolean; kube?: string }) => {
      const kubernetes = opts.kube !== undefined ? parseKubernetesMinors(opts.kube, 'prodpath check --kube') : undefined;
      const options = { production: opts.production?.split(',').map((s) => s.trim()).filter(Boolean), allowEmpty: opts.allowEmpty, kubernetes };
      // A folder, options and code unchanged since a kept check: its result (see check-kept.ts).
      const kept = keptCheck(dist, options);
      let result = kept?.result;
      if (result === undefined) {
        result = check().checkDist(dist, options);
        kept?.save(result);
      }
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
    .description('show how two environments\' manifests differ (prodpath diff staging prod), or what a change does to each environment\'s committed manifests as Markdown for a pull-request comment (prodpath diff --against origin/main), by object and field; exits 0, or with --exit-code 1 when anything differs')
    .argument('[environments...]', 'two environment folders to compare; with --against, the environments to include (default: all)')
    .option('--dist <folder>', 'the folder `cdk8s synth` wrote', 'dist')
    .option('--against <ref>', 'compare with the manifests committed at this git revision (read with git show)')
    .option('--json', 'print the differences as JSON')
    .option('--markdown', 'with --against: the whole pull-request summary: also each changed environment\'s capacity before and after, and its topology as a Mermaid diagram')
    .option('--exit-code', 'exit 1 when there are differences and 0 when there are none, like git diff --exit-code')
    .option('--no-color', 'never color the output (on with FORCE_COLOR; off when NO_COLOR is set or the output is not a terminal)')
    .action((environments: string[], opts: { dist: string; against?: string; json?: boolean; markdown?: boolean; exitCode?: boolean; color: boolean }) => {
      setExitCode(diff().diffCommand(environments, {
        dist: opts.dist, against: opts.against, json: opts.json, markdown: opts.markdown, exitCode: opts.exitCode, color: diff().shouldColor(opts.color),
      }, io));
    });

  // issue 17: the capacity report
  cli.command('report')
    .description('what each environment asks of its cluster: CPU and memory requests and limits times pods (at the minimum and at the autoscaler\'s maximum), storage, pod counts, totals and the differences between environments, as Markdown or JSON')
    .argument('[dist]', 'the folder `cdk8s synth` wrote', 'dist')
    .option('--env <envs>', 'comma-separated environments to include (default: all)')
    .option('--json', 'print JSON (CPU in millicores, memory and storage in bytes)')
    .action((dist: string, opts: { env?: string; json?: boolean }) => {
      setExitCode(report().reportCommand(dist, { json: opts.json, environments: opts.env?.split(',').map((s) => s.trim()).filter(Boolean) }, io));
    });

  // issue 17: the topology picture
  cli.command('graph')
    .description('draw an environment as SVG: workloads, Services, Ingress hosts, the traffic its NetworkPolicies allow (connectsTo, with ports), storage, jobs and cron tasks, external secrets; laid out by ELK')
    .argument('<env>', 'the environment folder to draw')
    .option('--dist <folder>', 'the folder `cdk8s synth` wrote', 'dist')
    .option('--out <file>', 'write the SVG to this file (default: print it)')
    .action(async (env: string, opts: { dist: string; out?: string }) => {
      setExitCode(await graph().graphCommand(env, { dist: opts.dist, out: opts.out }, io));
    });

  // issue 17: where a field came from
  cli.command('explain')
    .description('say which source set a field of a synthesized object: the construct and the file:line that created it, and the prop, environment setting or prodpath default (with its rule) that decides the field; without a pointer, a table of every field')
    .argument('<env>', 'the environment folder')
    .argument('<object>', 'the object as <Kind>/<name>, such as Deployment/api')
    .argument('[pointer]', 'a JSON pointer to one field, such as /spec/replicas')
    .option('--dist <folder>', 'the folder `cdk8s synth` wrote', 'dist')
    .option('--app <file#export>', 'the app module, and the exported function that takes an App (default: the entry file of cdk8s.yaml\'s app command)')
    .action((env: string, object: string, pointer: string | undefined, opts: { dist: string; app?: string }) => {
      setExitCode(explain().explainCommand(env, object, pointer, { dist: opts.dist, app: opts.app }, io));
    });

  cli.command('build')
    .description('build each image of an output folder once per content hash with podman or docker, push it when asked, and record its digest in the lock file that `cdk8s synth` reads to pin images by digest')
    .argument('[dist]', 'the folder `cdk8s synth` wrote', 'dist')
    .option('--engine <engine>', 'podman or docker (default: detected, podman first)')
    .option('--engine-config <file>', 'the engine configuration (export NAME=\'value\' lines: CONTAINERS_CONF, DOCKER_HOST, PODMAN_FLAGS, DOCKER_FLAGS), such as the env.sh .ci/podman-setup.sh writes (default: $PRODPATH_ENGINE_CONFIG)')
    .option('--root <dir>', 'the app root that image contexts are relative to (default: the folder that holds dist)')
    .option('--lock <file>', 'the lock file, relative to the app root', 'prodpath.lock.json')
    .option('--push', 'push each image to its registry (which must be reachable) and lock the registry digest')
    .option('--only <names>', 'comma-separated image names to build (default: all)')
    .option('--pull <policy>', 'base image pull policy passed to the engine: always, missing, never or newer')
    .option('--verbose', 'print all of the engine\'s output, not only its steps')
    .action(async (dist: string, opts: { engine?: string; engineConfig?: string; root?: string; lock: string; push?: boolean; only?: string; pull?: string; verbose?: boolean }) => {
      try {
        await build().buildImages({
          dist,
          root: opts.root,
          lock: opts.lock,
          engine: opts.engine,
          engineConfig: opts.engineConfig,
          push: opts.push,
          only: opts.only?.split(',').map((s) => s.trim()).filter(Boolean),
          pull: opts.pull,
          verbose: opts.verbose,
        }, io);
        setExitCode(0);
      } catch (e) {
        if (e instanceof build().BuildFailedError) {
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
      promoter().promote({ ...opts, from, to: to ?? opts.to }, io);
      setExitCode(0);
    });

  // issue 15: wait for a Swarm stack to converge (bounded), for CI after `docker stack deploy`.
  cli.command('stack-wait')
    .description('wait (bounded) until every service of a Docker Swarm stack runs its replicas healthy and no update or rollback is under way; exits 1 naming each service that did not, with its last task error')
    .argument('<stack>', 'the stack name given to docker stack deploy')
    .option('--timeout <seconds>', 'how long to wait', '180')
    .option('--docker <command>', 'the docker command (DOCKER_HOST selects the daemon)', 'docker')
    .action(async (stack: string, opts: { timeout: string; docker: string }) => {
      const seconds = Number(opts.timeout);
      if (!Number.isFinite(seconds) || seconds <= 0) {
        throw new Error(`prodpath stack-wait: --timeout ${JSON.stringify(opts.timeout)} is not a number of seconds. Fix: --timeout 180.`);
      }
      try {
        await stackWait().waitForStack({ stack, timeoutMs: seconds * 1000, docker: opts.docker }, io);
        io.out(`prodpath stack-wait: ${stack} converged`);
        setExitCode(0);
      } catch (e) {
        if (e instanceof stackWait().StackNotConvergedError) {
          io.err(e.message);
          setExitCode(1);
          return;
        }
        throw e instanceof stackWait().StackInputError ? new Error(e.message) : e;
      }
    });

  // issue 14: `prodpath init [dir]`
  cli.command('init')
    .description('scaffold an app repository (package.json, cdk8s.yaml, main.ts with one web service in dev, staging and prod, a service folder, a test, CI) that synthesizes on its first npm install; refuses a non-empty folder unless --force')
    .argument('[dir]', 'the folder to create the app in', '.')
    .option('--name <name>', 'the app\'s name: package, pipeline and namespace prefix (default: the folder\'s name)')
    .option('--registry <registry>', 'the registry images are pushed to (default: ghcr.io/<name>)')
    .option('--recipe <recipe>', `the service's language: ${INIT_RECIPES.join(', ')}`, 'node')
    .option('--prodpath <spec>', 'where the app gets prodpath: a version range, or the path of a packed tarball (npm pack)')
    .option('--force', 'write into a folder that is not empty, replacing files of the same name')
    .action((dir: string, opts: { name?: string; registry?: string; recipe: string; prodpath?: string; force?: boolean }) => {
      initApp({ dir, ...opts }, io);
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
      setExitCode(importer().importCommand(file, opts, io));
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
