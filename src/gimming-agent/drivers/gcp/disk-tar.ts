/**
 * The archive GCE makes an image from: a gzip-compressed GNU tar holding one file, `disk.raw`. The tar is
 * written here, by hand, so that it streams: one 512-byte header whose size is known up front, the
 * disk's bytes as they come, zeros up to GCE's size rule, the block padding and the two empty blocks
 * that end an archive. Memory stays flat whatever the disk's size (no temporary file).
 *
 * GCE takes a raw disk whose size is a whole number of GiB: a disk of another size is padded with zeros
 * to the next GiB (the proof of the copy is over the source's bytes, before the padding).
 */
import { type Hash, createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { type ZlibOptions, constants, createGzip } from 'node:zlib';
import { GimmingError } from '../../../common/errors';

export const BLOCK = 512;
export const GIB = 1024 ** 3;
/** The largest size the 11 octal digits of a classic header hold (8 GiB - 1); larger: GNU base-256. */
const MAX_OCTAL_SIZE = 0o77777777777;

/** The size of disk.raw in the archive: the disk's, rounded up to a whole GiB (at least 1 GiB). */
export function paddedDiskSize(size: number): number {
  return Math.max(1, Math.ceil(size / GIB)) * GIB;
}

function octal(value: number, width: number): string {
  // width - 1 digits and a NUL, as GNU tar writes them.
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

/**
 * The 512-byte GNU (oldgnu) header of a regular file `name` of `size` bytes. Sizes beyond what 11 octal
 * digits hold take GNU's base-256 form: the first byte 0x80, the size big-endian in the other 11.
 */
export function tarHeader(name: string, size: number, mtimeSeconds = 0): Buffer {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`bad tar entry size ${size}`);
  const nameBytes = Buffer.from(name, 'utf8');
  if (nameBytes.length > 100) throw new RangeError('a tar entry name holds at most 100 bytes');
  const h = Buffer.alloc(BLOCK, 0);
  nameBytes.copy(h, 0);
  h.write(octal(0o644, 8), 100, 'ascii'); // mode
  h.write(octal(0, 8), 108, 'ascii'); // uid
  h.write(octal(0, 8), 116, 'ascii'); // gid
  if (size <= MAX_OCTAL_SIZE) {
    h.write(octal(size, 12), 124, 'ascii');
  } else {
    h[124] = 0x80;
    let rest = BigInt(size);
    for (let i = 135; i > 124; i -= 1) {
      h[i] = Number(rest & 0xffn);
      rest >>= 8n;
    }
  }
  h.write(octal(mtimeSeconds, 12), 136, 'ascii'); // mtime
  h.write(' '.repeat(8), 148, 'ascii'); // checksum, counted as spaces
  h.write('0', 156, 'ascii'); // typeflag: regular file
  h.write('ustar  \0', 257, 'ascii'); // GNU magic and version
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

/** The size a header announces (octal or base-256): for tests and for reading an archive back. */
export function headerSize(h: Buffer): number {
  if ((h[124] ?? 0) & 0x80) {
    let v = 0n;
    for (let i = 125; i < 136; i += 1) v = (v << 8n) | BigInt(h[i] ?? 0);
    return Number(v);
  }
  return parseInt(h.toString('ascii', 124, 135), 8);
}

/**
 * The tar stream of disk.raw from the disk's bytes (exactly `size` of them, or the stream fails): the
 * header first, the bytes, zeros to the padded size, the end of the archive.
 */
export class DiskRawTar extends Transform {
  private seen = 0;
  private readonly entrySize: number;
  private readonly md5: Hash = createHash('md5');
  private readonly sha512: Hash = createHash('sha512');
  private digests?: { md5: string; sha512: string };

  /** `entrySize`: the size disk.raw has in the archive (GCE's rounding by default). */
  constructor(
    private readonly size: number,
    entrySize = paddedDiskSize(size),
  ) {
    super({ highWaterMark: 1024 * 1024 });
    if (entrySize < size || entrySize % BLOCK !== 0) throw new RangeError(`bad tar entry size ${entrySize}`);
    this.entrySize = entrySize;
    this.push(tarHeader('disk.raw', this.entrySize));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.size) {
      done(tooLong(this.size));
      return;
    }
    this.md5.update(chunk);
    this.sha512.update(chunk);
    done(null, chunk);
  }

  /** The size and hashes of the disk's bytes (without the padding), once they have all passed. */
  proof(): { size: number; digests: { md5: string; sha512: string } } | undefined {
    return this.digests ? { size: this.size, digests: this.digests } : undefined;
  }

  override _flush(done: TransformCallback): void {
    if (this.seen !== this.size) {
      done(
        new GimmingError(
          'gimming.copy.size_mismatch',
          502,
          `The image data ended after ${this.seen} of the ${this.size} bytes announced.`,
        ),
      );
      return;
    }
    this.digests = { md5: this.md5.digest('hex'), sha512: this.sha512.digest('hex') };
    // Zeros to the entry's size (whole blocks), then the two end blocks.
    let zeros = this.entrySize - this.size + 2 * BLOCK;
    const piece = Buffer.alloc(Math.min(zeros, 1024 * 1024), 0);
    while (zeros > 0) {
      const n = Math.min(zeros, piece.length);
      this.push(n === piece.length ? piece : piece.subarray(0, n));
      zeros -= n;
    }
    done();
  }
}

function tooLong(size: number): GimmingError {
  return new GimmingError(
    'gimming.copy.size_mismatch',
    502,
    `The image data is longer than the ${size} bytes announced.`,
  );
}

export type ArchiveCompression = 'fast' | 'small' | 'none';

/**
 * The zlib settings of each [gcp] archive_compression. Measured on this 2-core test machine (under
 * load; see doc/source/admin/performance.rst), MiB/s of input and archive/input size:
 *
 *   input                         fast (1, Z_RLE)    small (1, deflate)   none (0)
 *   random bytes                  80, 1.000          19, 1.000            513, 1.000
 *   ext4 disk, 256 MiB, docs      105, 0.391         58, 0.285            204, 1.000
 *   zeros (the padding)           964, 0.001         602, 0.004           455, 1.000
 *
 * fast is the default: the CPU of the agent, not the link, bounds a copy into GCE at level 1.
 */
export const ZLIB_OPTIONS: Record<ArchiveCompression, ZlibOptions> = {
  fast: { level: 1, strategy: constants.Z_RLE },
  small: { level: 1 },
  none: { level: 0 },
};

/** disk.raw as a gzip-compressed tar, streaming: the stream to pipe the disk's bytes into is `input`. */
export function diskRawTarGz(
  size: number,
  compression: ArchiveCompression = 'fast',
): { input: DiskRawTar; output: Transform } {
  const input = new DiskRawTar(size);
  const gzip = createGzip(ZLIB_OPTIONS[compression]);
  input.on('error', (err) => gzip.destroy(err));
  input.pipe(gzip);
  return { input, output: gzip };
}
