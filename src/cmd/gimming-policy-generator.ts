/**
 * gimming-policy-generator: writes the sample policy file (--format sample, the default) or the policy
 * reference for the docs (--format rst) to --output FILE, or prints it.
 */
import { renderPolicyReference } from '../common/policy/reference';
import { RULES, renderPolicySample } from '../gimming-api/policy';
import { runGenerator } from './generator-args';

runGenerator(
  'gimming-policy-generator',
  { sample: renderPolicySample, rst: () => renderPolicyReference(RULES) },
  'sample',
);
