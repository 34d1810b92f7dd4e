/**
 * A rolling upgrade, through the real daemons: the previous release (from git, conductor RPC 1.10,
 * support/old-release.ts) and this one side by side, each way round.
 * - The previous release's API in front of this conductor and its agents: the conductor serves its
 *   older calls (adopt, sync, list).
 * - This API in front of the previous release's conductor and agents, on a database this release
 *   migrated (expand-only): the API learns the conductors' oldest version ([upgrade_levels] conductor =
 *   auto, the default), sends basic work at the versions it needs, and refuses what needs a newer
 *   conductor (a sync's dry run, 1.12) with 409 gimming.rpc.version_capped instead of sending it.
 */
import assert from 'node:assert/strict';
import { DaemonSet, allPassed } from '../support/daemons';
import { registerClouds, waitForTasks } from '../support/flows';
import { http, waitFor } from '../support/http';
import { Glance, type Token, issueToken } from '../support/openstack';
import { PREVIOUS_RELEASE, previousRelease } from '../support/old-release';
import { type Testbed, testbed } from '../support/testbed';

/** Adopts an image of zone-a's Glance, syncs it to zone-b and lists it, as a user would. */
async function createSyncList(api: string, demo: Token, glanceA: Glance): Promise<void> {
  const { image: source } = await glanceA.createWithData(1024 * 1024 + 3, {
    disk_format: 'raw',
    container_format: 'bare',
  });
  const created = await http('POST', `${api}/v1/images`, {
    token: demo.id,
    json: { name: source.name, source: { cloud: 'zone-a', image_id: source.id }, targets: [] },
  });
  assert.ok([201, 202].includes(created.status), created.text);
  const id = created.body.id as string;
  const synced = await http('POST', `${api}/v1/images/${id}/sync`, {
    token: demo.id,
    json: { targets: ['zone-b'] },
  });
  assert.equal(synced.status, 202, synced.text);
  const tasks = await waitForTasks(api, demo.id, id);
  assert.deepEqual(
    tasks.map((t) => [t.type, t.status]),
    [['copy', 'succeeded']],
    JSON.stringify(tasks),
  );
  const list = await http('GET', `${api}/v1/images`, { token: demo.id });
  assert.equal(list.status, 200, list.text);
  const listed = (list.body.images as any[]).find((i) => i.id === id);
  assert.ok(listed, 'the image is listed');
  const image = await http('GET', `${api}/v1/images/${id}`, { token: demo.id });
  assert.deepEqual((image.body.locations as any[]).map((l) => [l.cloud, l.status]).sort(), [
    ['zone-a', 'active'],
    ['zone-b', 'active'],
  ]);
}

describe(`rolling upgrade: the previous release (${PREVIOUS_RELEASE.commit.slice(0, 8)}, RPC ${PREVIOUS_RELEASE.rpc}) and this one`, function () {
  this.timeout(180000);
  let bed: Testbed;
  let old: string;

  before(function () {
    // Built once per machine (about a minute), then reused from /var/tmp.
    this.timeout(900000);
    bed = testbed();
    old = previousRelease();
  });

  describe("the previous release's API, this conductor and agents", () => {
    let daemons: DaemonSet;
    let demo: Token;

    before(async function () {
      this.timeout(300000);
      daemons = new DaemonSet(bed, {
        apiPort: 19810,
        agentPorts: { 'zone-a': 19811, 'zone-b': 19812 },
        roots: { 'gimming-api': old },
      });
      await daemons.start();
      const admin = await issueToken(bed, bed.users.admin);
      demo = await issueToken(bed, bed.users.demo);
      await registerClouds(daemons.apiUrl, admin.id);
    });

    after(async function () {
      this.timeout(60000);
      if (daemons) await daemons.stop(!allPassed(this.test?.parent));
    });

    it('runs the API from the previous release', () => {
      assert.ok(daemons.process('api')?.spawnargs.some((a) => a.startsWith(old)));
      assert.ok(!daemons.process('conductor')?.spawnargs.some((a) => a.startsWith(old)));
    });

    it('creates, syncs and lists an image', async () => {
      await createSyncList(daemons.apiUrl, demo, new Glance(bed.regions.RegionOne!.glance_url, demo.id));
    });
  });

  describe("this API, the previous release's conductor and agents", () => {
    let daemons: DaemonSet;
    let demo: Token;

    before(async function () {
      this.timeout(300000);
      daemons = new DaemonSet(bed, {
        apiPort: 19815,
        agentPorts: { 'zone-a': 19816, 'zone-b': 19817 },
        roots: { 'gimming-conductor': old, 'gimming-agent': old },
      });
      await daemons.start();
      const admin = await issueToken(bed, bed.users.admin);
      demo = await issueToken(bed, bed.users.demo);
      await registerClouds(daemons.apiUrl, admin.id);
    });

    after(async function () {
      this.timeout(60000);
      if (daemons) await daemons.stop(!allPassed(this.test?.parent));
    });

    it('runs the conductor and agents from the previous release', () => {
      for (const name of ['conductor', 'agent-zone-a', 'agent-zone-b']) {
        assert.ok(
          daemons.process(name)?.spawnargs.some((a) => a.startsWith(old)),
          name,
        );
      }
      assert.ok(!daemons.process('api')?.spawnargs.some((a) => a.startsWith(old)));
    });

    it('creates, syncs and lists an image', async () => {
      await createSyncList(daemons.apiUrl, demo, new Glance(bed.regions.RegionOne!.glance_url, demo.id));
    });

    it('caps what it sends at the conductors’ version: a call that needs a newer one is refused, not sent', async () => {
      const line = await waitFor('the API to log its cap', async () =>
        daemons.logLines('api').find((l) => l.message === 'RPC version cap'),
      );
      assert.equal(line.cap, PREVIOUS_RELEASE.rpc);
      const image = (await http('GET', `${daemons.apiUrl}/v1/images`, { token: demo.id })).body.images[0];
      const plan = await http('POST', `${daemons.apiUrl}/v1/images/${image.id}/sync?dry_run=true`, {
        token: demo.id,
        json: { targets: ['zone-b'] },
      });
      assert.equal(plan.status, 409, plan.text);
      assert.equal(plan.body.error.code, 'gimming.rpc.version_capped');
      assert.match(
        plan.body.error.message,
        /needs conductor RPC 1\.12 \(sync_image\), above the cap of 1\.10/,
      );
      const handled = daemons.logLines('conductor').filter((l) => l.method === 'sync_image');
      assert.equal(handled.length, 1, 'the capped call never reached the conductor (only the real sync did)');
    });
  });
});
