/**
 * The one rule for "these two images hold the same bytes" (adopt, link, leftovers, drift).
 */
import assert from 'node:assert/strict';
import {
  compareBytes,
  digestMap,
  identityColumns,
  identityOf,
  sameBytes,
} from '../../../src/gimming-conductor/byte-identity';

const MD5 = 'd41d8cd98f00b204e9800998ecf8427e';
const SHA = 'ab'.repeat(64);
const image = { size: 10, checksum: MD5, osHashAlgo: 'sha512', osHashValue: SHA };

describe('byte identity', () => {
  it('is proven by every hash both sides know, and at least one', () => {
    const both = [
      { algo: 'md5', value: MD5 },
      { algo: 'sha512', value: SHA },
    ];
    assert.equal(sameBytes(image, { size: 10, digests: both }), true);
    assert.equal(
      sameBytes(image, { size: 10, digests: [{ algo: 'sha512', value: SHA.toUpperCase() }] }),
      true,
    );
    assert.equal(sameBytes(image, { size: 10, digests: [] }), false);
  });

  it('is refuted by a different size or any different hash', () => {
    const c = compareBytes(identityOf(image), {
      size: 10,
      digests: digestMap([
        { algo: 'md5', value: MD5 },
        { algo: 'sha512', value: 'cd'.repeat(64) },
      ]),
    });
    assert.equal(c.verdict, 'different');
    assert.deepEqual(c.compared, ['md5', 'sha512']);
    assert.equal(compareBytes(identityOf(image), { size: 11, digests: { md5: MD5 } }).verdict, 'different');
  });

  it('is unproven when no hash is known to both sides (a cloud that reports none)', () => {
    const c = compareBytes(identityOf(image), { size: 10, digests: { sha256: 'ef'.repeat(32) } });
    assert.deepEqual(c, { verdict: 'unproven', compared: [], problems: [] });
  });

  it('keeps md5 and the strongest other hash in the image columns', () => {
    assert.deepEqual(identityColumns({ size: 3, digests: { md5: MD5, sha256: 'a', sha512: 'b' } }), {
      size: 3,
      checksum: MD5,
      osHashAlgo: 'sha512',
      osHashValue: 'b',
    });
    assert.deepEqual(identityOf({ size: null, checksum: null, osHashAlgo: null, osHashValue: null }), {
      size: null,
      digests: {},
    });
  });
});
