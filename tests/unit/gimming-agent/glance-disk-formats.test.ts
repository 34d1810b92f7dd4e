/**
 * A Glance zone's disk formats from its image schema (the disk_format enum Glance builds from its
 * [image_format] disk_formats), kept per endpoint for a while; a failed read is not kept.
 */
import assert from 'node:assert/strict';
import { DiskFormatCache, schemaDiskFormats } from '../../../src/gimming-agent/drivers/glance/disk-formats';

// As the test bed's Glance answers GET /v2/schemas/image (abridged).
const SCHEMA = {
  name: 'image',
  properties: {
    disk_format: {
      type: ['null', 'string'],
      description: 'Format of the disk',
      enum: [null, 'ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop'],
    },
  },
};

describe("a Glance zone's disk formats", () => {
  it("are the schema's disk_format enum, null left out", () => {
    assert.deepEqual(schemaDiskFormats(SCHEMA), [
      'ami',
      'ari',
      'aki',
      'vhd',
      'vhdx',
      'vmdk',
      'raw',
      'qcow2',
      'vdi',
      'iso',
      'ploop',
    ]);
    assert.deepEqual(schemaDiskFormats({ properties: { disk_format: { enum: [null, 'raw'] } } }), ['raw']);
    assert.deepEqual(schemaDiskFormats({}), [], 'no list: any format (as Capabilities say)');
    assert.deepEqual(schemaDiskFormats(null), []);
  });

  it('are read once per endpoint while fresh, again when stale or after a failure', async () => {
    let now = 0;
    let reads = 0;
    const cache = new DiskFormatCache(1000, () => now);
    const read = async () => {
      reads++;
      return SCHEMA;
    };
    await cache.get('http://a', read);
    await cache.get('http://a', read);
    assert.equal(reads, 1);
    await cache.get('http://b', read);
    assert.equal(reads, 2);
    now = 1001;
    await cache.get('http://a', read);
    assert.equal(reads, 3);
    await assert.rejects(
      cache.get('http://c', () => Promise.reject(new Error('down'))),
      /down/,
    );
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(await cache.get('http://c', read), schemaDiskFormats(SCHEMA));
  });
});
