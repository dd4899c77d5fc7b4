import { Image } from '../images/image';
import { ImageUser } from '../images/recipe';

/** Options for {@link ExternalImage.of}. */
export interface ExternalImageOptions {
  /**
   * The numeric user and group the container runs as: at least 10000 (Pod Security
   * "restricted", kube-score). The image must work under it; many images that declare a
   * low uid (postgres: 999) also run under any uid when their data lives on a volume.
   */
  readonly user: ImageUser;
  /**
   * The port the image listens on.
   * @default - none: the workload says which port it uses
   */
  readonly port?: number;
}

/**
 * A container image that no pipeline builds: third-party software such as Postgres,
 * referenced by an explicit tag (never `latest`), optionally pinned by digest, and run as a
 * numeric user you choose.
 *
 * @example
 * ExternalImage.of('postgres:16-bookworm', { user: { uid: 10999, gid: 10999 }, port: 5432 })
 */
export class ExternalImage {
  /**
   * An image referenced as `repository:tag` or `repository:tag@sha256:<digest>`. The reference
   * is checked by the workload that runs it, so errors name that workload.
   */
  public static of(reference: string, options: ExternalImageOptions): ExternalImage {
    return new ExternalImage(reference, options);
  }

  /** The reference, as given. */
  public readonly reference: string;
  /** The numeric user and group the container runs as. */
  public readonly user: ImageUser;
  /** The port the image listens on, if known. */
  public readonly port?: number;

  private constructor(reference: string, options: ExternalImageOptions) {
    this.reference = reference;
    this.user = options?.user;
    this.port = options?.port;
  }
}

/** What a workload runs: an image built by its pipeline, or an external one. */
export type ImageSource = Image | ExternalImage;
