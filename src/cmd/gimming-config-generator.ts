/**
 * gimming-config-generator: writes the sample configuration file (--output FILE) or prints it.
 */
import { writeFileSync } from 'node:fs';
import { renderSample } from '../common/config/sample';

const outIndex = process.argv.indexOf('--output');
const output = outIndex >= 0 ? process.argv[outIndex + 1] : undefined;
if (output) writeFileSync(output, renderSample());
else process.stdout.write(renderSample());
