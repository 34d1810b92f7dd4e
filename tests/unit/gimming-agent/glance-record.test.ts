/**
 * The OpenStack driver's record mapping, and the v1 mapping after it: a Glance image reaches the protocol
 * as it did before the driver seam (same checksum, os_hash pair, properties), and patches are built as
 * Glance wants them.
 */
import assert from 'node:assert/strict';
import { propertyPatch, toCloudImage, updatePatch } from '../../../src/gimming-agent/drivers/glance/record';
import { toRemoteImage } from '../../../src/gimming-agent/remote-image';
import { composeSchema } from '../../../src/common/config/schema';
import { driverConfigFragments } from '../../../src/gimming-agent/drivers/registry';

const glanceImage = {
  id: 'i1',
  status: 'active',
  name: 'cirros',
  size: 12,
  checksum: 'abc',
  os_hash_algo: 'sha512',
  os_hash_value: 'def',
  disk_format: 'qcow2',
  container_format: 'bare',
  visibility: 'shared',
  owner: 'p1',
  min_disk: 1,
  min_ram: 2,
  tags: ['t'],
  protected: false,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-02T00:00:00Z',
  os_distro: 'cirros',
  hw_numa: 2,
  os_glance_import_task: 'hidden',
  locations: [],
};

describe('the OpenStack driver records', () => {
  it('maps a Glance image to the v2 Image, its hashes as digests', () => {
    const cloud = toCloudImage(glanceImage);
    assert.deepEqual(cloud.digests, { md5: 'abc', sha512: 'def' });
    const remote = toRemoteImage(cloud);
    assert.deepEqual(remote.digests, [
      { algo: 'md5', value: 'abc' },
      { algo: 'sha512', value: 'def' },
    ]);
    assert.deepEqual(remote.properties, { os_distro: 'cirros', hw_numa: '2' });
    assert.equal(remote.visibility, 'shared');
    assert.deepEqual(toRemoteImage(toCloudImage({ id: 'q', status: 'queued' })).digests, []);
  });

  it('builds JSON patches: add, replace, remove on an empty value, nothing for what is already so', () => {
    assert.deepEqual(propertyPatch({ a: '1', b: '2' }, { a: '1', b: '3', c: '4', d: '', 'x/y': '5' }), [
      { op: 'replace', path: '/b', value: '3' },
      { op: 'add', path: '/c', value: '4' },
      { op: 'add', path: '/x~1y', value: '5' },
    ]);
    assert.deepEqual(propertyPatch({ a: '1' }, { a: '' }), [{ op: 'remove', path: '/a' }]);
    assert.deepEqual(updatePatch(toGlance('n', 'private'), { name: 'n', visibility: 'public' }), [
      { op: 'replace', path: '/visibility', value: 'public' },
    ]);
  });

  it('keeps its options where operators know them, in the order of the sample', () => {
    const schema = composeSchema(driverConfigFragments());
    const groups = Object.keys(schema);
    assert.equal(groups[groups.indexOf('oslo_messaging_rabbit') + 1], 'glance');
    const agent = Object.keys(schema.agent ?? {});
    assert.deepEqual(agent.slice(agent.indexOf('flow_control_window') + 1).slice(0, 2), [
      'glance_interface',
      'glance_timeout',
    ]);
    assert.throws(
      () => composeSchema([...driverConfigFragments(), ...driverConfigFragments()]),
      /defined twice/,
    );
  });
});

function toGlance(name: string, visibility: string) {
  return { id: 'i', status: 'active', name, visibility };
}
