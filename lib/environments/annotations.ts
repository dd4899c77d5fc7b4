/**
 * The annotations an environment writes on its Namespace, which `prodpath check` reads back
 * (in a module of their own, so the check does not load cdk8s-plus-27).
 */

/** The Namespace annotation that names the environment. */
export const ENVIRONMENT_ANNOTATION = 'prodpath.dev/environment';
/** The Namespace annotation that says whether production rules apply (`"true"` or `"false"`). */
export const PRODUCTION_ANNOTATION = 'prodpath.dev/production';
/** The Namespace annotation that lists the Kubernetes minors the environment targets (`1.27-1.33`). */
export const KUBERNETES_ANNOTATION = 'prodpath.dev/kubernetes';
