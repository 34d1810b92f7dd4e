/**
 * A conversion's scratch space counts against [agent] staging_max_bytes with the staged uploads: a
 * reservation that does not fit is refused with a message naming the option, growing one counts on
 * what it holds, a release frees it, and an upload sees the room the scratch space took. What a crash
 * left in the scratch directory is removed at start.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { Scratch } from '../../../src/gimming-agent/conversion/scratch';
import { outputBytes } from '../../../src/gimming-agent/conversion/convert-source';
import { StagingStore } from '../../../src/gimming-agent/staging/store';

describe('scratch space in the staging accounting', () => {
  let tmp: string;
  beforeEach(() => (tmp = mkdtempSync(join(tmpdir(), 'gimming-scratch-'))));
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  it('reserves, grows, refuses and frees room shared with the staged data', async () => {
    const staging = new StagingStore(join(tmp, 's'), 1000, 1000);
    await staging.write(randomUUID(), Readable.from([Buffer.alloc(300)]));
    const scratch = new Scratch(staging);
    await scratch.open();
    scratch.reserve(400, 'Converting');
    assert.equal(staging.usedBytes, 700);
    scratch.reserve(700, 'Converting more'); // grows within 300 + 700
    assert.equal(staging.usedBytes, 1000);
    assert.throws(
      () => scratch.reserve(701, 'Converting the qcow2 image'),
      (err: Error & { code?: string }) =>
        err.code === 'gimming.staging.full' &&
        /Converting the qcow2 image needs 701 bytes of scratch space, more than the 700 bytes left/.test(
          err.message,
        ) &&
        /staging_max_bytes = 1000/.test(err.message),
    );
    assert.equal(staging.usedBytes, 1000, 'a refused growth keeps what was held');
    await assert.rejects(
      staging.write(randomUUID(), Readable.from([Buffer.alloc(1)]), { declaredSize: 1 }),
      /larger than the room left/,
    );
    writeFileSync(scratch.file('x'), 'data');
    await scratch.release();
    assert.equal(staging.usedBytes, 300);
    assert.ok(!existsSync(scratch.dir), 'the files are removed');
  });

  it('removes what a crash left in the scratch directory at start', () => {
    const dir = join(tmp, 's');
    mkdirSync(join(dir, 'scratch', 'left'), { recursive: true });
    writeFileSync(join(dir, 'scratch', 'left', 'source.qcow2'), 'x');
    const staging = new StagingStore(dir, 1000, 1000);
    assert.ok(!existsSync(join(dir, 'scratch', 'left')));
    assert.equal(staging.usedBytes, 0);
  });

  it('counts a raw output as its whole disk, other formats with room for their metadata', () => {
    assert.equal(outputBytes('raw', 1 << 30), 1 << 30);
    assert.ok(outputBytes('vmdk', 1 << 30) > 1 << 30);
  });
});
