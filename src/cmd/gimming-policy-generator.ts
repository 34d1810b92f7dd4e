/**
 * gimming-policy-generator: writes the sample policy file (--output FILE) or prints it.
 */
import { writeFileSync } from 'node:fs';
import { renderPolicySample } from '../gimming-api/policy';

const outIndex = process.argv.indexOf('--output');
const output = outIndex >= 0 ? process.argv[outIndex + 1] : undefined;
if (output) writeFileSync(output, renderPolicySample());
else process.stdout.write(renderPolicySample());
