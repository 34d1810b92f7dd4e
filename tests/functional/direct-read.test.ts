/**
 * [agent] direct_read_zones through the real daemons and the test bed's two Glances
 * (doc/source/admin/performance.rst, "One agent on the byte path"): zone-b's agent lists zone-a, so a copy
 * zone-a -> zone-b is read from Glance A by zone-b's agent itself (zone-a's agent sends no byte), and
 * proven by Glance B's hashes against Glance A's; zone-a's agent lists no zone, so a copy zone-b -> zone-a
 * still crosses both agents (zone-b's agent sends the bytes). The other functional tests run with the
 * option's default (empty): every copy on the two-agent path.
 */
import assert from 'node:assert/strict';
import { http, waitFor } from '../support/http';
import type { Glance } from '../support/openstack';
import { useStack } from '../support/stack';

const MiB = 1024 * 1024;

describe('a copy read by its target agent from the source Glance ([agent] direct_read_zones)', function () {
  this.timeout(300000);

  const stack = useStack({
    agentEnv: { 'zone-b': { OS_AGENT__DIRECT_READ_ZONES: 'zone-a' } },
  });
  const made: Array<[Glance, string]> = [];

  after(async function () {
    this.timeout(60000);
    for (const [glance, id] of made) await glance.delete(id).catch(() => undefined);
  });

  /** Copies a new image of `size` random bytes from `from` to `to`; returns the task and the source. */
  async function copy(from: string, to: string, size: number) {
    const source = stack.glance(from);
    const { image } = await source.createWithData(size);
    made.push([source, image.id]);
    const res = await http('POST', `${stack.api}/v1/images`, {
      token: stack.demo.id,
      json: { source: { cloud: from, image_id: image.id }, targets: [to] },
    });
    assert.equal(res.status, 202, res.text);
    const imageId = res.body.id as string;
    const task = await waitFor(
      `the copy to ${to} to end`,
      async () => {
        const tasks = (
          await http('GET', `${stack.api}/v1/tasks?image_id=${imageId}`, { token: stack.demo.id })
        ).body.tasks as any[];
        const t = tasks.find((x) => x.cloud === to);
        return t && ['succeeded', 'failed', 'cancelled'].includes(t.status) ? t : undefined;
      },
      180000,
    );
    assert.equal(task.status, 'succeeded', JSON.stringify(task));
    const shown = (await http('GET', `${stack.api}/v1/images/${imageId}`, { token: stack.demo.id })).body;
    const target = stack.glance(to);
    const copyId = shown.locations.find((l: any) => l.cloud === to).image_id;
    made.push([target, copyId]);
    const copied = await target.get(copyId);
    assert.equal(copied.size, size);
    assert.equal(copied.checksum, image.checksum);
    assert.equal(copied.os_hash_value, image.os_hash_value);
    return { task, sourceId: image.id as string };
  }

  /** What an agent logged about sending a source image's data to another agent. */
  const sent = (zone: string, imageId: string) =>
    stack.daemons
      .logLines(`agent-${zone}`)
      .filter((l) => l.message === 'image data sent' && l.image_id === imageId);
  const copiedBy = (zone: string, taskId: string) =>
    stack.daemons
      .logLines(`agent-${zone}`)
      .find((l) => l.message === 'image data copied' && l.task_id === taskId);

  it("reads a copy from a listed zone's Glance in the target agent, the source agent sending nothing", async () => {
    const size = 8 * MiB + 17;
    const { task, sourceId } = await copy('zone-a', 'zone-b', size);
    assert.equal(copiedBy('zone-b', task.id)?.bytes, size);
    assert.deepEqual(sent('zone-a', sourceId), [], "zone-a's agent served no read of the source");
  });

  it("still pulls a copy from an unlisted zone through that zone's agent", async () => {
    const size = 4 * MiB + 3;
    const { task, sourceId } = await copy('zone-b', 'zone-a', size);
    assert.equal(copiedBy('zone-a', task.id)?.bytes, size);
    assert.equal(sent('zone-b', sourceId)[0]?.bytes, size, "zone-b's agent sent the bytes");
  });
});
