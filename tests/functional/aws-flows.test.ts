/**
 * EC2 flows through the real daemons (API, conductor, agents) against the strict EC2 and S3 stand-in:
 * an upload made once into a Glance zone and an EC2 region (the qcow2 kept as it is in Glance, converted
 * for EC2, the conversion recorded and shown), a copy from region to region by EC2's own CopyImage, a
 * cancel during the import, an import EC2 refuses (its reason shown word for word), and the stage of the
 * cloud's work (EC2's import task) shown on the task while it runs. Nothing is ever left behind in EC2
 * or S3, nor in the agents' staging areas.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AwsStandin, type StandinState } from '../support/aws-standin';
import { gimming } from '../support/cli';
import { TERMINAL, waitForTasks } from '../support/flows';
import { http as call, waitFor } from '../support/http';
import { useStack } from '../support/stack';

const EAST = 'us-east-1';
const WEST = 'eu-west-1';
const sha512 = (data: Buffer) => createHash('sha512').update(data).digest('hex');

describe('EC2 flows, through the daemons', function () {
  this.timeout(300000);
  // Imports last at least 4 s: long enough to be seen at work, and cancelled.
  const standin = new AwsStandin({ minDurationMs: 4000, tickMs: 100 });
  let tmp: string;
  before(async function () {
    this.timeout(60000);
    tmp = mkdtempSync(join(tmpdir(), 'gimming-aws-flows-'));
    await standin.start();
  });
  after(async () => {
    await standin.stop();
    rmSync(tmp, { recursive: true, force: true });
  });
  const stack = useStack({
    extraConfig: '[conductor]\nremote_cache_time = 0\nrefresh_interval = 0\n',
    agentEnv: () => ({ 'zone-b': { ...standin.agentEnv(), OS_AGENT__IMAGE_CONVERSION: 'true' } }),
  });
  const glanceMade: string[] = [];
  after(async () => {
    for (const id of glanceMade) await stack.cloud('zone-a').delete(id);
  });

  before(async function () {
    this.timeout(90000);
    for (const [name, region] of [
      ['ec2-east', EAST],
      ['ec2-west', WEST],
    ] as const) {
      const res = await call('POST', `${stack.api}/v1/clouds`, {
        token: stack.admin.id,
        json: {
          name,
          type: 'aws',
          region_name: region,
          zone: 'zone-b',
          bucket: standin.bucket('operator', region),
        },
      });
      assert.equal(res.status, 201, res.text);
    }
    // The agents have heartbeaten with the aws driver and its conversions.
    await waitFor(
      'the aws clouds to show their capabilities',
      async () => {
        const res = await call('GET', `${stack.api}/v1/clouds/ec2-west`, { token: stack.admin.id });
        return res.body?.capabilities?.convertible_formats?.includes('qcow2') ? true : undefined;
      },
      60000,
    );
  });

  /** A real qcow2 (2 MiB of disk, 512 KiB of data) and the raw disk it holds. */
  function qcow2(): { qcow2: Buffer; raw: Buffer } {
    const raw = join(tmp, `disk-${randomBytes(4).toString('hex')}.raw`);
    writeFileSync(raw, Buffer.concat([randomBytes(512 * 1024), Buffer.alloc(1536 * 1024)]));
    execFileSync('/usr/bin/qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', raw, `${raw}.qcow2`]);
    return { qcow2: readFileSync(`${raw}.qcow2`), raw: readFileSync(raw) };
  }

  /** An image for upload into `targets`, with its data PUT; answers its ID. */
  async function upload(name: string, data: Buffer, diskFormat: string, targets: string[]): Promise<string> {
    const created = await call('POST', `${stack.api}/v1/images`, {
      token: stack.demo.id,
      json: { name, disk_format: diskFormat, container_format: 'bare', targets },
    });
    assert.equal(created.status, 201, created.text);
    const put = await call('PUT', `${stack.api}/v1/images/${created.body.id}/file`, {
      token: stack.demo.id,
      headers: { 'Content-Type': 'application/octet-stream' },
      body: data,
    });
    assert.equal(put.status, 204, put.text);
    return created.body.id as string;
  }

  const taskOf = async (imageId: string, cloud: string) => {
    const res = await call('GET', `${stack.api}/v1/tasks?image_id=${imageId}`, { token: stack.demo.id });
    return (res.body.tasks as any[]).find((t) => t.cloud === cloud);
  };

  const staged = () =>
    ['zone-a', 'zone-b'].flatMap((zone) => {
      try {
        return readdirSync(stack.daemons.stagingDir(zone)).map((f) => `${zone}/${f}`);
      } catch {
        return [];
      }
    });

  /** Nothing of GIMinG's making in this region but the AMIs (and their snapshots) in `kept`. */
  async function nothingLeft(region: string, before: StandinState, kept: string[] = []) {
    const now = await standin.state(region);
    const fresh = <T extends { id: string }>(list: T[], old: T[]) =>
      list.filter((x) => !old.some((o) => o.id === x.id));
    const keptSnapshots = now.images
      .filter((i) => kept.includes(i.id))
      .flatMap((i) => i.blockDeviceMappings.map((b) => b.snapshotId));
    assert.deepEqual(
      fresh(now.images, before.images)
        .filter((i) => i.state !== 'deregistered' && !kept.includes(i.id))
        .map((i) => i.id),
      [],
      'no AMI left',
    );
    assert.deepEqual(
      fresh(now.snapshots, before.snapshots)
        .filter((s) => s.state !== 'deleted' && !keptSnapshots.includes(s.id))
        .map((s) => s.id),
      [],
      'no snapshot left',
    );
    assert.deepEqual(
      now.importTasks.filter((t) => t.status === 'active'),
      [],
      'no import task running',
    );
    assert.deepEqual(now.objects, [], 'no S3 object left');
    assert.deepEqual(now.multipartUploads, [], 'no multipart upload left');
  }

  let uploadedId = '';

  it('uploads a qcow2 once into a Glance zone as it is and into EC2 converted, the conversion shown', async () => {
    const { qcow2: data, raw } = qcow2();
    const before = await standin.state(EAST);
    const id = await upload('to-glance-and-ec2', data, 'qcow2', ['zone-a', 'ec2-east']);
    uploadedId = id;
    const tasks = await waitForTasks(stack.api, stack.demo.id, id, 180000);
    for (const t of tasks) assert.equal(t.status, 'succeeded', JSON.stringify(t));

    const shown = await call('GET', `${stack.api}/v1/images/${id}`, { token: stack.demo.id });
    assert.equal(shown.body.status, 'active', shown.text);
    assert.equal(shown.body.os_hash_value, sha512(data), 'the image is the uploaded bytes');
    const glanceCopy = shown.body.locations.find((l: any) => l.cloud === 'zone-a');
    assert.equal(glanceCopy.status, 'active');
    glanceMade.push(glanceCopy.image_id);
    const held = await stack.glance('zone-a').get(glanceCopy.image_id);
    assert.equal(held.disk_format, 'qcow2', 'Glance takes the qcow2 as it is');
    assert.equal(held.os_hash_value, sha512(data), 'Glance holds the uploaded bytes');
    assert.equal(glanceCopy.proof, 'cloud');
    assert.equal(glanceCopy.conversion ?? null, null);

    const ec2Copy = shown.body.locations.find((l: any) => l.cloud === 'ec2-east');
    assert.equal(ec2Copy.status, 'active', JSON.stringify(ec2Copy));
    assert.match(ec2Copy.image_id, /^ami-[0-9a-f]+$/);
    assert.equal(ec2Copy.proof, 'converted', JSON.stringify(ec2Copy));
    // The conversion the copy records: from the uploaded qcow2 (its identity) to the raw disk it holds.
    assert.deepEqual(ec2Copy.conversion, {
      from: 'qcow2',
      source: { size: data.length, md5: shown.body.checksum, sha512: sha512(data) },
      converted: {
        size: raw.length,
        md5: createHash('md5').update(raw).digest('hex'),
        sha512: sha512(raw),
      },
    });

    const state = await standin.state(EAST);
    const ami = state.images.find((i) => i.id === ec2Copy.image_id);
    assert.ok(ami, 'the AMI is in the region');
    assert.equal(ami.tags.gimming_image_id, id, 'the AMI is tagged with the GIMinG image');
    // The snapshot holds the raw disk the qcow2 was converted to.
    const snapshotId = ami.blockDeviceMappings[0]?.snapshotId as string;
    const snapshot = readFileSync(join(standin.dir, 'state', 'snapshots', `${snapshotId}.raw`));
    assert.equal(sha512(snapshot), sha512(raw));
    await nothingLeft(EAST, before, [ami.id]);
    assert.deepEqual(staged(), [], 'nothing left in the staging areas (nor their conversion scratch)');
  });

  it('copies a converted image from EC2 region to region with CopyImage, proven as the converted bytes', async () => {
    assert.ok(uploadedId, 'the upload test ran');
    // The image has a Glance copy too: the sync reads from the copy EC2 copies natively, not from it.
    const westBefore = await standin.state(WEST);
    const synced = await call('POST', `${stack.api}/v1/images/${uploadedId}/sync`, {
      token: stack.demo.id,
      json: { targets: ['ec2-west'] },
    });
    assert.equal(synced.status, 202, synced.text);
    const task = await waitFor(
      'the copy to ec2-west to end',
      async () => {
        const t = await taskOf(uploadedId, 'ec2-west');
        return t && TERMINAL.includes(t.status) ? t : undefined;
      },
      120000,
    );
    assert.equal(task.status, 'succeeded', JSON.stringify(task));
    assert.equal(task.source_cloud, 'ec2-east');

    const shown = await call('GET', `${stack.api}/v1/images/${uploadedId}`, { token: stack.demo.id });
    const east = shown.body.locations.find((l: any) => l.cloud === 'ec2-east');
    const west = shown.body.locations.find((l: any) => l.cloud === 'ec2-west');
    assert.equal(west.status, 'active', JSON.stringify(west));
    assert.equal(west.remote?.status, 'active', JSON.stringify(west));
    // EC2 made it from the converted east copy: it holds the converted bytes, and records the conversion
    // (its tags came with it), proven against them.
    assert.equal(west.proof, 'converted', JSON.stringify(west));
    assert.deepEqual(west.conversion, east.conversion);
    // A check of every copy against its cloud finds both as they were made.
    const refreshed = await call('POST', `${stack.api}/v1/images/${uploadedId}/refresh`, {
      token: stack.demo.id,
    });
    assert.equal(refreshed.status, 200, refreshed.text);
    assert.deepEqual(refreshed.body.locations.map((l: any) => [l.cloud, l.status]).sort(), [
      ['ec2-east', 'active'],
      ['ec2-west', 'active'],
      ['zone-a', 'active'],
    ]);

    const state = await standin.state(WEST);
    const ami = state.images.find((i) => i.id === west.image_id);
    assert.ok(ami, 'the AMI is in eu-west-1');
    assert.equal(ami.tags.gimming_image_id, uploadedId, 'the tags came with the copy');
    // Made by CopyImage from the east AMI: its snapshot says so, and no bytes went through S3 or an import.
    const snapshot = state.snapshots.find((s) => s.id === ami.blockDeviceMappings[0]?.snapshotId);
    assert.match(snapshot?.description ?? '', new RegExp(`from SourceAmi ${east.image_id} `));
    assert.deepEqual(
      state.importTasks.filter((t) => !westBefore.importTasks.some((o) => o.id === t.id)),
      [],
      'no import task in eu-west-1',
    );
    await nothingLeft(WEST, westBefore, [ami.id]);

    // Deleted everywhere: the Glance copy goes with the AMIs.
    const glanceId = shown.body.locations.find((l: any) => l.cloud === 'zone-a').image_id as string;
    const deleting = await call('DELETE', `${stack.api}/v1/images/${uploadedId}?delete_remote=true`, {
      token: stack.demo.id,
    });
    assert.equal(deleting.status, 202, deleting.text);
    await waitFor(
      'the image to be deleted everywhere',
      async () =>
        (await call('GET', `${stack.api}/v1/images/${uploadedId}`, { token: stack.demo.id })).status === 404
          ? true
          : undefined,
      120000,
    );
    assert.equal(await stack.glance('zone-a').get(glanceId), undefined, 'the Glance copy is deleted');
    await nothingLeft(WEST, westBefore);
  });

  it('shows the stage of the import on the task while it runs, then cancels it, leaving nothing', async () => {
    const before = await standin.state(EAST);
    const data = randomBytes(3 * 1024 * 1024);
    const id = await upload('to-cancel', data, 'raw', ['ec2-east']);
    // EC2's import at work: the task shows its stage, EC2's own word for where it is, and its percent.
    const running = await waitFor(
      'the task to show the import stage',
      async () => {
        const t = await taskOf(id, 'ec2-east');
        return t?.stage === 'import' && t.stage_detail && t.stage_detail !== 'pending' ? t : undefined;
      },
      60000,
      100,
    );
    assert.equal(running.status, 'running', JSON.stringify(running));
    assert.ok(
      ['validating', 'validated', 'converting'].includes(running.stage_detail),
      JSON.stringify(running),
    );
    assert.equal(typeof running.stage_percent, 'number', JSON.stringify(running));
    assert.ok(running.stage_percent >= 0 && running.stage_percent < 100, JSON.stringify(running));
    const shownOne = await call('GET', `${stack.api}/v1/tasks/${running.id}`, { token: stack.demo.id });
    assert.equal(shownOne.body.stage, 'import', shownOne.text);
    const importTask = (await standin.state(EAST)).importTasks.find(
      (t) => t.status === 'active' && t.tags.gimming_image_id === id,
    );
    assert.ok(importTask, 'the import task runs in EC2');

    const cancelled = await call('POST', `${stack.api}/v1/tasks/${running.id}/cancel`, {
      token: stack.demo.id,
    });
    assert.ok([200, 202].includes(cancelled.status), cancelled.text);
    const ended = await waitFor(
      'the task to end',
      async () => {
        const t = await taskOf(id, 'ec2-east');
        return TERMINAL.includes(t.status) ? t : undefined;
      },
      60000,
    );
    assert.equal(ended.status, 'cancelled', JSON.stringify(ended));
    // The agent cancelled EC2's import task (CancelImportTask) and took away what it had made.
    const gone = await waitFor(
      'the import task to be cancelled',
      async () => {
        const t = (await standin.state(EAST)).importTasks.find((x) => x.id === importTask.id);
        return t?.status === 'deleted' ? t : undefined;
      },
      30000,
    );
    assert.equal(gone.statusMessage, 'User initiated task cancelation');
    await waitFor('nothing to be left', async () => {
      try {
        await nothingLeft(EAST, before);
        return true;
      } catch {
        return undefined;
      }
    });
    await nothingLeft(EAST, before);
    assert.deepEqual(staged(), []);
  });

  it('fails a task whose import EC2 refuses, with EC2’s reason word for word, leaving nothing', async () => {
    const before = await standin.state(EAST);
    const reason = 'ClientError: Disk validation failed';
    await standin.control('POST', 'faults', { task: 'import', region: EAST, statusMessage: reason });
    const id = await upload('refused', randomBytes(2 * 1024 * 1024), 'raw', ['ec2-east']);
    const [task] = await waitForTasks(stack.api, stack.demo.id, id, 120000);
    assert.equal(task.status, 'failed', JSON.stringify(task));
    assert.equal(task.attempts, 1, 'a refusal is not tried again');
    assert.equal(task.error.code, 'gimming.cloud.import_refused', JSON.stringify(task));
    assert.ok(task.error.message.includes(reason), JSON.stringify(task));
    // `gimming task show` shows the same reason.
    const shown = await gimming(stack, stack.demo, tmp, ['task', 'show', task.id, '-f', 'json']);
    assert.equal(shown.code, 0, shown.stderr);
    const fields = JSON.parse(shown.stdout) as Record<string, unknown>;
    assert.ok(String(fields.error).includes(reason), shown.stdout);
    assert.equal(fields.stage, 'import', 'the stage it failed in');
    await nothingLeft(EAST, before);
    assert.deepEqual(staged(), []);
  });

  it('`gimming image sync --wait` exits non-zero when a copy the plan accepted fails as it runs', async () => {
    // Planned fine (Glance -> EC2, no conversion), refused by EC2 only when its import runs.
    const id = await upload('cli-wait-fails', randomBytes(2 * 1024 * 1024), 'raw', ['zone-a']);
    const [first] = await waitForTasks(stack.api, stack.demo.id, id, 120000);
    assert.equal(first.status, 'succeeded', JSON.stringify(first));
    glanceMade.push(
      (await call('GET', `${stack.api}/v1/images/${id}`, { token: stack.demo.id })).body.locations[0]
        .image_id,
    );
    const reason = 'ClientError: Disk validation failed';
    await standin.control('POST', 'faults', { task: 'import', region: EAST, statusMessage: reason });
    const run = await gimming(stack, stack.demo, tmp, [
      'image',
      'sync',
      id,
      '--target',
      'ec2-east',
      '--wait',
      '-f',
      'json',
    ]);
    assert.equal(run.code, 1, `exit ${run.code}\n${run.stdout}\n${run.stderr}`);
    assert.match(run.stderr, /1 of 1 tasks did not succeed/, run.stderr);
    assert.ok(run.stderr.includes(reason), run.stderr);
    // Still the image as the work left it, on stdout: the EC2 copy in error, the Glance copy active.
    const image = JSON.parse(run.stdout) as Record<string, unknown>;
    assert.equal(image.id, id, run.stdout);
    const copies = (await call('GET', `${stack.api}/v1/images/${id}`, { token: stack.demo.id })).body
      .locations as any[];
    assert.equal(copies.find((l) => l.cloud === 'ec2-east')?.status, 'error', JSON.stringify(copies));
    assert.equal(copies.find((l) => l.cloud === 'zone-a')?.status, 'active', JSON.stringify(copies));
  });
});
