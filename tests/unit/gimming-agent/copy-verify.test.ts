import assert from 'node:assert/strict';
import { glanceEndpoint } from '../../../src/gimming-agent/drivers/glance/endpoint';
import { verifyCopy } from '../../../src/gimming-agent/transfer/copy';
import { RequestContext } from '../../../src/common/context';

const good = {
  id: 'x',
  name: '',
  status: 'active',
  size: 10,
  checksum: 'md5',
  os_hash_algo: 'sha512',
  os_hash_value: 'sha',
  disk_format: 'raw',
  container_format: 'bare',
  visibility: 'private',
  owner: 'p',
  min_disk: 0,
  min_ram: 0,
  properties: {},
  tags: [],
  protected: false,
  created_at: '',
  updated_at: '',
};
const expect = { size: 10, checksum: 'md5', os_hash_algo: 'sha512', os_hash_value: 'sha' };

describe('verifying a copy', () => {
  it('accepts a copy with the same size and hashes', () => {
    assert.deepEqual(verifyCopy(expect, good), []);
  });

  it('names every difference', () => {
    assert.match(verifyCopy(expect, { ...good, checksum: 'other' }).join(), /checksum other != md5/);
    assert.match(verifyCopy(expect, { ...good, os_hash_value: 'other' }).join(), /sha512 other != sha/);
    assert.match(verifyCopy(expect, { ...good, size: 11 }).join(), /size 11 != 10/);
    assert.match(verifyCopy(expect, { ...good, status: 'queued' }).join(), /not active/);
  });

  it('refuses to call a copy proven when there is nothing to compare', () => {
    assert.match(
      verifyCopy({ size: 10, checksum: '', os_hash_algo: '', os_hash_value: '' }, good).join(),
      /no hash/,
    );
  });
});

describe('the Glance endpoint of a region', () => {
  const ctx = new RequestContext({
    request_id: 'req-1',
    roles: [],
    service_catalog: [
      {
        type: 'image',
        endpoints: [
          { interface: 'public', region: 'RegionOne', url: 'http://a:9292/' },
          { interface: 'internal', region: 'RegionOne', url: 'http://a-int:9292' },
          { interface: 'public', region: 'RegionTwo', url: 'http://b:9293/v2' },
        ],
      },
    ],
  });

  it('is taken from the catalog by region and interface, without the version', () => {
    assert.equal(glanceEndpoint(ctx, 'RegionOne', 'public'), 'http://a:9292');
    assert.equal(glanceEndpoint(ctx, 'RegionOne', 'internal'), 'http://a-int:9292');
    assert.equal(glanceEndpoint(ctx, 'RegionTwo', 'public'), 'http://b:9293');
  });

  it('is a clear error when the catalog has none', () => {
    assert.throws(
      () => glanceEndpoint(ctx, 'RegionThree', 'public'),
      /no public image endpoint in region RegionThree/,
    );
  });
});
