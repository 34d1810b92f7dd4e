/**
 * Live reads of an upload still arriving (staging/live.ts): a reader gets the bytes as they are written,
 * waits for more, waits through a cut-short upload until it is resumed, ends at the final length with the
 * upload's hashes, and fails when the upload fails or its data is deleted.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable, Writable } from 'node:stream';
import { GimmingError } from '../../../src/common/errors';
import { setupLogging } from '../../../src/common/log';
import type { LiveReader } from '../../../src/gimming-agent/staging/live';
import { StagingStore } from '../../../src/gimming-agent/staging/store';

const ID = '11111111-1111-4111-8111-111111111111';

function store() {
  const dir = mkdtempSync(join(tmpdir(), 'gimming-live-'));
  return new StagingStore(dir, 10_000_000, 4_000_000);
}

const tick = (ms = 30) => new Promise((r) => setTimeout(r, ms));

/** Waits (up to 5 s, the machine may be busy) until `ok` holds. */
async function until(ok: () => boolean): Promise<void> {
  const end = Date.now() + 5000;
  while (!ok() && Date.now() < end) await tick(10);
}

/** Collects what a reader gives, and tells how many bytes came so far. */
function collect(reader: Readable) {
  const parts: Buffer[] = [];
  reader.on('data', (c: Buffer) => parts.push(c));
  const ended = new Promise<Buffer>((resolve, reject) => {
    reader.once('end', () => resolve(Buffer.concat(parts)));
    reader.once('error', reject);
  });
  ended.catch(() => undefined);
  return { ended, bytes: () => parts.reduce((n, p) => n + p.length, 0) };
}

describe('StagingStore live reads', () => {
  before(() => setupLogging('gimming', false, new Writable({ write: (_chunk, _enc, done) => done() })));
  after(() => setupLogging('gimming', false));

  it('reads an upload while it arrives and ends with it, with its final hashes', async () => {
    const staging = store();
    const data = new PassThrough({ objectMode: true });
    const written = staging.write(ID, data, { endMarker: true, md5: true });
    const reader = staging.openLive(ID);
    const got = collect(reader);
    data.write(Buffer.alloc(1000, 1));
    await until(() => got.bytes() === 1000);
    assert.equal(got.bytes(), 1000, 'the bytes written are read before the upload ends');
    data.write(Buffer.alloc(500, 2));
    await until(() => got.bytes() === 1500);
    assert.equal(got.bytes(), 1500);
    data.write(Buffer.alloc(0));
    data.end();
    const staged = await written;
    const all = await got.ended;
    assert.equal(all.length, 1500);
    assert.equal(createHash('sha512').update(all).digest('hex'), staged.sha512);
    assert.equal((reader as LiveReader).result?.md5, staged.md5);
    // Once complete it reads as any staged data, also from an offset.
    const late = await collect(staging.openLive(ID, 1000)).ended;
    assert.equal(late.length, 500);
  });

  it('waits for an upload that has not begun yet (the copies start with it, maybe before its first byte)', async () => {
    const staging = store();
    const got = collect(staging.openLive(ID));
    await tick();
    const data = new PassThrough({ objectMode: true });
    const written = staging.write(ID, data, { endMarker: true });
    data.write(Buffer.alloc(700, 5));
    data.write(Buffer.alloc(0));
    data.end();
    await written;
    assert.equal((await got.ended).length, 700);
  });

  it('waits while a cut-short upload is kept, and goes on when it is resumed', async () => {
    const staging = store();
    const first = new PassThrough({ objectMode: true });
    const cut = staging.write(ID, first, { endMarker: true, resumable: true, declaredSize: 300 });
    const got = collect(staging.openLive(ID));
    first.write(Buffer.alloc(100, 3));
    await until(() => got.bytes() === 100);
    first.end(); // no end marker: cut short, kept
    await cut.catch((err: unknown) => assert.equal((err as GimmingError).code, 'gimming.staging.cancelled'));
    await tick();
    assert.equal(got.bytes(), 100, 'the reader waits at the offset staged');
    const rest = new PassThrough({ objectMode: true });
    const resumed = staging.write(ID, rest, {
      endMarker: true,
      resumable: true,
      offset: 100,
      declaredSize: 300,
    });
    rest.write(Buffer.alloc(200, 4));
    rest.write(Buffer.alloc(0));
    rest.end();
    await resumed;
    const all = await got.ended;
    assert.equal(all.length, 300);
    assert.equal(all[99], 3);
    assert.equal(all[100], 4);
  });

  it('fails its readers when the upload fails or its staged data is deleted', async () => {
    const staging = store();
    const data = new PassThrough({ objectMode: true });
    const written = staging.write(ID, data, { endMarker: true, resumable: true });
    written.catch(() => undefined);
    const got = collect(staging.openLive(ID));
    data.write(Buffer.alloc(100));
    await tick();
    data.end(); // kept to be resumed
    await tick();
    await staging.delete(ID); // the upload lapsed
    await assert.rejects(
      got.ended,
      (err: unknown) => (err as GimmingError).code === 'gimming.staging.deleted',
    );

    const failing = new PassThrough({ objectMode: true });
    const refused = staging.write(ID, failing, { endMarker: true, declaredSize: 50 });
    const reader = collect(staging.openLive(ID));
    failing.write(Buffer.alloc(60)); // over the declared size
    failing.write(Buffer.alloc(0));
    failing.end();
    await assert.rejects(refused);
    await assert.rejects(reader.ended);
  });

  it('fails a reader waiting for an upload that is refused, so that it takes no later upload for its own', async () => {
    const staging = store();
    const waiting = collect(staging.openLive(ID));
    await tick();
    const refused = staging.write(ID, new PassThrough({ objectMode: true }), { declaredSize: 20_000_000 });
    await assert.rejects(refused, (err: unknown) => (err as GimmingError).code === 'gimming.staging.full');
    await assert.rejects(
      waiting.ended,
      (err: unknown) => (err as GimmingError).code === 'gimming.staging.full',
    );
    // The next upload of the image is read by the readers that come for it.
    const data = new PassThrough({ objectMode: true });
    const next = collect(staging.openLive(ID));
    const written = staging.write(ID, data, { endMarker: true });
    data.write(Buffer.alloc(300, 1));
    data.write(Buffer.alloc(0));
    data.end();
    await written;
    assert.equal((await next.ended).length, 300);
  });
});
