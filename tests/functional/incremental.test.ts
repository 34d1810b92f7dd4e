/**
 * Incremental copies through the real daemons: a new version of an image synced to zone-b, which holds
 * the old version, with incremental_from: the dry run plans path `incremental` with the expected bytes
 * (and a full copy, with the reason, for a base zone-b holds no copy of); the copy moves only the blocks
 * that differ between the agents (gimming_agent_delta_bytes_total) and is proven byte for byte equal to
 * the new version (zone-b Glance's md5 and sha512 are the source's).
 */
import assert from 'node:assert/strict';
import { http, waitFor } from '../support/http';
import { countedSince, deltaBytes } from '../support/metrics';
import { type VersionSpec, changedBlocks, uploadVersion } from '../support/image-versions';
import type { Glance } from '../support/openstack';
import { freePort, useStack } from '../support/stack';

const MiB = 1024 * 1024;
const METRICS: Record<string, number> = { api: 0, conductor: 0, 'zone-a': 0, 'zone-b': 0 };
const SPEC: VersionSpec = {
  size: 40 * MiB + 12345,
  blockBytes: MiB,
  changedEvery: 10,
  seed: `f-${Date.now()}`,
};

/** incremental_from is a field of microversion 1.5. */
const V15 = { 'OpenStack-API-Version': 'image-manager 1.5' };

describe('incremental copies of a new version', function () {
  this.timeout(300000);

  before(async () => {
    for (const daemon of Object.keys(METRICS)) METRICS[daemon] = await freePort();
  });

  const stack = useStack({
    zones: ['zone-a', 'zone-b'],
    extraConfig: () =>
      `[metrics]\nenabled = true\napi_port = ${METRICS.api}\nconductor_port = ${METRICS.conductor}\n`,
    agentEnv: () =>
      Object.fromEntries(
        ['zone-a', 'zone-b'].map((z) => [z, { OS_METRICS__AGENT_PORT: String(METRICS[z]) }]),
      ),
  });

  let glanceA: Glance;
  let glanceB: Glance;
  const made: Array<[Glance, string]> = [];
  after(async function () {
    this.timeout(60000);
    for (const [glance, id] of made) await glance.delete(id).catch(() => undefined);
  });

  const tasksOf = async (imageId: string) =>
    (await http('GET', `${stack.api}/v1/tasks?image_id=${imageId}`, { token: stack.demo.id })).body
      .tasks as any[];
  const ended = (imageId: string, count: number) =>
    waitFor(
      'the copies to end',
      async () => {
        const t = await tasksOf(imageId);
        return t.length >= count && t.every((x) => ['succeeded', 'failed', 'cancelled'].includes(x.status))
          ? t
          : undefined;
      },
      180000,
    );
  async function adopt(remoteId: string, targets: string[]): Promise<string> {
    const res = await http('POST', `${stack.api}/v1/images`, {
      token: stack.demo.id,
      json: { source: { cloud: 'zone-a', image_id: remoteId }, targets },
    });
    assert.equal(res.status, 202, res.text);
    if (targets.length > 0) {
      const tasks = await ended(res.body.id, targets.length);
      assert.deepEqual(
        tasks.map((t) => t.status),
        targets.map(() => 'succeeded'),
        JSON.stringify(tasks),
      );
    }
    return res.body.id as string;
  }
  const locationIn = async (imageId: string, cloud: string) =>
    (
      (await http('GET', `${stack.api}/v1/images/${imageId}`, { token: stack.demo.id })).body
        .locations as any[]
    ).find((l) => l.cloud === cloud);

  let oldId: string;
  let newId: string;
  let newSource: any;

  before(async function () {
    this.timeout(300000);
    glanceA = stack.glance('zone-a');
    glanceB = stack.glance('zone-b');
    const old = await uploadVersion(glanceA, stack.demo.id, 'incremental-old', SPEC, false);
    made.push([glanceA, old.id]);
    newSource = await uploadVersion(glanceA, stack.demo.id, 'incremental-new', SPEC, true);
    made.push([glanceA, newSource.id]);
    oldId = await adopt(old.id, ['zone-b']);
    made.push([glanceB, (await locationIn(oldId, 'zone-b')).image_id]);
    newId = await adopt(newSource.id, []);
  });

  it('plans the incremental path with the expected bytes, or a full copy with the reason', async () => {
    const res = await http('POST', `${stack.api}/v1/images/${newId}/sync?dry_run=true`, {
      token: stack.demo.id,
      headers: V15,
      json: { targets: ['zone-b'], incremental_from: oldId },
    });
    assert.equal(res.status, 200, res.text);
    const [plan] = res.body.plan.targets;
    assert.equal(plan.path, 'incremental', JSON.stringify(plan));
    assert.equal(plan.incremental.from, oldId);
    assert.equal(plan.incremental.base_remote_id, (await locationIn(oldId, 'zone-b')).image_id);
    assert.equal(plan.incremental.block_bytes, MiB);
    assert.equal(plan.incremental.fallback, null);
    assert.ok(plan.incremental.wire_bytes_max > SPEC.size, JSON.stringify(plan));
    assert.ok(plan.incremental.wire_bytes_min < MiB, JSON.stringify(plan));

    // A base zone-b holds no copy of: a full copy, and why.
    const other = await uploadVersion(
      glanceA,
      stack.demo.id,
      'incremental-other',
      { ...SPEC, size: MiB },
      false,
    );
    made.push([glanceA, other.id]);
    const otherId = await adopt(other.id, []);
    const full = await http('POST', `${stack.api}/v1/images/${newId}/sync?dry_run=true`, {
      token: stack.demo.id,
      headers: V15,
      json: { targets: ['zone-b'], incremental_from: otherId },
    });
    assert.equal(full.status, 200, full.text);
    const [fallback] = full.body.plan.targets;
    assert.equal(fallback.path, 'agent');
    assert.equal(fallback.incremental.base_remote_id, null);
    assert.match(fallback.incremental.fallback, /has no active copy in cloud zone-b/);

    const self = await http('POST', `${stack.api}/v1/images/${newId}/sync?dry_run=true`, {
      token: stack.demo.id,
      headers: V15,
      json: { targets: ['zone-b'], incremental_from: newId },
    });
    assert.equal(self.status, 400, self.text);
  });

  it('moves only the changed blocks and the copy holds the new version byte for byte', async () => {
    const before = await deltaBytes(METRICS['zone-a']!, METRICS['zone-b']!);
    const res = await http('POST', `${stack.api}/v1/images/${newId}/sync`, {
      token: stack.demo.id,
      headers: V15,
      json: { targets: ['zone-b'], incremental_from: oldId },
    });
    assert.equal(res.status, 202, res.text);
    const [task] = await ended(newId, 1);
    assert.equal(task.status, 'succeeded', JSON.stringify(task));
    assert.equal(task.plan.path, 'incremental', JSON.stringify(task.plan));
    const loc = await locationIn(newId, 'zone-b');
    assert.equal(loc.status, 'active');
    const copy = await glanceB.get(loc.image_id);
    made.push([glanceB, loc.image_id]);
    assert.equal(copy.size, SPEC.size);
    assert.equal(copy.checksum, newSource.checksum);
    assert.equal(copy.os_hash_value, newSource.os_hash_value);
    const changed = changedBlocks(SPEC) * MiB;
    // Only the changed blocks crossed; nothing went the full way (ReadImage).
    assert.deepEqual(countedSince(await deltaBytes(METRICS['zone-a']!, METRICS['zone-b']!), before), {
      sent: changed,
      received: changed,
      reused: SPEC.size - changed,
      out: 0,
    });
  });
});
