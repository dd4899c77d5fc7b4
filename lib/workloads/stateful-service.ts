import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ValidationError } from '../policy/errors';
import { checkCommand, checkCount, checkDns1123Subdomain, checkPort, checkPortName } from '../policy/names';
import { resolveDrain } from './_availability';
import { EnvVar, NamedPortProbes } from './_pod';
import { AvailabilityProps } from './availability';
import { WorkloadComponent } from './labels';
import { parseQuantity } from './resources';
import { IConnectable, Workload, WorkloadProps } from './workload';

/** The persistent volume of each pod of a stateful service. */
export interface StorageProps {
  /** The size of each pod's volume, a Kubernetes quantity such as `10Gi`. */
  readonly size: string;
  /** Where the volume is mounted in the container. */
  readonly mountPath: string;
  /**
   * The StorageClass.
   * @default - the environment's `storageClassName`, else the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * The access mode.
   * @default 'ReadWriteOnce'
   */
  readonly accessMode?: 'ReadWriteOnce' | 'ReadWriteOncePod';
}

/** A writable folder under the read-only root filesystem, backed by an emptyDir. */
export interface WritableDir {
  /** The absolute path. */
  readonly path: string;
  /**
   * Backed by memory (tmpfs), counted against the container's memory limit.
   * @default false
   */
  readonly memory?: boolean;
  /**
   * The most the folder may hold.
   * @default '64Mi'
   */
  readonly sizeLimit?: string;
}

/** Props for {@link StatefulService}. */
export interface StatefulServiceProps extends WorkloadProps, AvailabilityProps {
  /**
   * The port the service listens on.
   * @default - the image's port
   */
  readonly port?: number;
  /**
   * The name of the port (an IANA service name, at most 15 characters).
   * @default 'tcp'
   */
  readonly portName?: string;
  /** The persistent volume of each pod (a volumeClaimTemplate). */
  readonly storage: StorageProps;
  /**
   * How many pods run, each with its own volume and the stable name `<name>-<i>`.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * A readiness command (exec); liveness and startup check that the port accepts connections.
   * @default - readiness checks the port too
   */
  readonly readinessCommand?: readonly string[];
  /**
   * A command run before the container gets SIGTERM, to stop the software cleanly.
   * @default - none
   */
  readonly stopCommand?: readonly string[];
  /**
   * Folders the software writes to besides the volume and /tmp (emptyDirs).
   * @default []
   */
  readonly writableDirs?: readonly WritableDir[];
}

/** Options subclasses such as {@link Postgres} give. */
export interface StatefulServiceOptions {
  /** @default 'database' */
  readonly component?: WorkloadComponent;
  /** @default 60 */
  readonly startupSeconds?: number;
  /** The kind in messages. @default 'StatefulService' */
  readonly kind?: string;
}

/**
 * Stateful software with its own storage: a StatefulSet whose pods each get a
 * PersistentVolumeClaim (a volumeClaimTemplate, which cdk8s-plus-27 lacks: added with a
 * JSON patch) and a stable DNS name `<name>-<i>.<name>.<namespace>.svc` from a headless Service.
 * Hardened like every prodpath workload; the volume is writable by the pod's fsGroup.
 */
export class StatefulService extends Workload implements IConnectable {
  /** The port clients connect to. */
  public readonly port: number;
  /** The DNS name of the headless Service (it resolves to the ready pods). */
  public readonly host: string;
  /** The StatefulSet. */
  public readonly statefulSet: kplus.StatefulSet;
  /** The headless Service that gives the pods their stable names. */
  public readonly service: kplus.Service;
  /** The PodDisruptionBudget, when there is one. */
  public readonly disruptionBudget?: kplus.k8s.KubePodDisruptionBudget;
  /** The number of pods. */
  public readonly replicas: number;
  /** Each pod's persistent volume: its size and where it is mounted. */
  public readonly storage: { readonly size: string; readonly mountPath: string };
  /** The writable folders besides the volume and /tmp, with their size limits. */
  public readonly writableDirs: readonly { readonly path: string; readonly memory: boolean; readonly sizeLimit: string }[];

  constructor(scope: Construct, id: string, props: StatefulServiceProps, options: StatefulServiceOptions = {}) {
    super(scope, id, props, {
      component: options.component ?? 'database',
      kind: options.kind ?? 'StatefulService',
      derivedNames: [{ what: 'label controller-revision-hash the StatefulSet controller writes (<name>-<10 characters>)', of: (n) => `${n}-0123456789`, max: 63 }],
    });
    const env = this.environment;
    const storage = checkStorage(this, props.storage, env.settings.storageClassName);
    this.port = checkPort(this, 'port', props.port ?? this.image.port);
    const portName = checkPortName(this, 'portName', props.portName ?? 'tcp');
    this.listenPorts.push(this.port);
    this.host = `${this.name}.${env.namespaceName}.svc`;
    this.replicas = checkCount(this, 'replicas', props.replicas ?? 1);
    const scaling = { replicas: this.replicas, minPods: this.replicas, maxPods: this.replicas };
    const drain = resolveDrain(this, props.drain, 0);
    const stop = props.stopCommand === undefined ? undefined : checkCommand(this, 'stopCommand', props.stopCommand);
    if (stop !== undefined && drain.preStop !== undefined) {
      throw new ValidationError(this, {
        field: 'stopCommand',
        value: stop,
        rule: 'a container has one preStop hook, and drain.preStopDelaySeconds sets one too',
        fix: 'keep stopCommand, or the preStop delay',
      });
    }
    const readinessCommand = props.readinessCommand === undefined ? undefined : checkCommand(this, 'readinessCommand', props.readinessCommand);
    const dirs = (props.writableDirs ?? []).map((d, i) => checkWritableDir(this, `writableDirs[${i}]`, d));
    this.storage = { size: storage.size, mountPath: storage.mountPath };
    this.writableDirs = dirs.map((d) => ({ path: d.path, memory: d.memory ?? false, sizeLimit: d.sizeLimit }));

    this.service = new kplus.Service(this, 'service', {
      metadata: { name: this.name, labels: { ...this.objectLabels } },
      clusterIP: 'None',
      ports: [{ name: portName, port: this.port, targetPort: this.port }],
    });
    const serviceObject = ApiObject.of(this.service);
    serviceObject.addJsonPatch(JsonPatch.replace('/spec/ports/0/targetPort', kplus.k8s.IntOrString.fromString(portName)));
    serviceObject.addJsonPatch(JsonPatch.remove('/spec/externalIPs'));
    // cdk8s-plus selects the StatefulSet's pods by a construct-path label: select by ours.
    serviceObject.addJsonPatch(JsonPatch.replace('/spec/selector', { ...this.selectorLabels }));

    const tcp = (failureThreshold: number, period: number) => kplus.Probe.fromTcpSocket({
      port: this.port, periodSeconds: Duration.seconds(period), timeoutSeconds: Duration.seconds(2), failureThreshold,
    });
    const readiness = readinessCommand
      ? kplus.Probe.fromCommand(readinessCommand, { periodSeconds: Duration.seconds(5), timeoutSeconds: Duration.seconds(5), failureThreshold: 3 })
      : tcp(3, 5);
    const startupSeconds = options.startupSeconds ?? 60;
    this.readinessCheck = readinessCommand
      ? { kind: 'exec', command: readinessCommand, periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 3, startupSeconds }
      : { kind: 'tcp', port: this.port, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3, startupSeconds };
    this.runSettingsValue = { replicas: this.replicas, terminationGracePeriodSeconds: drain.terminationGracePeriodSeconds };
    const volumeMounts = dirs.map((d, i) => ({
      path: d.path,
      volume: kplus.Volume.fromEmptyDir(this, `writable-${i}`, `writable-${i}`, {
        medium: d.memory ? kplus.EmptyDirMedium.MEMORY : undefined,
        sizeLimit: Size.mebibytes(Math.ceil(parseQuantity(d.sizeLimit)! / 2 ** 20)),
      }),
    }));
    this.statefulSet = new kplus.StatefulSet(this, 'stateful-set', {
      metadata: { name: this.name, labels: { ...this.objectLabels } },
      service: this.service,
      replicas: this.replicas,
      ...this.podBaseline(),
      terminationGracePeriod: drain.terminationGracePeriod,
      containers: [this.mainContainerProps({
        ports: [{ number: this.port, name: portName }],
        readiness,
        liveness: tcp(6, 10),
        startup: tcp(Math.ceil(startupSeconds / 5), 5),
        lifecycle: stop ? { preStop: kplus.Handler.fromCommand(stop) } : drain.preStop ? { preStop: drain.preStop } : undefined,
        volumeMounts,
      })],
    });
    this.statefulSet.select(kplus.LabelSelector.of({ labels: { ...this.selectorLabels } }));
    const obj = ApiObject.of(this.statefulSet);
    const probes: NamedPortProbes = {
      livenessProbe: { handler: 'tcpSocket', port: portName },
      startupProbe: { handler: 'tcpSocket', port: portName },
      ...(readinessCommand ? {} : { readinessProbe: { handler: 'tcpSocket' as const, port: portName } }),
    };
    this.finishPod(this.statefulSet, obj, '/spec/template/spec', probes);
    obj.addJsonPatch(JsonPatch.add('/spec/revisionHistoryLimit', 5));
    obj.addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/volumeMounts/-', { name: 'data', mountPath: storage.mountPath }));
    obj.addJsonPatch(JsonPatch.add('/spec/volumeClaimTemplates', [{
      metadata: { name: 'data', labels: { ...this.selectorLabels } },
      spec: {
        accessModes: [storage.accessMode],
        ...(storage.storageClassName !== undefined ? { storageClassName: storage.storageClassName } : {}),
        resources: { requests: { storage: kplus.k8s.Quantity.fromString(storage.size) } },
      },
    }]));
    this.disruptionBudget = this.addAvailability(scaling, props, obj, '/spec/template/spec', []).disruptionBudget;
  }

  /** The stable DNS name of pod `i`: `<name>-<i>.<name>.<namespace>.svc`. */
  public podHost(i: number): string {
    return `${this.name}-${i}.${this.host}`;
  }

  /** `<PREFIX>_HOST` (the headless Service's DNS name) and `<PREFIX>_PORT`. */
  public connectionEnv(prefix: string): EnvVar[] {
    return [
      { name: `${prefix}_HOST`, value: this.host },
      { name: `${prefix}_PORT`, value: String(this.port) },
    ];
  }
}

interface ResolvedStorage {
  readonly size: string;
  readonly mountPath: string;
  readonly storageClassName?: string;
  readonly accessMode: string;
}

function checkStorage(scope: Construct, storage: StorageProps | undefined, defaultClass: string | undefined): ResolvedStorage {
  const size = storage?.size;
  if (size === undefined) {
    throw new ValidationError(scope, {
      field: 'storage.size',
      value: undefined,
      rule: 'a stateful service keeps its data on a persistent volume, and the volume\'s size must be given',
      fix: 'set storage: { size: "10Gi", mountPath: "/data" }',
    });
  }
  const bytes = typeof size === 'string' ? parseQuantity(size) : undefined;
  if (bytes === undefined || bytes < 2 ** 20 || !Number.isInteger(bytes)) {
    throw new ValidationError(scope, {
      field: 'storage.size',
      value: size,
      rule: 'a volume size is a Kubernetes quantity of at least 1Mi',
      fix: 'use a size such as "10Gi"',
    });
  }
  const mountPath = storage?.mountPath;
  if (typeof mountPath !== 'string' || !/^\/[^/]/.test(mountPath) || mountPath.split('/').some((s) => s === '..' || s === '.') || mountPath === '/tmp') {
    throw new ValidationError(scope, {
      field: 'storage.mountPath',
      value: mountPath,
      rule: 'the volume is mounted at an absolute path other than / and /tmp',
      fix: 'use a path such as "/data"',
    });
  }
  const storageClassName = storage?.storageClassName ?? defaultClass;
  if (storageClassName !== undefined) {
    checkDns1123Subdomain(scope, 'storage.storageClassName', storageClassName);
  }
  const accessMode = storage?.accessMode ?? 'ReadWriteOnce';
  if (accessMode !== 'ReadWriteOnce' && accessMode !== 'ReadWriteOncePod') {
    throw new ValidationError(scope, {
      field: 'storage.accessMode',
      value: accessMode,
      rule: 'each pod of a stateful service owns its volume: "ReadWriteOnce" or "ReadWriteOncePod"',
      fix: 'use "ReadWriteOnce"',
    });
  }
  return { size, mountPath, storageClassName, accessMode };
}

function checkWritableDir(scope: Construct, field: string, d: WritableDir): Required<Pick<WritableDir, 'path' | 'sizeLimit'>> & WritableDir {
  if (typeof d?.path !== 'string' || !/^\/[^/]/.test(d.path) || d.path.split('/').some((s) => s === '..' || s === '.') || d.path === '/tmp') {
    throw new ValidationError(scope, {
      field: `${field}.path`,
      value: d?.path,
      rule: 'a writable folder is an absolute path other than / and /tmp (which is always writable)',
      fix: 'use a path such as "/var/run/app"',
    });
  }
  const sizeLimit = d.sizeLimit ?? '64Mi';
  const bytes = parseQuantity(sizeLimit);
  if (bytes === undefined || bytes < 2 ** 20) {
    throw new ValidationError(scope, {
      field: `${field}.sizeLimit`,
      value: sizeLimit,
      rule: 'a size limit is a Kubernetes quantity of at least 1Mi',
      fix: 'use "64Mi"',
    });
  }
  return { ...d, sizeLimit };
}
