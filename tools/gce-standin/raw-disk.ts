/**
 * The check images.insert makes of `rawDisk.source`: a gzip-compressed tar whose only member is a
 * regular file named `disk.raw` (ustar, GNU or pax headers; GNU sparse members are refused as the
 * stand-in does not expand them). Streams the object through gunzip and a tar reader and answers
 * the raw size and SHA-512 of disk.raw, without holding more than one block in memory.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

export class RawDiskError extends Error {}

export interface RawDiskInfo {
  rawSizeBytes: number;
  sha512: string;
}

const BLOCK = 512;

function octal(buf: Buffer, off: number, len: number): number {
  const field = buf.subarray(off, off + len);
  if ((field[0] ?? 0) & 0x80) {
    // GNU base-256 for large sizes.
    let n = 0;
    for (const b of field.subarray(1)) n = n * 256 + b;
    return n;
  }
  const s = (field.toString('latin1').split('\0')[0] ?? '').trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new RawDiskError('The tar archive has a malformed header.');
  return parseInt(s, 8);
}

function checksumOk(h: Buffer): boolean {
  const want = octal(h, 148, 8);
  let sum = 0;
  h.forEach((b, i) => (sum += i >= 148 && i < 156 ? 32 : b));
  return sum === want;
}

function headerName(h: Buffer): string {
  const name = h.subarray(0, 100).toString('utf8').split('\0')[0] ?? '';
  const magic = h.subarray(257, 263).toString('latin1');
  const prefix =
    magic.startsWith('ustar') && magic !== 'ustar '
      ? (h.subarray(345, 500).toString('utf8').split('\0')[0] ?? '')
      : '';
  return prefix ? `${prefix}/${name}` : name;
}

function paxPath(data: Buffer): string | undefined {
  let off = 0;
  let path: string | undefined;
  while (off < data.length) {
    const sp = data.indexOf(0x20, off);
    if (sp < 0) break;
    const len = Number(data.subarray(off, sp).toString('latin1'));
    if (!len) break;
    const rec = data.subarray(sp + 1, off + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (rec.slice(0, eq) === 'path') path = rec.slice(eq + 1);
    off += len;
  }
  return path;
}

/** Reads a tar.gz stream and answers what disk.raw holds, or throws RawDiskError saying what is wrong. */
export async function inspectRawDisk(source: Readable): Promise<RawDiskInfo> {
  const gunzip = createGunzip();
  source.on('error', (e) => gunzip.destroy(e));
  source.pipe(gunzip);
  let pending: Buffer = Buffer.alloc(0);
  let state: 'header' | 'data' | 'padding' | 'meta' | 'end' = 'header';
  let remaining = 0;
  let padding = 0;
  let metaType = '';
  let meta: Buffer[] = [];
  let nextName: string | undefined;
  let member: { name: string; hash: ReturnType<typeof createHash>; size: number } | undefined;
  let result: RawDiskInfo | undefined;
  let zeroBlocks = 0;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      let off = 0;
      while (off < pending.length) {
        if (state === 'data' || state === 'meta') {
          const n = Math.min(remaining, pending.length - off);
          const part = pending.subarray(off, off + n);
          if (state === 'data') member?.hash.update(part);
          else meta.push(Buffer.from(part));
          off += n;
          remaining -= n;
          if (remaining === 0) {
            if (state === 'meta') {
              const data = Buffer.concat(meta);
              if (metaType === 'L') nextName = data.toString('utf8').split('\0')[0] ?? '';
              else nextName = paxPath(data) ?? nextName;
            } else if (member) {
              result = { rawSizeBytes: member.size, sha512: member.hash.digest('hex') };
            }
            state = padding ? 'padding' : 'header';
          }
          continue;
        }
        if (state === 'padding') {
          const n = Math.min(padding, pending.length - off);
          off += n;
          padding -= n;
          if (padding === 0) state = 'header';
          continue;
        }
        if (pending.length - off < BLOCK) break;
        const h = pending.subarray(off, off + BLOCK);
        off += BLOCK;
        if (state === 'end' || h.every((b) => b === 0)) {
          if (!h.every((b) => b === 0)) throw new RawDiskError('The tar archive has data after its end.');
          zeroBlocks += 1;
          state = 'end';
          continue;
        }
        if (!checksumOk(h))
          throw new RawDiskError('The image file is not a valid tar archive (bad header checksum).');
        const type = String.fromCharCode((h[156] ?? 0) || 0x30);
        const size = octal(h, 124, 12);
        padding = (BLOCK - (size % BLOCK)) % BLOCK;
        if (type === 'L' || type === 'x' || type === 'g') {
          metaType = type;
          meta = [];
          remaining = size;
          state = size ? 'meta' : 'header';
          if (!size && padding) state = 'padding';
          continue;
        }
        const name = (nextName ?? headerName(h)).replace(/^\.\//, '');
        nextName = undefined;
        if (type === 'S')
          throw new RawDiskError(
            'The tar archive holds a GNU sparse member; the stand-in does not expand them.',
          );
        if (member || result)
          throw new RawDiskError(
            `The tar archive must hold exactly one file, disk.raw; it also holds ${name}.`,
          );
        if (name !== 'disk.raw' || (type !== '0' && type !== '7'))
          throw new RawDiskError(
            `The tar archive must hold exactly one regular file named disk.raw, not ${name}.`,
          );
        member = { name, hash: createHash('sha512'), size };
        remaining = size;
        state = size ? 'data' : padding ? 'padding' : 'header';
        if (!size) result = { rawSizeBytes: 0, sha512: member.hash.digest('hex') };
      }
      pending = pending.subarray(off);
    }
  } catch (e) {
    if (e instanceof RawDiskError) throw e;
    throw new RawDiskError(`The image file is not a gzip-compressed tar archive: ${(e as Error).message}`);
  }
  if (state === 'data' || state === 'meta' || pending.length)
    throw new RawDiskError('The tar archive is truncated.');
  if (!result) throw new RawDiskError('The tar archive does not hold disk.raw.');
  if (zeroBlocks === 0) throw new RawDiskError('The tar archive has no end-of-archive marker.');
  return result;
}
