/**
 * Bandwidth caps through the real daemons (doc/source/admin/performance.rst, "Bandwidth caps"): a sync's
 * max_bandwidth holds its copy to the cap (the target agent's token bucket says so in its log, and the copy
 * takes about size/cap where an uncapped one of the same size takes a fraction of that: asserted within
 * wide bounds, the machine is shared), a cloud's max_bandwidth caps every copy to it, the lower of the two
 * applies, and a cap needs microversion 1.4 and a readable value.
 *
 * zone-b and zone-c are two GIMinG clouds on the test bed's zone-b Glance (RegionTwo), each with an agent;
 * zone-b is registered with a cap of 8 MiB/s, zone-c with none.
 */
import assert from 'node:assert/strict';
import { http, waitFor } from '../support/http';
import type { Glance } from '../support/openstack';
import { useStack } from '../support/stack';

const MiB = 1024 * 1024;
const V14 = { 'OpenStack-API-Version': 'image-manager 1.4' };

describe('bandwidth caps (max_bandwidth)', function () {
  this.timeout(300000);

  const stack = useStack({ zones: ['zone-a', 'zone-b', 'zone-c'], registerClouds: false });
  let glanceA: Glance;
  let glanceB: Glance;
  const made: Array<[Glance, string]> = [];

  before(async () => {
    for (const [name, region, cap] of [
      ['zone-a', 'RegionOne', undefined],
      ['zone-b', 'RegionTwo', '8MiB/s'],
      ['zone-c', 'RegionTwo', undefined],
    ] as const) {
      const res = await http('POST', `${stack.api}/v1/clouds`, {
        token: stack.admin.id,
        headers: V14,
        json: { name, type: 'openstack', region_name: region, ...(cap ? { max_bandwidth: cap } : {}) },
      });
      assert.equal(res.status, 201, res.text);
      if (cap) assert.equal(res.body.max_bandwidth, 8 * MiB);
      else assert.equal(res.body.max_bandwidth, undefined);
    }
    glanceA = stack.glance('zone-a');
    glanceB = stack.glance('zone-b');
  });

  after(async function () {
    this.timeout(60000);
    for (const [glance, id] of made) await glance.delete(id).catch(() => undefined);
  });

  /** An image of `size` random bytes in zone-a, tracked by GIMinG where it is. */
  async function tracked(size: number): Promise<{ source: any; imageId: string }> {
    const { image: source } = await glanceA.createWithData(size);
    made.push([glanceA, source.id]);
    const res = await http('POST', `${stack.api}/v1/images`, {
      token: stack.demo.id,
      json: { source: { cloud: 'zone-a', image_id: source.id }, targets: [] },
    });
    assert.equal(res.status, 202, res.text);
    return { source, imageId: res.body.id };
  }

  /** Syncs to `cloud` and waits for the copy: its task, proven against the source. */
  async function syncAndWait(imageId: string, source: any, cloud: string, cap?: number | string) {
    const res = await http('POST', `${stack.api}/v1/images/${imageId}/sync`, {
      token: stack.demo.id,
      headers: V14,
      json: { targets: [cloud], ...(cap !== undefined ? { max_bandwidth: cap } : {}) },
    });
    assert.equal(res.status, 202, res.text);
    const task = await waitFor(
      `the copy to ${cloud} to end`,
      async () => {
        const tasks = (
          await http('GET', `${stack.api}/v1/tasks?image_id=${imageId}`, { token: stack.demo.id })
        ).body.tasks as any[];
        const t = tasks.find((x) => x.cloud === cloud);
        return t && ['succeeded', 'failed', 'cancelled'].includes(t.status) ? t : undefined;
      },
      180000,
    );
    assert.equal(task.status, 'succeeded', JSON.stringify(task));
    const image = (await http('GET', `${stack.api}/v1/images/${imageId}`, { token: stack.demo.id })).body;
    const loc = image.locations.find((l: any) => l.cloud === cloud);
    const copy = await glanceB.get(loc.image_id);
    made.push([glanceB, loc.image_id]);
    assert.equal(copy.checksum, source.checksum);
    assert.equal(copy.os_hash_value, source.os_hash_value);
    return { task, seconds: (Date.parse(task.finished_at) - Date.parse(task.started_at)) / 1000 };
  }

  /** What the target agent's token bucket logged for a task: its rate and the bytes it held. */
  function bucketOf(zone: string, taskId: string): { max_bandwidth: number; bytes: number } | undefined {
    return stack.daemons
      .logLines(`agent-${zone}`)
      .find((l) => l.message === 'copy held to its bandwidth cap' && l.task_id === taskId) as never;
  }

  it('holds a sync to its max_bandwidth, in proportion to an uncapped copy of the same size', async () => {
    const size = 24 * MiB;
    const cap = 4 * MiB;
    const { source, imageId } = await tracked(size);
    const capped = await syncAndWait(imageId, source, 'zone-c', '4MiB/s');
    const bucket = bucketOf('zone-c', capped.task.id);
    assert.equal(bucket?.max_bandwidth, cap, 'the agent held the copy with a bucket at the cap');
    assert.equal(bucket?.bytes, size);
    // size/cap = 6 s, less the bucket's first burst (1 MiB): at least 5.75 s of bytes; loosely 4 s.
    assert.ok(capped.seconds >= 4, `a ${size / MiB} MiB copy at 4 MiB/s took ${capped.seconds} s`);
    assert.ok(capped.seconds < 60, `took ${capped.seconds} s`);

    const other = await tracked(size);
    const free = await syncAndWait(other.imageId, other.source, 'zone-c');
    assert.equal(bucketOf('zone-c', free.task.id), undefined, 'an uncapped copy has no bucket');
    assert.ok(
      free.seconds < capped.seconds / 2,
      `uncapped ${free.seconds} s against capped ${capped.seconds} s`,
    );
  });

  it("holds a copy to its cloud's cap, the lower of the cloud's and the request's", async () => {
    const size = 8 * MiB;
    const { source, imageId } = await tracked(size);
    // zone-b is capped at 8 MiB/s; the request asks for 64 MiB/s: the cloud's cap applies.
    const { task } = await syncAndWait(imageId, source, 'zone-b', 64 * MiB);
    assert.equal(bucketOf('zone-b', task.id)?.max_bandwidth, 8 * MiB);
    const cloud = await http('GET', `${stack.api}/v1/clouds/zone-b`, { token: stack.admin.id, headers: V14 });
    assert.equal(cloud.body.max_bandwidth, 8 * MiB);
  });

  it('refuses a cap below microversion 1.4, and one it cannot read', async () => {
    const { imageId } = await tracked(MiB);
    const old = await http('POST', `${stack.api}/v1/images/${imageId}/sync`, {
      token: stack.demo.id,
      json: { targets: ['zone-c'], max_bandwidth: '10M' },
    });
    assert.equal(old.status, 400, old.text);
    for (const bad of ['fast', '10 furlongs', 100]) {
      const res = await http('POST', `${stack.api}/v1/images/${imageId}/sync`, {
        token: stack.demo.id,
        headers: V14,
        json: { targets: ['zone-c'], max_bandwidth: bad },
      });
      assert.equal(res.status, 400, `${String(bad)}: ${res.text}`);
    }
  });
});
