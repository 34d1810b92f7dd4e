/**
 * One read of the source for several targets, through the real daemons: a sync to two clouds reads the
 * source once (the source agent's gimming_agent_source_bytes_read_total grows by the image's size, one
 * shared read and one reader joined to it), and a target whose agent dies mid-copy does not stop or fail
 * the other, which ends proven equal to the source, while the source is still read once.
 *
 * Targets: zone-b and zone-c, two GIMinG clouds on the test bed's zone-b Glance (RegionTwo), each in a
 * zone of its own with its own agent (zone-c's agent is the one this test kills).
 */
import assert from 'node:assert/strict';
import { http, waitFor } from '../support/http';
import { counterSum } from '../support/metrics';
import { assertGlanceCopyProven } from '../support/copy-proof';
import { Glance } from '../support/openstack';
import { freePort, useStack } from '../support/stack';

const MiB = 1024 * 1024;
const METRICS: Record<string, number> = { api: 0, conductor: 0, 'zone-a': 0, 'zone-b': 0, 'zone-c': 0 };

describe('one source read for several targets (fan-out)', function () {
  this.timeout(300000);

  before(async () => {
    for (const daemon of Object.keys(METRICS)) METRICS[daemon] = await freePort();
  });

  const stack = useStack({
    zones: ['zone-a', 'zone-b', 'zone-c'],
    registerClouds: false,
    extraConfig: () =>
      `[conductor]\ntask_retry_delay = 1\n[metrics]\nenabled = true\napi_port = ${METRICS.api}\nconductor_port = ${METRICS.conductor}\n`,
    agentEnv: () =>
      Object.fromEntries(
        ['zone-a', 'zone-b', 'zone-c'].map((z) => [z, { OS_METRICS__AGENT_PORT: String(METRICS[z]) }]),
      ),
  });

  /** A counter of zone-a's agent, summed over the label sets that hold `labels`. */
  const counter = (name: string, labels: Record<string, string> = {}) =>
    counterSum(METRICS['zone-a']!, name, labels);

  let glanceA: Glance;
  let glanceB: Glance;
  const made: Array<[Glance, string]> = [];

  before(async () => {
    for (const [name, region] of [
      ['zone-a', 'RegionOne'],
      ['zone-b', 'RegionTwo'],
      ['zone-c', 'RegionTwo'],
    ] as const) {
      const res = await http('POST', `${stack.api}/v1/clouds`, {
        token: stack.admin.id,
        json: { name, type: 'openstack', region_name: region },
      });
      assert.equal(res.status, 201, res.text);
    }
    glanceA = stack.glance('zone-a');
    glanceB = stack.glance('zone-b');
  });

  after(async function () {
    this.timeout(60000);
    for (const [glance, id] of made) await glance.delete(id).catch(() => undefined);
  });

  async function syncToBoth(size: number): Promise<{ source: any; imageId: string }> {
    const { image: source } = await glanceA.createWithData(size);
    made.push([glanceA, source.id]);
    const res = await http('POST', `${stack.api}/v1/images`, {
      token: stack.demo.id,
      json: { source: { cloud: 'zone-a', image_id: source.id }, targets: ['zone-b', 'zone-c'] },
    });
    assert.equal(res.status, 202, res.text);
    return { source, imageId: res.body.id };
  }

  const tasksOf = async (imageId: string) =>
    (await http('GET', `${stack.api}/v1/tasks?image_id=${imageId}`, { token: stack.demo.id })).body
      .tasks as any[];

  /** The copy in a cloud, proven: active, and the md5 and sha512 Glance computed are the source's. */
  const assertProven = (imageId: string, cloud: string, source: any) =>
    assertGlanceCopyProven(
      { api: stack.api, token: stack.demo.id, glance: glanceB, made },
      imageId,
      cloud,
      source,
    );

  it('reads the source once for two targets, and both copies are proven', async () => {
    const size = 96 * MiB;
    const [bytesBefore, sharedBefore, joinedBefore] = [
      await counter('gimming_agent_source_bytes_read_total', { from: 'cloud' }),
      await counter('gimming_agent_source_reads_total', { kind: 'shared' }),
      await counter('gimming_agent_source_reads_total', { kind: 'joined' }),
    ];
    const outBefore = await counter('gimming_agent_bytes_copied_total', { direction: 'out' });
    const { source, imageId } = await syncToBoth(size);
    const tasks = await waitFor(
      'both copies to end',
      async () => {
        const t = await tasksOf(imageId);
        return t.length === 2 && t.every((x) => ['succeeded', 'failed', 'cancelled'].includes(x.status))
          ? t
          : undefined;
      },
      120000,
    );
    assert.deepEqual(
      tasks.map((t) => t.status),
      ['succeeded', 'succeeded'],
      JSON.stringify(tasks),
    );
    await assertProven(imageId, 'zone-b', source);
    await assertProven(imageId, 'zone-c', source);
    // Sent twice, read once.
    assert.equal(
      (await counter('gimming_agent_bytes_copied_total', { direction: 'out' })) - outBefore,
      2 * size,
    );
    assert.equal(
      (await counter('gimming_agent_source_bytes_read_total', { from: 'cloud' })) - bytesBefore,
      size,
    );
    assert.equal((await counter('gimming_agent_source_reads_total', { kind: 'shared' })) - sharedBefore, 1);
    assert.equal((await counter('gimming_agent_source_reads_total', { kind: 'joined' })) - joinedBefore, 1);
  });

  it('a target whose agent dies mid-copy does not stop the other, served from the one read of the group', async () => {
    const size = 384 * MiB;
    const outBefore = await counter('gimming_agent_bytes_copied_total', { direction: 'out' });
    const readBefore = await counter('gimming_agent_source_bytes_read_total', { from: 'cloud' });
    const { source, imageId } = await syncToBoth(size);
    // Mid-way: both copies are under way when zone-c's agent is killed.
    await waitFor(
      'the copies to be under way',
      async () =>
        (await counter('gimming_agent_bytes_copied_total', { direction: 'out' })) - outBefore > 64 * MiB
          ? true
          : undefined,
      120000,
      50,
    );
    const agentC = stack.daemons.process('agent-zone-c');
    assert.ok(agentC);
    const exited = new Promise((r) => agentC.once('exit', r));
    agentC.kill('SIGKILL');
    await exited;
    const sentAtKill = (await counter('gimming_agent_bytes_copied_total', { direction: 'out' })) - outBefore;
    assert.ok(sentAtKill < 2 * size, `zone-c was killed before its copy ended (${sentAtKill} bytes sent)`);

    const zoneB = await waitFor(
      'the zone-b copy to end',
      async () => {
        const t = (await tasksOf(imageId)).find((x) => x.cloud === 'zone-b');
        return t && ['succeeded', 'failed', 'cancelled'].includes(t.status) ? t : undefined;
      },
      120000,
    );
    assert.equal(zoneB.status, 'succeeded', JSON.stringify(zoneB));
    await assertProven(imageId, 'zone-b', source);
    const zoneC = (await tasksOf(imageId)).find((x) => x.cloud === 'zone-c');
    assert.notEqual(zoneC.status, 'succeeded', 'zone-c had no agent to finish its copy');

    // zone-b's copy was served from the group's one read: the source was not read again for it. (The
    // dying reader may have been detached to a read of its own first, which stopped with it.)
    const read = (await counter('gimming_agent_source_bytes_read_total', { from: 'cloud' })) - readBefore;
    assert.ok(read >= size && read < 2 * size, `${read} bytes read from the source`);
    // zone-c's agent back: its copy ends (both clouds are on one Glance here, so the retry may find
    // zone-b's copy, tagged with the image's ID and holding the same bytes, and take it).
    stack.daemons.spawn('agent-zone-c', 'gimming-agent', stack.daemons.agentEnv('zone-c'));
    await waitFor(
      'the zone-c copy to end',
      async () => {
        const t = (await tasksOf(imageId)).find((x) => x.cloud === 'zone-c');
        return t && ['succeeded', 'failed', 'cancelled'].includes(t.status) ? t : undefined;
      },
      180000,
    );
  });
});
