import { PolicyRule } from './rules';

/** Production runs images pinned by the digest the build step locked (see lib/lock). */
export const DIGEST_RULE: PolicyRule = {
  id: 'production-image-digest',
  rationale: 'production runs the exact image that was built once and validated before it, pinned by its registry digest',
  source: 'prodpath (build once, promote); Pulumi and Kubernetes advice to deploy by digest',
  productionOnly: true,
  exemptible: false,
};
