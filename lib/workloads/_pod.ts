import { ApiObject, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ImageUser } from '../images/recipe';
import { ResolvedImage } from './_image';
import { ResolvedResources } from './resources';
import { SecretRef } from './secret-ref';

/** The probes of a container. */
export type ProbeName = 'readinessProbe' | 'livenessProbe' | 'startupProbe';

/** Probes that target a port by name: the handler and the port name. */
export type NamedPortProbes = Partial<Record<ProbeName, { readonly handler: 'httpGet' | 'tcpSocket'; readonly port: string }>>;

/** Pod-level hardening: the pod's seccomp profile, and no construct-path label on the template. */
export function hardenPodSpec(obj: ApiObject, podSpecPath: string): void {
  // cdk8s-plus labels every pod template with a construct-path address; a refactor would
  // then change the template and roll every pod. prodpath selects on its own labels.
  const templatePath = podSpecPath.replace(/\/spec$/, '');
  obj.addJsonPatch(JsonPatch.remove(`${templatePath}/metadata/labels/cdk8s.io~1metadata.addr`));
  obj.addJsonPatch(JsonPatch.add(`${podSpecPath}/securityContext/seccompProfile`, { type: 'RuntimeDefault' }));
}

/** Container-level hardening: capabilities drop ALL, exact resources, probes on named ports. */
export function hardenContainer(obj: ApiObject, containerPath: string, resources: ResolvedResources, probes: NamedPortProbes): void {
  obj.addJsonPatch(JsonPatch.add(`${containerPath}/securityContext/capabilities`, { drop: ['ALL'] }));
  // Patches apply before the L1 object's own serializer, which reads quantities and
  // int-or-strings from their wrapper classes: pass those, not plain strings.
  const quantities = (m: Record<string, string>) => Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, kplus.k8s.Quantity.fromString(v)]));
  obj.addJsonPatch(JsonPatch.replace(`${containerPath}/resources`, { requests: quantities(resources.requests), limits: quantities(resources.limits) }));
  for (const [probe, target] of Object.entries(probes) as [ProbeName, { handler: string; port: string }][]) {
    obj.addJsonPatch(JsonPatch.replace(`${containerPath}/${probe}/${target.handler}/port`, kplus.k8s.IntOrString.fromString(target.port)));
  }
}

/** The pod security context of every prodpath pod: non-root with the image's numeric ids. */
export function podSecurityContext(user: ImageUser): kplus.PodSecurityContextProps {
  return { ensureNonRoot: true, user: user.uid, group: user.gid, fsGroup: user.gid, fsGroupChangePolicy: kplus.FsGroupChangePolicy.ON_ROOT_MISMATCH };
}

/** The container security context of every prodpath container ("restricted", read-only root). */
export function containerSecurityContext(user: ImageUser): kplus.ContainerSecurityContextProps {
  return { ensureNonRoot: true, user: user.uid, group: user.gid, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, privileged: false };
}

/** An emptyDir mounted at /tmp, so apps can write temporary files under a read-only root; one per pod. */
export function tmpVolumeMount(scope: Construct): kplus.VolumeMount {
  const volume = (scope.node.tryFindChild('tmp') as kplus.Volume | undefined)
    ?? kplus.Volume.fromEmptyDir(scope, 'tmp', 'tmp', { sizeLimit: Size.mebibytes(64) });
  return { path: '/tmp', volume };
}

/** An environment variable: a plain value, or a reference to a Secret's key. */
export type EnvVar =
  | { readonly name: string; readonly value: string }
  | { readonly name: string; readonly secret: SecretRef };

/** A Secret's key mounted as a file. */
export interface SecretFile {
  /** The absolute path of the file in the container. */
  readonly path: string;
  readonly secret: SecretRef;
}

/** Everything about one container that does not depend on the pod it runs in. */
export interface ContainerSpec {
  readonly name: string;
  readonly image: ResolvedImage;
  readonly command?: readonly string[];
  readonly configMap?: kplus.ConfigMap;
  /** Sorted by name. */
  readonly env: readonly EnvVar[];
  readonly files: readonly SecretFile[];
  readonly resources: ResolvedResources;
}

/** Container settings that depend on the workload kind. */
export interface ContainerExtras {
  readonly ports?: kplus.ContainerPort[];
  readonly readiness?: kplus.Probe;
  readonly liveness?: kplus.Probe;
  readonly startup?: kplus.Probe;
  readonly lifecycle?: kplus.ContainerLifecycle;
  readonly volumeMounts?: kplus.VolumeMount[];
  /** Probes to re-point at a named port. */
  readonly namedPortProbes?: NamedPortProbes;
  /** Replaces the spec's command (init containers that wait for a migration). */
  readonly command?: readonly string[];
  /** Replaces the spec's name. */
  readonly name?: string;
}

/** The cdk8s-plus props of a container from its spec. */
export function containerProps(scope: Construct, spec: ContainerSpec, extras: ContainerExtras): kplus.ContainerProps {
  const command = extras.command ?? spec.command;
  return {
    name: extras.name ?? spec.name,
    image: spec.image.manifestRef,
    imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
    ports: extras.ports,
    command: command ? [...command] : undefined,
    securityContext: containerSecurityContext(spec.image.user),
    readiness: extras.readiness,
    liveness: extras.liveness,
    startup: extras.startup,
    lifecycle: extras.lifecycle,
    volumeMounts: [tmpVolumeMount(scope), ...(extras.volumeMounts ?? [])],
  };
}

/** Adds a spec's ConfigMap and environment variables to a container that cdk8s-plus made. */
export function addContainerEnv(scope: Construct, container: kplus.Container, spec: ContainerSpec): void {
  if (spec.configMap) {
    container.env.copyFrom(kplus.Env.fromConfigMap(spec.configMap));
  }
  for (const v of spec.env) {
    if ('value' in v) {
      container.env.addVariable(v.name, kplus.EnvValue.fromValue(v.value));
    } else {
      const id = `secret-${v.secret.secretName}`;
      const secret = (scope.node.tryFindChild(id) as kplus.ISecret | undefined) ?? kplus.Secret.fromSecretName(scope, id, v.secret.secretName);
      container.env.addVariable(v.name, kplus.EnvValue.fromSecretValue({ secret, key: v.secret.key }));
    }
  }
}

/**
 * Patches what cdk8s-plus cannot express onto a container: hardening, and the spec's secret
 * files as projected volumes (one per directory, so several Secrets can share a folder).
 * @param volumeCounter the pod's running count of secret volumes, for unique volume names
 */
export function patchContainer(obj: ApiObject, podSpecPath: string, list: 'containers' | 'initContainers', index: number,
  spec: ContainerSpec, namedPortProbes: NamedPortProbes, volumeCounter: { n: number }): void {
  const containerPath = `${podSpecPath}/${list}/${index}`;
  hardenContainer(obj, containerPath, spec.resources, namedPortProbes);
  const byDir = new Map<string, SecretFile[]>();
  for (const f of spec.files) {
    const dir = f.path.slice(0, f.path.lastIndexOf('/')) || '/';
    byDir.set(dir, [...(byDir.get(dir) ?? []), f]);
  }
  for (const dir of [...byDir.keys()].sort()) {
    const name = `secret-files-${volumeCounter.n++}`;
    const files = byDir.get(dir)!.sort((a, b) => (a.path < b.path ? -1 : 1));
    const sources = files.map((f) => ({
      secret: { name: f.secret.secretName, items: [{ key: f.secret.key, path: f.path.slice(dir.length + (dir === '/' ? 0 : 1)) }] },
    }));
    // 0440: readable by the owner and the pod's fsGroup (the container's group), nobody else.
    obj.addJsonPatch(JsonPatch.add(`${podSpecPath}/volumes/-`, { name, projected: { defaultMode: 0o440, sources } }));
    obj.addJsonPatch(JsonPatch.add(`${containerPath}/volumeMounts/-`, { name, mountPath: dir, readOnly: true }));
  }
}
