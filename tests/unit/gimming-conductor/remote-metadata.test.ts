import assert from 'node:assert/strict';
import { RequestContext } from '../../../src/common/context';
import type { AgentGateway } from '../../../src/gimming-conductor/agent-gateway';
import type { AgentRegistry } from '../../../src/gimming-conductor/agents';
import { CloudRow } from '../../../src/gimming-conductor/db/entities';
import { RemoteMetadata } from '../../../src/gimming-conductor/remote-metadata';

/** A cloud whose every read is counted, answers the current `name` and waits until released. */
function fakeCloud() {
  const state = { reads: 0, name: 'v1', pending: [] as Array<() => void> };
  const agents = { pick: async () => ({ address: 'agent:1' }) } as unknown as AgentRegistry;
  const gateway = {
    describeImage: async () => {
      state.reads++;
      const name = state.name;
      await new Promise<void>((resolve) => state.pending.push(resolve));
      return { name, status: 'active', size: 1, properties: {}, min_disk: 0, min_ram: 0 };
    },
  } as unknown as AgentGateway;
  const release = async () => {
    await new Promise((r) => setImmediate(r));
    for (const r of state.pending.splice(0)) r();
    await new Promise((r) => setImmediate(r));
  };
  return { state, agents, gateway, release };
}

describe('live metadata of copies (remote-metadata)', () => {
  const cloud = Object.assign(new CloudRow(), { id: 'c1', zone: 'zone-a' });
  const ctx = RequestContext.forService();
  let now = 1_000_000;
  const realNow = Date.now;
  beforeEach(() => {
    now = 1_000_000;
    Date.now = () => now;
  });
  afterEach(() => {
    Date.now = realNow;
  });

  it('reads a copy once for many askers at the same time', async () => {
    const f = fakeCloud();
    const remotes = new RemoteMetadata(f.agents, f.gateway, 10);
    const asks = Array.from({ length: 10 }, () => remotes.describe(ctx, cloud, 'img'));
    await f.release();
    const views = await Promise.all(asks);
    assert.equal(f.state.reads, 1);
    assert.ok(views.every((v) => v.name === 'v1'));
  });

  it('reads again in the background in the second half of the cache time, never giving an older answer', async () => {
    const f = fakeCloud();
    const remotes = new RemoteMetadata(f.agents, f.gateway, 10);
    const first = remotes.describe(ctx, cloud, 'img');
    await f.release();
    assert.equal((await first).name, 'v1');
    now += 4000; // first half: the cached answer, no read
    assert.equal((await remotes.describe(ctx, cloud, 'img')).name, 'v1');
    assert.equal(f.state.reads, 1);
    f.state.name = 'v2';
    now += 2000; // second half: the cached answer now, and a read behind it
    assert.equal((await remotes.describe(ctx, cloud, 'img')).name, 'v1');
    assert.equal(f.state.reads, 2);
    await f.release();
    assert.equal((await remotes.describe(ctx, cloud, 'img')).name, 'v2');
    assert.equal(f.state.reads, 2);
  });

  it('tells which copy changed: a re-read that differs, a failed re-read, forget and remember', async () => {
    const f = fakeCloud();
    const told: string[] = [];
    const remotes = new RemoteMetadata(f.agents, f.gateway, 10, (cloudId, remoteId) =>
      told.push(`${cloudId}/${remoteId}`),
    );
    const first = remotes.describe(ctx, cloud, 'img');
    await f.release();
    await first;
    assert.deepEqual(told, [], 'a first read changes nothing anyone was shown');
    now += 6000; // second half: read again, the same
    await remotes.describe(ctx, cloud, 'img');
    await f.release();
    assert.deepEqual(told, [], 'read again, the same: nothing to tell');
    f.state.name = 'v2';
    now += 6000;
    await remotes.describe(ctx, cloud, 'img');
    await f.release();
    assert.deepEqual(told, ['c1/img'], 'read again, different: the API caches hear of it');
    remotes.forget(cloud, 'img');
    assert.equal(told.length, 2, 'forget tells');
    remotes.remember(ctx, cloud, 'img', { name: 'v3' } as never);
    assert.equal(told.length, 3, 'remember tells');
  });

  it('does not keep an answer read before the copy changed', async () => {
    const f = fakeCloud();
    const remotes = new RemoteMetadata(f.agents, f.gateway, 10);
    const before = remotes.describe(ctx, cloud, 'img');
    await new Promise((r) => setImmediate(r)); // the cloud is asked, and answers v1 once released
    now += 1;
    remotes.forget(cloud, 'img');
    f.state.name = 'v2';
    const after = remotes.describe(ctx, cloud, 'img');
    await f.release();
    assert.equal((await before).name, 'v1');
    assert.equal((await after).name, 'v2', 'a read after the change is not the one begun before it');
    assert.equal(f.state.reads, 2);
    assert.equal((await remotes.describe(ctx, cloud, 'img')).name, 'v2', 'v1 was not kept');
  });
});
