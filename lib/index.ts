/**
 * prodpath's public surface: the constructs, their props, the value types they take and return,
 * and the errors they throw. Renderers, rule tables, writers and checkers are internal: the CLI,
 * the Pulumi entry point and the tests import them from their own modules. `api/prodpath.api.md`
 * records this surface; a test fails when it changes without that report being updated.
 */

// The application and its environments.
export { App, PolicyError } from './app';
export type { AppProps } from './app';
export { Pipeline } from './environments/pipeline';
export type { PipelineProps } from './environments/pipeline';
export { Environment } from './environments/environment';
export type { EnvironmentProps } from './environments/environment';
export type { AutoscaleSettings, ComposeSettings, EnvironmentSettings, IngressControllerSettings, SecretStoreSettings } from './environments/settings';
export { SUPPORTED_KUBERNETES_MINORS } from './policy/schema/minors';
export type { KubernetesMinor, KubernetesRange, KubernetesVersions } from './policy/schema/minors';

// Images.
export { Image } from './images/image';
export { ImageRecipe } from './images/recipe';
export { IgnoreRules } from './images/context';
export { RecipeBase } from './images/recipe-base';
export type { CommonRecipeOptions, IImageRecipe, ImageHealthCheck, ImageUser, RenderedRecipe, WorkerImageCheck } from './images/recipe-base';
export type { NodePackageManager, NodeRecipeOptions } from './images/recipes/node';
export type { PythonRecipeOptions } from './images/recipes/python';
export type { GoRecipeOptions } from './images/recipes/go';
export type { StaticSiteRecipeOptions } from './images/recipes/static';
export type { CacheMount, CustomRecipeOptions, CustomStage, CustomStep, RunMount, SecretMount } from './images/recipes/custom';
export { ExternalImage } from './workloads/external-image';
export type { ExternalImageOptions, ImageSource } from './workloads/external-image';

// Workloads.
export { Workload } from './workloads/workload';
export type { CheckTiming, ContainerDescription, IConnectable, IMigration, IWorkload, NetworkPeer, ReadinessCheck, RunSettings, WorkloadProps } from './workloads/workload';
export type { WorkloadComponent } from './workloads/labels';
export { WebService } from './workloads/web-service';
export type { HealthProps, TlsProps, WebServiceProps } from './workloads/web-service';
export { Worker } from './workloads/worker';
export type { WorkerHealth, WorkerProps } from './workloads/worker';
export { CronTask } from './workloads/cron-task';
export type { ConcurrencyPolicy, CronTaskProps } from './workloads/cron-task';
export { MigrationJob } from './workloads/migration-job';
export type { MigrationJobProps } from './workloads/migration-job';
export { StatefulService } from './workloads/stateful-service';
export type { StatefulServiceOptions, StatefulServiceProps, StorageProps, WritableDir } from './workloads/stateful-service';
export { Postgres } from './workloads/postgres';
export type { PostgresProps } from './workloads/postgres';
export { SecretRef } from './workloads/secret-ref';
export type { ExternalSecretOptions, SealedSecretOptions } from './workloads/secret-ref';
export type { EnvVar, SecretFile } from './workloads/_pod';
export type { ResolvedResources, ResourceRange, Resources } from './workloads/resources';
export type { AutoscaleProps, AvailabilityProps, DisruptionBudgetProps, DrainProps, PodCount, RolloutProps, TopologySpreadProps } from './workloads/availability';

// Policy, parity and the digest lock: what users call and what they catch.
export { Policy } from './policy/policy';
export type { Finding, ObjectRef, PolicyRule, Severity } from './policy/rules';
export { ValidationError } from './policy/errors';
export type { ValidationProblem } from './policy/errors';
export { Parity } from './parity/parity';
export type { DeclaredDifference } from './parity/declared';
export { LockFileError } from './lock/lock';
export type { EnvironmentPin, LockedImage, LockEntry, PinEntry } from './lock/lock';
export type { CredentialProblem } from './images/credentials';

// Secrets and credential files (issue 13).
export { detectSecret, SECRET_RULE } from './policy/secrets';
export type { SecretDetector } from './policy/secrets';
export { CREDENTIAL_FILES_RULE } from './policy/image-rules';

// A user's own repository (issue 14).
export { PeerDependencyError } from './peers';
export type { PeerProblem } from './peers';
export * from './testing';
export { IMAGE_HEALTH_UNSERVED } from './workloads/image-usage';
