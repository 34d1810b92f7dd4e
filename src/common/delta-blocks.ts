/**
 * The block size of an incremental copy, shared by the conductor (the plan's expected bytes) and the
 * agents (which choose it for each copy, gimming-agent/transfer/delta.ts).
 */

/** The length of one block hash (sha256). */
export const BLOCK_HASH_BYTES = 32;
export const MIN_BLOCK_BYTES = 64 * 1024;
export const MAX_BLOCK_BYTES = 64 * 1024 * 1024;
/** Blocks of 1 MiB unless the image has more than this many: the hash list stays at 256 KiB. */
const MAX_BLOCKS = 8192;
const DEFAULT_BLOCK_BYTES = 1024 * 1024;

/**
 * The block size of an incremental copy of an image of about `size` bytes: 1 MiB (a 5% change of an
 * image then moves about 5% of its bytes), doubled until the image has at most 8192 blocks, so that the
 * base's hash list (sent in one request) stays small.
 */
export function blockSizeFor(size: number): number {
  let block = DEFAULT_BLOCK_BYTES;
  while (block < MAX_BLOCK_BYTES && Math.ceil(size / block) > MAX_BLOCKS) block *= 2;
  return block;
}

/** The bytes of the base's block hashes an incremental copy of an image of `size` bytes sends. */
export function hashListBytes(size: number): number {
  return Math.ceil(size / blockSizeFor(size)) * BLOCK_HASH_BYTES;
}
