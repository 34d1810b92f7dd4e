/**
 * A family version's lifecycle in GCE's own terms, through the real daemons (issue 19): two versions,
 * each a Glance image of zone-a copied into a GCE project (the strict stand-in, served by the agents of
 * zone-b). Deprecating, obsoleting and revoking the older one sets its GCE image's deprecation status
 * (DEPRECATED, OBSOLETE, DELETED, the newer version's image as replacement) and its Glance image's
 * os_hidden and status; restoring undoes both; a change scheduled at a given time is applied by the
 * periodic task. GCE's side is read through the real SDK (images.get), never through GIMinG.
 */
import assert from 'node:assert/strict';
import type { AgentInfo__Output } from '../../src/common/grpc/generated/gimming/agent/v2/AgentInfo';
import { call as agentCall, useAgentCredentials } from '../support/agent-grpc';
import { GceStandin } from '../support/gce-standin';
import { deleteEverywhere, waitForTasks } from '../support/flows';
import { http, waitFor } from '../support/http';
import { useStack } from '../support/stack';

const V12 = { 'OpenStack-API-Version': 'image-manager 1.2' };

describe('image families: lifecycle in GCE and Glance', function () {
  this.timeout(300000);
  const standin = new GceStandin({ insertMs: 500, otherMs: 300 });
  before(async function () {
    this.timeout(60000);
    await standin.start();
  });
  after(async () => {
    await standin.stop();
  });
  const images: string[] = [];
  // Registered before the stack, so it runs while the daemons are still up (after hooks run in order).
  after(async function () {
    this.timeout(150000);
    await deleteEverywhere(stack.api, stack.demo.id, images, 120000);
  });
  const stack = useStack({
    extraConfig:
      '[conductor]\nremote_cache_time = 0\nrefresh_interval = 0\n[families]\nlifecycle_interval = 1\n',
    agentEnv: () => ({
      'zone-b': {
        OS_AGENT__ENABLED_DRIVERS: 'openstack,gcp',
        OS_GCP__COMPUTE_ENDPOINT: standin.computeUrl,
        OS_GCP__STORAGE_ENDPOINT: standin.storageUrl,
        OS_GCP__OPERATION_POLL_INTERVAL: '100',
        GOOGLE_APPLICATION_CREDENTIALS: standin.keyFile('operator'),
      },
    }),
  });
  before(() => useAgentCredentials(stack.daemons.configPath));
  const api = (path: string) => `${stack.api}/v1${path}`;
  const call = (method: string, path: string, json?: unknown) =>
    http(method, api(path), { token: stack.demo.id, headers: V12, ...(json !== undefined ? { json } : {}) });
  const glance = () => stack.glance('zone-a');
  const project = () => standin.projects.operator.id;
  const link = (name: string) =>
    `https://www.googleapis.com/compute/v1/projects/${project()}/global/images/${name}`;
  /** The GCE image as the real SDK reads it from the stand-in. */
  const gce = async (name: string) =>
    (await standin.compute('operator').images.get({ project: project(), image: name }))[0];

  /** A version's image: made in zone-a's Glance, adopted and copied to GCE; its copy IDs. */
  async function version(): Promise<{ id: string; glanceId: string; gceName: string }> {
    const { image } = await stack.cloud('zone-a').createWithData(64 * 1024, {
      disk_format: 'raw',
      container_format: 'bare',
    });
    const res = await http('POST', api('/images'), {
      token: stack.demo.id,
      json: { source: { cloud: 'zone-a', image_id: image.id }, targets: ['gce-shared'] },
    });
    assert.equal(res.status, 202, res.text);
    images.push(res.body.id);
    const tasks = await waitForTasks(stack.api, stack.demo.id, res.body.id, 180000);
    assert.deepEqual(
      tasks.map((t) => t.status),
      ['succeeded'],
      JSON.stringify(tasks.map((t) => t.error)),
    );
    const shown = await http('GET', api(`/images/${res.body.id}`), { token: stack.demo.id });
    const gceName = shown.body.locations.find((l: any) => l.cloud === 'gce-shared').image_id as string;
    return { id: res.body.id, glanceId: image.id, gceName };
  }

  let v1: Awaited<ReturnType<typeof version>>;
  let v2: Awaited<ReturnType<typeof version>>;

  before(async function () {
    this.timeout(240000);
    const registered = await http('POST', api('/clouds'), {
      token: stack.admin.id,
      json: {
        name: 'gce-shared',
        type: 'gcp',
        region_name: 'global',
        zone: 'zone-b',
        project: project(),
        bucket: standin.bucket('operator'),
      },
    });
    assert.equal(registered.status, 201, registered.text);
    const caps = await waitFor(
      'the gcp cloud to show its capabilities',
      async () =>
        (await http('GET', api('/clouds/gce-shared'), { token: stack.admin.id })).body?.capabilities,
      60000,
    );
    assert.ok(caps, 'capabilities shown');
    [v1, v2] = [await version(), await version()];
    assert.equal((await call('POST', '/families', { name: 'debian-13' })).status, 201);
    for (const v of [v1, v2])
      assert.equal((await call('POST', '/families/debian-13/versions', { image_id: v.id })).status, 201);
  });

  const set = async (state: string, seq = 1) => {
    const res = await call('POST', `/families/debian-13/versions/${seq}/lifecycle`, { state });
    assert.equal(res.status, 200, res.text);
    return res.body;
  };

  it("advertises GCE's lifecycle states in the gcp driver's capabilities", async () => {
    const info = await agentCall<AgentInfo__Output>(
      `127.0.0.1:${stack.ports.agents['zone-b']}`,
      'GetInfo',
      {},
      stack.demo,
    );
    const gcp = info.drivers.find((d) => d.name === 'gcp');
    assert.deepEqual(gcp?.capabilities?.lifecycle_states, ['deprecated', 'obsolete', 'revoked']);
  });

  it('deprecates: DEPRECATED in GCE with the newer version as replacement, hidden in Glance', async () => {
    const body = await set('deprecated');
    assert.deepEqual(
      body.copies.map((c: any) => [c.cloud, c.lifecycle, c.error?.code]),
      [
        ['gce-shared', 'deprecated', undefined],
        ['zone-a', 'deprecated', undefined],
      ],
    );
    assert.equal(body.versions[0].propagated, true);
    const img = await gce(v1.gceName);
    assert.equal(img.deprecated?.state, 'DEPRECATED');
    assert.equal(img.deprecated?.replacement, link(v2.gceName));
    assert.ok(Date.parse(String(img.deprecated?.deprecated)) <= Date.now(), 'deprecated now');
    assert.equal(img.status, 'READY');
    assert.equal((await gce(v2.gceName)).deprecated, undefined, 'the newer version is untouched');
    // Setting it again succeeds and changes nothing (no new time).
    const again = await set('deprecated');
    assert.deepEqual(
      again.copies.map((c: any) => [c.cloud, c.lifecycle]),
      [
        ['gce-shared', 'deprecated'],
        ['zone-a', 'deprecated'],
      ],
    );
    assert.deepEqual((await gce(v1.gceName)).deprecated, img.deprecated);
    const g = await glance().get(v1.glanceId);
    assert.equal(g?.os_hidden, true);
    assert.equal(g?.status, 'active');
  });

  it('obsoletes then revokes: OBSOLETE then DELETED in GCE (the image kept), deactivated in Glance', async () => {
    const deprecatedAt = (await gce(v1.gceName)).deprecated?.deprecated;
    const obsolete = await set('obsolete');
    assert.deepEqual(
      obsolete.copies.map((c: any) => [c.cloud, c.lifecycle]),
      [
        ['gce-shared', 'obsolete'],
        ['zone-a', 'obsolete'],
      ],
    );
    let img = await gce(v1.gceName);
    assert.equal(img.deprecated?.state, 'OBSOLETE');
    assert.equal(img.deprecated?.deprecated, deprecatedAt, 'the deprecation time is kept');
    assert.ok(img.deprecated?.obsolete, 'the time it became obsolete');
    assert.equal((await glance().get(v1.glanceId))?.status, 'deactivated');

    const revoked = await set('revoked');
    assert.deepEqual(
      revoked.copies.map((c: any) => [c.cloud, c.lifecycle]),
      [
        ['gce-shared', 'revoked'],
        ['zone-a', 'revoked'],
      ],
    );
    img = await gce(v1.gceName);
    assert.equal(img.deprecated?.state, 'DELETED');
    assert.ok(img.deprecated?.deleted, 'the time it was revoked');
    assert.equal(img.deprecated?.replacement, link(v2.gceName));
    assert.equal(img.status, 'READY', 'GCE keeps a DELETED image until it is deleted');
    const g = await glance().get(v1.glanceId);
    assert.equal(g?.status, 'deactivated');
    assert.equal(g?.os_hidden, true);
    // GCE refuses a new use of it (here: as the source of an image).
    await assert.rejects(
      standin.compute('operator').images.insert({
        project: project(),
        imageResource: { name: 'from-revoked', sourceImage: link(v1.gceName) },
      }),
      (e: Error & { code?: number }) => e.code === 400 && /is deleted/.test(e.message),
    );
  });

  it('restores: no deprecation status in GCE, visible and active in Glance', async () => {
    const body = await set('active');
    assert.deepEqual(
      body.copies.map((c: any) => [c.cloud, c.lifecycle]),
      [
        ['gce-shared', 'active'],
        ['zone-a', 'active'],
      ],
    );
    assert.equal((await gce(v1.gceName)).deprecated, undefined);
    const g = await glance().get(v1.glanceId);
    assert.equal(g?.status, 'active');
    assert.equal(g?.os_hidden, false);
  });

  // Google's image guide says a deprecated image cannot be made ACTIVE again, while the API reference and
  // gcloud restore it with state ACTIVE. Whichever GCE does, a refusal must show word for word on that copy
  // and leave the version unpropagated (retried), the other clouds restored.
  it("shows GCE's refusal of a restore word for word on its copy; Glance is restored, the retry succeeds", async () => {
    await set('deprecated');
    const refusal =
      "Invalid value for field 'deprecationStatus.state': 'ACTIVE'. A deprecated image cannot be made active again.";
    await standin.failCall('compute.images.deprecate', 400, refusal);
    const body = await set('active');
    const gceCopy = body.copies.find((c: any) => c.cloud === 'gce-shared');
    assert.equal(gceCopy.lifecycle, null, JSON.stringify(body.copies));
    assert.ok(String(gceCopy.error?.message).includes(refusal), JSON.stringify(gceCopy));
    assert.deepEqual(
      body.copies.filter((c: any) => c.cloud === 'zone-a').map((c: any) => [c.lifecycle, c.error]),
      [['active', undefined]],
    );
    assert.equal((await gce(v1.gceName)).deprecated?.state, 'DEPRECATED', 'GCE kept its state');
    const g = await glance().get(v1.glanceId);
    assert.equal(g?.os_hidden, false);
    const family = await call('GET', '/families/debian-13');
    const version = family.body.versions[0];
    assert.equal(version.lifecycle, 'active');
    assert.equal(version.propagated, false);
    assert.ok(String(version.propagation_error).includes(refusal), String(version.propagation_error));
    // The refusal was one call: the next attempt (the periodic task's, or this one) restores GCE too.
    const again = await set('active');
    assert.deepEqual(
      again.copies.map((c: any) => [c.cloud, c.lifecycle]),
      [
        ['gce-shared', 'active'],
        ['zone-a', 'active'],
      ],
    );
    assert.equal((await gce(v1.gceName)).deprecated, undefined);
    assert.equal((await call('GET', '/families/debian-13')).body.versions[0].propagated, true);
  });

  it('obsoletes at a given time, applied by the periodic task, then undone', async () => {
    const at = new Date(Date.now() + 3000).toISOString();
    const res = await call('POST', '/families/debian-13/versions/1/lifecycle', { state: 'obsolete', at });
    assert.equal(res.status, 202, res.text);
    assert.equal((await gce(v1.gceName)).deprecated, undefined, 'nothing set before its time');
    await waitFor(
      'the scheduled change to reach GCE',
      async () => {
        const f = await call('GET', '/families/debian-13');
        const v = f.body.versions[0];
        return v.lifecycle === 'obsolete' && v.propagated ? v : undefined;
      },
      30000,
      500,
    );
    const img = await gce(v1.gceName);
    assert.equal(img.deprecated?.state, 'OBSOLETE');
    assert.ok(Date.parse(String(img.deprecated?.obsolete)) >= Date.parse(at) - 1000, 'obsolete at its time');
    assert.equal((await glance().get(v1.glanceId))?.status, 'deactivated');
    await set('active');
    assert.equal((await gce(v1.gceName)).deprecated, undefined);
    assert.equal((await glance().get(v1.glanceId))?.status, 'active');
  });
});
