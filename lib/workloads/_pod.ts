import { ApiObject, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Image } from '../images/image';
import { ImageUser } from '../images/recipe';
import { ResolvedResources } from './resources';

/**
 * Hardening cdk8s-plus-27 has no API for, applied to a pod template with JSON patches:
 * seccompProfile RuntimeDefault, capabilities drop ALL, exact resources (plus-27 forces its
 * own CPU limit), and probes that target the container port by name.
 *
 * @param podSpecPath JSON pointer of the pod spec in the object, e.g. `/spec/template/spec`
 */
export function hardenPodTemplate(obj: ApiObject, podSpecPath: string, resources: ResolvedResources, probes: readonly ('readinessProbe' | 'livenessProbe' | 'startupProbe')[], portName?: string): void {
  // cdk8s-plus labels every pod template with a construct-path address; a refactor would
  // then change the template and roll every pod. prodpath selects on its own labels.
  const templatePath = podSpecPath.replace(/\/spec$/, '');
  obj.addJsonPatch(JsonPatch.remove(`${templatePath}/metadata/labels/cdk8s.io~1metadata.addr`));
  obj.addJsonPatch(JsonPatch.add(`${podSpecPath}/securityContext/seccompProfile`, { type: 'RuntimeDefault' }));
  obj.addJsonPatch(JsonPatch.add(`${podSpecPath}/containers/0/securityContext/capabilities`, { drop: ['ALL'] }));
  // Patches apply before the L1 object's own serializer, which reads quantities and
  // int-or-strings from their wrapper classes: pass those, not plain strings.
  const quantities = (m: Record<string, string>) => Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, kplus.k8s.Quantity.fromString(v)]));
  obj.addJsonPatch(JsonPatch.replace(`${podSpecPath}/containers/0/resources`, { requests: quantities(resources.requests), limits: quantities(resources.limits) }));
  if (portName) {
    for (const probe of probes) {
      obj.addJsonPatch(JsonPatch.replace(`${podSpecPath}/containers/0/${probe}/httpGet/port`, kplus.k8s.IntOrString.fromString(portName)));
    }
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

/** An emptyDir mounted at /tmp, so apps can write temporary files under a read-only root. */
export function tmpVolumeMount(scope: Construct): kplus.VolumeMount {
  return { path: '/tmp', volume: kplus.Volume.fromEmptyDir(scope, 'tmp', 'tmp', { sizeLimit: Size.mebibytes(64) }) };
}

/** The image reference a pod runs: content-tagged, so pulling only when absent is safe. */
export function imageReference(image: Image): string {
  return image.imageRef;
}
