/**
 * A copy planned with what the two kinds of cloud can do, as their agents' drivers say.
 */
import assert from 'node:assert/strict';
import { type Capabilities, copyProblems, parseDrivers } from '../../../src/gimming-conductor/capabilities';

const glance: Capabilities = {
  can_export: true,
  can_import: true,
  disk_formats: ['raw', 'qcow2'],
  container_formats: ['bare'],
  reported_hashes: ['md5', 'sha512'],
  native_copy: [],
  sharing: 'members',
  visibilities: ['private', 'shared', 'community', 'public'],
};
const qcow2 = { disk_format: 'qcow2', container_format: 'bare' };

describe('planning a copy with the clouds capabilities', () => {
  it('lets a copy through when both sides can do it, or when nothing is known of a side', () => {
    assert.deepEqual(copyProblems(glance, glance, qcow2), []);
    assert.deepEqual(copyProblems(null, undefined, qcow2), []);
  });

  it('names each thing a side cannot do', () => {
    const problems = copyProblems(
      { ...glance, can_export: false },
      { ...glance, can_import: false, disk_formats: ['raw'], container_formats: ['ova'] },
      qcow2,
    );
    assert.deepEqual(problems, [
      'its source cloud cannot export image data',
      'the target cloud cannot import image data',
      'the target cloud takes no qcow2 images (raw), and its agents convert none',
      'the target cloud takes no bare containers',
    ]);
  });

  it('reads the drivers an agent recorded, and takes nothing from a record it cannot read', () => {
    assert.deepEqual(parseDrivers(JSON.stringify([{ name: 'openstack', capabilities: glance }])), [
      { name: 'openstack', capabilities: glance },
    ]);
    assert.deepEqual(parseDrivers('{not json'), []);
    assert.deepEqual(parseDrivers(JSON.stringify([{ name: 'x' }, 3])), []);
    assert.deepEqual(parseDrivers(null), []);
  });
});
