/**
 * An image adopted from a cloud that reports no hashes: which clouds learn an identity, and what its
 * copies' source is held to before and after it is learned.
 */
import assert from 'node:assert/strict';
import type { Capabilities } from '../../../src/gimming-conductor/capabilities';
import type { ImageRow } from '../../../src/gimming-conductor/db/entities';
import { identityUnknown, learnsIdentity } from '../../../src/gimming-conductor/learned-identity';
import { sourceConversion } from '../../../src/gimming-conductor/tasks/copy-source';

const caps = (reported: string[], recordsProof?: boolean): Capabilities => ({
  can_export: true,
  can_import: true,
  disk_formats: ['raw'],
  container_formats: ['bare'],
  reported_hashes: reported,
  native_copy: [],
  sharing: 'accounts',
  visibilities: ['private', 'public'],
  ...(recordsProof === undefined ? {} : { records_proof: recordsProof }),
});

const SHA = 'ab'.repeat(64);
const MD5 = 'cd'.repeat(16);
const unknown = { size: null, checksum: null, osHashAlgo: null, osHashValue: null } as unknown as ImageRow;
const known = { size: 10, checksum: MD5, osHashAlgo: 'sha512', osHashValue: SHA } as unknown as ImageRow;
const remote = (digests: { algo: string; value: string }[], size = 1073741824) =>
  ({ status: 'active', size, digests }) as Parameters<typeof sourceConversion>[1];

describe('an identity learned from the first copy', () => {
  it('is learned only in a cloud that reports no hashes and whose agents record their own', () => {
    assert.equal(learnsIdentity(caps([], true)), true, 'EC2');
    assert.equal(learnsIdentity(caps(['md5', 'sha512'], false)), false, 'Glance');
    assert.equal(learnsIdentity(caps([])), false, 'a cloud nothing can prove');
    assert.equal(learnsIdentity(null), false, 'no agent says');
  });

  it('is unknown while the image has neither md5 nor os_hash', () => {
    assert.equal(identityUnknown(unknown), true);
    assert.equal(identityUnknown(known), false);
  });

  it('holds the source to nothing before it is learned, and to the learned identity after', () => {
    assert.doesNotThrow(() => sourceConversion(unknown, remote([]), 'unproven'));
    assert.throws(
      () => sourceConversion(unknown, { ...remote([]), status: 'pending' }, 'unproven'),
      /not active/,
    );
    // The proof recorded on the AMI after the first export.
    const proven = remote([{ algo: 'sha512', value: SHA }], 10);
    assert.doesNotThrow(() => sourceConversion(known, proven, 'agent'));
    assert.throws(
      () => sourceConversion(known, remote([{ algo: 'sha512', value: 'ef'.repeat(64) }], 10), 'agent'),
      /no longer holds the bytes/,
    );
    // Its recorded proof gone: the copy itself is held to the identity by the target agent.
    assert.doesNotThrow(() => sourceConversion(known, remote([]), 'agent'));
    // A source its cloud's hashes proved must still show them.
    assert.throws(() => sourceConversion(known, remote([]), 'cloud'), /no longer holds the bytes/);
  });
});
