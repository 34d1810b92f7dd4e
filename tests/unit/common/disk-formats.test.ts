/**
 * The format a copy is converted to: none when the target takes the source's, else the first of
 * raw, vmdk, vhd, qcow2 ... that both the target takes and the agent converts; none that serves is told.
 */
import assert from 'node:assert/strict';
import { CONVERTIBLE_FORMATS, conversionTarget } from '../../../src/common/disk-formats';

describe('conversionTarget', () => {
  it('converts nothing the target takes, or for a target that takes any format', () => {
    assert.equal(conversionTarget('qcow2', ['raw', 'qcow2']), null);
    assert.equal(conversionTarget('qcow2', []), null);
  });

  it('prefers raw, then vmdk, then vhd, then qcow2', () => {
    assert.equal(conversionTarget('qcow2', ['vhd', 'vmdk', 'raw']), 'raw');
    assert.equal(conversionTarget('qcow2', ['vhd', 'vmdk']), 'vmdk');
    assert.equal(conversionTarget('qcow2', ['vhd']), 'vhd');
    assert.equal(conversionTarget('vdi', ['qcow2', 'iso']), 'qcow2');
    assert.equal(conversionTarget('qcow2', ['ova', 'vhd'], ['qcow2', 'vhd']), 'vhd');
  });

  it('is undefined when no conversion serves', () => {
    assert.equal(conversionTarget('iso', ['raw']), undefined, 'an iso is not a disk to convert');
    assert.equal(conversionTarget('qcow2', ['iso', 'ami']), undefined);
    assert.equal(conversionTarget('qcow2', ['raw'], []), undefined, 'an agent that converts nothing');
    assert.equal(conversionTarget('qcow2', ['vmdk'], ['qcow2', 'raw']), undefined);
  });

  it('knows the formats qemu-img reads and writes by Glance name', () => {
    assert.deepEqual([...CONVERTIBLE_FORMATS].sort(), ['qcow2', 'raw', 'vdi', 'vhd', 'vhdx', 'vmdk']);
  });
});
