/**
 * Fixed-size blocks of a stream of image data, and their hashes: what an incremental copy compares
 * (delta.ts). One block is held at a time; the hashes of a whole image are a few hundred KiB at most.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { BLOCK_HASH_BYTES, MAX_BLOCK_BYTES, MIN_BLOCK_BYTES } from '../../common/delta-blocks';

export { BLOCK_HASH_BYTES, MAX_BLOCK_BYTES, MIN_BLOCK_BYTES, blockSizeFor } from '../../common/delta-blocks';

export function validBlockSize(bytes: number): boolean {
  return (
    Number.isInteger(bytes) &&
    bytes >= MIN_BLOCK_BYTES &&
    bytes <= MAX_BLOCK_BYTES &&
    (bytes & (bytes - 1)) === 0
  );
}

/** The blocks of `stream`, in order, each `blockBytes` long but the last. */
export async function* blocksOf(stream: Readable, blockBytes: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let held = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let rest = chunk;
    while (rest.length > 0) {
      const take = Math.min(rest.length, blockBytes - held);
      parts.push(take === rest.length ? rest : rest.subarray(0, take));
      held += take;
      rest = rest.subarray(take);
      if (held === blockBytes) {
        yield parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, held);
        parts = [];
        held = 0;
      }
    }
  }
  if (held > 0) yield Buffer.concat(parts, held);
}

export function blockHash(block: Buffer): Buffer {
  return createHash('sha256').update(block).digest();
}

/** The sha256 of each block of `stream`, concatenated, and the stream's length. */
export async function hashBlocks(
  stream: Readable,
  blockBytes: number,
): Promise<{ hashes: Buffer; size: number; blocks: number }> {
  const hashes: Buffer[] = [];
  let size = 0;
  for await (const block of blocksOf(stream, blockBytes)) {
    hashes.push(blockHash(block));
    size += block.length;
  }
  return { hashes: Buffer.concat(hashes), size, blocks: hashes.length };
}

/** Whether block `index`'s hash is `hash` in a concatenated list. */
export function sameHash(list: Buffer, index: number, hash: Buffer): boolean {
  const at = index * BLOCK_HASH_BYTES;
  if (at + BLOCK_HASH_BYTES > list.length) return false;
  return list.subarray(at, at + BLOCK_HASH_BYTES).equals(hash);
}
