/**
 * Who may use an image, and deleting it everywhere, through the real daemons and both Glance zones:
 * visibility and members applied to every copy (and to copies made later), DELETE with
 * delete_remote=true as one task per copy, each with its own result, and the conductor's periodic refresh
 * finding a copy deleted behind GIMinG's back; a copy its Glance left stuck in `deleted` counts as gone.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { location, waitForTasks } from '../support/flows';
import { http, waitFor } from '../support/http';
import { Glance, type Token } from '../support/openstack';
import { useStack } from '../support/stack';
import type { Testbed } from '../support/testbed';

describe('sharing and deleting an image everywhere', function () {
  this.timeout(180000);
  let bed: Testbed;
  let api: string;
  let admin: Token;
  let demo: Token;
  let alt: Token;
  let glanceA: Glance;
  let glanceB: Glance;
  let adminGlanceA: Glance;

  // Members may adopt images they do not own, as an operator's policy file may say: a test below has
  // demo adopt admin's public image to show that its copy is kept.
  const stack = useStack({
    policy: '"gimming:image:adopt_unowned": "rule:project_member"\n',
    // Short enough to watch the periodic refresh find drift by itself.
    extraConfig: '[conductor]\nrefresh_interval = 3\n',
  });

  before(() => {
    ({ bed, api, admin, demo, alt } = stack);
    [glanceA, glanceB] = [stack.glance('zone-a'), stack.glance('zone-b')];
    adminGlanceA = stack.glance('zone-a', admin);
  });

  /** Adopts a zone-a image (made with `glance`) and syncs it to zone-b. */
  async function adoptAndSync(glance = glanceA, fields: Record<string, unknown> = {}) {
    const { image: source } = await glance.createWithData(64 * 1024, fields);
    const res = await http('POST', `${api}/v1/images`, {
      token: demo.id,
      json: { source: { cloud: 'zone-a', image_id: source.id }, targets: ['zone-b'] },
    });
    assert.equal(res.status, 202, res.text);
    const [task] = await waitForTasks(api, demo.id, res.body.id);
    assert.equal(task.status, 'succeeded', JSON.stringify(task.error));
    const copyId = (await location(api, demo.id, res.body.id, 'zone-b')).image_id as string;
    return { id: res.body.id as string, source, copyId };
  }

  /**
   * Sets an image's status in a test bed Glance's own database (SQLite next to its store), for images
   * this file made: how a Glance left half-way by a failed delete looks.
   */
  function setGlanceStatus(region: string, imageId: string, status: string): void {
    const storeDir = bed.regions[region]?.store_dir;
    if (!storeDir) throw new Error(`the test bed's ${region} has no store directory`);
    const db = join(dirname(storeDir), 'glance.sqlite');
    assert.match(imageId, /^[0-9a-f-]{36}$/);
    assert.match(status, /^[a-z_]+$/);
    execFileSync('sqlite3', [
      '-cmd',
      '.timeout 10000',
      db,
      `UPDATE images SET status = '${status}' WHERE id = '${imageId}'`,
    ]);
  }

  const patch = (id: string, body: unknown, token = demo.id) =>
    http('PATCH', `${api}/v1/images/${id}`, {
      token,
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body: JSON.stringify(body),
    });

  describe('visibility and name', () => {
    it('are changed in every copy', async () => {
      const { id, source, copyId } = await adoptAndSync();
      await http('GET', `${api}/v1/images/${id}`, { token: demo.id }); // the conductor now holds a view
      const res = await patch(id, { visibility: 'shared', name: 'renamed-everywhere' });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.visibility, 'shared');
      assert.equal(res.body.name, 'renamed-everywhere');
      for (const l of res.body.locations) {
        assert.equal(l.remote.visibility, 'shared', `${l.cloud} answered the change`);
      }
      const [a, b] = [await glanceA.get(source.id), await glanceB.get(copyId)];
      assert.deepEqual([a.visibility, b.visibility], ['shared', 'shared']);
      const shown = await http('GET', `${api}/v1/images/${id}`, { token: demo.id });
      assert.deepEqual(
        shown.body.locations.map((l: any) => [l.remote.name, l.remote.visibility]),
        [
          ['renamed-everywhere', 'shared'],
          ['renamed-everywhere', 'shared'],
        ],
        'no stale view of the copies after the change',
      );
      assert.deepEqual([a.name, b.name], ['renamed-everywhere', 'renamed-everywhere']);
    });

    it('refuses public to a non-admin, bad values, and other projects', async () => {
      const { id, copyId } = await adoptAndSync();
      const pub = await patch(id, { visibility: 'public' });
      assert.equal(pub.status, 403, pub.text);
      assert.equal(pub.body.error.code, 'gimming.policy.forbidden');
      assert.equal((await glanceB.get(copyId)).visibility, 'private', 'nothing changed');
      assert.equal((await patch(id, { visibility: 'everyone' })).status, 400);
      assert.equal((await patch(id, { owner: 'me' })).status, 400);
      assert.equal((await patch(id, {})).status, 400);
      assert.equal((await patch(id, { name: 'x' }, alt.id)).status, 404);
      const created = await http('POST', `${api}/v1/images`, {
        token: demo.id,
        json: {
          name: 'p',
          disk_format: 'raw',
          container_format: 'bare',
          visibility: 'public',
          targets: ['zone-a'],
        },
      });
      assert.equal(created.status, 403, 'creating a public image takes an admin too');
    });
  });

  describe('members', () => {
    it('share the image in every copy, also with copies made later, and are removed from every copy', async () => {
      const { image: source } = await glanceA.createWithData(64 * 1024);
      const adopted = await http('POST', `${api}/v1/images`, {
        token: demo.id,
        json: { source: { cloud: 'zone-a', image_id: source.id }, targets: [] },
      });
      assert.equal(adopted.status, 202, adopted.text);
      const id = adopted.body.id as string;

      const early = await http('POST', `${api}/v1/images/${id}/members`, {
        token: demo.id,
        json: { member: alt.projectId },
      });
      assert.equal(early.status, 409, 'a private image has no members');
      assert.equal(early.body.error.code, 'gimming.image.not_shared');
      assert.equal((await patch(id, { visibility: 'shared' })).status, 200);

      const added = await http('POST', `${api}/v1/images/${id}/members`, {
        token: demo.id,
        json: { member: alt.projectId },
      });
      assert.equal(added.status, 201, added.text);
      assert.deepEqual(added.body.copies, [{ cloud: 'zone-a', status: 'pending' }]);
      const again = await http('POST', `${api}/v1/images/${id}/members`, {
        token: demo.id,
        json: { member: alt.projectId },
      });
      assert.equal(again.status, 409);
      assert.equal(again.body.error.code, 'gimming.member.exists');

      // A copy made after the member was added is shared with it too, and has the image's visibility.
      const sync = await http('POST', `${api}/v1/images/${id}/sync`, {
        token: demo.id,
        json: { targets: ['zone-b'] },
      });
      assert.equal(sync.status, 202, sync.text);
      const [task] = await waitForTasks(api, demo.id, id);
      assert.equal(task.status, 'succeeded', JSON.stringify(task.error));
      const copyId = (await location(api, demo.id, id, 'zone-b')).image_id as string;
      assert.equal((await glanceB.get(copyId)).visibility, 'shared');

      // The member's own view, in each Glance: it sees both copies as shared with it.
      const altA = new Glance(bed.regions.RegionOne!.glance_url, alt.id);
      const altB = new Glance(bed.regions.RegionTwo!.glance_url, alt.id);
      assert.equal((await altA.get(source.id))?.id, source.id, 'alt can read the zone-a copy');
      assert.equal((await altB.get(copyId))?.id, copyId, 'alt can read the zone-b copy');

      const listed = await http('GET', `${api}/v1/images/${id}/members`, { token: demo.id });
      assert.equal(listed.status, 200, listed.text);
      assert.equal(listed.body.members.length, 1);
      assert.equal(listed.body.members[0].member_id, alt.projectId);
      assert.deepEqual(listed.body.members[0].copies, [
        { cloud: 'zone-a', status: 'pending' },
        { cloud: 'zone-b', status: 'pending' },
      ]);
      assert.equal((await http('GET', `${api}/v1/images/${id}/members`, { token: alt.id })).status, 404);
      const altAdds = await http('POST', `${api}/v1/images/${id}/members`, {
        token: alt.id,
        json: { member: alt.projectId },
      });
      assert.equal(altAdds.status, 404, 'another project cannot share what it does not own');

      const removed = await http('DELETE', `${api}/v1/images/${id}/members/${alt.projectId}`, {
        token: demo.id,
      });
      assert.equal(removed.status, 204, removed.text);
      assert.equal(await altA.get(source.id), undefined, 'alt no longer sees the zone-a copy');
      assert.equal(await altB.get(copyId), undefined, 'nor the zone-b copy');
      const gone = await http('DELETE', `${api}/v1/images/${id}/members/${alt.projectId}`, {
        token: demo.id,
      });
      assert.equal(gone.status, 404);
      assert.deepEqual(
        (await http('GET', `${api}/v1/images/${id}/members`, { token: demo.id })).body.members,
        [],
      );
    });
  });

  describe('delete everywhere', () => {
    it('deletes every copy as a task of its own, then the image', async () => {
      const { id, source, copyId } = await adoptAndSync();
      const res = await http('DELETE', `${api}/v1/images/${id}?delete_remote=true`, { token: demo.id });
      assert.equal(res.status, 202, res.text);
      assert.equal(res.body.image.status, 'deleting');
      assert.deepEqual(res.body.tasks.map((t: any) => [t.type, t.cloud]).sort(), [
        ['delete', 'zone-a'],
        ['delete', 'zone-b'],
      ]);
      const tasks = (await waitForTasks(api, demo.id, id)).filter((t) => t.type === 'delete');
      assert.deepEqual(
        tasks.map((t) => t.status),
        ['succeeded', 'succeeded'],
        JSON.stringify(tasks.map((t) => t.error)),
      );
      // The image goes once the last delete task has ended (just after it is recorded).
      await waitFor('the image to go', async () =>
        (await http('GET', `${api}/v1/images/${id}`, { token: demo.id })).status === 404 ? true : undefined,
      );
      assert.equal(await glanceA.get(source.id), undefined, 'gone from zone-a');
      assert.equal(await glanceB.get(copyId), undefined, 'gone from zone-b');
      const one = await http('GET', `${api}/v1/tasks/${tasks[0].id}`, { token: demo.id });
      assert.equal(one.status, 200, 'the tasks keep their results after the image is gone');
      const listed = await http('GET', `${api}/v1/images?limit=1000`, { token: demo.id });
      assert.ok(!listed.body.images.some((i: any) => i.id === id), 'nor is it listed');
    });

    it('counts a copy stuck in deleted in its Glance as gone (400 "transition from deleted to deleted")', async () => {
      const { id, source, copyId } = await adoptAndSync();
      // What a delete that answered 500 half-way leaves: the row not destroyed, its status `deleted`.
      // Glance then refuses every later delete with 400; GIMinG would keep the copy, and the image, forever.
      setGlanceStatus('RegionTwo', copyId, 'deleted');
      try {
        assert.equal((await glanceB.get(copyId)).status, 'deleted');
        const refused = await http('DELETE', `${bed.regions.RegionTwo!.glance_url}/v2/images/${copyId}`, {
          token: demo.id,
        });
        assert.equal(refused.status, 400, "the test bed's Glance refuses it as a real one does");
        const res = await http('DELETE', `${api}/v1/images/${id}?delete_remote=true`, { token: demo.id });
        assert.equal(res.status, 202, res.text);
        const tasks = (await waitForTasks(api, demo.id, id)).filter((t) => t.type === 'delete');
        assert.deepEqual(
          tasks.map((t) => [t.cloud, t.status]).sort(),
          [
            ['zone-a', 'succeeded'],
            ['zone-b', 'succeeded'],
          ],
          JSON.stringify(tasks.map((t) => t.error)),
        );
        await waitFor('the image to go', async () =>
          (await http('GET', `${api}/v1/images/${id}`, { token: demo.id })).status === 404 ? true : undefined,
        );
        assert.equal(await glanceA.get(source.id), undefined, 'gone from zone-a');
      } finally {
        // Leave nothing behind in the shared Glance: back to active, then a delete Glance completes.
        setGlanceStatus('RegionTwo', copyId, 'active');
        await glanceB.delete(copyId);
      }
    });

    it('keeps a public copy for a non-admin, with that task failed and the image left with it', async () => {
      const { id, source, copyId } = await adoptAndSync(adminGlanceA, { visibility: 'public' });
      const res = await http('DELETE', `${api}/v1/images/${id}?delete_remote=true`, { token: demo.id });
      assert.equal(res.status, 202, res.text);
      const tasks = (await waitForTasks(api, demo.id, id)).filter((t) => t.type === 'delete');
      const byCloud = Object.fromEntries(tasks.map((t) => [t.cloud, t]));
      assert.equal(byCloud['zone-b'].status, 'succeeded');
      assert.equal(byCloud['zone-a'].status, 'failed');
      assert.equal(byCloud['zone-a'].error.code, 'gimming.location.public');
      assert.equal((await adminGlanceA.get(source.id)).status, 'active', 'the public image is kept');
      assert.equal(await glanceB.get(copyId), undefined, "demo's own copy is deleted");
      const image = await http('GET', `${api}/v1/images/${id}`, { token: demo.id });
      assert.equal(image.status, 200);
      assert.equal(image.body.status, 'active');
      assert.deepEqual(
        image.body.locations.map((l: any) => [l.cloud, l.status]),
        [['zone-a', 'active']],
      );
      assert.equal((await http('DELETE', `${api}/v1/images/${id}`, { token: demo.id })).status, 204);
      await adminGlanceA.delete(source.id);
    });

    it('is refused while a copy is running, and for another project', async () => {
      const { image: source } = await glanceA.createWithData(256 * 1024 * 1024);
      const res = await http('POST', `${api}/v1/images`, {
        token: demo.id,
        json: { source: { cloud: 'zone-a', image_id: source.id }, targets: ['zone-b'] },
      });
      assert.equal(res.status, 202, res.text);
      const id = res.body.id as string;
      const busy = await http('DELETE', `${api}/v1/images/${id}?delete_remote=true`, { token: demo.id });
      assert.equal(busy.status, 409, busy.text);
      assert.equal(busy.body.error.code, 'gimming.image.busy');
      const other = await http('DELETE', `${api}/v1/images/${id}?delete_remote=true`, { token: alt.id });
      assert.equal(other.status, 404);
      await waitForTasks(api, demo.id, id);
      const done = await http('DELETE', `${api}/v1/images/${id}?delete_remote=true`, { token: demo.id });
      assert.equal(done.status, 202, done.text);
      await waitForTasks(api, demo.id, id);
      assert.equal(await glanceA.get(source.id), undefined);
      assert.deepEqual(await glanceB.list({ gimming_image_id: id }), []);
    });
  });

  describe('periodic refresh', () => {
    it('finds a copy deleted out of band, with nobody asking', async () => {
      const { id, copyId } = await adoptAndSync();
      const before = await location(api, demo.id, id, 'zone-b');
      await glanceB.delete(copyId);
      const found = await waitFor(
        'the conductor to notice',
        async () => {
          const l = await location(api, demo.id, id, 'zone-b');
          return l.status === 'missing' ? l : undefined;
        },
        20000,
        500,
      );
      assert.ok(found.last_verified_at > before.last_verified_at, 'the check is recorded');
      const zoneA = await location(api, demo.id, id, 'zone-a');
      assert.equal(zoneA.status, 'active', 'the copy still there stays active');
      const matrix = await http('GET', `${api}/v1/matrix`, { token: demo.id });
      const row = matrix.body.images.find((i: any) => i.id === id);
      assert.deepEqual(row.cells, { 'zone-a': 'active', 'zone-b': 'missing' });
    });
  });
});
