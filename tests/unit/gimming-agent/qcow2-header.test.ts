/**
 * The virtual size of a qcow2 image from its first bytes: read from images qemu-img made, and refusals
 * for what is not a self-contained qcow2 image.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QCOW2_HEADER_BYTES, parseQcow2Header } from '../../../src/gimming-agent/conversion/qcow2-header';

describe('parseQcow2Header', () => {
  let tmp: string;
  before(() => (tmp = mkdtempSync(join(tmpdir(), 'gimming-qcow2-'))));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  function made(options: string[], size?: string): Buffer {
    const file = join(tmp, `${Math.random()}.qcow2`);
    execFileSync('/usr/bin/qemu-img', ['create', '-f', 'qcow2', ...options, file, ...(size ? [size] : [])]);
    return readFileSync(file).subarray(0, 512);
  }

  it('reads the virtual size of images qemu-img made (v3 and v2)', () => {
    const v3 = parseQcow2Header(made(['-o', 'compat=1.1'], String(5 * 1024 ** 3 + 65536)));
    assert.deepEqual(v3, {
      version: 3,
      virtualSize: 5 * 1024 ** 3 + 65536,
      hasBackingFile: false,
      cryptMethod: 0,
    });
    const v2 = parseQcow2Header(made(['-o', 'compat=0.10'], '1M'));
    assert.equal('problem' in v2 ? -1 : v2.virtualSize, 1024 * 1024);
    assert.equal('problem' in v2 ? -1 : v2.version, 2);
  });

  it('tells an image with a backing file (its data would come from the host)', () => {
    const base = join(tmp, 'base.qcow2');
    execFileSync('/usr/bin/qemu-img', ['create', '-f', 'qcow2', base, '1M']);
    const header = parseQcow2Header(made(['-b', base, '-F', 'qcow2']));
    assert.ok(!('problem' in header) && header.hasBackingFile);
  });

  it('refuses what is not a qcow2 header', () => {
    assert.deepEqual(parseQcow2Header(Buffer.alloc(10)), { problem: 'it is too short to be a qcow2 image' });
    assert.deepEqual(parseQcow2Header(Buffer.alloc(QCOW2_HEADER_BYTES)), {
      problem: 'it does not start with the qcow2 magic',
    });
    const v9 = Buffer.alloc(QCOW2_HEADER_BYTES);
    v9.writeUInt32BE(0x514649fb, 0);
    v9.writeUInt32BE(9, 4);
    assert.deepEqual(parseQcow2Header(v9), { problem: 'its qcow2 version 9 is unknown' });
    const huge = Buffer.from(v9);
    huge.writeUInt32BE(3, 4);
    huge.writeBigUInt64BE(1n << 60n, 24);
    assert.deepEqual(parseQcow2Header(huge), { problem: 'its virtual size is out of range' });
  });
});
