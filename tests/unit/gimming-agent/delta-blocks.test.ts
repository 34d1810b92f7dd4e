/**
 * The blocks an incremental copy compares (transfer/blocks.ts, common/delta-blocks.ts): fixed-size
 * blocks whatever the stream's chunking, their hashes, and a block size that keeps the hash list small.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { blockSizeFor, hashListBytes } from '../../../src/common/delta-blocks';
import { blocksOf, hashBlocks, sameHash, validBlockSize } from '../../../src/gimming-agent/transfer/blocks';

const MiB = 1024 * 1024;

describe('incremental copy blocks', () => {
  it('cuts any chunking into the same blocks, the last one shorter', async () => {
    const data = randomBytes(3 * 65536 + 100);
    const chunks = [data.subarray(0, 7), data.subarray(7, 70000), data.subarray(70000)];
    const blocks: Buffer[] = [];
    for await (const block of blocksOf(Readable.from(chunks), 65536)) blocks.push(Buffer.from(block));
    assert.deepEqual(
      blocks.map((b) => b.length),
      [65536, 65536, 65536, 100],
    );
    assert.ok(Buffer.concat(blocks).equals(data));
  });

  it('hashes each block with sha256', async () => {
    const data = randomBytes(2 * 65536 + 1);
    const { hashes, size, blocks } = await hashBlocks(Readable.from([data]), 65536);
    assert.equal(size, data.length);
    assert.equal(blocks, 3);
    const second = createHash('sha256').update(data.subarray(65536, 131072)).digest();
    assert.ok(sameHash(hashes, 1, second));
    assert.ok(!sameHash(hashes, 0, second));
    assert.ok(!sameHash(hashes, 3, second), 'past the list: not the same');
  });

  it('keeps blocks of 1 MiB up to 8 GiB, then doubles them to keep the hash list at 256 KiB', () => {
    assert.equal(blockSizeFor(0), MiB);
    assert.equal(blockSizeFor(1024 * MiB), MiB);
    assert.equal(blockSizeFor(8192 * MiB), MiB);
    assert.equal(blockSizeFor(8192 * MiB + 1), 2 * MiB);
    assert.equal(blockSizeFor(512 * 1024 * MiB), 64 * MiB);
    assert.equal(hashListBytes(1024 * MiB), 1024 * 32);
    assert.ok(hashListBytes(100 * 1024 * MiB) <= 256 * 1024);
    assert.ok(validBlockSize(MiB));
    assert.ok(!validBlockSize(MiB + 1));
    assert.ok(!validBlockSize(1024));
  });
});
