/**
 * [upgrade_levels]: a sender caps the versions it sends at the oldest live server's (auto), at a pinned
 * version, or not at all, and refuses what needs more instead of sending it.
 */
import assert from 'node:assert/strict';
import { RequestContext } from '../../../../src/common/context';
import { GimmingError } from '../../../../src/common/errors';
import { compareVersions } from '../../../../src/common/rpc/envelope';
import { VersionCap } from '../../../../src/common/rpc/version-cap';

const ctx = RequestContext.forService();

async function refusal(p: Promise<unknown>): Promise<GimmingError> {
  try {
    await p;
  } catch (err) {
    return err as GimmingError;
  }
  assert.fail('not refused');
}

describe('RPC version caps ([upgrade_levels])', () => {
  it('orders versions by number, not as text', () => {
    assert.ok(compareVersions('1.9', '1.10') < 0);
    assert.ok(compareVersions('1.13', '1.13') === 0);
    assert.ok(compareVersions('2.0', '1.99') > 0);
  });

  it('auto: the oldest live version, learnt once per refresh, one lookup at a time', async () => {
    let lookups = 0;
    let oldest = '1.10';
    const cap = new VersionCap(
      'conductor',
      'auto',
      async () => {
        lookups += 1;
        await new Promise((r) => setTimeout(r, 10));
        return { version: oldest, source: 'test' };
      },
      50,
    );
    const [a, b] = await Promise.all([cap.current(ctx), cap.current(ctx)]);
    assert.equal(a?.version, '1.10');
    assert.equal(b?.version, '1.10');
    assert.equal(lookups, 1);
    await cap.check(ctx, 'sync_image', '1.1');
    await cap.check(ctx, 'list_images', '1.10');
    const err = await refusal(cap.check(ctx, 'sync_image', '1.12'));
    assert.equal(err.status, 409);
    assert.equal(err.code, 'gimming.rpc.version_capped');
    assert.deepEqual(err.details, { method: 'sync_image', needs: '1.12', cap: '1.10' });
    // The last old conductor is upgraded: the cap rises at the next refresh.
    oldest = '1.13';
    await new Promise((r) => setTimeout(r, 60));
    await cap.check(ctx, 'sync_image', '1.12');
    assert.equal(lookups, 2);
  });

  it('auto: while the servers cannot tell, nothing is capped, and what was known is kept', async () => {
    let fail = true;
    const cap = new VersionCap(
      'conductor',
      'auto',
      async () => {
        if (fail) throw new Error('no conductor');
        return { version: '1.10', source: 'test' };
      },
      1000,
      0,
    );
    assert.equal(await cap.current(ctx), undefined);
    fail = false;
    assert.equal((await cap.current(ctx))?.version, '1.10');
  });

  it('a pinned version, or none', async () => {
    const pinned = new VersionCap('conductor', '1.11', async () => assert.fail('no lookup when pinned'));
    const err = await refusal(pinned.check(ctx, 'sync_image', '1.12'));
    assert.match(err.message, /above the cap of 1\.11 \(\[upgrade_levels\] conductor\)/);
    await pinned.check(ctx, 'create_cloud', '1.11');
    const none = new VersionCap('conductor', '', async () => assert.fail('no lookup without a cap'));
    await none.check(ctx, 'anything', '9.9');
    assert.throws(() => new VersionCap('conductor', 'newest', async () => undefined), /auto, a version/);
  });
});
