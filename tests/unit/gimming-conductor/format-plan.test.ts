/**
 * The conductor's plan of a copy's disk format, from what the target's agents say (Capabilities:
 * disk_formats, convertible_formats), and how it tells a converted copy from a changed one.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyVerdict } from '../../../src/gimming-conductor/byte-identity';
import { type Capabilities, copyProblems, planFormats } from '../../../src/gimming-conductor/capabilities';
import { conversionProperties } from '../../../src/common/converted-copy';

const caps = (disk_formats: string[], convertible_formats?: string[]): Capabilities => ({
  can_export: true,
  can_import: true,
  disk_formats,
  container_formats: [],
  reported_hashes: [],
  native_copy: [],
  sharing: 'none',
  visibilities: ['private'],
  ...(convertible_formats ? { convertible_formats } : {}),
});
const spec = (disk_format: string) => ({ disk_format, container_format: 'bare' });

describe("planning a copy's disk format", () => {
  it('copies as it is what the target takes, or when nothing is known of it', () => {
    assert.deepEqual(planFormats(caps(['raw', 'qcow2'], ['qcow2', 'raw']), 'qcow2'), {
      disk_format: 'qcow2',
      convert_from: '',
    });
    assert.deepEqual(planFormats(null, 'qcow2'), { disk_format: 'qcow2', convert_from: '' });
  });

  it('converts to the best format the target takes when its agents convert', () => {
    const ec2 = caps(['raw', 'vmdk', 'vhd'], ['raw', 'qcow2', 'vmdk', 'vhd', 'vdi', 'vhdx']);
    assert.deepEqual(planFormats(ec2, 'qcow2'), { disk_format: 'raw', convert_from: 'qcow2' });
    assert.deepEqual(copyProblems(null, ec2, spec('qcow2')), []);
  });

  it('refuses, saying why, when no conversion serves', () => {
    const old = caps(['raw', 'vmdk']); // agents of a release without conversion
    assert.equal(planFormats(old, 'qcow2'), null);
    assert.deepEqual(copyProblems(null, old, spec('qcow2')), [
      'the target cloud takes no qcow2 images (raw, vmdk), and its agents convert none',
    ]);
    const some = caps(['vmdk'], ['qcow2', 'raw']);
    assert.match(copyProblems(null, some, spec('qcow2'))[0]!, /convert none to a format it takes/);
    assert.equal(planFormats(caps(['raw'], ['raw', 'qcow2']), 'iso'), null);
  });
});

describe('a converted copy is not a changed one', () => {
  const source = Buffer.from('the qcow2 bytes');
  const converted = Buffer.from('the raw bytes, converted');
  const h = (algo: string, b: Buffer) => createHash(algo).update(b).digest('hex');
  const image = {
    size: source.length,
    checksum: h('md5', source),
    osHashAlgo: 'sha512',
    osHashValue: h('sha512', source),
  };
  const properties = conversionProperties({
    from: 'qcow2',
    source: { size: source.length, digests: { md5: h('md5', source), sha512: h('sha512', source) } },
    converted: {
      size: converted.length,
      digests: { md5: h('md5', converted), sha512: h('sha512', converted) },
    },
  });
  const remote = (bytes: Buffer, props: Record<string, string> = properties) => ({
    size: bytes.length,
    digests: [
      { algo: 'md5', value: h('md5', bytes) },
      { algo: 'sha512', value: h('sha512', bytes) },
    ],
    properties: props,
  });

  it('is `converted` when it holds the converted bytes of the image it records', () => {
    assert.equal(copyVerdict(image, remote(converted)), 'converted');
    // A cloud that reports no hashes: the recorded conversion still names the image.
    assert.equal(copyVerdict(image, { size: converted.length, digests: [], properties }), 'converted');
  });

  it('names the source by every hash both know (an image whose os_hash is sha256: by md5)', () => {
    const sha256Image = { ...image, osHashAlgo: 'sha256', osHashValue: h('sha256', source) };
    assert.equal(copyVerdict(sha256Image, remote(converted)), 'converted');
    const otherMd5 = { ...sha256Image, checksum: h('md5', Buffer.from('not the source')) };
    assert.equal(copyVerdict(otherMd5, remote(converted)), 'different');
  });

  it('is `different` without a record, with a record of another source, or other bytes', () => {
    assert.equal(copyVerdict(image, remote(converted, {})), 'different');
    const other = conversionProperties({
      from: 'qcow2',
      source: { size: source.length, digests: { sha512: h('sha512', Buffer.from('another image')) } },
      converted: { size: converted.length, digests: { sha512: h('sha512', converted) } },
    });
    assert.equal(copyVerdict(image, remote(converted, other)), 'different');
    assert.equal(copyVerdict(image, remote(Buffer.from('changed behind our back!'))), 'different');
  });

  it("is `same` for the image's own bytes", () => {
    assert.equal(copyVerdict(image, remote(source, {})), 'same');
  });
});
