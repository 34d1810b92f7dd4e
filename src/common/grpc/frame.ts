/**
 * Hand framing of the `ImageChunk { bytes data = 1; }` message on the wire.
 *
 * `ChunkFramer` gathers the small buffers a socket delivers into chunks of a fixed size, written into a
 * block that keeps room in front for the message header, so each chunk is copied once (socket buffer ->
 * block) and leaves as one buffer already in protobuf form. `decodeChunk` returns the data as a view.
 */
import { Transform, type TransformCallback } from 'node:stream';

const FIELD_1_BYTES = 0x0a; // field number 1, wire type 2 (length-delimited)
const HEADER_ROOM = 6; // tag + up to 5 bytes of varint length (chunks < 4 GiB)

function varintLength(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    len += 1;
  }
  return len;
}

/** Writes the header for `dataLength` bytes of data that start at `HEADER_ROOM`; returns where it starts. */
function writeHeader(block: Buffer, dataLength: number): number {
  const start = HEADER_ROOM - 1 - varintLength(dataLength);
  let pos = start;
  block[pos++] = FIELD_1_BYTES;
  let n = dataLength;
  while (n >= 0x80) {
    block[pos++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  block[pos] = n;
  return start;
}

/** Encodes one chunk (copies; for tests and small messages). */
export function encodeChunk(data: Buffer): Buffer {
  const block = Buffer.allocUnsafe(HEADER_ROOM + data.length);
  data.copy(block, HEADER_ROOM);
  return block.subarray(writeHeader(block, data.length));
}

/** The data of one encoded chunk, as a view into `wire`. */
export function decodeChunk(wire: Buffer): Buffer {
  if (wire.length === 0) return wire; // an empty message: no data
  if (wire[0] !== FIELD_1_BYTES) throw new Error('ImageChunk: unexpected field');
  let pos = 1;
  let len = 0;
  let mul = 1;
  for (;;) {
    const b = wire[pos++];
    if (b === undefined) throw new Error('ImageChunk: truncated length');
    len += (b & 0x7f) * mul;
    if (b < 0x80) break;
    mul *= 128;
    if (pos > 6) throw new Error('ImageChunk: length too long');
  }
  if (pos + len !== wire.length) throw new Error('ImageChunk: length does not match the message');
  return wire.subarray(pos, pos + len);
}

/**
 * Object-mode output: framed chunks of `chunkSize` data bytes (the last one shorter).
 *
 * A consumer that knows when a chunk has been copied out (gRPC serializes a message into its own buffer
 * when it is written) may hand it back with `release()`; its block is then refilled instead of a new
 * megabyte being allocated. Fewer large allocations mean fewer garbage collections on the byte path.
 */
export class ChunkFramer extends Transform {
  private block: Buffer;
  private filled = 0;
  private readonly free: Buffer[] = [];
  /** Data bytes taken in so far. */
  bytesIn = 0;

  constructor(
    private readonly chunkSize: number,
    private readonly maxFreeBlocks = 8,
  ) {
    super({ readableObjectMode: true, readableHighWaterMark: 2 });
    this.block = this.newBlock();
  }

  private newBlock(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(HEADER_ROOM + this.chunkSize);
  }

  /** Gives back a chunk this framer emitted, once nothing reads it any more. */
  release(chunk: Buffer): void {
    if (this.free.length >= this.maxFreeBlocks) return;
    const block = Buffer.from(chunk.buffer, 0, HEADER_ROOM + this.chunkSize);
    if (chunk.buffer.byteLength === block.length && block !== this.block) this.free.push(block);
  }

  override _transform(data: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    let offset = 0;
    this.bytesIn += data.length;
    while (offset < data.length) {
      const n = Math.min(this.chunkSize - this.filled, data.length - offset);
      data.copy(this.block, HEADER_ROOM + this.filled, offset, offset + n);
      this.filled += n;
      offset += n;
      if (this.filled === this.chunkSize) this.emitBlock();
    }
    done();
  }

  override _flush(done: TransformCallback): void {
    if (this.filled > 0) this.emitBlock();
    done();
  }

  private emitBlock(): void {
    const start = writeHeader(this.block, this.filled);
    this.push(this.block.subarray(start, HEADER_ROOM + this.filled));
    this.block = this.newBlock();
    this.filled = 0;
  }
}
