/**
 * The copy a sync reads from, per target.
 */
import assert from 'node:assert/strict';
import type { Capabilities } from '../../../src/gimming-conductor/capabilities';
import { chooseSource } from '../../../src/gimming-conductor/source-choice';

const base: Capabilities = {
  can_export: true,
  can_import: true,
  disk_formats: ['raw'],
  container_formats: ['bare'],
  reported_hashes: ['md5', 'sha512'],
  native_copy: [],
  sharing: 'members',
  visibilities: ['private', 'public'],
};
const aws: Capabilities = { ...base, reported_hashes: [], native_copy: ['aws'] };
const byZone = new Map([
  ['zone-a', new Map([['openstack', base]])],
  [
    'zone-b',
    new Map([
      ['openstack', base],
      ['aws', aws],
    ]),
  ],
]);
const glanceA = {
  location: { cloudId: 'a', proof: 'cloud' },
  cloud: { id: 'a', zone: 'zone-a', type: 'openstack' },
};
const east = { location: { cloudId: 'e', proof: 'agent' }, cloud: { id: 'e', zone: 'zone-b', type: 'aws' } };
const eastConverted = { ...east, location: { cloudId: 'e', proof: 'converted' } };
const west = { zone: 'zone-b', type: 'aws' };
const glanceB = { zone: 'zone-b', type: 'openstack' };

describe('choosing the copy a sync reads from', () => {
  it('takes the copy the target copies natively (EC2 to EC2 by CopyImage), wherever it is listed', () => {
    assert.equal(chooseSource([glanceA, east], west, byZone), east);
    assert.equal(chooseSource([glanceA, eastConverted], west, byZone), eastConverted);
  });

  it("prefers the image's own bytes to a conversion, and a cloud that vouches for them to one that must export", () => {
    assert.equal(chooseSource([eastConverted, glanceA], glanceB, byZone), glanceA);
    assert.equal(chooseSource([east, glanceA], glanceB, byZone), glanceA);
    assert.equal(chooseSource([eastConverted, east], glanceB, byZone), east);
  });

  it('takes the first when nothing is known of the clouds, and none when there is no copy', () => {
    assert.equal(chooseSource([east, glanceA], glanceB, new Map()), east);
    assert.equal(chooseSource([], glanceB, byZone), undefined);
  });
});
