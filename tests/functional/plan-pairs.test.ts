/**
 * A dry-run plan for every ordered pair of cloud kinds, checked against what the real run then did,
 * through the real daemons: Glance (zone-a and zone-b of the test bed), EC2 (two regions of the strict
 * stand-in) and GCE (the strict stand-in), the EC2 and GCE clouds served by zone-b's agents, which convert.
 *
 *   Glance -> Glance, EC2, GCE: an adoption of a qcow2 from zone-a (streamed as it is into zone-b, whose
 *     agents prefer the agent path to Glance's glance-download, see glance-download.test,
 *     converted to raw for EC2 and GCE);
 *   EC2 -> Glance, EC2, GCE: a sync of an image uploaded into EC2 only (EC2 -> EC2 by CopyImage);
 *   GCE -> Glance, EC2, GCE: a sync of an image uploaded into GCE only, refused with the plan's reason
 *     (GCE hands out no image's bytes).
 *
 * Each dry run changes nothing (GIMinG's records, the stand-ins' images); each real task records the
 * plan of its dry run (path, source cloud, conversion, bytes) and the clouds show it was done that way.
 * Then the size limits: a target's largest image (zone-b's agents told a small Glance image_size_cap) and
 * the scratch space a conversion has ([agent] staging_max_bytes) refuse the plan before any byte moves.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AwsStandin } from '../support/aws-standin';
import { GceStandin } from '../support/gce-standin';
import { waitForTasks } from '../support/flows';
import { http, waitFor } from '../support/http';
import { useStack } from '../support/stack';
import { TESTBED_DIR } from '../support/testbed';

const MIB = 1024 * 1024;
const EAST = 'us-east-1';
const WEST = 'eu-west-1';
/** zone-b's agents are told their Glance takes at most this. */
const LIMIT = 6 * MIB;
/** zone-b's staging room: two of the pairs' conversions at once fit (each holds its source and its disk). */
const SCRATCH = 12 * MIB;

describe('plans of every pair of cloud kinds, checked against the real runs', function () {
  this.timeout(600000);
  /** Images made, with the token of their owner. */
  const made: Array<[string, () => string]> = [];
  const glanceMade: Array<[string, string]> = [];
  // Registered before the stack's and the stand-ins' hooks: mocha runs after hooks in order.
  after(async () => {
    for (const [id, token] of made) {
      await http('DELETE', `${stack.api}/v1/images/${id}?delete_remote=true`, { token: token() });
    }
    for (const [id, token] of made) {
      await waitFor(
        `image ${id} to be deleted`,
        async () =>
          (await http('GET', `${stack.api}/v1/images/${id}`, { token: token() })).status === 404
            ? true
            : undefined,
        120000,
      ).catch(() => undefined);
    }
    for (const [zone, id] of glanceMade) await stack.cloud(zone).delete(id);
  });

  const ec2 = new AwsStandin({ minDurationMs: 300, tickMs: 100 });
  const gce = new GceStandin({ insertMs: 300 });
  let tmp: string;
  before(async function () {
    this.timeout(90000);
    tmp = mkdtempSync(join(tmpdir(), 'gimming-plan-pairs-'));
    await Promise.all([ec2.start(), gce.start()]);
  });
  after(async () => {
    await Promise.all([ec2.stop(), gce.stop()]);
    rmSync(tmp, { recursive: true, force: true });
  });
  const stack = useStack({
    extraConfig:
      '[conductor]\nremote_cache_time = 0\nrefresh_interval = 0\n' +
      // The project's key names the stand-in's token endpoint, on loopback.
      '[project_clouds]\nallowed_private_networks = 127.0.0.1/32\n',
    agentEnv: () => ({
      // zone-a allows Glance's own copy (the test support's default is never): what it advertises shows.
      'zone-a': { OS_GLANCE__NATIVE_IMPORT: 'auto' },
      'zone-b': {
        ...ec2.agentEnv(),
        OS_AGENT__ENABLED_DRIVERS: 'openstack,aws,gcp',
        OS_AGENT__IMAGE_CONVERSION: 'true',
        OS_AGENT__GLANCE_IMAGE_SIZE_CAP: String(LIMIT),
        OS_AGENT__STAGING_MAX_BYTES: String(SCRATCH),
        // Glance -> Glance streams into zone-b here (its size limits are under test below): its operator
        // prefers the agent path even where its Glance advertises glance-download. The native path is
        // glance-download.test's.
        OS_GLANCE__NATIVE_IMPORT: 'never',
        OS_GCP__COMPUTE_ENDPOINT: gce.computeUrl,
        OS_GCP__STORAGE_ENDPOINT: gce.storageUrl,
        OS_GCP__OPERATION_POLL_INTERVAL: '100',
        GOOGLE_APPLICATION_CREDENTIALS: gce.keyFile('operator'),
      },
    }),
  });

  let secretRef = '';
  after(async () => {
    if (secretRef) await http('DELETE', secretRef, { token: stack.admin.id }).catch(() => undefined);
  });
  const register = async (json: Record<string, unknown>) => {
    const res = await http('POST', `${stack.api}/v1/clouds`, { token: stack.admin.id, json });
    assert.equal(res.status, 201, res.text);
  };
  before(async function () {
    this.timeout(90000);
    for (const [name, region] of [
      ['ec2-east', EAST],
      ['ec2-west', WEST],
    ] as const) {
      await register({
        name,
        type: 'aws',
        region_name: region,
        zone: 'zone-b',
        bucket: ec2.bucket('operator', region),
      });
    }
    // Two GCE clouds, so that GCE -> GCE is a pair too: the operator's project (a shared cloud, the
    // agents' own credentials), and the admin project's own (a project cloud, its key in Barbican); the
    // GCE pairs run as admin, whose cloud that is.
    await register({
      name: 'gce-1',
      type: 'gcp',
      region_name: 'global',
      zone: 'zone-b',
      project: gce.projects.operator.id,
      bucket: gce.bucket('operator'),
    });
    const { barbican_url } = JSON.parse(readFileSync(join(TESTBED_DIR, 'testbed.json'), 'utf8')) as {
      barbican_url: string;
    };
    const stored = await http('POST', `${barbican_url}/v1/secrets`, {
      token: stack.admin.id,
      json: {
        name: 'gimming-plan-pairs-gcp-key',
        payload: JSON.stringify(gce.key('project')),
        payload_content_type: 'text/plain',
      },
    });
    assert.equal(stored.status, 201, stored.text);
    secretRef = stored.body.secret_ref as string;
    const own = await http('POST', `${stack.api}/v1/clouds`, {
      token: stack.admin.id,
      json: {
        name: 'gce-2',
        type: 'gcp',
        region_name: 'global',
        zone: 'zone-b',
        scope: 'project',
        credentials_ref: secretRef,
        project: gce.projects.project.id,
        bucket: gce.bucket('project'),
      },
    });
    assert.equal(own.status, 201, own.text);
    await waitFor(
      "zone-b's agents to show their conversions and size limits",
      async () => {
        const res = await http('GET', `${stack.api}/v1/clouds/gce-1`, { token: stack.admin.id });
        return res.body?.capabilities?.size_limits ? true : undefined;
      },
      60000,
    );
  });

  /** What GIMinG holds for the demo project, and what the stand-ins hold: a dry run changes none of it. */
  async function counts(token = stack.demo.id): Promise<Record<string, number>> {
    const images = await http('GET', `${stack.api}/v1/images?limit=1000`, { token });
    const tasks = await http('GET', `${stack.api}/v1/tasks?limit=1000`, { token });
    assert.equal(images.status, 200, images.text);
    const [east, west, g, own] = await Promise.all([
      ec2.state(EAST),
      ec2.state(WEST),
      gce.state(),
      gce.state(gce.projects.project.id),
    ]);
    return {
      images: images.body.images.length,
      tasks: tasks.body.tasks.length,
      locations: (images.body.images as any[]).reduce((n, i) => n + i.locations.length, 0),
      zone_b: (await stack.glance('zone-b').list()).length,
      ec2_images: east.images.length + west.images.length,
      ec2_imports: east.importTasks.length + west.importTasks.length,
      gce_images: g.images.length + own.images.length,
      gce_objects: g.objects.length + own.objects.length,
    };
  }

  const recorded = (t: any) => ({
    source_cloud: t.source_cloud,
    path: t.path,
    conversion: t.conversion,
    bytes: t.bytes,
  });
  const planOf = (plan: any, cloud: string) => plan.targets.find((t: any) => t.cloud === cloud);

  async function dryRun(url: string, json: unknown, token = stack.demo.id): Promise<any> {
    const before = await counts(token);
    const dry = await http('POST', `${url}${url.includes('?') ? '&' : '?'}dry_run=true`, { token, json });
    assert.equal(dry.status, 200, dry.text);
    assert.deepEqual(await counts(token), before, `the dry run of ${url} changes nothing`);
    return dry.body.plan;
  }

  /** Each task of the image to `targets` succeeded and records the dry run's plan of its target. */
  async function followed(id: string, plan: any, targets: string[]): Promise<any[]> {
    const tasks = await waitForTasks(stack.api, stack.demo.id, id, 300000);
    for (const cloud of targets) {
      const task = tasks.find((t) => t.cloud === cloud && t.type === 'copy');
      assert.equal(task?.status, 'succeeded', JSON.stringify(tasks));
      assert.deepEqual(
        task.plan,
        { ...recorded(planOf(plan, cloud)), reason: planOf(plan, cloud).reason },
        `the task to ${cloud} follows the dry run, and says why`,
      );
      // The bytes the plan said pass through the agents are the bytes the task moved (none for native).
      if (task.plan.path === 'agent') assert.equal(task.plan.bytes, task.bytes_total, JSON.stringify(task));
    }
    return tasks;
  }

  const locationIn = async (id: string, cloud: string) => {
    const shown = await http('GET', `${stack.api}/v1/images/${id}`, { token: stack.demo.id });
    return shown.body.locations.find((l: any) => l.cloud === cloud);
  };

  /** A real qcow2 (3 MiB of disk, 1 MiB of data), and one of `data` random bytes. */
  function qcow2(data = MIB, disk = 3 * MIB): Buffer {
    const raw = join(tmp, `disk-${randomBytes(4).toString('hex')}.raw`);
    writeFileSync(raw, Buffer.concat([randomBytes(data), Buffer.alloc(disk - data)]));
    execFileSync('/usr/bin/qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', raw, `${raw}.qcow2`]);
    return readFileSync(`${raw}.qcow2`);
  }

  /** An image uploaded into `target` only: its only copy. */
  async function uploadedInto(target: string, data: Buffer, token = stack.demo.id): Promise<string> {
    const created = await http('POST', `${stack.api}/v1/images`, {
      token,
      json: { name: `only-${target}`, disk_format: 'raw', container_format: 'bare', targets: [target] },
    });
    assert.equal(created.status, 201, created.text);
    const id = created.body.id as string;
    made.push([id, () => token]);
    const put = await http('PUT', `${stack.api}/v1/images/${id}/file`, {
      token,
      body: data,
      headers: { 'Content-Type': 'application/octet-stream' },
    });
    assert.equal(put.status, 204, put.text);
    const [upload] = await waitForTasks(stack.api, token, id, 180000);
    assert.equal(upload.status, 'succeeded', JSON.stringify(upload));
    return id;
  }

  it('the zones say what their Glance advertises (glance-download) and what their operator allows', async () => {
    const advertises: Record<string, boolean> = {};
    for (const zone of ['zone-a', 'zone-b']) {
      const res = await http('GET', `${stack.glance(zone).url}/v2/info/import`, { token: stack.demo.id });
      assert.equal(res.status, 200, res.text);
      const methods = res.body['import-methods'].value as string[];
      assert.ok(methods.includes('copy-image'), JSON.stringify(methods));
      advertises[zone] = methods.includes('glance-download');
      // An agent reads its Glance's import methods with the first caller's token that reaches it.
      const listed = await http('GET', `${stack.api}/v1/clouds/${zone}/images`, { token: stack.demo.id });
      assert.equal(listed.status, 200, listed.text);
    }
    const nativeCopy = async (zone: string) =>
      (await http('GET', `${stack.api}/v1/clouds/${zone}`, { token: stack.admin.id })).body.capabilities
        .native_copy as string[];
    // zone-a: what its Glance advertises, once its agent has read it (the next heartbeat).
    await waitFor(
      `zone-a's agents to say what its Glance advertises (glance-download: ${advertises['zone-a']})`,
      async () =>
        JSON.stringify(await nativeCopy('zone-a')) ===
        JSON.stringify(advertises['zone-a'] ? ['openstack'] : [])
          ? true
          : undefined,
      30000,
    );
    // zone-b: none, whatever its Glance advertises ([glance] native_import = never).
    assert.deepEqual(await nativeCopy('zone-b'), []);
  });

  it('Glance -> Glance, EC2 and GCE: planned, changed nothing, then done as planned', async () => {
    const data = qcow2();
    const { image: source } = await stack
      .cloud('zone-a')
      .createWithData(data, { disk_format: 'qcow2', container_format: 'bare' });
    glanceMade.push(['zone-a', source.id]);
    const targets = ['zone-b', 'ec2-east', 'gce-1'];
    const body = { name: 'from-glance', source: { cloud: 'zone-a', image_id: source.id }, targets };
    const plan = await dryRun(`${stack.api}/v1/images`, body);
    const asIs = { source_cloud: 'zone-a', path: 'agent', conversion: null, bytes: data.length };
    const converted = { ...asIs, path: 'agent+convert', conversion: { from: 'qcow2', to: 'raw' } };
    assert.deepEqual(recorded(planOf(plan, 'zone-b')), asIs);
    assert.deepEqual(recorded(planOf(plan, 'ec2-east')), converted);
    assert.deepEqual(recorded(planOf(plan, 'gce-1')), converted);
    // Why not Glance's own copy: zone-b's operator set [glance] native_import = never, as its agents say.
    assert.equal(
      planOf(plan, 'zone-b').reason,
      'Through the agents from cloud zone-a: the agents of zone zone-b offer no native copy from openstack ' +
        'clouds into cloud zone-b (openstack): their [glance] native_import is never.',
    );

    const adopted = await http('POST', `${stack.api}/v1/images`, { token: stack.demo.id, json: body });
    assert.equal(adopted.status, 202, adopted.text);
    const id = adopted.body.id as string;
    made.push([id, () => stack.demo.id]);
    await followed(id, plan, targets);
    // Done that way: zone-b holds the qcow2 as it is; EC2 and GCE a raw disk converted from it.
    const zoneB = await locationIn(id, 'zone-b');
    assert.equal((await stack.glance('zone-b').get(zoneB.image_id))?.disk_format, 'qcow2');
    for (const cloud of ['ec2-east', 'gce-1']) {
      const copy = await locationIn(id, cloud);
      assert.equal(copy.proof, 'converted', JSON.stringify(copy));
      assert.equal(copy.conversion?.from, 'qcow2', JSON.stringify(copy));
    }
    const inGce = (await gce.state()).images.find((i) => i.image.labels?.gimming_image_id === id);
    // A raw disk (padded to the next GiB, as GCE takes disks) made from the converted bytes.
    assert.equal(inGce?.image.status, 'READY');
    assert.equal(inGce?.rawDisk?.rawSizeBytes, 1024 * MIB);
  });

  it('EC2 -> Glance, EC2 (CopyImage) and GCE: planned, changed nothing, then done as planned', async () => {
    const data = randomBytes(2 * MIB + 7);
    const id = await uploadedInto('ec2-east', data);
    const targets = ['zone-a', 'ec2-west', 'gce-1'];
    const westBefore = await ec2.state(WEST);
    const plan = await dryRun(`${stack.api}/v1/images/${id}/sync`, { targets });
    const streamed = { source_cloud: 'ec2-east', path: 'agent', conversion: null, bytes: data.length };
    assert.deepEqual(recorded(planOf(plan, 'zone-a')), streamed);
    assert.deepEqual(recorded(planOf(plan, 'gce-1')), streamed);
    assert.deepEqual(recorded(planOf(plan, 'ec2-west')), {
      source_cloud: 'ec2-east',
      path: 'native',
      conversion: null,
      bytes: 0,
    });
    assert.equal(
      planOf(plan, 'ec2-west').reason,
      'Native: cloud ec2-west (aws) copies the image from cloud ec2-east itself, as the agents of zone ' +
        'zone-b allow; no byte passes through the agents.',
    );

    const synced = await http('POST', `${stack.api}/v1/images/${id}/sync`, {
      token: stack.demo.id,
      json: { targets },
    });
    assert.equal(synced.status, 202, synced.text);
    await followed(id, plan, targets);
    // Read out of EC2 by an export task for zone-a and GCE; made by CopyImage in eu-west-1, no import.
    const east = await ec2.state(EAST);
    assert.ok(east.exportTasks.length >= 1, 'the EC2 copy was exported to be read');
    const west = await ec2.state(WEST);
    const copy = await locationIn(id, 'ec2-west');
    const ami = west.images.find((i) => i.id === copy.image_id);
    const snapshot = west.snapshots.find((s) => s.id === ami?.blockDeviceMappings[0]?.snapshotId);
    assert.match(snapshot?.description ?? '', /from SourceAmi ami-/);
    assert.deepEqual(
      west.importTasks.filter((t) => !westBefore.importTasks.some((o) => o.id === t.id)),
      [],
      'no import task in eu-west-1',
    );
    const zoneA = await locationIn(id, 'zone-a');
    assert.equal((await stack.glance('zone-a').get(zoneA.image_id))?.size, data.length);
    const inGce = (await gce.state()).images.find((i) => i.image.labels?.gimming_image_id === id);
    assert.equal(inGce?.image.status, 'READY');
  });

  it('GCE -> Glance, EC2 and GCE: planned as refused (cannot_export), and the real run refused the same', async () => {
    const admin = stack.admin.id;
    const id = await uploadedInto('gce-1', randomBytes(2 * MIB), admin);
    const targets = ['zone-a', 'ec2-east', 'gce-2'];
    const plan = await dryRun(`${stack.api}/v1/images/${id}/sync`, { targets }, admin);
    for (const cloud of targets) {
      const t = planOf(plan, cloud);
      assert.equal(t.path, null, JSON.stringify(t));
      assert.equal(t.source_cloud, 'gce-1');
      assert.equal(t.refused?.code, 'gimming.plan.cannot_export', JSON.stringify(t));
    }
    const before = await counts(admin);
    const refused = await http('POST', `${stack.api}/v1/images/${id}/sync`, {
      token: admin,
      json: { targets },
    });
    assert.equal(refused.status, 409, refused.text);
    assert.equal(refused.body.error.code, 'gimming.plan.refused');
    assert.deepEqual(
      refused.body.error.details.refused,
      targets.map((cloud) => ({
        cloud,
        code: planOf(plan, cloud).refused.code,
        message: planOf(plan, cloud).refused.message,
      })),
      'the real run is refused with the reasons of its dry run',
    );
    assert.deepEqual(await counts(admin), before, 'nothing was queued or made');
  });

  it("refuses before any byte an image over a target's size limit and a conversion over the scratch space", async () => {
    const shown = await http('GET', `${stack.api}/v1/clouds/zone-b`, { token: stack.admin.id });
    assert.deepEqual(shown.body.capabilities.size_limits, {
      image_bytes: LIMIT,
      image_bytes_from: `[agent] glance_image_size_cap = ${LIMIT}, Glance's image_size_cap`,
      scratch_bytes: SCRATCH,
    });
    // 13 MiB of random data in a qcow2: more than zone-b's Glance takes, and than a conversion has room.
    const data = qcow2(13 * MIB, 14 * MIB);
    const { image: source } = await stack
      .cloud('zone-a')
      .createWithData(data, { disk_format: 'qcow2', container_format: 'bare' });
    glanceMade.push(['zone-a', source.id]);
    const body = {
      name: 'too-large',
      source: { cloud: 'zone-a', image_id: source.id },
      targets: ['zone-b', 'ec2-east', 'ec2-west'],
    };
    const plan = await dryRun(`${stack.api}/v1/images`, body);
    const zoneB = planOf(plan, 'zone-b').refused;
    assert.equal(zoneB?.code, 'gimming.plan.too_large', JSON.stringify(plan));
    assert.equal(
      zoneB.message,
      `The image (${data.length} bytes) is larger than cloud zone-b (openstack) takes: at most ${LIMIT} bytes ` +
        `([agent] glance_image_size_cap = ${LIMIT}, Glance's image_size_cap).`,
    );
    for (const cloud of ['ec2-east', 'ec2-west']) {
      const t = planOf(plan, cloud).refused;
      assert.equal(t?.code, 'gimming.plan.too_large', JSON.stringify(plan));
      assert.match(
        t.message,
        new RegExp(`needs more scratch space than the agents of zone zone-b have: at most ${SCRATCH} bytes`),
      );
    }
    const before = await counts();
    const refused = await http('POST', `${stack.api}/v1/images`, { token: stack.demo.id, json: body });
    assert.equal(refused.status, 409, refused.text);
    assert.equal(refused.body.error.code, 'gimming.plan.refused');
    assert.deepEqual(
      refused.body.error.details.refused.map((r: any) => [r.cloud, r.code]),
      body.targets.map((cloud) => [cloud, 'gimming.plan.too_large']),
    );
    assert.deepEqual(await counts(), before, 'nothing was made, no byte moved');
    assert.equal((await stack.glance('zone-a').get(source.id))?.properties?.gimming_image_id, undefined);
  });
});
