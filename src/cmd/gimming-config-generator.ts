/**
 * gimming-config-generator: writes the sample configuration file (--format sample, the default) or the
 * configuration reference for the docs (--format rst) to --output FILE, or prints it.
 */
import { renderConfigReference } from '../common/config/reference';
import { renderSample } from '../common/config/sample';
import { runGenerator } from './generator-args';

runGenerator(
  'gimming-config-generator',
  { sample: renderSample, rst: () => renderConfigReference() },
  'sample',
);
