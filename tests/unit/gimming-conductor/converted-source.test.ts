/**
 * A copy converted on the way is a source like any other: its copies hold its converted bytes, and its
 * location shows the conversion it records.
 */
import assert from 'node:assert/strict';
import { conversionProperties } from '../../../src/common/converted-copy';
import type { Image__Output as RemoteImage__Output } from '../../../src/common/grpc/generated/gimming/agent/v2/Image';
import { ImageRow } from '../../../src/gimming-conductor/db/entities';
import { sourceConversion } from '../../../src/gimming-conductor/tasks/copy-source';
import { conversionView } from '../../../src/gimming-conductor/views';

const MD5 = 'a'.repeat(32);
const SHA = 'b'.repeat(128);
const RAW_SHA = 'c'.repeat(128);
const image = Object.assign(new ImageRow(), {
  size: 100,
  checksum: MD5,
  osHashAlgo: 'sha512',
  osHashValue: SHA,
});
const record = {
  from: 'qcow2',
  source: { size: 100, digests: { md5: MD5, sha512: SHA } },
  converted: { size: 400, digests: { sha512: RAW_SHA } },
};

function remote(fields: Partial<RemoteImage__Output>): RemoteImage__Output {
  return {
    id: 'ami-1',
    status: 'active',
    size: 400,
    digests: [{ algo: 'sha512', value: RAW_SHA }],
    properties: conversionProperties(record),
    ...fields,
  } as RemoteImage__Output;
}

describe('a converted copy as a source', () => {
  it('is taken, with its conversion: its copies are checked against the converted bytes', () => {
    assert.deepEqual(sourceConversion(image, remote({})), record);
  });

  it('holding the image’s own bytes is no conversion', () => {
    const own = remote({ size: 100, digests: [{ algo: 'sha512', value: SHA }], properties: {} });
    assert.equal(sourceConversion(image, own), undefined);
  });

  it('is refused when its bytes are not the converted ones, or it records another source', () => {
    assert.throws(
      () => sourceConversion(image, remote({ digests: [{ algo: 'sha512', value: 'd'.repeat(128) }] })),
      /no longer holds the bytes/,
    );
    const other = conversionProperties({
      ...record,
      source: { size: 100, digests: { sha512: 'e'.repeat(128) } },
    });
    assert.throws(() => sourceConversion(image, remote({ properties: other })), /no longer holds the bytes/);
    assert.throws(() => sourceConversion(image, remote({ status: 'saving' })), /not active/);
  });

  it('shows its conversion on its location', () => {
    assert.deepEqual(conversionView(conversionProperties(record)), {
      from: 'qcow2',
      source: { size: 100, md5: MD5, sha512: SHA },
      converted: { size: 400, sha512: RAW_SHA },
    });
    assert.equal(conversionView({ os_distro: 'fedora' }), undefined);
  });
});
