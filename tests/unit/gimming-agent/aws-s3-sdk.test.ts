/**
 * The aws driver's S3 SDK: the client and its commands come from the slim bundle `npm run build` makes.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as sdk from '../../../src/gimming-agent/drivers/aws/s3-sdk';

describe("the aws driver's S3 SDK", () => {
  it('is loaded from the bundle of the commands it names, not the whole client', () => {
    assert.ok(existsSync(sdk.SLIM_BUNDLE), `${sdk.SLIM_BUNDLE} (npm run build makes it)`);
    assert.ok(require.cache[sdk.SLIM_BUNDLE], 's3-sdk.ts loaded the bundle');
  });

  it('serves every name it exports, as the classes the driver constructs', () => {
    const names = Object.keys(sdk).filter((n) => n !== 'SLIM_BUNDLE');
    assert.ok(names.length >= 10, names.join(', '));
    for (const name of names) {
      assert.equal(typeof (sdk as Record<string, unknown>)[name], 'function', name);
    }
    const client = new sdk.S3Client({
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'x' },
    });
    const command = new sdk.UploadPartCommand({ Bucket: 'b', Key: 'k', UploadId: 'u', PartNumber: 1 });
    assert.equal(command.constructor.name, 'UploadPartCommand', 'the names the multipart tests see');
    assert.deepEqual(command.input, { Bucket: 'b', Key: 'k', UploadId: 'u', PartNumber: 1 });
    client.destroy();
  });
});
