/**
 * The planner through the real daemons, with Glance zone-a and zone-b and two EC2 regions of the strict
 * stand-in (served by zone-b's agents, which convert): a dry run answers the plan of every pair of kinds
 * (Glance -> Glance, Glance -> EC2 converted, EC2 -> EC2 by CopyImage, EC2 -> Glance) and changes
 * nothing; the real run then records on each task the very plan the dry run answered, and does it (the
 * conversion recorded on the EC2 copy, CopyImage's snapshot in the second region); an upload whose format
 * no path produces is refused before any byte, with the reason, creating nothing.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AwsStandin } from '../support/aws-standin';
import { gimming as runGimming } from '../support/cli';
import { deleteEverywhere, waitForTasks } from '../support/flows';
import { http, waitFor } from '../support/http';
import { useStack } from '../support/stack';

const EAST = 'us-east-1';
const WEST = 'eu-west-1';
const sha512 = (data: Buffer) => createHash('sha512').update(data).digest('hex');

describe('plans of copies between kinds of clouds, through the daemons', function () {
  this.timeout(300000);
  const glanceMade: Array<[string, string]> = [];
  const made: string[] = [];
  // Registered before the stack's and the stand-in's hooks: mocha runs after hooks in order, and this
  // needs the daemons and the stand-in.
  after(async () => {
    await deleteEverywhere(stack.api, stack.demo.id, made, 120000);
    for (const [zone, id] of glanceMade) await stack.cloud(zone).delete(id);
  });

  const standin = new AwsStandin({ minDurationMs: 500, tickMs: 100 });
  let tmp: string;
  before(async function () {
    this.timeout(60000);
    tmp = mkdtempSync(join(tmpdir(), 'gimming-plan-'));
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
  before(async function () {
    this.timeout(90000);
    for (const [name, region] of [
      ['ec2-east', EAST],
      ['ec2-west', WEST],
    ] as const) {
      const res = await http('POST', `${stack.api}/v1/clouds`, {
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
    await waitFor(
      'the aws clouds to show their conversions',
      async () => {
        const res = await http('GET', `${stack.api}/v1/clouds/ec2-west`, { token: stack.admin.id });
        return res.body?.capabilities?.convertible_formats?.includes('qcow2') ? true : undefined;
      },
      60000,
    );
  });

  /** What GIMinG holds for the demo project: images, tasks, and the copies (locations) of them all. */
  async function counts(): Promise<{ images: number; tasks: number; locations: number }> {
    const images = await http('GET', `${stack.api}/v1/images?limit=1000`, { token: stack.demo.id });
    const tasks = await http('GET', `${stack.api}/v1/tasks?limit=1000`, { token: stack.demo.id });
    assert.equal(images.status, 200, images.text);
    return {
      images: images.body.images.length,
      tasks: tasks.body.tasks.length,
      locations: (images.body.images as any[]).reduce((n, i) => n + i.locations.length, 0),
    };
  }

  /** Runs the `gimming` CLI as the demo user: its exit code and output. */
  const gimming = (args: string[]) => runGimming(stack, stack.demo, tmp, args);

  /** The part of a target's plan a task records. */
  const recorded = (t: any) => ({
    source_cloud: t.source_cloud,
    path: t.path,
    conversion: t.conversion,
    bytes: t.bytes,
  });
  /** What a task records of its target's plan: that part, and why its path (`reason`). */
  const followed = (t: any) => ({ ...recorded(t), reason: t.reason });
  const planOf = (plan: any, cloud: string) => plan.targets.find((t: any) => t.cloud === cloud);

  /** A real qcow2 (2 MiB of disk, 512 KiB of data) and the raw disk it holds. */
  function qcow2(): { qcow2: Buffer; raw: Buffer } {
    const raw = join(tmp, `disk-${randomBytes(4).toString('hex')}.raw`);
    writeFileSync(raw, Buffer.concat([randomBytes(512 * 1024), Buffer.alloc(1536 * 1024)]));
    execFileSync('/usr/bin/qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', raw, `${raw}.qcow2`]);
    return { qcow2: readFileSync(`${raw}.qcow2`), raw: readFileSync(raw) };
  }

  let adoptedId = '';

  it('plans Glance -> Glance as it is and Glance -> EC2 converted; the adoption follows that plan', async () => {
    const { qcow2: data } = qcow2();
    const { image: source } = await stack
      .cloud('zone-a')
      .createWithData(data, { disk_format: 'qcow2', container_format: 'bare' });
    glanceMade.push(['zone-a', source.id]);
    const body = {
      name: 'planned',
      source: { cloud: 'zone-a', image_id: source.id },
      targets: ['zone-b', 'ec2-east'],
    };

    const before = await counts();
    const dry = await http('POST', `${stack.api}/v1/images?dry_run=true`, {
      token: stack.demo.id,
      json: body,
    });
    assert.equal(dry.status, 200, dry.text);
    const { plan } = dry.body;
    assert.deepEqual(recorded(planOf(plan, 'zone-b')), {
      source_cloud: 'zone-a',
      path: 'agent',
      conversion: null,
      bytes: data.length,
    });
    assert.deepEqual(recorded(planOf(plan, 'ec2-east')), {
      source_cloud: 'zone-a',
      path: 'agent+convert',
      conversion: { from: 'qcow2', to: 'raw' },
      bytes: data.length,
    });
    assert.ok(
      plan.targets.every((t: any) => t.refused === null),
      dry.text,
    );
    assert.deepEqual(await counts(), before, 'a dry run creates no image, location or task');
    const held = await stack.cloud('zone-a').get(source.id);
    assert.equal(held?.properties?.gimming_image_id, undefined, 'nor tags the source');

    const adopted = await http('POST', `${stack.api}/v1/images`, { token: stack.demo.id, json: body });
    assert.equal(adopted.status, 202, adopted.text);
    adoptedId = adopted.body.id;
    made.push(adoptedId);
    const tasks = await waitForTasks(stack.api, stack.demo.id, adoptedId, 180000);
    for (const t of tasks) {
      assert.equal(t.status, 'succeeded', JSON.stringify(t));
      assert.deepEqual(t.plan, followed(planOf(plan, t.cloud)), `the task to ${t.cloud} follows the dry run`);
    }
    // What happened: Glance took the qcow2 as it is, EC2 a raw disk converted from it (recorded).
    const shown = await http('GET', `${stack.api}/v1/images/${adoptedId}`, { token: stack.demo.id });
    const zoneB = shown.body.locations.find((l: any) => l.cloud === 'zone-b');
    assert.equal((await stack.glance('zone-b').get(zoneB.image_id))?.disk_format, 'qcow2');
    const east = shown.body.locations.find((l: any) => l.cloud === 'ec2-east');
    assert.equal(east.proof, 'converted', JSON.stringify(east));
    assert.equal(east.conversion.from, 'qcow2');
    // The task's own view shows it too.
    const eastTask = tasks.find((t) => t.cloud === 'ec2-east');
    const shownTask = await http('GET', `${stack.api}/v1/tasks/${eastTask.id}`, { token: stack.demo.id });
    assert.deepEqual(shownTask.body.plan, eastTask.plan, shownTask.text);
  });

  it('plans EC2 -> EC2 by CopyImage (no byte through the agents), and the sync makes it so', async () => {
    assert.ok(adoptedId, 'the adoption test ran');
    const before = await counts();
    const dry = await http('POST', `${stack.api}/v1/images/${adoptedId}/sync?dry_run=true`, {
      token: stack.demo.id,
      json: { targets: ['ec2-west', 'zone-b'] },
    });
    assert.equal(dry.status, 200, dry.text);
    const west = planOf(dry.body.plan, 'ec2-west');
    assert.deepEqual(recorded(west), {
      source_cloud: 'ec2-east',
      path: 'native',
      conversion: null,
      bytes: 0,
    });
    assert.equal(planOf(dry.body.plan, 'zone-b').path, 'present', 'zone-b holds a copy already');
    assert.deepEqual(await counts(), before, 'a dry run changes nothing');
    // The CLI prints the same plan (as a table by default; -f json here), and changes nothing either.
    const cli = await gimming([
      'image',
      'sync',
      adoptedId,
      '--target',
      'ec2-west',
      '--dry-run',
      '-f',
      'json',
    ]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.deepEqual(JSON.parse(cli.stdout), [
      {
        Cloud: 'ec2-west',
        Source: 'ec2-east',
        Path: 'native',
        Conversion: '',
        Bytes: 0,
        Refused: '',
        Reason:
          'Native: cloud ec2-west (aws) copies the image from cloud ec2-east itself, as the agents of zone ' +
          'zone-b allow; no byte passes through the agents.',
      },
    ]);
    const table = await gimming(['image', 'sync', adoptedId, '--target', 'ec2-west', '--dry-run']);
    assert.match(table.stdout, /\| ec2-west \| ec2-east \| native +\|/);
    assert.deepEqual(await counts(), before, 'nor does the dry run of the CLI');

    const westBefore = await standin.state(WEST);
    const synced = await http('POST', `${stack.api}/v1/images/${adoptedId}/sync`, {
      token: stack.demo.id,
      json: { targets: ['ec2-west'] },
    });
    assert.equal(synced.status, 202, synced.text);
    const tasks = await waitForTasks(stack.api, stack.demo.id, adoptedId, 180000);
    const task = tasks.find((t) => t.cloud === 'ec2-west');
    assert.equal(task.status, 'succeeded', JSON.stringify(task));
    assert.deepEqual(task.plan, followed(west));
    const shownByCli = await gimming(['task', 'show', task.id, '-f', 'json']);
    assert.equal(shownByCli.code, 0, shownByCli.stderr);
    assert.deepEqual(JSON.parse(shownByCli.stdout).plan, followed(west), 'gimming task show shows the plan');
    // Made by CopyImage: its snapshot says so, and no import ran in eu-west-1.
    const shown = await http('GET', `${stack.api}/v1/images/${adoptedId}`, { token: stack.demo.id });
    const copy = shown.body.locations.find((l: any) => l.cloud === 'ec2-west');
    const state = await standin.state(WEST);
    const ami = state.images.find((i) => i.id === copy.image_id);
    const snapshot = state.snapshots.find((s) => s.id === ami?.blockDeviceMappings[0]?.snapshotId);
    assert.match(snapshot?.description ?? '', /from SourceAmi ami-/);
    assert.deepEqual(
      state.importTasks.filter((t) => !westBefore.importTasks.some((o) => o.id === t.id)),
      [],
      'no import task in eu-west-1',
    );
  });

  it('plans an upload into EC2, then EC2 -> Glance, and the sync follows it', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 5);
    const body = { name: 'ec2-first', disk_format: 'raw', container_format: 'bare', targets: ['ec2-east'] };
    const before = await counts();
    const dry = await http('POST', `${stack.api}/v1/images?dry_run=true`, {
      token: stack.demo.id,
      json: body,
    });
    assert.equal(dry.status, 200, dry.text);
    assert.deepEqual(recorded(planOf(dry.body.plan, 'ec2-east')), {
      source_cloud: null,
      path: 'agent',
      conversion: null,
      bytes: null,
    });
    assert.deepEqual(await counts(), before, 'a dry run creates nothing');

    const created = await http('POST', `${stack.api}/v1/images`, { token: stack.demo.id, json: body });
    assert.equal(created.status, 201, created.text);
    const id = created.body.id as string;
    made.push(id);
    const put = await http('PUT', `${stack.api}/v1/images/${id}/file`, {
      token: stack.demo.id,
      body: data,
      headers: { 'Content-Type': 'application/octet-stream' },
    });
    assert.equal(put.status, 204, put.text);
    const [upload] = (await waitForTasks(stack.api, stack.demo.id, id, 180000)).filter(
      (t) => t.type === 'copy',
    );
    assert.equal(upload.status, 'succeeded', JSON.stringify(upload));
    // Once the data is in, the size is known: the copy records the bytes it moved.
    assert.deepEqual(upload.plan, {
      source_cloud: null,
      path: 'agent',
      conversion: null,
      bytes: data.length,
      reason:
        "Through the agents: the image's data is staged by an agent (an upload or an import), which only " +
        'the agents copy.',
    });

    const dryBack = await http('POST', `${stack.api}/v1/images/${id}/sync?dry_run=true`, {
      token: stack.demo.id,
      json: { targets: ['zone-a'] },
    });
    assert.equal(dryBack.status, 200, dryBack.text);
    const back = planOf(dryBack.body.plan, 'zone-a');
    assert.deepEqual(recorded(back), {
      source_cloud: 'ec2-east',
      path: 'agent',
      conversion: null,
      bytes: data.length,
    });
    const synced = await http('POST', `${stack.api}/v1/images/${id}/sync`, {
      token: stack.demo.id,
      json: { targets: ['zone-a'] },
    });
    assert.equal(synced.status, 202, synced.text);
    const task = (await waitForTasks(stack.api, stack.demo.id, id, 180000)).find((t) => t.cloud === 'zone-a');
    assert.equal(task.status, 'succeeded', JSON.stringify(task));
    assert.deepEqual(task.plan, followed(back));
    const shown = await http('GET', `${stack.api}/v1/images/${id}`, { token: stack.demo.id });
    const glanceCopy = shown.body.locations.find((l: any) => l.cloud === 'zone-a');
    assert.equal((await stack.glance('zone-a').get(glanceCopy.image_id))?.os_hash_value, sha512(data));
  });

  it('refuses an upload whose format no path produces, before any byte, creating nothing', async () => {
    const before = await counts();
    const body = {
      name: 'an-iso',
      disk_format: 'iso',
      container_format: 'bare',
      targets: ['zone-a', 'ec2-east'],
    };
    const dry = await http('POST', `${stack.api}/v1/images?dry_run=true`, {
      token: stack.demo.id,
      json: body,
    });
    assert.equal(dry.status, 200, dry.text);
    assert.equal(planOf(dry.body.plan, 'zone-a').path, 'agent');
    assert.equal(planOf(dry.body.plan, 'ec2-east').refused.code, 'gimming.plan.disk_format');
    const refused = await http('POST', `${stack.api}/v1/images`, { token: stack.demo.id, json: body });
    assert.equal(refused.status, 409, refused.text);
    assert.equal(refused.body.error.code, 'gimming.plan.refused');
    assert.match(refused.body.error.message, /Cloud ec2-east takes no iso images/);
    assert.deepEqual(
      refused.body.error.details.refused.map((r: any) => [r.cloud, r.code]),
      [['ec2-east', 'gimming.plan.disk_format']],
    );
    assert.deepEqual(await counts(), before, 'nothing was created, not even for zone-a');
  });

  it('plans a target whose zone has no agent as refused (the CLI exits 1), and the sync does nothing', async () => {
    assert.ok(adoptedId, 'the adoption test ran');
    const registered = await http('POST', `${stack.api}/v1/clouds`, {
      token: stack.admin.id,
      json: {
        name: 'ec2-nowhere',
        type: 'aws',
        region_name: 'us-west-2',
        zone: 'zone-without-agents',
        bucket: standin.bucket('operator', 'us-west-2'),
      },
    });
    assert.equal(registered.status, 201, registered.text);
    const before = await counts();
    const cli = await gimming([
      'image',
      'sync',
      adoptedId,
      '--target',
      'ec2-nowhere',
      '--dry-run',
      '-f',
      'json',
    ]);
    assert.equal(cli.code, 1, 'a refused target: exit code 1');
    const [row] = JSON.parse(cli.stdout);
    assert.equal(row.Path, 'refused');
    assert.match(row.Refused, /^gimming\.plan\.no_agent: No agent of zone zone-without-agents is up/);
    const synced = await http('POST', `${stack.api}/v1/images/${adoptedId}/sync`, {
      token: stack.demo.id,
      json: { targets: ['ec2-nowhere'] },
    });
    // A real run still answers 503 for a zone without agents, as before the planner.
    assert.equal(synced.status, 503, synced.text);
    assert.equal(synced.body.error.code, 'gimming.agent.none_alive');
    assert.deepEqual(await counts(), before, 'nothing was queued');
    await http('DELETE', `${stack.api}/v1/clouds/ec2-nowhere`, { token: stack.admin.id });
  });
});
