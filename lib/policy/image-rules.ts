import { PolicyRule } from './rules';

/** Production runs images pinned by the digest the build step locked (see lib/lock). */
export const DIGEST_RULE: PolicyRule = {
  id: 'production-image-digest',
  rationale: 'production runs the exact image that was built once and validated before it, pinned by its registry digest',
  source: 'prodpath (build once, promote); Pulumi and Kubernetes advice to deploy by digest',
  productionOnly: true,
  exemptible: false,
};

/** Build contexts leave out the files tools write credentials into (lib/images/credentials.ts). */
export const CREDENTIAL_FILES_RULE: PolicyRule = {
  id: 'no-credential-files',
  rationale: 'a file in the build context can end up in the image (COPY . .) and is sent to the builder: credential files stay out of every context',
  source: 'prodpath; Docker build best practices (.dockerignore); BuildKit secret mounts',
};
