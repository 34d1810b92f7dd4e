/**
 * An image's copies over its life, through the real daemons and the two zones: spread and retry (sync),
 * link an existing copy, remove a copy (forget or delete), forget the image, cancel a copy. The scenarios
 * run once for every kind of cloud in CLOUD_KINDS, and check each outcome in the cloud itself.
 */
import assert from 'node:assert/strict';
import { CLOUD_KINDS, type CloudFixture } from '../support/clouds';
import { location, waitForTasks } from '../support/flows';
import { http, waitFor } from '../support/http';
import type { Token } from '../support/openstack';
import { useStack } from '../support/stack';

for (const kind of CLOUD_KINDS) {
  describe(`image lifecycle on ${kind.name}: sync, link, unlink, forget, cancel`, function () {
    this.timeout(180000);
    // Members may adopt images they do not own, as an operator's policy file may say: what guards the
    // copies of such images when they are removed is the point of a test below.
    const stack = useStack({ kind, policy: '"gimming:image:adopt_unowned": "rule:project_member"\n' });
    let api: string;
    let demo: Token;
    let alt: Token;
    let cloudA: CloudFixture;
    let cloudB: CloudFixture;
    let adminCloudA: CloudFixture;

    before(() => {
      ({ api, demo, alt } = stack);
      [cloudA, cloudB, adminCloudA] = [
        stack.cloud('zone-a'),
        stack.cloud('zone-b'),
        stack.cloud('zone-a', stack.admin),
      ];
    });

    /** Adopts a fresh zone-a image and syncs it to zone-b; returns the GIMinG image and the source. */
    async function adoptAndSync(size = 1024 * 1024): Promise<{ id: string; source: any }> {
      const { image: source } = await cloudA.createWithData(size);
      const res = await http('POST', `${api}/v1/images`, {
        token: demo.id,
        json: { source: { cloud: 'zone-a', image_id: source.id }, targets: ['zone-b'] },
      });
      assert.equal(res.status, 202, res.text);
      const [task] = await waitForTasks(api, demo.id, res.body.id);
      assert.equal(task.status, 'succeeded', JSON.stringify(task.error));
      return { id: res.body.id, source };
    }

    /** The image as the cloud holds it; fails when the cloud has no such image. */
    async function held(cloud: CloudFixture, imageId: string) {
      const image = await cloud.get(imageId);
      assert.ok(image, `${cloud.name} holds ${imageId}`);
      return image;
    }

    const tasksOf = async (id: string) =>
      (await http('GET', `${api}/v1/tasks?image_id=${id}`, { token: demo.id })).body.tasks as any[];

    describe('sync', () => {
      it('copies again to a cloud whose copy was deleted, and does nothing for clouds that hold one', async () => {
        const { id } = await adoptAndSync();
        const removed = await http('DELETE', `${api}/v1/images/${id}/locations/zone-b?delete_remote=true`, {
          token: demo.id,
        });
        assert.equal(removed.status, 204, removed.text);
        assert.deepEqual(await cloudB.listByProperty('gimming_image_id', id), []);

        const res = await http('POST', `${api}/v1/images/${id}/sync`, {
          token: demo.id,
          json: { targets: ['zone-b', 'zone-a'] },
        });
        assert.equal(res.status, 202, res.text);
        assert.equal(res.body.locations.find((l: any) => l.cloud === 'zone-b').status, 'queued');
        const tasks = await waitForTasks(api, demo.id, id);
        assert.equal(tasks.length, 2, 'one more copy, none for zone-a which holds the source');
        assert.ok(tasks.every((t) => t.status === 'succeeded'));
        const copies = await cloudB.listByProperty('gimming_image_id', id);
        assert.equal(copies.length, 1);

        const again = await http('POST', `${api}/v1/images/${id}/sync`, {
          token: demo.id,
          json: { targets: ['zone-b'] },
        });
        assert.equal(again.status, 202);
        assert.equal((await tasksOf(id)).length, 2, 'a re-run starts no task');
        assert.equal(
          (await cloudB.listByProperty('gimming_image_id', id)).length,
          1,
          'and makes no duplicate',
        );
      });

      it('adopts a copy already tagged with the image ID instead of copying again', async () => {
        const { id } = await adoptAndSync();
        const copyId = (await location(api, demo.id, id, 'zone-b')).image_id;
        const forgot = await http('DELETE', `${api}/v1/images/${id}/locations/zone-b`, { token: demo.id });
        assert.equal(forgot.status, 204);
        assert.equal((await held(cloudB, copyId)).gimming_image_id, undefined, 'forgetting untags the copy');
        // The copy is tagged again out of band (as a crashed earlier run would have left it).
        await cloudB.setProperty(copyId, 'gimming_image_id', id);
        const res = await http('POST', `${api}/v1/images/${id}/sync`, {
          token: demo.id,
          json: { targets: ['zone-b'] },
        });
        assert.equal(res.status, 202, res.text);
        const zoneB = res.body.locations.find((l: any) => l.cloud === 'zone-b');
        assert.equal(zoneB.status, 'active');
        assert.equal(zoneB.image_id, copyId);
        assert.equal((await tasksOf(id)).length, 1, 'no copy task');
      });

      it('is refused for an image of another project', async () => {
        const { id } = await adoptAndSync();
        const res = await http('POST', `${api}/v1/images/${id}/sync`, {
          token: alt.id,
          json: { targets: ['zone-b'] },
        });
        assert.equal(res.status, 404);
      });
    });

    describe('link and unlink', () => {
      it('links a copy with the same bytes, and refuses one with other bytes or already tracked', async () => {
        const { id, source } = await adoptAndSync();
        const made = await location(api, demo.id, id, 'zone-b');
        assert.equal(made.proof, 'cloud', 'the copy was proven by the hashes its cloud computed');
        const oldCopy = made.image_id;
        assert.equal(
          (
            await http('DELETE', `${api}/v1/images/${id}/locations/zone-b?delete_remote=true`, {
              token: demo.id,
            })
          ).status,
          204,
        );
        assert.equal(await cloudB.get(oldCopy), undefined, 'deleted from zone-b');

        const data = await cloudA.download(source.id);
        const { image: same } = await cloudB.createWithData(data, { name: 'same-bytes' });
        const { image: other } = await cloudB.createWithData(Buffer.alloc(data.length, 1), {
          name: 'other-bytes',
        });

        const mismatch = await http('POST', `${api}/v1/images/${id}/locations`, {
          token: demo.id,
          json: { cloud: 'zone-b', image_id: other.id },
        });
        assert.equal(mismatch.status, 409, mismatch.text);
        assert.equal(mismatch.body.error.code, 'gimming.location.bytes_mismatch');
        assert.equal(mismatch.body.error.details.expected.os_hash_value, source.os_hash_value);
        assert.equal(
          mismatch.body.error.details.actual.os_hash_value,
          (await held(cloudB, other.id)).os_hash_value,
        );

        const linked = await http('POST', `${api}/v1/images/${id}/locations`, {
          token: demo.id,
          json: { cloud: 'zone-b', image_id: same.id },
        });
        assert.equal(linked.status, 201, linked.text);
        assert.equal(linked.body.status, 'active');
        assert.equal(linked.body.image_id, same.id);
        assert.equal(linked.body.proof, 'cloud', 'proven by the hashes zone-b reports');
        assert.equal((await held(cloudB, same.id)).gimming_image_id, id, 'the linked copy is tagged');

        const twice = await http('POST', `${api}/v1/images/${id}/locations`, {
          token: demo.id,
          json: { cloud: 'zone-b', image_id: same.id },
        });
        assert.equal(twice.status, 409);
        const { id: otherImage } = await adoptAndSync();
        await http('DELETE', `${api}/v1/images/${otherImage}/locations/zone-b?delete_remote=true`, {
          token: demo.id,
        });
        const stolen = await http('POST', `${api}/v1/images/${otherImage}/locations`, {
          token: demo.id,
          json: { cloud: 'zone-b', image_id: same.id },
        });
        assert.equal(stolen.status, 409);

        const invisible = await http('POST', `${api}/v1/images/${id}/locations`, {
          token: alt.id,
          json: { cloud: 'zone-b', image_id: same.id },
        });
        assert.equal(invisible.status, 404, 'another project cannot link to this image');
        await cloudB.delete(other.id);
      });

      it('never deletes a public copy unless admin, nor the last copy owned by another project', async () => {
        // (demo adopts admin's images: the policy file of this run lets members adopt what they do not own.)
        for (const visibility of ['public', 'community']) {
          const { image: source } = await adminCloudA.createWithData(Buffer.alloc(64 * 1024, 3), {
            name: `admin-${visibility}`,
            visibility,
          });
          const res = await http('POST', `${api}/v1/images`, {
            token: demo.id,
            json: { source: { cloud: 'zone-a', image_id: source.id }, targets: ['zone-b'] },
          });
          assert.equal(res.status, 202, res.text);
          const [task] = await waitForTasks(api, demo.id, res.body.id);
          assert.equal(task.status, 'succeeded');
          assert.equal(
            (
              await http('DELETE', `${api}/v1/images/${res.body.id}/locations/zone-b?delete_remote=true`, {
                token: demo.id,
              })
            ).status,
            204,
          );
          const refused = await http(
            'DELETE',
            `${api}/v1/images/${res.body.id}/locations/zone-a?delete_remote=true`,
            { token: demo.id },
          );
          assert.equal(refused.status, 403, refused.text);
          assert.equal(
            refused.body.error.code,
            visibility === 'public' ? 'gimming.location.public' : 'gimming.location.last_copy',
          );
          assert.ok(await adminCloudA.get(source.id), 'the source is still there');
          await adminCloudA.delete(source.id);
        }
      });
    });

    describe('browse', () => {
      it('lists a cloud live, marking what GIMinG tracks, so the rest can be adopted', async () => {
        const { id, source } = await adoptAndSync();
        const { image: loose } = await cloudA.createWithData(1024, { name: 'not-tracked' });
        const res = await http('GET', `${api}/v1/clouds/zone-a/images`, { token: demo.id });
        assert.equal(res.status, 200, res.text);
        const byId = new Map((res.body.images as any[]).map((i) => [i.id, i]));
        assert.equal(byId.get(source.id)?.tracked_by, id);
        assert.equal(byId.get(source.id)?.checksum, source.checksum);
        assert.equal(byId.get(loose.id)?.tracked_by, null);
        assert.equal(byId.get(loose.id)?.name, 'not-tracked');
        const other = await http('GET', `${api}/v1/clouds/zone-a/images`, { token: alt.id });
        assert.equal(other.status, 200);
        assert.ok(
          !(other.body.images as any[]).some((i) => i.id === source.id),
          'alt does not see demo images',
        );
        const limited = await http('GET', `${api}/v1/clouds/zone-a/images?limit=1`, { token: demo.id });
        assert.equal(limited.body.images.length, 1);
        assert.equal((await http('GET', `${api}/v1/clouds/nowhere/images`, { token: demo.id })).status, 404);
        await cloudA.delete(loose.id);
      });
    });

    describe('live metadata', () => {
      it('shows what each cloud holds now, and where the image is available', async () => {
        const { id } = await adoptAndSync();
        const copyId = (await location(api, demo.id, id, 'zone-b')).image_id;
        await cloudB.delete(copyId); // out of band
        await new Promise((r) => setTimeout(r, 1100)); // the conductor keeps what it read for 1 s here
        const image = (await http('GET', `${api}/v1/images/${id}`, { token: demo.id })).body;
        assert.deepEqual(image.available_in, ['zone-a']);
        const zoneB = image.locations.find((l: any) => l.cloud === 'zone-b');
        assert.equal(zoneB.remote, null);
        assert.equal(zoneB.remote_error.code, 'gimming.remote_image.not_found');
        const zoneA = image.locations.find((l: any) => l.cloud === 'zone-a');
        assert.equal(zoneA.remote.status, 'active');

        const before = Date.now();
        const refreshed = await http('POST', `${api}/v1/images/${id}/refresh`, { token: demo.id });
        assert.equal(refreshed.status, 200, refreshed.text);
        const byCloud = Object.fromEntries(refreshed.body.locations.map((l: any) => [l.cloud, l]));
        assert.equal(byCloud['zone-b'].status, 'missing', 'the copy deleted out of band is found missing');
        assert.equal(byCloud['zone-a'].status, 'active');
        for (const cloud of ['zone-a', 'zone-b'])
          assert.ok(Date.parse(byCloud[cloud].last_verified_at) >= before - 5, cloud);
        assert.equal((await http('POST', `${api}/v1/images/${id}/refresh`, { token: alt.id })).status, 404);

        // A refresh never answers what it read before: seen active, deleted, refreshed at once.
        const other = await adoptAndSync();
        const otherCopy = (await location(api, demo.id, other.id, 'zone-b')).image_id;
        const seen = (await http('GET', `${api}/v1/images/${other.id}`, { token: demo.id })).body;
        assert.equal(seen.locations.find((l: any) => l.cloud === 'zone-b').remote.status, 'active');
        await cloudB.delete(otherCopy);
        const atOnce = await http('POST', `${api}/v1/images/${other.id}/refresh`, { token: demo.id });
        const gone = atOnce.body.locations.find((l: any) => l.cloud === 'zone-b');
        assert.equal(gone.status, 'missing');
        assert.equal(gone.remote, null, 'no stale metadata next to a missing copy');
        assert.deepEqual(atOnce.body.available_in, ['zone-a']);
        // A sync puts the missing copy back.
        assert.equal(
          (
            await http('POST', `${api}/v1/images/${id}/sync`, {
              token: demo.id,
              json: { targets: ['zone-b'] },
            })
          ).status,
          202,
        );
        const tasks = await waitForTasks(api, demo.id, id);
        assert.ok(tasks.every((t) => t.status === 'succeeded'));
        assert.equal((await location(api, demo.id, id, 'zone-b')).status, 'active');
      });
    });

    describe('matrix', () => {
      it('shows images x clouds with the state of each copy', async () => {
        const { id } = await adoptAndSync();
        const name = `matrix-${id.slice(0, 8)}`;
        const { image: source } = await cloudA.createWithData(1024, { name });
        const res = await http('POST', `${api}/v1/images`, {
          token: demo.id,
          json: { name, source: { cloud: 'zone-a', image_id: source.id }, targets: ['zone-b'] },
        });
        await waitForTasks(api, demo.id, res.body.id);
        const all = await http('GET', `${api}/v1/matrix`, { token: demo.id });
        assert.equal(all.status, 200, all.text);
        assert.deepEqual(
          all.body.clouds.map((c: any) => c.name),
          ['zone-a', 'zone-b'],
        );
        assert.deepEqual(all.body.images.find((i: any) => i.id === id).cells, {
          'zone-a': 'active',
          'zone-b': 'active',
        });
        const one = await http('GET', `${api}/v1/matrix?name=${name}&cloud=zone-b`, { token: demo.id });
        assert.deepEqual(one.body.images, [
          { id: res.body.id, name, owner: demo.projectId, cells: { 'zone-b': 'active' } },
        ]);
        const other = await http('GET', `${api}/v1/matrix`, { token: alt.id });
        assert.ok(!(other.body.images as any[]).some((i) => i.id === id));
        const twice = await http('GET', `${api}/v1/matrix?name=${name}&cloud=zone-b&cloud=zone-b`, {
          token: demo.id,
        });
        assert.deepEqual(
          twice.body.clouds.map((c: any) => c.name),
          ['zone-b'],
          'a cloud named twice is one column',
        );
      });
    });

    describe('forget', () => {
      it('forgets an image and untags its copies, which stay in their clouds', async () => {
        const { id, source } = await adoptAndSync();
        const copyId = (await location(api, demo.id, id, 'zone-b')).image_id;
        assert.equal((await http('DELETE', `${api}/v1/images/${id}`, { token: alt.id })).status, 404);
        const res = await http('DELETE', `${api}/v1/images/${id}`, { token: demo.id });
        assert.equal(res.status, 204, res.text);
        assert.equal((await http('GET', `${api}/v1/images/${id}`, { token: demo.id })).status, 404);
        const [a, b] = [await held(cloudA, source.id), await held(cloudB, copyId)];
        assert.equal(a.status, 'active');
        assert.equal(b.status, 'active');
        assert.equal(a.gimming_image_id, undefined);
        assert.equal(b.gimming_image_id, undefined);
        const everything = await http('DELETE', `${api}/v1/images/${id}?delete_remote=true`, {
          token: demo.id,
        });
        assert.equal(everything.status, 404, 'a forgotten image is not deleted from the clouds');
      });
    });

    describe('cancel', () => {
      it('stops a copy in the middle within seconds and deletes the partial image from the cloud', async () => {
        const { image: big } = await cloudA.createWithData(512 * 1024 * 1024, { name: 'to-cancel' });
        const res = await http('POST', `${api}/v1/images`, {
          token: demo.id,
          json: { source: { cloud: 'zone-a', image_id: big.id }, targets: ['zone-b'] },
        });
        assert.equal(res.status, 202, res.text);
        const id = res.body.id as string;
        // The fault lands mid-copy: bytes have moved and the tagged partial image exists in zone-b.
        const { running, partial } = await waitFor(
          'bytes to move and a tagged partial image in zone-b',
          async () => {
            const [task] = await tasksOf(id);
            if (task?.status !== 'running' || !(task.bytes_done > 0)) return undefined;
            const images = await cloudB.listByProperty('gimming_image_id', id);
            return images.length > 0 ? { running: task, partial: images } : undefined;
          },
          60000,
          50,
        );
        assert.ok(
          partial.every((p) => p.status !== 'active'),
          `the copy is not finished: ${JSON.stringify(partial.map((p) => [p.id, p.status]))}`,
        );
        const asked = Date.now();
        const cancel = await http('POST', `${api}/v1/tasks/${running.id}/cancel`, { token: demo.id });
        assert.equal(cancel.status, 202, cancel.text);
        assert.ok(['cancelling', 'cancelled'].includes(cancel.body.status));
        const [task] = await waitForTasks(api, demo.id, id, 30000);
        assert.equal(task.status, 'cancelled', JSON.stringify(task));
        assert.equal(task.error.code, 'gimming.task.cancelled');
        assert.ok(Date.now() - asked < 5000, `cancelled in ${Date.now() - asked} ms`);
        assert.ok(
          task.bytes_done < big.size,
          `cancelled before the end (${task.bytes_done} of ${big.size} bytes)`,
        );
        assert.equal((await location(api, demo.id, id, 'zone-b')).status, 'cancelled');
        // The partial image itself is gone from zone-b (not merely untagged), and nothing else is tagged.
        await waitFor('the partial image to be deleted from zone-b', async () => {
          const left = await Promise.all(partial.map((p) => cloudB.get(p.id)));
          return left.every((l) => l === undefined || l.status === 'deleted') ? true : undefined;
        });
        assert.deepEqual(await cloudB.listByProperty('gimming_image_id', id), []);
        const again = await http('POST', `${api}/v1/tasks/${running.id}/cancel`, { token: demo.id });
        assert.equal(again.status, 409);
        assert.equal(again.body.error.code, 'gimming.task.not_cancellable');
        await cloudA.delete(big.id);
      });
    });
  });
}
