/**
 * GCE as a cloud through the whole stack: a shared gcp cloud (one Google Cloud project with its transfer
 * bucket, served by the agents of zone-b, which have the gcp driver and the host's application default
 * credentials) registered through the API; a Glance image of zone-a adopted and synced into it against
 * the strict GCE and Cloud Storage stand-in (the disk GCE made holds the source's bytes: its SHA-512); deleted with remote deletion; and a copy from GCE (which no
 * API hands out the bytes of) refused by the planner, in a dry run and in a real one.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { GceStandin, diskSha512 } from '../support/gce-standin';
import { waitForTasks } from '../support/flows';
import { http, waitFor } from '../support/http';
import { useStack } from '../support/stack';

const MIB = 1024 * 1024;

describe('GCE as a cloud, through the daemons', function () {
  this.timeout(300000);
  const standin = new GceStandin({ insertMs: 1000 });
  before(async function () {
    this.timeout(60000);
    await standin.start();
  });
  after(async () => {
    await standin.stop();
  });
  const stack = useStack({
    extraConfig: '[conductor]\nremote_cache_time = 0\nrefresh_interval = 0\n',
    agentEnv: () => ({
      'zone-b': {
        OS_AGENT__ENABLED_DRIVERS: 'openstack,gcp',
        OS_GCP__COMPUTE_ENDPOINT: standin.computeUrl,
        OS_GCP__STORAGE_ENDPOINT: standin.storageUrl,
        OS_GCP__OPERATION_POLL_INTERVAL: '100',
        // A shared cloud: the host's application default credentials, here a service-account key file.
        GOOGLE_APPLICATION_CREDENTIALS: standin.keyFile('operator'),
      },
    }),
  });
  const glanceMade: string[] = [];
  after(async () => {
    for (const id of glanceMade)
      await stack
        .cloud('zone-a')
        .delete(id)
        .catch(() => undefined);
  });

  before(async () => {
    const registered = await http('POST', `${stack.api}/v1/clouds`, {
      token: stack.admin.id,
      json: {
        name: 'gce-shared',
        type: 'gcp',
        region_name: 'global',
        zone: 'zone-b',
        project: standin.projects.operator.id,
        bucket: standin.bucket('operator'),
      },
    });
    assert.equal(registered.status, 201, registered.text);
    assert.equal(registered.body.project, standin.projects.operator.id);
    assert.equal(registered.body.bucket, standin.bucket('operator'));
    await waitFor(
      'the gcp cloud to show its capabilities',
      async () => {
        const res = await http('GET', `${stack.api}/v1/clouds/gce-shared`, { token: stack.admin.id });
        return res.body?.capabilities ?? undefined;
      },
      60000,
    );
  });

  let id = '';
  let gceName = '';

  it('syncs a 64 MiB Glance image into GCE: the image labelled, no object left, the location active', async () => {
    const data = randomBytes(64 * MIB);
    const { image: source } = await stack
      .cloud('zone-a')
      .createWithData(data, { disk_format: 'raw', container_format: 'bare' });
    glanceMade.push(source.id);
    const started = Date.now();
    const adopted = await http('POST', `${stack.api}/v1/images`, {
      token: stack.demo.id,
      json: { name: 'to-gce', source: { cloud: 'zone-a', image_id: source.id }, targets: ['gce-shared'] },
    });
    assert.equal(adopted.status, 202, adopted.text);
    id = adopted.body.id as string;
    const tasks = await waitForTasks(stack.api, stack.demo.id, id, 180000);
    const seconds = (Date.now() - started) / 1000;
    const task = tasks.find((t) => t.cloud === 'gce-shared');
    assert.equal(task?.status, 'succeeded', JSON.stringify(tasks));
    console.log(
      `      64 MiB Glance -> GCE: ${seconds.toFixed(1)} s end to end, ${(64 / seconds).toFixed(1)} MiB/s` +
        ` (task ${task.created_at} .. ${task.updated_at})`,
    );

    const shown = await http('GET', `${stack.api}/v1/images/${id}`, { token: stack.demo.id });
    const copy = shown.body.locations.find((l: any) => l.cloud === 'gce-shared');
    assert.equal(copy?.status, 'active', JSON.stringify(shown.body.locations));
    assert.ok(shown.body.available_in.includes('gce-shared'), shown.text);
    gceName = copy.image_id as string;

    const state = await standin.state();
    const image = state.images.find((i) => i.image.name === gceName || gceName.endsWith(`/${i.image.name}`));
    assert.ok(
      image,
      `image ${gceName} is in the stand-in: ${JSON.stringify(state.images.map((i) => i.image.name))}`,
    );
    assert.equal(image.project, standin.projects.operator.id);
    assert.equal(image.image.status, 'READY');
    assert.equal(image.image.labels?.gimming_image_id, id);
    // GCE read the source's bytes (and the zeros to a whole GiB) from the archive the agent wrote.
    assert.equal(image.rawDisk?.sha512, diskSha512(data), 'the GCE disk holds the Glance image');
    assert.equal(image.rawDisk?.rawSizeBytes, 1024 ** 3);
    assert.deepEqual(state.objects, [], 'no object left in the bucket');
    assert.deepEqual(state.uploads, [], 'no upload session left');
  });

  it('refuses a sync from the GCE copy to zone-b (cannot_export), in a dry run and a real one', async () => {
    // An image that is only in GCE: uploaded straight into it, so GCE is the only source the planner has.
    const data = randomBytes(2 * MIB + 3);
    const created = await http('POST', `${stack.api}/v1/images`, {
      token: stack.demo.id,
      json: { name: 'gce-only', disk_format: 'raw', container_format: 'bare', targets: ['gce-shared'] },
    });
    assert.equal(created.status, 201, created.text);
    const only = created.body.id as string;
    const put = await http('PUT', `${stack.api}/v1/images/${only}/file`, {
      token: stack.demo.id,
      body: data,
      headers: { 'Content-Type': 'application/octet-stream' },
    });
    assert.equal(put.status, 204, put.text);
    const [upload] = await waitForTasks(stack.api, stack.demo.id, only, 180000);
    assert.equal(upload.status, 'succeeded', JSON.stringify(upload));
    const shown = await http('GET', `${stack.api}/v1/images/${only}`, { token: stack.demo.id });
    assert.deepEqual(
      shown.body.locations.map((l: any) => [l.cloud, l.status]),
      [['gce-shared', 'active']],
    );

    const dry = await http('POST', `${stack.api}/v1/images/${only}/sync?dry_run=true`, {
      token: stack.demo.id,
      json: { targets: ['zone-b'] },
    });
    assert.equal(dry.status, 200, dry.text);
    const planned = dry.body.plan.targets.find((t: any) => t.cloud === 'zone-b');
    assert.equal(planned.path, null, dry.text); // the API leaves a refused target's path empty
    assert.equal(planned.source_cloud, 'gce-shared');
    assert.equal(planned.refused.code, 'gimming.plan.cannot_export');

    const refused = await http('POST', `${stack.api}/v1/images/${only}/sync`, {
      token: stack.demo.id,
      json: { targets: ['zone-b'] },
    });
    assert.equal(refused.status, 409, refused.text);
    assert.equal(refused.body.error.code, 'gimming.plan.refused');
    assert.deepEqual(
      refused.body.error.details.refused.map((r: any) => [r.cloud, r.code]),
      [['zone-b', 'gimming.plan.cannot_export']],
    );
    const tasks = await http('GET', `${stack.api}/v1/tasks?image_id=${only}`, { token: stack.demo.id });
    assert.equal(tasks.body.tasks.length, 1, 'no task queued for zone-b');

    const gone = await http('DELETE', `${stack.api}/v1/images/${only}?delete_remote=true`, {
      token: stack.demo.id,
    });
    assert.equal(gone.status, 202, gone.text);
  });

  it('deletes the image with remote deletion, leaving nothing in GCE', async () => {
    assert.ok(id, 'the sync test ran');
    const deleting = await http('DELETE', `${stack.api}/v1/images/${id}?delete_remote=true`, {
      token: stack.demo.id,
    });
    assert.equal(deleting.status, 202, deleting.text);
    await waitFor(
      'the image to be deleted everywhere',
      async () =>
        (await http('GET', `${stack.api}/v1/images/${id}`, { token: stack.demo.id })).status === 404
          ? true
          : undefined,
      120000,
    );
    const state = await waitFor(
      'GCE to hold no image of GIMinG',
      async () => {
        const s = await standin.state();
        return s.images.length === 0 ? s : undefined;
      },
      60000,
    );
    assert.deepEqual(state.objects, []);
    assert.deepEqual(state.uploads, []);
  });
});
