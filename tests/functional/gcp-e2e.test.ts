/**
 * The three kinds of cloud together, through the real daemons: a Glance zone (zone-a), an EC2 region
 * (ec2-east, against the strict EC2 and S3 stand-in) and a GCE project (gce, against the strict GCE and
 * Cloud Storage stand-in, registered with a storage location and a default image family), the last two
 * served by zone-b's agent with the aws and gcp drivers.
 *
 * - An upload made once into all three: each copy active and holding the uploaded bytes (Glance's
 *   os_hash_value, the EC2 snapshot's SHA-512, the SHA-512 of the disk GCE made), the GCE image in the
 *   cloud's storage location and family.
 * - Glance -> GCE, then Glance -> EC2 (GCE cannot export: the copy reads from Glance).
 * - EC2 -> GCE: an image whose only copy is an AMI, exported from EC2 to S3 and imported into GCE, as
 *   the dry run planned it; the GCE disk holds the AMI's bytes; then EC2 -> Glance.
 * - A copy into GCE cancelled while GCE makes the image (the stand-in made slow): the task ends
 *   cancelled, with no GCE image, no Cloud Storage object or upload session, no staging file.
 * - Delete everywhere: an image in Glance, EC2 and GCE at once, leaving nothing in any of them.
 *
 * GIMMING_GCE_E2E_SIZE_MIB (default 8) sets the size of the images that are measured (upload to the
 * three kinds, Glance -> GCE, Glance -> EC2, EC2 -> GCE, EC2 -> Glance); each test prints its MiB/s and
 * where the time went. GIMMING_GCE_E2E_COMPRESSION sets the agent's [gcp] archive_compression.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AwsStandin, type StandinState } from '../support/aws-standin';
import { TERMINAL, waitForTasks } from '../support/flows';
import { GceStandin, diskSha512 } from '../support/gce-standin';
import { http as call, waitFor } from '../support/http';
import { useStack } from '../support/stack';

const MIB = 1024 * 1024;
const EAST = 'us-east-1';
const SIZE_MIB = Number(process.env.GIMMING_GCE_E2E_SIZE_MIB ?? 8);
const COMPRESSION = process.env.GIMMING_GCE_E2E_COMPRESSION ?? '';
const LOCATION = 'europe-west1';
const FAMILY = 'gimming-e2e';
const sha512 = (data: Buffer) => createHash('sha512').update(data).digest('hex');

/** MiB/s of `bytes` over a task's run (its started_at to finished_at). */
function rate(bytes: number, task: { started_at: string; finished_at: string }): string {
  const seconds = (Date.parse(task.finished_at) - Date.parse(task.started_at)) / 1000;
  return `${seconds.toFixed(1)} s, ${(bytes / MIB / seconds).toFixed(1)} MiB/s`;
}

/**
 * Watches an image's tasks (every 250 ms) and tells, per cloud, how long each stage was seen: where the
 * time of a copy went (GCE: `upload` is the agent's tar, gzip and Cloud Storage upload, `import` GCE's
 * images.insert; EC2: `upload` to S3, `import` EC2's import, `export` EC2's export).
 */
function stageClock(api: string, token: string, imageId: string): { stop(): Promise<string> } {
  const seen = new Map<string, { first: number; last: number }>();
  let running = true;
  const loop = (async () => {
    while (running) {
      const res = await call('GET', `${api}/v1/tasks?image_id=${imageId}`, { token }).catch(() => undefined);
      const now = Date.now();
      for (const t of (res?.body?.tasks as any[] | undefined) ?? []) {
        if (t.status !== 'running' || !t.stage) continue;
        const key = `${t.cloud} ${t.stage}`;
        const s = seen.get(key);
        if (s) s.last = now;
        else seen.set(key, { first: now, last: now });
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return [...seen.entries()]
        .map(([k, v]) => `${k} ~${((v.last - v.first) / 1000).toFixed(1)} s`)
        .join(', ');
    },
  };
}

describe('Glance, EC2 and GCE together, through the daemons', function () {
  this.timeout(600000);
  const aws = new AwsStandin({ bytesPerSecond: 256 * MIB, minDurationMs: 1000, tickMs: 100 });
  const gce = new GceStandin({ insertMs: 500, otherMs: 200 });
  before(async function () {
    this.timeout(60000);
    await Promise.all([aws.start(), gce.start()]);
  });
  after(async () => {
    await Promise.all([aws.stop(), gce.stop()]);
  });
  const made: string[] = [];
  const stack = useStack({
    // What a failed test left is deleted everywhere while the daemons still run.
    beforeStop: async (st) => {
      for (const id of made)
        await call('DELETE', `${st.api}/v1/images/${id}?delete_remote=true`, { token: st.demo.id }).catch(
          () => undefined,
        );
    },
    extraConfig: '[conductor]\nremote_cache_time = 0\nrefresh_interval = 0\n',
    agentEnv: () => ({
      'zone-b': {
        ...aws.agentEnv(),
        OS_AGENT__ENABLED_DRIVERS: 'openstack,aws,gcp',
        OS_AGENT__IMAGE_CONVERSION: 'true',
        OS_GCP__COMPUTE_ENDPOINT: gce.computeUrl,
        OS_GCP__STORAGE_ENDPOINT: gce.storageUrl,
        OS_GCP__OPERATION_POLL_INTERVAL: '100',
        GOOGLE_APPLICATION_CREDENTIALS: gce.keyFile('operator'),
        ...(COMPRESSION ? { OS_GCP__ARCHIVE_COMPRESSION: COMPRESSION } : {}),
      },
    }),
  });
  /** What EC2 held before the tests (the stand-in's, for this file only: nothing). */
  let baseline: StandinState;

  before(async function () {
    this.timeout(90000);
    const clouds = [
      {
        name: 'ec2-east',
        type: 'aws',
        region_name: EAST,
        zone: 'zone-b',
        bucket: aws.bucket('operator', EAST),
      },
      {
        name: 'gce',
        type: 'gcp',
        region_name: 'global',
        zone: 'zone-b',
        project: gce.projects.operator.id,
        bucket: gce.bucket('operator'),
        storage_location: LOCATION,
        family: FAMILY,
      },
    ];
    for (const json of clouds) {
      const res = await call('POST', `${stack.api}/v1/clouds`, { token: stack.admin.id, json });
      assert.equal(res.status, 201, res.text);
    }
    baseline = await aws.state(EAST);
    for (const name of ['ec2-east', 'gce'])
      await waitFor(
        `${name} to show its capabilities`,
        async () => {
          const res = await call('GET', `${stack.api}/v1/clouds/${name}`, { token: stack.admin.id });
          return res.body?.capabilities ?? undefined;
        },
        60000,
      );
  });

  /** An image recorded for upload into `targets`, its data PUT; answers its ID. */
  async function upload(name: string, data: Buffer, targets: string[]): Promise<string> {
    const created = await call('POST', `${stack.api}/v1/images`, {
      token: stack.demo.id,
      json: { name, disk_format: 'raw', container_format: 'bare', targets },
    });
    assert.equal(created.status, 201, created.text);
    made.push(created.body.id);
    const put = await call('PUT', `${stack.api}/v1/images/${created.body.id}/file`, {
      token: stack.demo.id,
      headers: { 'Content-Type': 'application/octet-stream' },
      body: data,
    });
    assert.equal(put.status, 204, put.text);
    return created.body.id as string;
  }

  const locationOf = async (id: string, cloud: string) => {
    const shown = await call('GET', `${stack.api}/v1/images/${id}`, { token: stack.demo.id });
    return (shown.body.locations as any[]).find((l) => l.cloud === cloud);
  };

  const taskOf = async (id: string, cloud: string) => {
    const res = await call('GET', `${stack.api}/v1/tasks?image_id=${id}`, { token: stack.demo.id });
    return (res.body.tasks as any[]).find((t) => t.cloud === cloud);
  };

  /** The GCE image a location names, as the stand-in holds it. */
  const gceImage = async (name: string) =>
    (await gce.state()).images.find((i) => i.image.name === name || name.endsWith(`/${i.image.name}`));

  /** The bytes of an AMI's snapshot, as the EC2 stand-in holds them. */
  const snapshotOf = async (amiId: string): Promise<Buffer> => {
    const ami = (await aws.state(EAST)).images.find((i) => i.id === amiId);
    assert.ok(ami, `AMI ${amiId} is in ${EAST}`);
    const snapshotId = ami.blockDeviceMappings[0]?.snapshotId as string;
    return readFileSync(join(aws.dir, 'state', 'snapshots', `${snapshotId}.raw`));
  };

  const staged = () =>
    ['zone-a', 'zone-b'].flatMap((zone) => {
      try {
        return readdirSync(stack.daemons.stagingDir(zone)).map((f) => `${zone}/${f}`);
      } catch {
        return [];
      }
    });

  /** Nothing of GIMinG's in EC2 (beyond what `before` held) nor in GCE but the images named in `keptGce`. */
  async function nothingLeft(before: StandinState, keptGce: string[] = []): Promise<void> {
    const now = await aws.state(EAST);
    const fresh = <T extends { id: string }>(list: T[], old: T[]) =>
      list.filter((x) => !old.some((o) => o.id === x.id));
    assert.deepEqual(
      fresh(now.images, before.images)
        .filter((i) => i.state !== 'deregistered')
        .map((i) => i.id),
      [],
      'no AMI left',
    );
    assert.deepEqual(
      fresh(now.snapshots, before.snapshots)
        .filter((s) => s.state !== 'deleted')
        .map((s) => s.id),
      [],
      'no snapshot left',
    );
    assert.deepEqual(now.objects, [], 'no S3 object left');
    assert.deepEqual(now.multipartUploads, [], 'no multipart upload left');
    const state = await gce.state();
    assert.deepEqual(
      state.images.map((i) => i.image.name).filter((n) => !keptGce.includes(n)),
      [],
      'no GCE image left',
    );
    assert.deepEqual(state.objects, [], 'no Cloud Storage object left');
    assert.deepEqual(state.uploads, [], 'no upload session left');
    assert.deepEqual(staged(), [], 'nothing left in the staging areas');
  }

  let everywhere = '';
  let fromEc2 = '';
  let glanceFrom = '';
  const glanceMade: string[] = [];
  after(async () => {
    for (const id of glanceMade)
      await stack
        .cloud('zone-a')
        .delete(id)
        .catch(() => undefined);
  });

  it(`uploads ${SIZE_MIB} MiB once into Glance, EC2 and GCE: each copy holds the bytes`, async () => {
    const data = randomBytes(SIZE_MIB * MIB);
    const started = Date.now();
    const id = await upload('three-kinds', data, ['zone-a', 'ec2-east', 'gce']);
    everywhere = id;
    const clock = stageClock(stack.api, stack.demo.id, id);
    const tasks = await waitForTasks(stack.api, stack.demo.id, id, 540000);
    const seconds = (Date.now() - started) / 1000;
    const stages = await clock.stop();
    for (const t of tasks) assert.equal(t.status, 'succeeded', JSON.stringify(t));
    console.log(
      `      upload ${SIZE_MIB} MiB to 3 kinds: ${seconds.toFixed(1)} s from the first byte to the last copy, ` +
        `${(SIZE_MIB / seconds).toFixed(1)} MiB/s; ` +
        tasks.map((t) => `${t.cloud} ${t.plan?.path} ${rate(data.length, t)}`).join('; ') +
        `; stages: ${stages}`,
    );

    const shown = await call('GET', `${stack.api}/v1/images/${id}`, { token: stack.demo.id });
    assert.equal(shown.body.status, 'active', shown.text);
    assert.equal(shown.body.os_hash_value, sha512(data));
    assert.deepEqual(shown.body.locations.map((l: any) => [l.cloud, l.status]).sort(), [
      ['ec2-east', 'active'],
      ['gce', 'active'],
      ['zone-a', 'active'],
    ]);

    // Glance: its own hashes of what it holds.
    const glanceCopy = await locationOf(id, 'zone-a');
    const held = await stack.glance('zone-a').get(glanceCopy.image_id);
    assert.equal(held.os_hash_value, sha512(data), 'Glance holds the uploaded bytes');
    assert.equal(held.checksum, createHash('md5').update(data).digest('hex'));
    // EC2: the snapshot behind the AMI.
    const ec2Copy = await locationOf(id, 'ec2-east');
    assert.equal(sha512(await snapshotOf(ec2Copy.image_id)), sha512(data), 'the EC2 snapshot holds them');
    // GCE: the disk it made from the archive (the bytes, then zeros to a whole GiB), where the cloud says.
    const gceCopy = await locationOf(id, 'gce');
    const image = await gceImage(gceCopy.image_id);
    assert.ok(image, `the GCE image ${gceCopy.image_id} exists`);
    assert.equal(image.image.status, 'READY');
    assert.equal(image.rawDisk?.sha512, diskSha512(data), 'the GCE disk holds them');
    assert.deepEqual(image.image.storageLocations, [LOCATION], "the cloud's storage location");
    assert.equal(image.image.family, FAMILY, "the cloud's family: the image names none");
    assert.equal(image.image.labels?.gimming_image_id, id);
    assert.equal(gceCopy.proof, 'agent', JSON.stringify(gceCopy));
  });

  it(`copies a ${SIZE_MIB} MiB Glance image into GCE, then into EC2: the GCE disk holds its bytes`, async () => {
    const data = randomBytes(SIZE_MIB * MIB);
    const { image: source } = await stack
      .cloud('zone-a')
      .createWithData(data, { disk_format: 'raw', container_format: 'bare' });
    glanceMade.push(source.id);
    const adopted = await call('POST', `${stack.api}/v1/images`, {
      token: stack.demo.id,
      json: { name: 'from-glance', source: { cloud: 'zone-a', image_id: source.id }, targets: ['gce'] },
    });
    assert.equal(adopted.status, 202, adopted.text);
    const id = adopted.body.id as string;
    made.push(id);
    const clock = stageClock(stack.api, stack.demo.id, id);
    const [task] = await waitForTasks(stack.api, stack.demo.id, id, 540000);
    assert.equal(task.status, 'succeeded', JSON.stringify(task));
    console.log(
      `      Glance -> GCE ${SIZE_MIB} MiB (${task.plan?.path}): ${rate(data.length, task)}; stages: ${await clock.stop()}`,
    );
    const image = await gceImage((await locationOf(id, 'gce')).image_id);
    assert.equal(image?.rawDisk?.sha512, diskSha512(data), 'the GCE disk holds the Glance image');

    const synced = await call('POST', `${stack.api}/v1/images/${id}/sync`, {
      token: stack.demo.id,
      json: { targets: ['ec2-east'] },
    });
    assert.equal(synced.status, 202, synced.text);
    const toEc2 = await waitFor(
      'the copy into EC2 to end',
      async () => {
        const t = await taskOf(id, 'ec2-east');
        return t && TERMINAL.includes(t.status) ? t : undefined;
      },
      540000,
    );
    assert.equal(toEc2.status, 'succeeded', JSON.stringify(toEc2));
    assert.equal(toEc2.source_cloud, 'zone-a', 'read from Glance: GCE cannot export');
    console.log(`      Glance -> EC2 ${SIZE_MIB} MiB (${toEc2.plan?.path}): ${rate(data.length, toEc2)}`);
    assert.equal(sha512(await snapshotOf((await locationOf(id, 'ec2-east')).image_id)), sha512(data));
    glanceFrom = id;
  });

  it(`syncs a ${SIZE_MIB} MiB image from EC2 (its only copy) into GCE, as the dry run planned`, async () => {
    const data = randomBytes(SIZE_MIB * MIB + 4096);
    const id = await upload('ec2-only', data, ['ec2-east']);
    fromEc2 = id;
    const [first] = await waitForTasks(stack.api, stack.demo.id, id, 300000);
    assert.equal(first.status, 'succeeded', JSON.stringify(first));
    const ami = (await locationOf(id, 'ec2-east')).image_id as string;
    const exportsBefore = (await aws.state(EAST)).exportTasks.length;

    const dry = await call('POST', `${stack.api}/v1/images/${id}/sync?dry_run=true`, {
      token: stack.demo.id,
      json: { targets: ['gce'] },
    });
    assert.equal(dry.status, 200, dry.text);
    const planned = dry.body.plan.targets.find((t: any) => t.cloud === 'gce');
    assert.equal(planned.refused, null, dry.text);
    assert.equal(planned.source_cloud, 'ec2-east');

    const synced = await call('POST', `${stack.api}/v1/images/${id}/sync`, {
      token: stack.demo.id,
      json: { targets: ['gce'] },
    });
    assert.equal(synced.status, 202, synced.text);
    const clock = stageClock(stack.api, stack.demo.id, id);
    const task = await waitFor(
      'the copy into GCE to end',
      async () => {
        const t = await taskOf(id, 'gce');
        return t && TERMINAL.includes(t.status) ? t : undefined;
      },
      540000,
    );
    assert.equal(task.status, 'succeeded', JSON.stringify(task));
    assert.equal(task.source_cloud, 'ec2-east');
    assert.deepEqual(
      task.plan,
      {
        source_cloud: planned.source_cloud,
        path: planned.path,
        conversion: planned.conversion,
        bytes: planned.bytes,
        reason: planned.reason,
      },
      'the copy follows the dry run',
    );
    console.log(
      `      EC2 -> GCE ${SIZE_MIB} MiB (${planned.path}): ${rate(data.length, task)}; stages: ${await clock.stop()}`,
    );

    // EC2 exported the AMI (ExportImage) for it; the export left nothing in S3.
    const after = await aws.state(EAST);
    assert.equal(after.exportTasks.length, exportsBefore + 1, 'one export task');
    assert.deepEqual(after.objects, [], 'the exported object is gone');
    const copy = await locationOf(id, 'gce');
    assert.equal(copy.status, 'active', JSON.stringify(copy));
    const image = await gceImage(copy.image_id);
    assert.ok(image, 'the GCE image exists');
    assert.equal(image.rawDisk?.sha512, diskSha512(data), 'the GCE disk holds the AMI’s bytes');
    assert.equal(sha512(await snapshotOf(ami)), sha512(data));
    assert.equal(image.image.family, FAMILY);
    assert.deepEqual(image.image.storageLocations, [LOCATION]);
    assert.deepEqual((await gce.state()).objects, []);

    // And into Glance, from the same AMI.
    const toGlance = await call('POST', `${stack.api}/v1/images/${id}/sync`, {
      token: stack.demo.id,
      json: { targets: ['zone-b'] },
    });
    assert.equal(toGlance.status, 202, toGlance.text);
    const glanceTask = await waitFor(
      'the copy into zone-b to end',
      async () => {
        const t = await taskOf(id, 'zone-b');
        return t && TERMINAL.includes(t.status) ? t : undefined;
      },
      540000,
    );
    assert.equal(glanceTask.status, 'succeeded', JSON.stringify(glanceTask));
    assert.equal(glanceTask.source_cloud, 'ec2-east');
    console.log(
      `      EC2 -> Glance ${SIZE_MIB} MiB (${glanceTask.plan?.path}): ${rate(data.length, glanceTask)}`,
    );
    const zoneB = await locationOf(id, 'zone-b');
    assert.equal((await stack.glance('zone-b').get(zoneB.image_id))?.os_hash_value, sha512(data));
  });

  it('cancels a copy into GCE while GCE makes the image, leaving nothing', async () => {
    const before = await aws.state(EAST);
    const kept = (await gce.state()).images.map((i) => i.image.name);
    await gce.setOperationTimes({ insertMs: 6000 });
    try {
      const id = await upload('to-cancel', randomBytes(3 * MIB + 5), ['gce']);
      const running = await waitFor(
        'the task to wait on GCE',
        async () => {
          const t = await taskOf(id, 'gce');
          return t?.stage === 'import' ? t : undefined;
        },
        60000,
        50,
      );
      assert.equal(running.status, 'running', JSON.stringify(running));
      const inserting = (await gce.state()).operations.filter(
        (o) => o.operationType === 'insert' && o.status !== 'DONE',
      );
      assert.equal(inserting.length, 1, 'GCE is making the image');
      const cancelled = await call('POST', `${stack.api}/v1/tasks/${running.id}/cancel`, {
        token: stack.demo.id,
      });
      assert.ok([200, 202].includes(cancelled.status), cancelled.text);
      const ended = await waitFor(
        'the task to end',
        async () => {
          const t = await taskOf(id, 'gce');
          return TERMINAL.includes(t.status) ? t : undefined;
        },
        60000,
      );
      assert.equal(ended.status, 'cancelled', JSON.stringify(ended));
      // GCE cannot cancel an insert: the agent waited it out and deleted the image it made.
      await waitFor('nothing to be left', async () => {
        try {
          await nothingLeft(before, kept);
          return true;
        } catch {
          return undefined;
        }
      });
      await nothingLeft(before, kept);
      const location = await locationOf(id, 'gce');
      assert.notEqual(location?.status, 'active', JSON.stringify(location));
    } finally {
      await gce.setOperationTimes({ insertMs: 500 });
    }
  });

  it('deletes images in Glance, EC2 and GCE at once, leaving nothing in any of them', async () => {
    const all = [everywhere, glanceFrom, fromEc2];
    assert.ok(all.every(Boolean), 'the upload and copy tests ran');
    const glanceCopies: [string, string][] = [
      ['zone-a', (await locationOf(everywhere, 'zone-a')).image_id as string],
      ['zone-a', (await locationOf(glanceFrom, 'zone-a')).image_id as string],
      ['zone-b', (await locationOf(fromEc2, 'zone-b')).image_id as string],
    ];
    const amis = await Promise.all(
      all.map(async (id) => (await locationOf(id, 'ec2-east')).image_id as string),
    );
    assert.equal((await gce.state()).images.length, 3, 'the three images are in GCE');
    for (const id of all) {
      const deleting = await call('DELETE', `${stack.api}/v1/images/${id}?delete_remote=true`, {
        token: stack.demo.id,
      });
      assert.equal(deleting.status, 202, deleting.text);
    }
    for (const id of all)
      await waitFor(
        'the image to be deleted everywhere',
        async () =>
          (await call('GET', `${stack.api}/v1/images/${id}`, { token: stack.demo.id })).status === 404
            ? true
            : undefined,
        180000,
      );
    for (const [zone, glanceId] of glanceCopies)
      assert.equal(await stack.glance(zone).get(glanceId), undefined, `the ${zone} copy is deleted`);
    const ec2 = await aws.state(EAST);
    for (const ami of amis)
      assert.equal(ec2.images.find((i) => i.id === ami)?.state ?? 'deregistered', 'deregistered');
    await nothingLeft(baseline);
  });
});
