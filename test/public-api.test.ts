/**
 * The root export is the public surface a CDK user builds with: constructs, their props, value
 * types and errors. Internals (renderers, rule tables, checkers, writers) are imported from their
 * own modules by the CLI, the Pulumi entry point and the tests. The full surface, types included,
 * is recorded in api/prodpath.api.md and checked by `npx api-extractor run` in CI.
 */
import * as prodpath from '../lib';

describe('the root export', () => {
  test('holds the constructs, the value classes and the errors', () => {
    expect(Object.keys(prodpath).sort()).toEqual([
      'App', 'CronTask', 'Environment', 'ExternalImage', 'IgnoreRules', 'Image', 'ImageRecipe', 'LockFileError', 'MigrationJob',
      'Parity', 'Pipeline', 'Policy', 'PolicyError', 'Postgres', 'RecipeBase', 'SUPPORTED_KUBERNETES_MINORS', 'SecretRef',
      'StatefulService', 'ValidationError', 'WebService', 'Worker', 'Workload',
      // issue 13: rule ids for Policy.exempt and the value-based secret detector; issue 14: the
      // peer check's error and the Testing helpers; the health rule of images that serve nothing.
      'CREDENTIAL_FILES_RULE', 'SECRET_RULE', 'detectSecret', 'PeerDependencyError', 'Testing', 'RenderedApp',
      'IMAGE_HEALTH_UNSERVED',
    ].sort());
  });

  test.each(['checkManifests', 'renderComposeFiles', 'stringifyCompose', 'HOST_IP', 'diffManifests', 'validateManifest', 'renderBakeFile', 'MANIFEST_RULES', 'DigestLock'])(
    'does not export the internal %s',
    (name) => {
      expect(Object.prototype.hasOwnProperty.call(prodpath, name)).toBe(false);
    },
  );
});
