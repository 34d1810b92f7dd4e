import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { inspectRawDisk, RawDiskError } from '../../../../tools/gce-standin/raw-disk';

/** A tar header block; `type` '0' a file, 'L' a GNU long name, 'x' a pax header, 'S' GNU sparse. */
function header(name: string, size: number, type = '0', magic = 'ustar\u000000'): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100, 'latin1');
  h.write(size.toString(8).padStart(11, '0') + '\0', 124, 'latin1');
  h.write('        ', 148, 'latin1');
  h.write(type, 156, 'latin1');
  h.write(magic, 257, 'latin1');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return h;
}

function member(name: string, data: Buffer, type = '0'): Buffer {
  const pad = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([header(name, data.length, type), data, pad]);
}

const END = Buffer.alloc(1024);
const DISK = Buffer.alloc(5000, 9);
const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('hex');

/** Feeds the archive in small chunks, so headers and data straddle chunk borders. */
function stream(b: Buffer): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < b.length; i += 333) chunks.push(b.subarray(i, i + 333));
  return Readable.from(chunks);
}

async function refused(archive: Buffer, why: RegExp): Promise<void> {
  await assert.rejects(
    inspectRawDisk(stream(archive)),
    (e: unknown) => e instanceof RawDiskError && why.test(e.message),
  );
}

describe('gce-standin raw disk check', () => {
  it('answers the size and SHA-512 of the one disk.raw, in ustar, GNU and pax forms', async () => {
    for (const archive of [
      Buffer.concat([member('disk.raw', DISK), END]),
      Buffer.concat([member('./disk.raw', DISK), END]),
      Buffer.concat([
        member('././@LongLink', Buffer.from('disk.raw\0'), 'L'),
        member('ignored-name', DISK),
        END,
      ]),
      Buffer.concat([
        member('PaxHeader', Buffer.from('17 path=disk.raw\n'), 'x'),
        member('other', DISK),
        END,
      ]),
    ]) {
      const info = await inspectRawDisk(stream(gzipSync(archive)));
      assert.deepEqual(info, { rawSizeBytes: DISK.length, sha512: sha512(DISK) });
    }
  });

  it('refuses other names, a second member, a directory, sparse members, truncation and no gzip', async () => {
    await refused(gzipSync(Buffer.concat([member('disk.img', DISK), END])), /named disk.raw, not disk.img/);
    await refused(
      gzipSync(Buffer.concat([member('disk.raw', DISK), member('x', Buffer.from('x')), END])),
      /exactly one file/,
    );
    await refused(
      gzipSync(Buffer.concat([member('x', Buffer.from('x')), member('disk.raw', DISK), END])),
      /named disk.raw, not x/,
    );
    await refused(gzipSync(Buffer.concat([member('disk.raw', Buffer.alloc(0), '5'), END])), /regular file/);
    await refused(gzipSync(Buffer.concat([member('disk.raw', DISK, 'S'), END])), /sparse/);
    await refused(gzipSync(Buffer.concat([member('disk.raw', DISK)]).subarray(0, 3000)), /truncated/);
    await refused(gzipSync(Buffer.concat([member('disk.raw', DISK)])), /end-of-archive/);
    await refused(Buffer.concat([member('disk.raw', DISK), END]), /not a gzip-compressed tar/);
    await refused(gzipSync(Buffer.from('not a tar at all'.repeat(64))), /not a valid tar archive|malformed/);
    await refused(gzipSync(END), /does not hold disk.raw/);
  });

  it('refuses a header whose checksum is wrong', async () => {
    const archive = Buffer.concat([member('disk.raw', DISK), END]);
    archive[10] = 0x41;
    await refused(gzipSync(archive), /checksum/);
  });
});
