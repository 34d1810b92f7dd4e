/**
 * A gzip-compressed tar made by streaming (ustar headers written here, since no tar package is a
 * dependency): members of a given size whose bytes come from a deterministic generator, so a test knows
 * their SHA-512 without holding them.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';

export interface Member {
  name: string;
  size: number;
  /** A seed for the member's bytes (pseudo-random, so gzip cannot shrink them much), or 'zero'. */
  seed: number | 'zero';
}

function header(name: string, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100, 'latin1');
  h.write('0000000\0', 108, 'latin1');
  h.write('0000000\0', 116, 'latin1');
  h.write(size.toString(8).padStart(11, '0') + '\0', 124, 'latin1');
  h.write(
    Math.floor(Date.now() / 1000)
      .toString(8)
      .padStart(11, '0') + '\0',
    136,
    'latin1',
  );
  h.write('        ', 148, 'latin1');
  h.write('0', 156, 'latin1');
  h.write('ustar\0', 257, 'latin1');
  h.write('00', 263, 'latin1');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return h;
}

/** The bytes of a member, in chunks of at most 64 KiB. */
export function* memberBytes(m: Member): Generator<Buffer> {
  let left = m.size;
  let state = typeof m.seed === 'number' ? m.seed >>> 0 || 1 : 0;
  while (left > 0) {
    const n = Math.min(left, 65536);
    const b = Buffer.alloc(n);
    if (m.seed !== 'zero')
      for (let i = 0; i + 4 <= n; i += 4) {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        b.writeUInt32LE(state >>> 0, i);
      }
    left -= n;
    yield b;
  }
}

export function sha512Of(m: Member): string {
  const h = createHash('sha512');
  for (const b of memberBytes(m)) h.update(b);
  return h.digest('hex');
}

function* tarBytes(members: Member[]): Generator<Buffer> {
  for (const m of members) {
    yield header(m.name, m.size);
    yield* memberBytes(m);
    if (m.size % 512) yield Buffer.alloc(512 - (m.size % 512));
  }
  yield Buffer.alloc(1024);
}

export function tarStream(members: Member[]): Readable {
  return Readable.from(tarBytes(members));
}

export function tarGzStream(members: Member[]): Readable {
  return tarStream(members).pipe(createGzip());
}
