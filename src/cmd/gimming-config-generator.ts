/**
 * gimming-config-generator: writes the sample configuration file (--format sample, the default) or the
 * configuration reference for the docs (--format rst) to --output FILE, or prints it.
 */
import { renderConfigReference } from '../common/config/reference';
import { renderSample } from '../common/config/sample';
import { composeSchema } from '../common/config/schema';
import { driverConfigFragments } from '../gimming-agent/drivers/registry';
import { runGenerator } from './generator-args';

runGenerator(
  'gimming-config-generator',
  {
    // The drivers' own options are part of the one gimming.conf.
    sample: () => renderSample(composeSchema(driverConfigFragments())),
    rst: () => renderConfigReference(composeSchema(driverConfigFragments())),
  },
  'sample',
);
