import { Construct } from 'constructs';
import { Environment } from '../environments/environment';
import { Pipeline } from '../environments/pipeline';
import { deferredString } from '../images/deferred';
import { Image } from '../images/image';
import { ImageUser } from '../images/recipe';
import { ValidationError } from '../policy/errors';
import { checkPort } from '../policy/names';
import { checkImageReference, toLabelValue } from './_checks';
import { ExternalImage } from './external-image';

/** An image a workload runs, resolved and checked. */
export interface ResolvedImage {
  /** The reference the pod pulls. */
  readonly ref: string;
  /**
   * The reference as the workload's objects take it while the app is being defined: {@link ref},
   * or a placeholder synth resolves when the image's build is not decided yet (lib/images/deferred.ts).
   */
  readonly manifestRef: string;
  /** {@link version}, or its placeholder, as {@link manifestRef}. */
  readonly manifestVersion: string;
  /** The numeric user and group of the container. */
  readonly user: ImageUser;
  /** The `app.kubernetes.io/version` label: the content tag (the pinned one where the environment is pinned), or the external image's tag. */
  readonly version: string;
  /** The port the image listens on, if known. */
  readonly port?: number;
  /** The image's own HTTP health path, if any. */
  readonly healthPath?: string;
  /** The pipeline image, when it is one. */
  readonly image?: Image;
  /** A human name for messages, e.g. `"api"` or `"postgres:16-bookworm"`. */
  readonly display: string;
}

/** Checks that a workload's image belongs to the workload's pipeline, or is a well-formed external image. */
export function resolveImage(scope: Construct, env: Environment, source: unknown): ResolvedImage {
  if (source instanceof ExternalImage) {
    const parts = checkImageReference(scope, 'image', source.reference);
    const user = source.user;
    for (const key of ['uid', 'gid'] as const) {
      const v = user?.[key];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 10000 || v > 2147483647) {
        throw new ValidationError(scope, {
          field: `image.user.${key}`,
          value: v,
          rule: 'an external image runs as a numeric non-root user and group of at least 10000 (Pod Security "restricted", kube-score)',
          fix: 'use ExternalImage.of(ref, { user: { uid: 10001, gid: 10001 } }), with ids the image works under',
        });
      }
    }
    if (source.port !== undefined) {
      checkPort(scope, 'image.port', source.port);
    }
    const version = toLabelValue(parts.tag);
    return { ref: source.reference, manifestRef: source.reference, user, version, manifestVersion: version, port: source.port, display: `"${source.reference}"` };
  }
  const pipeline = env.node.scope;
  if (!(source instanceof Image) || !Pipeline.isPipeline(pipeline) || !pipeline.ownsImage(source)) {
    const name = source instanceof Image ? `${source.imageName} (from ${source.node.scope?.node.path})` : source;
    throw new ValidationError(scope, {
      field: 'image',
      value: name,
      rule: 'a workload runs an image that its own pipeline defines, or an ExternalImage',
      fix: 'pass the Image returned by pipeline.image(...) of this pipeline, or ExternalImage.of("name:tag", { user })',
    });
  }
  // The build promoted into this environment (a pin in the lock), or the current one; read when
  // asked, since an image whose build follows its users is decided only at synth.
  const running = () => pipeline.imageIn(env.name, source);
  const deferred = source.undecided;
  // A workload checks its port and HTTP path against the recipe as declared: an image a web
  // service runs keeps it (lib/images/image.ts).
  const declared = source.declaredHealth;
  return {
    get ref() { return running().ref; },
    get version() { return running().tag; },
    manifestRef: deferred ? deferredString(scope, () => running().ref) : running().ref,
    manifestVersion: deferred ? deferredString(scope, () => running().tag) : running().tag,
    user: source.user,
    port: declared.port,
    healthPath: declared.healthPath,
    image: source,
    display: `"${source.imageName}"`,
  };
}
