/**
 * The EC2 driver's SDK: the client and its commands come from the slim bundle `npm run build` makes.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as sdk from '../../../src/gimming-agent/drivers/aws/ec2-sdk';

describe("the EC2 driver's SDK", () => {
  it('is loaded from the bundle of the commands it names, not the whole client', () => {
    assert.ok(existsSync(sdk.SLIM_BUNDLE), `${sdk.SLIM_BUNDLE} (npm run build makes it)`);
    assert.ok(require.cache[sdk.SLIM_BUNDLE], 'ec2-sdk.ts loaded the bundle');
  });

  it('serves every name it exports, as the classes the driver constructs', () => {
    const names = Object.keys(sdk).filter((n) => n !== 'SLIM_BUNDLE');
    assert.ok(names.length >= 17, names.join(', '));
    for (const name of names) {
      assert.equal(typeof (sdk as Record<string, unknown>)[name], 'function', name);
    }
    const client = new sdk.EC2Client({
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'x' },
    });
    const command = new sdk.DescribeImagesCommand({ Owners: ['self'] });
    assert.deepEqual(command.input, { Owners: ['self'] });
    client.destroy();
  });
});
