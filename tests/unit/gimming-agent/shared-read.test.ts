/**
 * One read of a source for several readers (transfer/shared-read.ts): every reader gets every byte, the
 * source is read once while they keep up, a reader that falls a window behind or goes away does not hold
 * up the others, and memory stays within the window.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  type ReadKind,
  SharedReads,
  type SourceOpener,
} from '../../../src/gimming-agent/transfer/shared-read';

const CHUNK = 64 * 1024;
const SIZE = 8 * 1024 * 1024;

/** The byte at an offset of the test image. */
const byteAt = (i: number) => (i * 31 + (i >> 16)) & 0xff;

function image(start: number, end = SIZE, failAt = Infinity): Readable {
  let pos = start;
  return new Readable({
    highWaterMark: CHUNK,
    read() {
      if (pos >= failAt) return void this.destroy(new Error('the source broke'));
      if (pos >= end) return void this.push(null);
      const n = Math.min(CHUNK, end - pos);
      const buf = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i++) buf[i] = byteAt(pos + i);
      pos += n;
      this.push(buf);
    },
  });
}

function sha(buffers: Buffer[]): string {
  const h = createHash('sha256');
  for (const b of buffers) h.update(b);
  return h.digest('hex');
}

async function fullSha(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of image(0)) chunks.push(c as Buffer);
  return sha(chunks);
}

interface Harness {
  shared: SharedReads;
  opener: SourceOpener;
  /** The offsets the source was opened at. */
  opens: number[];
  bytesRead: () => number;
  kinds: ReadKind[];
}

function harness(
  windowBytes: number,
  joinTimeoutMs = 2000,
  seekable = true,
  failAt?: number,
  stagingWindowBytes?: number,
): Harness {
  let read = 0;
  const kinds: ReadKind[] = [];
  const opens: number[] = [];
  const shared = new SharedReads({
    windowBytes,
    joinTimeoutMs,
    ...(stagingWindowBytes !== undefined ? { stagingWindowBytes } : {}),
    meter: { sourceBytes: (_from, n) => (read += n), sourceRead: (k) => kinds.push(k) },
  });
  const opener: SourceOpener = (start) => {
    opens.push(start);
    const from = seekable ? start : 0;
    const stream = image(from, SIZE, failAt);
    return Promise.resolve({ stream, start: from, announcedLength: SIZE });
  };
  return { shared, opener, opens, bytesRead: () => read, kinds };
}

const openerOf = (h: Harness) => h.opener;

async function drain(stream: Readable, delayEveryMs = 0): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) {
    chunks.push(c as Buffer);
    if (delayEveryMs > 0) await new Promise((r) => setTimeout(r, delayEveryMs));
  }
  return sha(chunks);
}

describe('shared reads (one read, N writes)', () => {
  let want: string;
  before(async () => {
    want = await fullSha();
  });

  it('serves three readers of a group from one read of the source', async () => {
    const h = harness(2 * 1024 * 1024);
    const share = { key: 'k1', readers: 3 };
    const opened = await Promise.all([0, 1, 2].map(() => h.shared.open(share, 'staging', openerOf(h))));
    assert.equal(opened[0]?.announcedLength, SIZE);
    const shas = await Promise.all(opened.map((o) => drain(o.stream)));
    assert.deepEqual(shas, [want, want, want]);
    assert.deepEqual(h.opens, [0], 'the source was opened once');
    assert.equal(h.bytesRead(), SIZE, 'every byte was read from the source once');
    assert.deepEqual(h.kinds.sort(), ['joined', 'joined', 'shared']);
    assert.equal(h.shared.active, 0);
  });

  it('starts a late reader with the others while the first bytes wait for it', async () => {
    const h = harness(1024 * 1024);
    const share = { key: 'k2', readers: 2 };
    const first = await h.shared.open(share, 'cloud', openerOf(h));
    const firstDone = drain(first.stream);
    await new Promise((r) => setTimeout(r, 200));
    const second = await h.shared.open(share, 'cloud', openerOf(h));
    assert.deepEqual(await Promise.all([firstDone, drain(second.stream)]), [want, want]);
    assert.equal(h.bytesRead(), SIZE);
    assert.deepEqual(h.opens, [0]);
  });

  it('detaches a reader that falls a window behind; it goes on from where it was, the others never wait', async () => {
    const h = harness(512 * 1024);
    const share = { key: 'k3', readers: 3 };
    const readers = await Promise.all([0, 1, 2].map(() => h.shared.open(share, 'staging', openerOf(h))));
    const started = Date.now();
    const fast = Promise.all([drain(readers[0]!.stream), drain(readers[1]!.stream)]).then((r) => ({
      r,
      at: Date.now() - started,
    }));
    // 128 chunks, 40 ms each: over 5 s if the others had to wait for it.
    const slow = drain(readers[2]!.stream, 40);
    const { r, at } = await fast;
    assert.deepEqual(r, [want, want]);
    assert.ok(at < 2500, `the fast readers took ${at} ms`);
    assert.equal(await slow, want, 'the detached reader got every byte, in order');
    assert.ok(h.kinds.includes('detached'));
    assert.equal(h.opens.length, 2, 'one more read, for the detached reader');
    assert.ok((h.opens[1] ?? 0) > 0, 'the detached reader re-read from its offset');
    assert.ok(h.bytesRead() < 2 * SIZE);
  });

  it('reads no further ahead than its fastest reader: two slow readers hold a chunk or so, not the window', async () => {
    const window = 4 * 1024 * 1024;
    const h = harness(window);
    const share = { key: 'k9', readers: 2 };
    const readers = await Promise.all([0, 1].map(() => h.shared.open(share, 'staging', openerOf(h))));
    let taken = 0;
    let ahead = 0;
    const slowly = async (stream: Readable) => {
      const chunks: Buffer[] = [];
      for await (const c of stream) {
        chunks.push(c as Buffer);
        taken = Math.max(
          taken,
          chunks.reduce((n, b) => n + b.length, 0),
        );
        ahead = Math.max(ahead, h.bytesRead() - taken);
        await new Promise((r) => setTimeout(r, 2));
      }
      return sha(chunks);
    };
    assert.deepEqual(await Promise.all(readers.map((r) => slowly(r.stream))), [want, want]);
    assert.equal(h.bytesRead(), SIZE);
    // Read-ahead of the source stream and the readers' buffers only: before, it filled the 4 MiB window.
    assert.ok(ahead <= 4 * CHUNK, `read ${ahead} bytes ahead of the fastest reader`);
  });

  it('holds a group reading the staging area to its own smaller window; a group reading a cloud keeps the whole', async () => {
    // The window is the whole image, the staging window 512 KiB.
    const h = harness(SIZE, 2000, true, undefined, 512 * 1024);
    const staged = await Promise.all(
      [0, 1].map(() => h.shared.open({ key: 's1', readers: 2 }, 'staging', openerOf(h))),
    );
    const started = Date.now();
    const fast = drain(staged[0]!.stream).then((sha) => ({ sha, at: Date.now() - started }));
    // 128 chunks, 40 ms each: over 5 s if the fast reader had to wait for it.
    const slow = drain(staged[1]!.stream, 40);
    const { sha, at } = await fast;
    assert.equal(sha, want);
    assert.ok(at < 2500, `the fast reader of the staged file took ${at} ms`);
    assert.equal(await slow, want);
    assert.ok(h.kinds.includes('detached'), 'the slow reader of the staged file was detached');
    h.kinds.length = 0;
    const clouds = await Promise.all(
      [0, 1].map(() => h.shared.open({ key: 's2', readers: 2 }, 'cloud', openerOf(h))),
    );
    assert.deepEqual(await Promise.all([drain(clouds[0]!.stream), drain(clouds[1]!.stream, 5)]), [
      want,
      want,
    ]);
    assert.ok(!h.kinds.includes('detached'), 'a cloud group holds the whole window for its slow reader');
  });

  it('skips what a detached reader had when its source can only start at 0', async () => {
    const h = harness(256 * 1024, 2000, false);
    const share = { key: 'k4', readers: 2 };
    const [a, b] = await Promise.all([0, 1].map(() => h.shared.open(share, 'cloud', openerOf(h))));
    assert.deepEqual(await Promise.all([drain(a!.stream), drain(b!.stream, 20)]), [want, want]);
    assert.ok(h.kinds.includes('detached'));
  });

  it('lets the others finish when one reader goes away mid-way', async () => {
    const h = harness(1024 * 1024);
    const share = { key: 'k5', readers: 3 };
    const readers = await Promise.all([0, 1, 2].map(() => h.shared.open(share, 'staging', openerOf(h))));
    let got = 0;
    const quitter = new Promise<void>((resolve) => {
      readers[2]!.stream.on('data', (c: Buffer) => {
        got += c.length;
        if (got > SIZE / 3) {
          readers[2]!.stream.destroy(new Error('the target failed'));
          resolve();
        }
      });
    });
    const shas = await Promise.all([drain(readers[0]!.stream), drain(readers[1]!.stream)]);
    await quitter;
    assert.deepEqual(shas, [want, want]);
    assert.equal(h.bytesRead(), SIZE);
  });

  it('gives a reader that comes after the first bytes are gone a read of its own', async () => {
    const h = harness(256 * 1024, 100);
    const share = { key: 'k6', readers: 2 };
    const first = await h.shared.open(share, 'staging', openerOf(h));
    const done = drain(first.stream, 5);
    await new Promise((r) => setTimeout(r, 300));
    const late = await h.shared.open(share, 'staging', openerOf(h));
    assert.deepEqual(await Promise.all([done, drain(late.stream)]), [want, want]);
    assert.deepEqual(h.kinds, ['shared', 'own']);
  });

  it('fails the readers of a group whose source breaks', async () => {
    const h = harness(1024 * 1024, 2000, true, SIZE / 2);
    const share = { key: 'k7', readers: 2 };
    const readers = await Promise.all([0, 1].map(() => h.shared.open(share, 'cloud', openerOf(h))));
    for (const r of readers) await assert.rejects(drain(r.stream), /the source broke/);
    assert.equal(h.shared.active, 0);
  });

  it('reads alone without a share, or with sharing off', async () => {
    const h = harness(0);
    const a = await h.shared.open({ key: 'k8', readers: 2 }, 'cloud', openerOf(h));
    const b = await h.shared.open(undefined, 'cloud', openerOf(h));
    assert.deepEqual(await Promise.all([drain(a.stream), drain(b.stream)]), [want, want]);
    assert.deepEqual(h.opens, [0, 0]);
    assert.equal(h.bytesRead(), 2 * SIZE);
  });
});
