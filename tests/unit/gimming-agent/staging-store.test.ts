/**
 * The staging area's bookkeeping: an upload is kept only when complete (with the end marker, when the
 * writer announced one), a failed one frees its room and its file, an upload of undeclared size reserves
 * the per-upload cap, and deleting staged data stops an upload of it still being written.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { GimmingError } from '../../../src/common/errors';
import { setupLogging } from '../../../src/common/log';
import { StagingStore } from '../../../src/gimming-agent/staging/store';

const ID = ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222'] as const;
const ID3 = '33333333-3333-4333-8333-333333333333';

function store(maxBytes = 1000, maxUploadBytes = 400) {
  const dir = mkdtempSync(join(tmpdir(), 'gimming-staging-'));
  return { dir, staging: new StagingStore(dir, maxBytes, maxUploadBytes) };
}

/** An object-mode stream of chunks, like a gRPC call's. */
function chunks(): PassThrough {
  return new PassThrough({ objectMode: true });
}

async function refusal(p: Promise<unknown>): Promise<GimmingError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof GimmingError, String(err));
    return err;
  }
  assert.fail('expected a refusal');
}

/** The files of the staging directory but its scratch directory (conversions' own, see scratch-space.test). */
const stagedFiles = (dir: string) => readdirSync(dir).filter((f) => f !== 'scratch');

describe('StagingStore', () => {
  // What the store logs is not the test's output.
  before(() => setupLogging('gimming', false, new Writable({ write: (_chunk, _enc, done) => done() })));
  after(() => setupLogging('gimming', false));

  it('keeps an upload that ends with the end marker', async () => {
    const { dir, staging } = store();
    const data = chunks();
    const written = staging.write(ID[0], data, { endMarker: true });
    data.write(Buffer.alloc(100, 1));
    data.write(Buffer.alloc(0));
    data.end();
    assert.equal((await written).size, 100);
    assert.deepEqual(stagedFiles(dir), [ID[0]]);
    assert.equal(staging.usedBytes, 100);
  });

  it('discards an upload whose stream ends without the end marker, and frees its room', async () => {
    const { dir, staging } = store();
    const data = chunks();
    const written = staging.write(ID[0], data, { endMarker: true });
    data.write(Buffer.alloc(100, 1));
    data.end();
    assert.equal((await refusal(written)).code, 'gimming.staging.cancelled');
    assert.deepEqual(stagedFiles(dir), []);
    assert.equal(staging.usedBytes, 0);
    // The same upload again, at once.
    const again = chunks();
    const retried = staging.write(ID[0], again, { endMarker: true });
    again.end(Buffer.alloc(0));
    assert.equal((await retried).size, 0);
  });

  it('reserves the per-upload cap for an upload of undeclared size', async () => {
    const { staging } = store(1000, 400);
    const open = [chunks(), chunks()];
    const writes = open.map((data, i) => staging.write(ID[i] as string, data, { endMarker: true }));
    for (const w of writes) w.catch(() => undefined); // each is awaited below, in its turn
    assert.equal(staging.usedBytes, 800, 'each reserves 400, not the whole area');
    const refused = await refusal(staging.write(ID3, chunks(), { declaredSize: 300 }));
    assert.equal(refused.code, 'gimming.staging.full');
    assert.equal(refused.status, 413);
    // Past its cap, an upload of undeclared size is stopped.
    open[0]?.write(Buffer.alloc(401));
    const over = await refusal(writes[0] as Promise<unknown>);
    assert.equal(over.code, 'gimming.staging.full');
    assert.match(over.message, /undeclared size/);
    // Deleting the other one's data stops it, and frees its room.
    await staging.delete(ID[1]);
    assert.equal((await refusal(writes[1] as Promise<unknown>)).code, 'gimming.staging.cancelled');
    assert.equal(staging.usedBytes, 0);
  });

  it("stops an upload at its project's limit", async () => {
    const { staging } = store(1000, 400);
    const declared = await refusal(staging.write(ID[0], chunks(), { declaredSize: 200, limitBytes: 100 }));
    assert.equal(declared.code, 'gimming.quota.staged_bytes_exceeded');
    const data = chunks();
    const written = staging.write(ID[0], data, { limitBytes: 100 });
    assert.equal(staging.usedBytes, 100);
    data.write(Buffer.alloc(101));
    assert.equal((await refusal(written)).code, 'gimming.quota.staged_bytes_exceeded');
  });

  it('keeps a resumable upload cut short, continues it at its size only, and hashes every byte', async () => {
    const { dir, staging } = store();
    const whole = Buffer.from('a'.repeat(150) + 'b'.repeat(150));
    const first = chunks();
    const cut = staging.write(ID[0], first, { endMarker: true, resumable: true, declaredSize: 300 });
    first.write(whole.subarray(0, 150));
    await new Promise((r) => setTimeout(r, 20));
    first.end(); // no end marker: cut short
    assert.equal((await refusal(cut)).code, 'gimming.staging.cancelled');
    assert.deepEqual(stagedFiles(dir), [`${ID[0]}.part`]);
    assert.equal(await staging.partialOffset(ID[0]), 150);
    assert.equal(staging.usedBytes, 300, 'the partial keeps its reservation');

    const wrong = chunks();
    const refused = staging.write(ID[0], wrong, {
      endMarker: true,
      resumable: true,
      offset: 100,
      declaredSize: 300,
    });
    assert.equal((await refusal(refused)).code, 'gimming.upload.offset_mismatch');
    wrong.destroy();

    const rest = chunks();
    const sha256 = createHash('sha256').update(whole).digest('hex');
    const resumed = staging.write(ID[0], rest, {
      endMarker: true,
      resumable: true,
      offset: 150,
      declaredSize: 300,
      md5: true,
      sha256,
    });
    rest.write(whole.subarray(150));
    rest.write(Buffer.alloc(0));
    rest.end();
    const staged = await resumed;
    assert.equal(staged.size, 300);
    assert.equal(staged.md5, createHash('md5').update(whole).digest('hex'));
    assert.equal(staged.sha512, createHash('sha512').update(whole).digest('hex'));
    assert.equal(readFileSync(join(dir, ID[0])).toString(), whole.toString());

    // The same bytes, declared with the right sha256, are linked, not written again.
    assert.equal(await staging.link(ID[0], ID[1], 'f'.repeat(64)), undefined, 'another sha256');
    assert.equal(await staging.link(ID[0], ID[1], sha256), 300);
    assert.equal(statSync(join(dir, ID[1])).ino, statSync(join(dir, ID[0])).ino);
    await staging.delete(ID[0]);
    assert.equal(readFileSync(join(dir, ID[1])).toString(), whole.toString());
  });
});
