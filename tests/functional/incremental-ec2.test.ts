/**
 * Incremental copies into a second kind of cloud, through the real daemons: a new version of a Glance
 * image synced into an EC2 region (the AWS stand-in) that holds the old version. The EC2 zone's agent
 * reads its region's copy of the base (ExportImage to S3, streamed), hashes it in blocks, receives from
 * zone-a's agent only the blocks that differ, and imports the rebuilt image (S3, ImportSnapshot,
 * RegisterImage); its proof must equal the new version's md5 and sha512, and the metrics show only the
 * changed blocks crossed between the agents. Then the same with qcow2 versions, which EC2 does not take:
 * zone-a's agent converts the new version to raw before comparing blocks (the base's AMI holds raw).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { AwsStandin } from '../support/aws-standin';
import { deleteEverywhere } from '../support/flows';
import { http, waitFor } from '../support/http';
import { type VersionSpec, changedBlocks, uploadVersion, versionStream } from '../support/image-versions';
import { countedSince, deltaBytes } from '../support/metrics';
import type { Glance } from '../support/openstack';
import { freePort, useStack } from '../support/stack';

const MiB = 1024 * 1024;
const EAST = 'us-east-1';
const METRICS: Record<string, number> = { api: 0, conductor: 0, 'zone-a': 0, 'zone-b': 0 };
const SPEC: VersionSpec = { size: 24 * MiB, blockBytes: MiB, changedEvery: 8, seed: `e-${Date.now()}` };
/** incremental_from is a field of microversion 1.5. */
const V15 = { 'OpenStack-API-Version': 'image-manager 1.5' };

describe('incremental copies into EC2', function () {
  this.timeout(300000);
  const standin = new AwsStandin({ minDurationMs: 300, tickMs: 100 });
  before(async function () {
    this.timeout(60000);
    for (const daemon of Object.keys(METRICS)) METRICS[daemon] = await freePort();
    await standin.start();
  });

  // Before the stack's own hook, so that the deletes end while the daemons still run.
  const glanceMade: string[] = [];
  const tracked: string[] = [];
  after(async function () {
    this.timeout(180000);
    await deleteEverywhere(stack.api, stack.demo.id, tracked, 150000);
    for (const id of glanceMade) await glanceA.delete(id).catch(() => undefined);
  });
  after(async () => {
    await standin.stop();
  });

  const stack = useStack({
    zones: ['zone-a', 'zone-b'],
    extraConfig: () =>
      '[conductor]\nremote_cache_time = 0\nrefresh_interval = 0\n' +
      `[metrics]\nenabled = true\napi_port = ${METRICS.api}\nconductor_port = ${METRICS.conductor}\n`,
    agentEnv: () => ({
      // Both convert: zone-b the old qcow2 version's full copy into EC2, zone-a the new one's delta.
      'zone-a': { OS_METRICS__AGENT_PORT: String(METRICS['zone-a']), OS_AGENT__IMAGE_CONVERSION: 'true' },
      'zone-b': {
        ...standin.agentEnv(),
        OS_METRICS__AGENT_PORT: String(METRICS['zone-b']),
        OS_AGENT__IMAGE_CONVERSION: 'true',
      },
    }),
  });

  let glanceA: Glance;

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
      240000,
    );
  const locationIn = async (imageId: string, cloud: string) =>
    (
      (await http('GET', `${stack.api}/v1/images/${imageId}`, { token: stack.demo.id })).body
        .locations as any[]
    ).find((l) => l.cloud === cloud);
  async function adopt(remoteId: string, targets: string[]): Promise<string> {
    const res = await http('POST', `${stack.api}/v1/images`, {
      token: stack.demo.id,
      json: { source: { cloud: 'zone-a', image_id: remoteId }, targets },
    });
    assert.equal(res.status, 202, res.text);
    tracked.push(res.body.id);
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

  /** Syncs `imageId` into EC2 incremental from `baseId`; answers its copy there, once active. */
  async function syncIncremental(imageId: string, baseId: string): Promise<any> {
    const res = await http('POST', `${stack.api}/v1/images/${imageId}/sync`, {
      token: stack.demo.id,
      headers: V15,
      json: { targets: ['ec2-east'], incremental_from: baseId },
    });
    assert.equal(res.status, 202, res.text);
    const [task] = await ended(imageId, 1);
    assert.equal(task.status, 'succeeded', JSON.stringify(task));
    assert.equal(task.plan.path, 'incremental', JSON.stringify(task.plan));
    const loc = await locationIn(imageId, 'ec2-east');
    assert.equal(loc.status, 'active', JSON.stringify(loc));
    return loc;
  }

  let oldId: string;
  let newId: string;
  let newSource: any;
  before(async function () {
    this.timeout(300000);
    glanceA = stack.glance('zone-a');
    const registered = await http('POST', `${stack.api}/v1/clouds`, {
      token: stack.admin.id,
      json: {
        name: 'ec2-east',
        type: 'aws',
        region_name: EAST,
        zone: 'zone-b',
        bucket: standin.bucket('operator', EAST),
      },
    });
    assert.equal(registered.status, 201, registered.text);
    await waitFor(
      'the aws cloud to show its capabilities',
      async () =>
        (await http('GET', `${stack.api}/v1/clouds/ec2-east`, { token: stack.admin.id })).body
          ?.capabilities ?? undefined,
      60000,
    );
    const old = await uploadVersion(glanceA, stack.demo.id, `incr-ec2-old-${SPEC.seed}`, SPEC, false);
    glanceMade.push(old.id);
    newSource = await uploadVersion(glanceA, stack.demo.id, `incr-ec2-new-${SPEC.seed}`, SPEC, true);
    glanceMade.push(newSource.id);
    oldId = await adopt(old.id, ['ec2-east']);
    newId = await adopt(newSource.id, []);
  });

  it('plans the incremental path into EC2 from the region’s copy of the base', async () => {
    const res = await http('POST', `${stack.api}/v1/images/${newId}/sync?dry_run=true`, {
      token: stack.demo.id,
      headers: V15,
      json: { targets: ['ec2-east'], incremental_from: oldId },
    });
    assert.equal(res.status, 200, res.text);
    const [plan] = res.body.plan.targets;
    assert.equal(plan.path, 'incremental', JSON.stringify(plan));
    const base = await locationIn(oldId, 'ec2-east');
    assert.match(base.image_id, /^ami-[0-9a-f]+$/);
    assert.equal(plan.incremental.base_remote_id, base.image_id);
    assert.equal(plan.incremental.fallback, null);
  });

  it('moves only the changed blocks, and the AMI made is the new version byte for byte', async () => {
    const before = await deltaBytes(METRICS['zone-a']!, METRICS['zone-b']!);
    const loc = await syncIncremental(newId, oldId);
    assert.match(loc.image_id, /^ami-[0-9a-f]+$/);
    assert.equal(loc.proof, 'agent', JSON.stringify(loc));

    // The agent's proof, recorded on the AMI, is the new version's own (Glance's md5 and sha512).
    const ami = (await standin.state(EAST)).images.find((i) => i.id === loc.image_id);
    assert.ok(ami, 'the AMI is in the region');
    assert.equal(ami.tags.gimming_image_id, newId);
    const tags = JSON.stringify(ami.tags);
    assert.ok(tags.includes(`size=${String(SPEC.size)} `), tags);
    assert.ok(tags.includes(`sha512=${String(newSource.os_hash_value)}`), tags);
    assert.ok(tags.includes(`md5=${String(newSource.checksum)}`), tags);

    const changed = changedBlocks(SPEC) * MiB;
    const delta = countedSince(await deltaBytes(METRICS['zone-a']!, METRICS['zone-b']!), before);
    assert.deepEqual(delta, { sent: changed, received: changed, reused: SPEC.size - changed, out: 0 });
    // Nothing left behind in the transfer bucket.
    const state = await standin.state(EAST);
    assert.deepEqual(state.objects, []);
    assert.deepEqual(state.multipartUploads, []);
  });

  /** A version as a qcow2 image (qemu-img, as a user's build would make it), and its raw bytes' hashes. */
  async function qcow2Version(spec: VersionSpec, changed: boolean) {
    const dir = mkdtempSync(join(tmpdir(), 'gimming-incr-qcow2-'));
    try {
      const raw = join(dir, 'v.raw');
      await pipeline(versionStream(spec, changed), createWriteStream(raw));
      execFileSync('qemu-img', ['convert', '-q', '-f', 'raw', '-O', 'qcow2', raw, join(dir, 'v.qcow2')]);
      const rawBytes = readFileSync(raw);
      return {
        qcow2: readFileSync(join(dir, 'v.qcow2')),
        md5: createHash('md5').update(rawBytes).digest('hex'),
        sha512: createHash('sha512').update(rawBytes).digest('hex'),
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('converts a qcow2 new version at the source and moves only the changed raw blocks into EC2', async () => {
    const spec: VersionSpec = { ...SPEC, seed: `${SPEC.seed}-q` };
    const oldQ = await qcow2Version(spec, false);
    const newQ = await qcow2Version(spec, true);
    const zoneA = stack.cloud('zone-a');
    const { image: oldSource } = await zoneA.createWithData(oldQ.qcow2, {
      name: `incr-ec2-qold-${spec.seed}`,
      disk_format: 'qcow2',
      container_format: 'bare',
    });
    glanceMade.push(oldSource.id);
    const { image: newSrc } = await zoneA.createWithData(newQ.qcow2, {
      name: `incr-ec2-qnew-${spec.seed}`,
      disk_format: 'qcow2',
      container_format: 'bare',
    });
    glanceMade.push(newSrc.id);
    // The old version reaches EC2 converted (a full copy), the new one is only adopted.
    const qOld = await adopt(oldSource.id, ['ec2-east']);
    const [oldTask] = await tasksOf(qOld);
    assert.equal(oldTask.plan.path, 'agent+convert', JSON.stringify(oldTask.plan));
    const qNew = await adopt(newSrc.id, []);

    const dry = await http('POST', `${stack.api}/v1/images/${qNew}/sync?dry_run=true`, {
      token: stack.demo.id,
      headers: V15,
      json: { targets: ['ec2-east'], incremental_from: qOld },
    });
    assert.equal(dry.status, 200, dry.text);
    const [plan] = dry.body.plan.targets;
    assert.equal(plan.path, 'incremental', JSON.stringify(plan));
    assert.equal(plan.incremental.base_remote_id, (await locationIn(qOld, 'ec2-east')).image_id);
    assert.equal(plan.incremental.fallback, null);

    const before = await deltaBytes(METRICS['zone-a']!, METRICS['zone-b']!);
    const loc = await syncIncremental(qNew, qOld);

    // The AMI holds the new version's raw bytes, as the agent proved them.
    const ami = (await standin.state(EAST)).images.find((i) => i.id === loc.image_id);
    assert.ok(ami, 'the AMI is in the region');
    const tags = JSON.stringify(ami.tags);
    assert.ok(tags.includes(`size=${String(spec.size)} `), tags);
    assert.ok(tags.includes(`sha512=${newQ.sha512}`), tags);
    assert.ok(tags.includes(`md5=${newQ.md5}`), tags);

    const changed = changedBlocks(spec) * MiB;
    const delta = countedSince(await deltaBytes(METRICS['zone-a']!, METRICS['zone-b']!), before);
    assert.deepEqual(delta, { sent: changed, received: changed, reused: spec.size - changed, out: 0 });
    const state = await standin.state(EAST);
    assert.deepEqual(state.objects, []);
    assert.deepEqual(state.multipartUploads, []);
  });
});
