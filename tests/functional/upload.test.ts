/**
 * Create from uploaded data, once, into many clouds: the data goes from the API straight into an agent's
 * staging area, then to every target; the staging area is emptied when the targets are done.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import http from 'node:http';
import type { DaemonSet } from '../support/daemons';
import { waitForTasks } from '../support/flows';
import { http as call, waitFor } from '../support/http';
import type { Glance, Token } from '../support/openstack';
import { useStack } from '../support/stack';

const CAP = 64 * 1024 * 1024;

/** PUTs data with Content-Length, or chunked when `chunked` (the body then comes in pieces). */
function putData(
  url: string,
  token: string,
  data: Buffer,
  chunked = false,
): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {
      'X-Auth-Token': token,
      'Content-Type': 'application/octet-stream',
    };
    if (!chunked) headers['Content-Length'] = data.length;
    const req = http.request(url, { method: 'PUT', headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString();
        resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
      });
    });
    req.on('error', (err) =>
      err.message.includes('EPIPE') || err.message.includes('ECONNRESET') ? undefined : reject(err),
    );
    for (let i = 0; i < data.length; i += 256 * 1024) req.write(data.subarray(i, i + 256 * 1024));
    req.end();
  });
}

describe('create from uploaded data into many clouds', function () {
  this.timeout(60000);
  let daemons: DaemonSet;
  let api: string;
  let demo: Token;
  let alt: Token;
  let glanceA: Glance;
  let glanceB: Glance;

  // This set also runs with a policy file that overrides one rule (browsing a cloud: admins only).
  const stack = useStack({
    extraConfig: `staging_max_bytes = ${CAP}\n`,
    policy: '"gimming:cloud:list_images": "role:admin"\n',
  });

  before(() => {
    ({ daemons, api, demo, alt } = stack);
    [glanceA, glanceB] = [stack.glance('zone-a'), stack.glance('zone-b')];
  });

  const create = (fields: Record<string, unknown> = {}) =>
    call('POST', `${api}/v1/images`, {
      token: demo.id,
      json: {
        name: 'uploaded',
        disk_format: 'qcow2',
        container_format: 'bare',
        min_ram: 128,
        properties: { os_distro: 'fedora', hw_rng_model: 'virtio' },
        targets: ['zone-a', 'zone-b'],
        ...fields,
      },
    });

  const staged = () =>
    ['zone-a', 'zone-b'].flatMap((zone) => {
      try {
        return readdirSync(daemons.stagingDir(zone));
      } catch {
        return [];
      }
    });

  for (const chunked of [false, true]) {
    it(`uploads once (${chunked ? 'chunked' : 'with Content-Length'}) and gets the image in every target`, async () => {
      const created = await create();
      assert.equal(created.status, 201, created.text);
      assert.equal(created.body.status, 'queued');
      assert.deepEqual(
        created.body.locations.map((l: any) => [l.cloud, l.status]),
        [
          ['zone-a', 'queued'],
          ['zone-b', 'queued'],
        ],
      );
      const data = randomBytes(9 * 1024 * 1024 + 5);
      const put = await putData(`${api}/v1/images/${created.body.id}/file`, demo.id, data, chunked);
      assert.equal(put.status, 204, JSON.stringify(put.body));
      const md5 = createHash('md5').update(data).digest('hex');
      const sha512 = createHash('sha512').update(data).digest('hex');
      const tasks = await waitForTasks(api, demo.id, created.body.id);
      assert.equal(tasks.length, 2);
      for (const task of tasks) assert.equal(task.status, 'succeeded', JSON.stringify(task.error));
      const image = (await call('GET', `${api}/v1/images/${created.body.id}`, { token: demo.id })).body;
      assert.equal(image.status, 'active');
      assert.equal(image.size, data.length);
      assert.equal(image.checksum, md5);
      assert.equal(image.os_hash_value, sha512);
      for (const [cloud, glance] of [
        ['zone-a', glanceA],
        ['zone-b', glanceB],
      ] as const) {
        const location = image.locations.find((l: any) => l.cloud === cloud);
        assert.equal(location.status, 'active');
        const copy = await glance.get(location.image_id);
        assert.equal(copy.checksum, md5, cloud);
        assert.equal(copy.os_hash_value, sha512, cloud);
        assert.equal(copy.disk_format, 'qcow2');
        assert.equal(copy.min_ram, 128);
        assert.equal(copy.os_distro, 'fedora');
        assert.equal(copy.name, 'uploaded');
        assert.equal(copy.owner, demo.projectId);
        assert.equal(copy.gimming_image_id, created.body.id);
      }
      await waitFor(
        'the staging area to be emptied',
        async () => (staged().length === 0 ? true : undefined),
        10000,
      );
      const again = await putData(`${api}/v1/images/${created.body.id}/file`, demo.id, Buffer.alloc(10));
      assert.equal(again.status, 409, 'the data is uploaded once');
    });
  }

  it('refuses up front an upload declared larger than the staging area, and leaves nothing', async () => {
    const created = await create();
    const req = await new Promise<number>((resolve, reject) => {
      const r = http.request(`${api}/v1/images/${created.body.id}/file`, {
        method: 'PUT',
        headers: {
          'X-Auth-Token': demo.id,
          'Content-Type': 'application/octet-stream',
          'Content-Length': CAP + 1,
        },
      });
      r.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      r.on('error', reject);
      r.write(Buffer.alloc(1024)); // a client that waits for nothing before sending
    });
    assert.equal(req, 413);
    assert.deepEqual(staged(), []);
    const image = (await call('GET', `${api}/v1/images/${created.body.id}`, { token: demo.id })).body;
    assert.equal(image.status, 'queued', 'the image waits for its data again');
  });

  it('stops an undeclared upload that outgrows the staging area, and leaves nothing', async () => {
    const created = await create();
    const put = await putData(
      `${api}/v1/images/${created.body.id}/file`,
      demo.id,
      Buffer.alloc(CAP + 1024 * 1024),
      true,
    );
    assert.equal(put.status, 413, JSON.stringify(put.body));
    assert.equal(put.body.error.code, 'gimming.staging.full');
    assert.deepEqual(staged(), []);
    // The copies started with the upload (upload-live.test.ts) go with it, and leave nothing.
    await waitFor('no task to be left', async () => {
      const listed = await call('GET', `${api}/v1/tasks?image_id=${created.body.id}`, { token: demo.id });
      return listed.body.tasks.length === 0 ? true : undefined;
    });
    for (const glance of [glanceA, glanceB])
      assert.deepEqual(await glance.list({ gimming_image_id: created.body.id }), []);
  });

  it('checks its input: formats, reserved and oversized properties, names, targets', async () => {
    const before = (await call('GET', `${api}/v1/images`, { token: demo.id })).body.images.length;
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ disk_format: 'exe' }, 'gimming.request.invalid'],
      [{ container_format: 'zip' }, 'gimming.request.invalid'],
      [{ properties: { os_hash_value: 'x' } }, 'gimming.image.reserved_property'],
      [{ properties: { gimming_image_id: 'x' } }, 'gimming.image.reserved_property'],
      [{ properties: { checksum: 'x' } }, 'gimming.image.reserved_property'],
      [{ properties: { os_glance_import_task: 'x' } }, 'gimming.image.reserved_property'],
      [{ properties: { big: 'x'.repeat(256) } }, 'gimming.request.invalid'],
      [{ properties: { 'bad/name': 'x' } }, 'gimming.request.invalid'],
      [{ name: 'n'.repeat(256) }, 'gimming.request.invalid'],
      [{ name: 'bad\u0000name' }, 'gimming.request.invalid'],
      [{ targets: [] }, 'gimming.request.invalid'],
      [{ min_ram: -1 }, 'gimming.request.invalid'],
      [{ size: 5 }, 'gimming.request.invalid'],
    ];
    for (const [fields, code] of cases) {
      const res = await create(fields);
      assert.equal(res.status, 400, `${JSON.stringify(fields).slice(0, 80)}: ${res.text}`);
      assert.equal(res.body.error.code, code);
    }
    const unknownTarget = await create({ targets: ['nowhere'] });
    assert.equal(unknownTarget.status, 404);
    assert.equal(
      (await call('GET', `${api}/v1/images`, { token: demo.id })).body.images.length,
      before,
      'nothing created',
    );
  });

  it('follows the policy file: its rule overrides the default, the others stay', async () => {
    const { admin } = stack;
    const refused = await call('GET', `${api}/v1/clouds/zone-a/images`, { token: demo.id });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'gimming.policy.forbidden');
    assert.equal((await call('GET', `${api}/v1/clouds/zone-a/images`, { token: admin.id })).status, 200);
    assert.equal((await call('GET', `${api}/v1/clouds`, { token: demo.id })).status, 200);
  });

  it('takes only application/octet-stream, and only from the owner', async () => {
    const created = await create();
    const wrongType = await call('PUT', `${api}/v1/images/${created.body.id}/file`, {
      token: demo.id,
      headers: { 'Content-Type': 'text/plain' },
      body: 'data',
    });
    assert.equal(wrongType.status, 415);
    const stranger = await putData(`${api}/v1/images/${created.body.id}/file`, alt.id, Buffer.alloc(1024));
    assert.equal(stranger.status, 404);
  });
});
