/**
 * `prodpath stack-wait <stack>`: waits, bounded, until every service of a Docker Swarm stack runs
 * its replicas (healthy, where the image or the stack file has a health check) and no update or
 * rollback is under way; when the time is up, it fails naming each service that is not there yet
 * and its last task error. Talks to the swarm through the docker command line (`DOCKER_HOST`).
 */
import { spawn } from 'child_process';
import type { CliIo } from './io';

/** Options of {@link waitForStack}. */
export interface StackWaitOptions {
  /** The stack's name, as given to `docker stack deploy`. */
  readonly stack: string;
  /** How long to wait. @default 180000 */
  readonly timeoutMs?: number;
  /** How often to look. @default 2000 */
  readonly pollMs?: number;
  /** The docker command. @default 'docker' */
  readonly docker?: string;
  /** The environment of the docker command (`DOCKER_HOST`). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Print each service's state when it changes. @default true */
  readonly progress?: boolean;
}

/** One service of a stack, as last seen. */
export interface StackServiceState {
  readonly name: string;
  /** The replicas asked for (a global service: the tasks it should run). */
  readonly desired: number;
  /** The tasks that run (and passed their health check, where there is one). */
  readonly running: number;
  /** The image of the service spec. */
  readonly image: string;
  /** `updating`, `completed`, `rollback_started`, `rollback_completed`, `paused`, ... or undefined before any update. */
  readonly updateState?: string;
  /** Swarm's message about the last update or rollback. */
  readonly updateMessage?: string;
  /** The latest task error, with the task's state, if any task failed. */
  readonly lastError?: string;
  /** Whether this service is where it should be. */
  readonly converged: boolean;
}

/** The stack, the docker command or the daemon cannot be used: exit status 2. */
export class StackInputError extends Error {
  constructor(message: string) {
    super(`prodpath stack-wait: ${message}`);
    this.name = 'StackInputError';
  }
}

/** The stack did not converge in time: exit status 1. */
export class StackNotConvergedError extends Error {
  constructor(message: string, public readonly services: readonly StackServiceState[]) {
    super(`prodpath stack-wait: ${message}`);
    this.name = 'StackNotConvergedError';
  }
}

const BUSY_UPDATE = ['updating', 'rollback_started', 'paused', 'rollback_paused'];

/**
 * Waits until every service of `options.stack` converged; resolves to their states.
 * @throws StackInputError when docker is missing, the daemon does not answer, or there is no such stack
 * @throws StackNotConvergedError when the time is up, naming each service and its last task error
 */
export async function waitForStack(options: StackWaitOptions, io: CliIo): Promise<StackServiceState[]> {
  const timeoutMs = options.timeoutMs ?? 180_000;
  const deadline = Date.now() + timeoutMs;
  const docker = (args: string[]) => runDocker(options.docker ?? 'docker', args, options.env ?? process.env);
  let last = '';
  for (;;) {
    const states = await stackState(options.stack, docker);
    const line = states.map(describe).join('; ');
    if (options.progress !== false && line !== last) {
      io.out(`${options.stack}: ${line}`);
      last = line;
    }
    if (states.every((s) => s.converged)) {
      return states;
    }
    if (Date.now() >= deadline) {
      const pending = states.filter((s) => !s.converged);
      throw new StackNotConvergedError(
        `stack ${options.stack} did not converge within ${Math.round(timeoutMs / 1000)} s:\n${pending.map((s) => `  - service ${s.name}: ${describe(s)}${s.lastError ? `; last task error: ${s.lastError}` : '; no task error reported'}`).join('\n')}\nFix: read \`docker service ps --no-trunc ${pending[0].name}\` and \`docker service logs ${pending[0].name}\`; a failing health check or a missing image is the usual cause.`,
        states,
      );
    }
    await new Promise((r) => setTimeout(r, Math.min(options.pollMs ?? 2000, Math.max(0, deadline - Date.now()))));
  }
}

function describe(s: StackServiceState): string {
  const update = s.updateState !== undefined ? `, update ${s.updateState}` : '';
  return `${s.name} ${s.running}/${s.desired} running${update}`;
}

type Docker = (args: string[]) => Promise<{ status: number; stdout: string; stderr: string }>;

/** Every service of a stack, as the swarm sees it now. */
export async function stackState(stack: string, docker: Docker): Promise<StackServiceState[]> {
  const list = await docker(['stack', 'services', stack, '--format', '{{.Name}}']);
  if (list.status !== 0) {
    throw new StackInputError(`\`docker stack services ${stack}\` failed: ${list.stderr.trim() || `exit status ${list.status}`}. Fix: check that DOCKER_HOST points at a swarm manager (docker info), or start one (bash .ci/swarm.sh start).`);
  }
  const names = list.stdout.split('\n').map((l) => l.trim()).filter(Boolean).sort();
  if (names.length === 0) {
    throw new StackInputError(`there is no stack ${JSON.stringify(stack)} (no services). Fix: deploy it first (docker stack deploy -c <env>/stack.yaml ${stack}), or name a stack from \`docker stack ls\`.`);
  }
  const inspect = await docker(['service', 'inspect', ...names]);
  const tasks = await docker(['service', 'ps', '--no-trunc', '--format', '{{json .}}', ...names]);
  if (inspect.status !== 0 || tasks.status !== 0) {
    throw new StackInputError(`docker could not read the services of ${stack}: ${(inspect.stderr || tasks.stderr).trim()}`);
  }
  // Health of the containers on this node: a task counts once its health check passed.
  const local = await docker(['ps', '--filter', `label=com.docker.stack.namespace=${stack}`, '--format', '{{json .}}']);
  const unhealthy = new Set<string>();
  for (const row of jsonLines(local.stdout)) {
    const service = /com\.docker\.swarm\.service\.name=([^,]+)/.exec(String(row.Labels ?? ''))?.[1];
    if (service !== undefined && /\((health: starting|unhealthy)\)/.test(String(row.Status ?? ''))) {
      unhealthy.add(service);
    }
  }
  const specs = JSON.parse(inspect.stdout) as any[];
  const rows = jsonLines(tasks.stdout);
  return names.map((name) => {
    const spec = specs.find((s) => s.Spec?.Name === name) ?? {};
    const mine = rows.filter((r) => String(r.Name ?? '').replace(/^\\_ /, '').startsWith(`${name}.`));
    const running = mine.filter((r) => r.DesiredState === 'Running' && String(r.CurrentState).startsWith('Running')).length;
    const desiredRunning = mine.filter((r) => r.DesiredState === 'Running').length;
    const desired = spec.Spec?.Mode?.Replicated?.Replicas ?? desiredRunning;
    const failed = mine.find((r) => String(r.Error ?? '').trim() !== '');
    const updateState = spec.UpdateStatus?.State as string | undefined;
    const image = String(spec.Spec?.TaskTemplate?.ContainerSpec?.Image ?? '');
    // A run-once service (a migration: restart on failure or never) is done when a task completed.
    const job = (spec.Spec?.TaskTemplate?.RestartPolicy?.Condition ?? 'any') !== 'any'
      && mine.some((r) => String(r.CurrentState).startsWith('Complete'));
    return {
      name,
      desired,
      running,
      image,
      updateState,
      updateMessage: spec.UpdateStatus?.Message,
      lastError: failed ? `${String(failed.Error).trim().replace(/^"(.*)"$/, '$1')} (task ${String(failed.Name).replace(/^\\_ /, '')}, ${failed.CurrentState})` : undefined,
      converged: (job || (running === desired && desiredRunning === desired)) && !unhealthy.has(name) && !BUSY_UPDATE.includes(updateState ?? ''),
    };
  });
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => JSON.parse(l));
}

function runDocker(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => { stdout += c; });
    child.stderr.setEncoding('utf8').on('data', (c: string) => { stderr += c; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new StackInputError(`the docker command ${JSON.stringify(command)} cannot run (${e.code ?? e.message}). Fix: install it (apt-get install -y --no-install-recommends docker.io), or name it with --docker.`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ status: code ?? -1, stdout, stderr });
    });
  });
}
