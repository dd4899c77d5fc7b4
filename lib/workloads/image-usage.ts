/**
 * An image's own HEALTHCHECK must check something its containers do. The Node, Python and Go
 * recipes default to an HTTP check of /healthz on their port, which suits a web service; an
 * image that only workers run serves no HTTP, so that check would mark every worker container
 * unhealthy under `docker run`, Compose and Swarm. A Node recipe left at its defaults follows
 * its users (lib/images/image.ts: no port, the workers' check); what is left is warned about
 * here, with the recipe setting that fixes it: workers that disagree on their check, and the
 * Python and Go recipes, which cannot drop their port.
 */
import type { Pipeline } from '../environments/pipeline';
import type { Image } from '../images/image';
import { nodeTcpCheck } from '../images/recipes/node';
import { Finding, PolicyRule } from '../policy/rules';
import { CronTask } from './cron-task';
import { MigrationJob } from './migration-job';
import { Worker } from './worker';
import { Workload } from './workload';

/** The rule: an image run only by workers has an HTTP HEALTHCHECK nothing answers. */
export const IMAGE_HEALTH_UNSERVED: PolicyRule = {
  id: 'image-health-unserved',
  rationale: 'an image\'s HEALTHCHECK must check what its containers do: a worker serves no HTTP, so an HTTP check marks it unhealthy under docker run, Compose and Swarm',
  source: 'prodpath (Dockerfile HEALTHCHECK semantics)',
  severity: 'warning',
};

/** Warns for each pipeline image with an HTTP HEALTHCHECK that only workers (and jobs) run. */
export function checkImageUsage(pipeline: Pipeline): Finding[] {
  const findings: Finding[] = [];
  const workloads = pipeline.node.findAll().filter((c): c is Workload => c instanceof Workload);
  for (const image of pipeline.images) {
    if (image.healthPath === undefined) {
      continue;
    }
    const users = workloads.filter((w) => w.container.image === image);
    const workers = users.filter((w): w is Worker => w instanceof Worker);
    const serving = users.filter((w) => !(w instanceof Worker || w instanceof CronTask || w instanceof MigrationJob));
    if (workers.length === 0 || serving.length > 0) {
      continue;
    }
    findings.push({
      rule: IMAGE_HEALTH_UNSERVED,
      severity: 'warning',
      constructPath: image.node.path,
      message: `image "${image.imageName}" is run only by workers and jobs (${[...new Set(users.map((w) => w.node.id))].sort().join(', ')}), which serve no HTTP, but its HEALTHCHECK GETs ${image.healthPath} on port ${image.port ?? '(none)'}`,
      fix: healthFix(image, workers[0]),
    });
  }
  return findings;
}

function healthFix(image: Image, worker: Worker): string {
  const check = worker.readiness;
  const command = check?.kind === 'exec'
    ? JSON.stringify(check.command)
    : check?.kind === 'tcp' && image.recipeKind === 'node'
      ? JSON.stringify(nodeTcpCheck(check.port))
      : check?.kind === 'tcp' ? `[<a command that exits 0 when port ${check.port} accepts connections>]` : '["node", "dist/worker.js", "--check"]';
  return `give the ${image.recipeKind} recipe of "${image.imageName}" the worker's check: healthCheck: { kind: 'command', command: ${command} }`;
}
