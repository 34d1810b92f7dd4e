/**
 * The property names a kind of cloud keeps for itself come from its driver (Capabilities'
 * reserved_property_prefixes), not from a list in the API: an image is refused what any of its targets
 * reserves, and what any known kind of cloud reserves while a target's capabilities are unknown.
 */
import assert from 'node:assert/strict';
import type { Capabilities } from '../../../src/gimming-conductor/capabilities';
import { reservedNames, reservedPrefixes } from '../../../src/gimming-conductor/reserved-properties';

const base: Capabilities = {
  can_export: true,
  can_import: true,
  disk_formats: [],
  container_formats: [],
  reported_hashes: [],
  native_copy: [],
  sharing: 'none',
  visibilities: ['private'],
};
const openstack: Capabilities = { ...base, reserved_property_prefixes: ['os_glance_'] };
const other: Capabilities = { ...base, reserved_property_prefixes: ['vendor:'] };
const byZone = new Map([
  ['zone-a', new Map([['openstack', openstack]])],
  ['zone-b', new Map([['other', other]])],
  // An agent from before 1.9 tells no prefixes at all.
  ['zone-old', new Map([['openstack', base]])],
]);
const properties = { os_glance_import_task: 'x', 'vendor:tier': 'gold', os_distro: 'ubuntu' };

describe('reserved property prefixes, as the drivers report them', () => {
  it('refuses what a target reserves, and only that', () => {
    const prefixes = reservedPrefixes(byZone, [{ zone: 'zone-a', type: 'openstack' }]);
    assert.deepEqual(prefixes, ['os_glance_']);
    assert.deepEqual(reservedNames(properties, prefixes), ['os_glance_import_task']);
    const elsewhere = reservedPrefixes(byZone, [{ zone: 'zone-b', type: 'other' }]);
    assert.deepEqual(reservedNames(properties, elsewhere), ['vendor:tier']);
  });

  it('adds up the prefixes of every target', () => {
    const prefixes = reservedPrefixes(byZone, [
      { zone: 'zone-a', type: 'openstack' },
      { zone: 'zone-b', type: 'other' },
    ]);
    assert.deepEqual(reservedNames(properties, prefixes), ['os_glance_import_task', 'vendor:tier']);
  });

  it("takes any known cloud's prefixes for a target nobody tells about, or that did not resolve", () => {
    for (const target of [
      { zone: 'zone-c', type: 'openstack' },
      { zone: 'zone-old', type: 'openstack' },
      null,
    ]) {
      const prefixes = reservedPrefixes(byZone, [target]).sort();
      assert.deepEqual(prefixes, ['os_glance_', 'vendor:'], JSON.stringify(target));
    }
    assert.deepEqual(reservedPrefixes(byZone, []).sort(), ['os_glance_', 'vendor:']);
  });

  it('reserves nothing a driver does not report', () => {
    const none = new Map([['zone-a', new Map([['openstack', { ...base, reserved_property_prefixes: [] }]])]]);
    assert.deepEqual(reservedPrefixes(none, [{ zone: 'zone-a', type: 'openstack' }]), []);
    assert.deepEqual(reservedNames(properties, ['']), [], 'an empty prefix reserves nothing');
  });
});
