/**
 * What an environment asks of its cluster, read from its synthesized manifests: per workload the
 * CPU and memory requests and limits of one pod (as the scheduler counts them, init containers
 * included), times its replicas at the minimum and at the autoscaler's maximum, the storage its
 * volume claims ask for, and the totals. Jobs and CronJobs are counted per run, apart from what
 * runs all the time. Used by `prodpath report` and by `prodpath diff --against --markdown`.
 */
import { ManifestObject } from '../diff/semantic-diff';
import { bytes, milliCpu, QuantityError } from './quantity';

/** A number at the minimum replica count and at the autoscaler's maximum. */
export interface Range {
  readonly min: number;
  readonly max: number;
}

/** What one pod asks for: CPU in millicores, memory in bytes. */
export interface PodResources {
  readonly cpuRequest: number;
  readonly cpuLimit: number;
  readonly memoryRequest: number;
  readonly memoryLimit: number;
  /** Some container has no CPU limit: the CPU limit total is a lower bound. */
  readonly cpuUnlimited: boolean;
  /** Some container has no memory limit: the memory limit total is a lower bound. */
  readonly memoryUnlimited: boolean;
}

/** A workload that runs all the time (Deployment, StatefulSet, ReplicaSet). */
export interface WorkloadCapacity {
  readonly kind: string;
  readonly name: string;
  /** Pod count: replicas, or the HorizontalPodAutoscaler's minimum and maximum. */
  readonly pods: Range;
  /** Whether a HorizontalPodAutoscaler scales it. */
  readonly autoscaled: boolean;
  /** One pod's requests and limits. */
  readonly perPod: PodResources;
  /** The storage each pod's volume claims (StatefulSet volumeClaimTemplates) ask for, in bytes. */
  readonly storagePerPod: number;
}

/** A Job or CronJob: counted per run. */
export interface BatchCapacity {
  readonly kind: 'Job' | 'CronJob';
  readonly name: string;
  /** The CronJob's schedule. */
  readonly schedule?: string;
  /** Pods that run at once in one run (`parallelism`, 1 by default). */
  readonly podsPerRun: number;
  readonly perPod: PodResources;
}

/** The sums of an environment's workloads. */
export interface CapacityTotals {
  readonly pods: Range;
  readonly cpuRequest: Range;
  readonly cpuLimit: Range;
  readonly memoryRequest: Range;
  readonly memoryLimit: Range;
  /** Volume claims: StatefulSet templates times pods, plus PersistentVolumeClaims. */
  readonly storage: Range;
}

/** What one environment asks of its cluster. */
export interface EnvironmentCapacity {
  readonly environment: string;
  readonly namespace?: string;
  readonly production: boolean;
  /** Long-running workloads, sorted by kind and name. */
  readonly workloads: readonly WorkloadCapacity[];
  /** Jobs and CronJobs, sorted by kind and name. */
  readonly batch: readonly BatchCapacity[];
  /** Standalone PersistentVolumeClaims: name and bytes. */
  readonly claims: ReadonlyArray<{ readonly name: string; readonly storage: number }>;
  /** The long-running workloads' sums (and all storage). */
  readonly totals: CapacityTotals;
  /** One run of every Job and CronJob at once: pods, CPU and memory. */
  readonly batchPerRun: { readonly pods: number; readonly cpuRequest: number; readonly memoryRequest: number; readonly cpuLimit: number; readonly memoryLimit: number };
}

const LONG_RUNNING = new Set(['Deployment', 'StatefulSet', 'ReplicaSet']);

function podSpecOf(object: any): any {
  return object?.kind === 'CronJob' ? object?.spec?.jobTemplate?.spec?.template?.spec : object?.spec?.template?.spec;
}

interface ContainerResources { cpuRequest: number; cpuLimit: number; memoryRequest: number; memoryLimit: number; cpuUnlimited: boolean; memoryUnlimited: boolean }

function containerResources(c: any): ContainerResources {
  const req = c?.resources?.requests ?? {};
  const lim = c?.resources?.limits ?? {};
  // Kubernetes: a limit without a request makes the request equal to the limit.
  const cpuLimit = lim.cpu !== undefined ? milliCpu(lim.cpu) : 0;
  const memoryLimit = lim.memory !== undefined ? bytes(lim.memory) : 0;
  return {
    cpuRequest: req.cpu !== undefined ? milliCpu(req.cpu) : cpuLimit,
    memoryRequest: req.memory !== undefined ? bytes(req.memory) : memoryLimit,
    cpuLimit,
    memoryLimit,
    cpuUnlimited: lim.cpu === undefined,
    memoryUnlimited: lim.memory === undefined,
  };
}

const ZERO: ContainerResources = { cpuRequest: 0, cpuLimit: 0, memoryRequest: 0, memoryLimit: 0, cpuUnlimited: false, memoryUnlimited: false };

function add(a: ContainerResources, b: ContainerResources): ContainerResources {
  return {
    cpuRequest: a.cpuRequest + b.cpuRequest,
    cpuLimit: a.cpuLimit + b.cpuLimit,
    memoryRequest: a.memoryRequest + b.memoryRequest,
    memoryLimit: a.memoryLimit + b.memoryLimit,
    cpuUnlimited: a.cpuUnlimited || b.cpuUnlimited,
    memoryUnlimited: a.memoryUnlimited || b.memoryUnlimited,
  };
}

/**
 * One pod's effective requests and limits, as the scheduler counts them: the sum over the app
 * containers and sidecars (init containers with `restartPolicy: Always`), or, when larger, the
 * largest one-shot init container plus the sidecars started before it.
 */
export function podResources(podSpec: any): PodResources {
  const main = ((podSpec?.containers ?? []) as any[]).map(containerResources).reduce(add, ZERO);
  let sidecars = ZERO;
  let peak = ZERO;
  for (const c of (podSpec?.initContainers ?? []) as any[]) {
    const r = containerResources(c);
    if (c?.restartPolicy === 'Always') {
      sidecars = add(sidecars, r);
    } else {
      const during = add(sidecars, r);
      peak = {
        cpuRequest: Math.max(peak.cpuRequest, during.cpuRequest),
        cpuLimit: Math.max(peak.cpuLimit, during.cpuLimit),
        memoryRequest: Math.max(peak.memoryRequest, during.memoryRequest),
        memoryLimit: Math.max(peak.memoryLimit, during.memoryLimit),
        cpuUnlimited: peak.cpuUnlimited || during.cpuUnlimited,
        memoryUnlimited: peak.memoryUnlimited || during.memoryUnlimited,
      };
    }
  }
  const steady = add(main, sidecars);
  return {
    cpuRequest: Math.max(steady.cpuRequest, peak.cpuRequest),
    cpuLimit: Math.max(steady.cpuLimit, peak.cpuLimit),
    memoryRequest: Math.max(steady.memoryRequest, peak.memoryRequest),
    memoryLimit: Math.max(steady.memoryLimit, peak.memoryLimit),
    cpuUnlimited: steady.cpuUnlimited || peak.cpuUnlimited,
    memoryUnlimited: steady.memoryUnlimited || peak.memoryUnlimited,
  };
}

const byKindName = (x: { kind: string; name: string }, y: { kind: string; name: string }) =>
  (x.kind === y.kind ? (x.name < y.name ? -1 : x.name > y.name ? 1 : 0) : x.kind < y.kind ? -1 : 1);

/** The capacity of one environment from its manifests. */
export function environmentCapacity(environment: string, objects: readonly ManifestObject[]): EnvironmentCapacity {
  const all = objects.map((o) => o.object).filter((o) => o !== null && typeof o === 'object');
  const hpas = new Map<string, { min: number; max: number }>();
  for (const h of all.filter((o) => o.kind === 'HorizontalPodAutoscaler')) {
    const ref = h.spec?.scaleTargetRef ?? {};
    const min = h.spec?.minReplicas ?? 1;
    hpas.set(`${ref.kind}/${ref.name}`, { min, max: h.spec?.maxReplicas ?? min });
  }
  const workloads: WorkloadCapacity[] = [];
  const batch: BatchCapacity[] = [];
  const claims: Array<{ name: string; storage: number }> = [];
  for (const o of all) {
    const kind = String(o.kind);
    const name = String(o.metadata?.name ?? '');
    try {
      readObject(o, kind, name);
    } catch (e) {
      if (e instanceof QuantityError) {
        throw new QuantityError(e.text, `prodpath report: ${environment}: ${kind} ${name}: ${e.message}. Fix: write it as Kubernetes does, then synthesize again.`);
      }
      throw e;
    }
  }
  function readObject(o: any, kind: string, name: string): void {
    if (LONG_RUNNING.has(kind)) {
      const hpa = hpas.get(`${kind}/${name}`);
      const replicas = o.spec?.replicas ?? 1;
      const storagePerPod = ((o.spec?.volumeClaimTemplates ?? []) as any[])
        .map((t) => t?.spec?.resources?.requests?.storage)
        .filter((s) => s !== undefined)
        .reduce((sum: number, s: string) => sum + bytes(s), 0);
      workloads.push({ kind, name, pods: hpa ?? { min: replicas, max: replicas }, autoscaled: hpa !== undefined, perPod: podResources(podSpecOf(o)), storagePerPod });
    } else if (kind === 'Job' || kind === 'CronJob') {
      const jobSpec = kind === 'CronJob' ? o.spec?.jobTemplate?.spec : o.spec;
      batch.push({
        kind, name,
        ...(kind === 'CronJob' && o.spec?.schedule !== undefined ? { schedule: String(o.spec.schedule) } : {}),
        podsPerRun: jobSpec?.parallelism ?? 1,
        perPod: podResources(podSpecOf(o)),
      });
    } else if (kind === 'PersistentVolumeClaim') {
      const s = o.spec?.resources?.requests?.storage;
      claims.push({ name, storage: s !== undefined ? bytes(s) : 0 });
    }
  }
  workloads.sort(byKindName);
  batch.sort(byKindName);
  claims.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  const sum = (f: (w: WorkloadCapacity, pods: number) => number): Range => ({
    min: workloads.reduce((s, w) => s + f(w, w.pods.min), 0),
    max: workloads.reduce((s, w) => s + f(w, w.pods.max), 0),
  });
  const claimed = claims.reduce((s, c) => s + c.storage, 0);
  const storage = sum((w, n) => w.storagePerPod * n);
  const ns = all.find((o) => o.kind === 'Namespace' && o.metadata?.annotations?.['prodpath.dev/environment'] !== undefined);
  return {
    environment,
    ...(ns?.metadata?.name !== undefined ? { namespace: String(ns.metadata.name) } : {}),
    production: ns?.metadata?.annotations?.['prodpath.dev/production'] === 'true',
    workloads,
    batch,
    claims,
    totals: {
      pods: sum((_, n) => n),
      cpuRequest: sum((w, n) => w.perPod.cpuRequest * n),
      cpuLimit: sum((w, n) => w.perPod.cpuLimit * n),
      memoryRequest: sum((w, n) => w.perPod.memoryRequest * n),
      memoryLimit: sum((w, n) => w.perPod.memoryLimit * n),
      storage: { min: storage.min + claimed, max: storage.max + claimed },
    },
    batchPerRun: {
      pods: batch.reduce((s, b) => s + b.podsPerRun, 0),
      cpuRequest: batch.reduce((s, b) => s + b.perPod.cpuRequest * b.podsPerRun, 0),
      cpuLimit: batch.reduce((s, b) => s + b.perPod.cpuLimit * b.podsPerRun, 0),
      memoryRequest: batch.reduce((s, b) => s + b.perPod.memoryRequest * b.podsPerRun, 0),
      memoryLimit: batch.reduce((s, b) => s + b.perPod.memoryLimit * b.podsPerRun, 0),
    },
  };
}
