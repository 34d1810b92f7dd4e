/**
 * An upload's copies start while it arrives (issue 16), through the real daemons and both Glance zones:
 * the test sends the first part of an upload and holds the rest back until both target Glance images
 * exist and receive data (status `saving`): without live copies they would not exist before the upload
 * ends, and the wait fails. Then each copy's checksums are the upload's. A cut upload kept to be resumed
 * pauses its copies, and its resumption completes the very same copies; an upload that fails mid-way
 * takes its copies with it (no task left) and leaves no image in either Glance, and so does deleting the
 * image while it is uploaded.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { waitForTasks } from '../support/flows';
import { http as call, waitFor } from '../support/http';
import type { Glance, Token } from '../support/openstack';
import { useStack } from '../support/stack';

const V16 = { 'OpenStack-API-Version': 'image-manager 1.6' };
const MiB = 1024 * 1024;

/**
 * A PUT whose body the test sends piece by piece: `send` writes bytes, `end` finishes it, `cut` drops the
 * connection. Resolves `answer` with the response status.
 */
function slowPut(url: string, token: string, length: number, headers: Record<string, string> = {}) {
  const req = http.request(url, {
    method: 'PUT',
    headers: {
      'X-Auth-Token': token,
      'Content-Type': 'application/octet-stream',
      'Content-Length': length,
      ...headers,
    },
  });
  const answer = new Promise<number>((resolve, reject) => {
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', (err) => (req.destroyed ? resolve(0) : reject(err)));
  });
  answer.catch(() => undefined);
  return {
    send: (data: Buffer) => new Promise<void>((r) => req.write(data, () => r())),
    end: () => req.end(),
    cut: () => req.destroy(),
    answer,
  };
}

describe('copies that start while their upload arrives', function () {
  this.timeout(240000);
  let api: string;
  let demo: Token;
  let glances: Record<'zone-a' | 'zone-b', Glance>;
  const stack = useStack({ extraConfig: 'staging_max_bytes = 268435456\n' });

  before(() => {
    ({ api, demo } = stack);
    glances = { 'zone-a': stack.glance('zone-a'), 'zone-b': stack.glance('zone-b') };
  });

  const suffix = randomBytes(3).toString('hex');
  const create = async (name: string) => {
    const res = await call('POST', `${api}/v1/images`, {
      token: demo.id,
      headers: V16,
      json: {
        name: `live-${name}-${suffix}`,
        disk_format: 'raw',
        container_format: 'bare',
        targets: ['zone-a', 'zone-b'],
      },
    });
    assert.equal(res.status, 201, res.text);
    return res.body.id as string;
  };

  /** Both target Glance images exist and are receiving data, while the upload is not complete. */
  const copiesReceiving = (id: string) =>
    waitFor(
      'both copies to receive data while the upload arrives',
      async () => {
        const image = (await call('GET', `${api}/v1/images/${id}`, { token: demo.id })).body;
        if (image.status !== 'saving') throw new Error(`the image is ${image.status} already`);
        const found: Record<string, string> = {};
        for (const cloud of ['zone-a', 'zone-b'] as const) {
          const remote = image.locations.find((l: any) => l.cloud === cloud)?.image_id;
          if (!remote) return undefined;
          const copy = await glances[cloud].get(remote);
          if (copy?.status !== 'saving') return undefined;
          found[cloud] = remote;
        }
        return found;
      },
      60000,
    );

  const tasksOf = async (id: string) =>
    (await call('GET', `${api}/v1/tasks?image_id=${id}`, { token: demo.id })).body.tasks as any[];

  /** The copies are active with the upload's checksums; answers the copy tasks. */
  async function provenEverywhere(id: string, data: Buffer): Promise<any[]> {
    const tasks = (await waitForTasks(api, demo.id, id)).filter((t: any) => t.type === 'copy');
    for (const task of tasks) assert.equal(task.status, 'succeeded', JSON.stringify(task.error));
    assert.equal(tasks.length, 2, 'one copy per target');
    const image = (await call('GET', `${api}/v1/images/${id}`, { token: demo.id })).body;
    const md5 = createHash('md5').update(data).digest('hex');
    const sha512 = createHash('sha512').update(data).digest('hex');
    assert.equal(image.status, 'active');
    assert.equal(image.checksum, md5);
    for (const cloud of ['zone-a', 'zone-b'] as const) {
      const location = image.locations.find((l: any) => l.cloud === cloud);
      assert.equal(location.status, 'active', cloud);
      const copy = await glances[cloud].get(location.image_id);
      assert.equal(copy.checksum, md5, cloud);
      assert.equal(copy.os_hash_value, sha512, cloud);
      assert.equal(copy.size, data.length, cloud);
    }
    return tasks;
  }

  /**
   * An image whose upload (of `size` random bytes) has sent its first `sent` bytes, and the copies already
   * receiving it in both zones.
   */
  async function uploading(name: string, size: number, sent: number, headers: Record<string, string> = {}) {
    const id = await create(name);
    const data = randomBytes(size);
    const put = slowPut(`${api}/v1/images/${id}/file`, demo.id, data.length, headers);
    await put.send(data.subarray(0, sent));
    const early = await copiesReceiving(id);
    return { id, data, put, early };
  }

  it('starts both copies before the upload ends, and proves them against its final identity', async () => {
    const { id, data, put, early } = await uploading('early', 12 * MiB + 13, 4 * MiB);
    await put.send(data.subarray(4 * MiB));
    put.end();
    assert.equal(await put.answer, 204);
    const tasks = await provenEverywhere(id, data);
    const image = (await call('GET', `${api}/v1/images/${id}`, { token: demo.id })).body;
    for (const location of image.locations) assert.equal(location.image_id, early[location.cloud]);
    for (const task of tasks) assert.match(task.plan.reason, /Starts while the upload arrives/);
  });

  it('pauses the copies of a cut upload, and completes the same copies once it is resumed', async () => {
    const { id, data, put, early } = await uploading('resumed', 10 * MiB + 5, 3 * MiB, V16);
    put.cut();
    const kept = await waitFor(
      'the cut upload to be kept',
      async () => {
        const res = await fetch(`${api}/v1/images/${id}/file`, {
          method: 'HEAD',
          headers: { 'X-Auth-Token': demo.id, ...V16 },
        });
        return res.headers.get('gimming-upload-state') === 'suspended'
          ? Number(res.headers.get('upload-offset'))
          : undefined;
      },
      20000,
    );
    // Paused, not failed: the copies wait in their clouds for the rest.
    await new Promise((r) => setTimeout(r, 1500));
    for (const task of (await tasksOf(id)).filter((t) => t.type === 'copy'))
      assert.equal(task.status, 'running', JSON.stringify(task.error));
    for (const cloud of ['zone-a', 'zone-b'] as const)
      assert.equal((await glances[cloud].get(early[cloud]!))?.status, 'saving', cloud);
    const resumed = await call('PUT', `${api}/v1/images/${id}/file`, {
      token: demo.id,
      headers: {
        ...V16,
        'Content-Type': 'application/octet-stream',
        'Content-Range': `bytes ${kept}-${data.length - 1}/${data.length}`,
      },
      body: data.subarray(kept),
    });
    assert.equal(resumed.status, 204, resumed.text);
    const tasks = await provenEverywhere(id, data);
    for (const task of tasks) assert.equal(task.attempts, 1, 'the copy went on, not again');
    const image = (await call('GET', `${api}/v1/images/${id}`, { token: demo.id })).body;
    for (const location of image.locations) assert.equal(location.image_id, early[location.cloud]);
  });

  /** No task is left of the image's upload, and neither Glance holds any image of it. */
  async function nothingLeft(id: string, early: Record<string, string>): Promise<void> {
    await waitFor(
      'the copies to go with the upload',
      async () => ((await tasksOf(id)).length === 0 ? true : undefined),
      60000,
    );
    for (const cloud of ['zone-a', 'zone-b'] as const) {
      assert.equal(await glances[cloud].get(early[cloud]!), undefined, `the half-made copy in ${cloud}`);
      assert.deepEqual(await glances[cloud].list({ gimming_image_id: id }), [], cloud);
    }
  }

  it('removes the copies of an upload that fails mid-way, leaving no image in either Glance', async () => {
    // Before 1.6 an upload cut short is not kept: it fails, and the image waits for its data again.
    const { id, put, early } = await uploading('failed', 10 * MiB, 3 * MiB);
    put.cut();
    await nothingLeft(id, early);
    const image = (await call('GET', `${api}/v1/images/${id}`, { token: demo.id })).body;
    assert.equal(image.status, 'queued', 'the image waits for its data again');
    for (const location of image.locations) assert.equal(location.status, 'queued', location.cloud);
    // And the same image takes the whole upload, its copies as any.
    const again = randomBytes(5 * MiB + 1);
    const whole = await call('PUT', `${api}/v1/images/${id}/file`, {
      token: demo.id,
      headers: { 'Content-Type': 'application/octet-stream' },
      body: again,
    });
    assert.equal(whole.status, 204, whole.text);
    await provenEverywhere(id, again);
  });

  it('deletes an image while it is uploaded: its copies stop and leave nothing', async () => {
    const { id, put, early } = await uploading('forgotten', 10 * MiB, 3 * MiB);
    const deleted = await call('DELETE', `${api}/v1/images/${id}`, { token: demo.id });
    assert.equal(deleted.status, 204, deleted.text);
    put.cut();
    assert.equal((await call('GET', `${api}/v1/images/${id}`, { token: demo.id })).status, 404);
    await waitFor(
      'the half-made copies to go',
      async () => {
        for (const cloud of ['zone-a', 'zone-b'] as const) {
          if (await glances[cloud].get(early[cloud]!)) return undefined;
          if ((await glances[cloud].list({ gimming_image_id: id })).length > 0) return undefined;
        }
        return true;
      },
      60000,
    );
  });

  it('deletes an image everywhere while it is uploaded: its copies stop and leave nothing', async () => {
    const { id, put, early } = await uploading('deleted', 10 * MiB, 3 * MiB);
    const deleted = await call('DELETE', `${api}/v1/images/${id}?delete_remote=true`, { token: demo.id });
    assert.ok([202, 204].includes(deleted.status), deleted.text);
    put.cut();
    await waitFor(
      'the image to be gone',
      async () =>
        (await call('GET', `${api}/v1/images/${id}`, { token: demo.id })).status === 404 ? true : undefined,
      60000,
    );
    for (const cloud of ['zone-a', 'zone-b'] as const) {
      assert.equal(await glances[cloud].get(early[cloud]!), undefined, `the half-made copy in ${cloud}`);
      assert.deepEqual(await glances[cloud].list({ gimming_image_id: id }), [], cloud);
    }
  });
});
