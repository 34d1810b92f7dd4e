import assert from 'node:assert/strict';
import { glanceEndpoint } from '../../../src/gimming-agent/drivers/glance/endpoint';
import { verifyCopy } from '../../../src/gimming-agent/transfer/copy';
import { RequestContext } from '../../../src/common/context';

const good = { status: 'active', size: 10, digests: { md5: 'aa', sha512: 'bb' } };
const expect = {
  size: 10,
  digests: [
    { algo: 'md5', value: 'aa' },
    { algo: 'sha512', value: 'bb' },
  ],
};

describe('verifying a copy', () => {
  it('accepts a copy with the same size and hashes, naming those compared', () => {
    assert.deepEqual(verifyCopy(expect, good), { problems: [], compared: ['md5', 'sha512'] });
  });

  it('names every difference', () => {
    const problems = (got: typeof good) => verifyCopy(expect, got).problems.join();
    assert.match(problems({ ...good, digests: { md5: 'cc', sha512: 'bb' } }), /md5 cc != aa/);
    assert.match(problems({ ...good, digests: { md5: 'aa', sha512: 'dd' } }), /sha512 dd != bb/);
    assert.match(problems({ ...good, size: 11 }), /size 11 != 10/);
    assert.match(problems({ ...good, status: 'queued' }), /not active/);
  });

  it('refuses to call a copy proven when there is nothing to compare', () => {
    assert.match(verifyCopy({ size: 10, digests: [] }, good).problems.join(), /no hash/);
    assert.match(
      verifyCopy(expect, { ...good, digests: { sha256: 'ee' } }).problems.join(),
      /shows none of the source's hashes/,
    );
  });
});

describe('verifying a copy that learns the image identity (learn_identity)', () => {
  const unknown = { size: 0, digests: [] };

  it('accepts the copy on its own digests, naming every one of them to learn', () => {
    assert.deepEqual(verifyCopy(unknown, good, false, true), { problems: [], compared: ['md5', 'sha512'] });
  });

  it('still refuses a copy that shows no hash to learn from, or is not active', () => {
    assert.match(verifyCopy(unknown, { ...good, digests: {} }, false, true).problems.join(), /no hash/);
    assert.match(
      verifyCopy(unknown, { ...good, status: 'killed' }, false, true).problems.join(),
      /not active/,
    );
  });

  it('holds the copy to the identity when one is known after all', () => {
    const wrong = { ...good, digests: { md5: 'aa', sha512: 'dd' } };
    assert.match(verifyCopy(expect, wrong, false, true).problems.join(), /sha512 dd != bb/);
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
