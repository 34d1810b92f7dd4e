/**
 * The spine, end to end through the real daemons: adopt an image that lives in zone-a's Glance and sync it
 * to zone-b's, as the user and as the operator would see it.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DaemonSet } from '../support/daemons';
import { waitForTasks as waitForTasksOf } from '../support/flows';
import { http, waitFor } from '../support/http';
import type { Glance, Token } from '../support/openstack';
import { useStack } from '../support/stack';
import type { Testbed } from '../support/testbed';

describe('spine: adopt in zone-a, sync to zone-b', function () {
  this.timeout(120000);
  let bed: Testbed;
  let daemons: DaemonSet;
  let admin: Token;
  let demo: Token;
  let alt: Token;
  let glanceA: Glance;
  let glanceB: Glance;
  let api: string;

  const stack = useStack({ registerClouds: false });

  before(() => {
    ({ bed, daemons, api, admin, demo, alt } = stack);
    [glanceA, glanceB] = [stack.glance('zone-a'), stack.glance('zone-b')];
  });

  const waitForTasks = (imageId: string) => waitForTasksOf(api, demo.id, imageId);

  describe('without a token', () => {
    it('answers the version document and the health check', async () => {
      const root = await http('GET', `${api}/`);
      assert.equal(root.status, 300);
      assert.equal(root.body.versions[0].id, 'v1.0');
      assert.match(root.body.versions[0].links[0].href, /\/v1\/$/);
      assert.match(root.headers.get('x-openstack-request-id') ?? '', /^req-[0-9a-f-]{36}$/);
      const wrongMethod = await http('DELETE', `${api}/`);
      assert.equal(wrongMethod.status, 405);
      assert.equal(wrongMethod.body.error.status, 405);
      const health = await http('GET', `${api}/healthcheck`, { headers: { Accept: 'text/plain' } });
      assert.equal(health.status, 200);
      assert.equal(health.text, 'OK');
    });

    it('refuses the API with 401 and WWW-Authenticate', async () => {
      for (const token of [undefined, 'not-a-token', 'gAAAAABinvalid']) {
        const res = await http('GET', `${api}/v1/images`, token ? { token } : {});
        assert.equal(res.status, 401, `token ${token}`);
        assert.equal(res.headers.get('www-authenticate'), `Keystone uri="${bed.auth_url}"`);
        assert.equal(res.body.error.status, 401);
        assert.match(res.body.error.code, /^gimming\.auth\./);
        assert.match(res.headers.get('x-openstack-request-id') ?? '', /^req-/);
      }
    });

    it('keeps a well-formed inbound request id as the global request id', async () => {
      const inbound = 'req-11111111-2222-3333-4444-555555555555';
      const res = await http('GET', `${api}/v1/clouds`, {
        token: demo.id,
        headers: { 'X-OpenStack-Request-ID': inbound },
      });
      assert.equal(res.status, 200);
      const own = res.headers.get('x-openstack-request-id');
      assert.notEqual(own, inbound);
      // The access line is written as the answer leaves: wait for it rather than race it.
      const line = await waitFor('the access log line', async () =>
        daemons.logLines('api').find((l) => l.request_id === own && l.message === 'request'),
      );
      assert.equal(line.global_request_id, inbound);
    });
  });

  describe('clouds', () => {
    it('only an admin registers a shared cloud', async () => {
      const res = await http('POST', `${api}/v1/clouds`, {
        token: demo.id,
        json: { name: 'zone-x', type: 'openstack', region_name: 'RegionOne' },
      });
      assert.equal(res.status, 403);
      assert.equal(res.body.error.code, 'gimming.policy.forbidden');
    });

    it('registers zone-a and zone-b and lists them for everyone', async () => {
      for (const [name, region] of [
        ['zone-a', 'RegionOne'],
        ['zone-b', 'RegionTwo'],
      ]) {
        const res = await http('POST', `${api}/v1/clouds`, {
          token: admin.id,
          json: { name, type: 'openstack', region_name: region },
        });
        assert.equal(res.status, 201, res.text);
        assert.equal(res.body.name, name);
        assert.equal(res.body.zone, name);
        assert.equal(res.body.scope, 'shared');
        assert.equal(res.headers.get('location'), `/v1/clouds/${res.body.id}`);
      }
      const dup = await http('POST', `${api}/v1/clouds`, {
        token: admin.id,
        json: { name: 'zone-a', type: 'openstack', region_name: 'RegionOne' },
      });
      assert.equal(dup.status, 409);
      const list = await http('GET', `${api}/v1/clouds`, { token: alt.id });
      assert.equal(list.status, 200);
      assert.deepEqual(
        list.body.clouds.map((c: any) => c.name),
        ['zone-a', 'zone-b'],
      );
      for (const cloud of list.body.clouds) assert.equal(cloud.agents_up, 1, `${cloud.name} has its agent`);
      const byId = await http('GET', `${api}/v1/clouds/${list.body.clouds[1].id}`, { token: demo.id });
      assert.equal(byId.body.name, 'zone-b');
    });
  });

  describe('adopt and sync', () => {
    let source: any;
    let imageId: string;
    let postRequestId: string;

    it('answers 202 with the image and its locations', async () => {
      ({ image: source } = await glanceA.createWithData(3 * 1024 * 1024 + 17, {
        name: 'cirros',
        disk_format: 'qcow2',
        container_format: 'bare',
        min_ram: 64,
        os_distro: 'cirros',
        hw_disk_bus: 'virtio',
      }));
      const res = await http('POST', `${api}/v1/images`, {
        token: demo.id,
        json: { name: 'cirros', source: { cloud: 'zone-a', image_id: source.id }, targets: ['zone-b'] },
      });
      assert.equal(res.status, 202, res.text);
      postRequestId = res.headers.get('x-openstack-request-id') as string;
      imageId = res.body.id;
      assert.match(imageId, /^[0-9a-f-]{36}$/);
      assert.equal(res.headers.get('location'), `/v1/images/${imageId}`);
      assert.equal(res.body.owner, demo.projectId);
      assert.equal(res.body.size, source.size);
      assert.equal(res.body.checksum, source.checksum);
      assert.equal(res.body.os_hash_value, source.os_hash_value);
      const byCloud = Object.fromEntries(res.body.locations.map((l: any) => [l.cloud, l]));
      assert.deepEqual(Object.keys(byCloud).sort(), ['zone-a', 'zone-b']);
      assert.equal(byCloud['zone-a'].image_id, source.id);
      assert.equal(byCloud['zone-a'].status, 'active');
      assert.equal(byCloud['zone-b'].image_id, null);
      assert.equal(byCloud['zone-b'].status, 'queued');
    });

    it('shows the copy through tasks until zone-b is active', async () => {
      const tasks = await waitForTasks(imageId);
      assert.equal(tasks.length, 1);
      const task = tasks[0];
      assert.equal(task.status, 'succeeded', JSON.stringify(task.error));
      assert.equal(task.cloud, 'zone-b');
      assert.equal(task.source_cloud, 'zone-a');
      assert.equal(task.bytes_done, source.size);
      assert.equal(task.bytes_total, source.size);
      assert.equal(task.progress, 100);
      assert.equal(task.attempts, 1);
      const shown = await http('GET', `${api}/v1/tasks/${task.id}`, { token: demo.id });
      assert.equal(shown.body.id, task.id);
      assert.ok(shown.body.rate > 0, 'an average rate is shown');
      assert.equal(shown.body.eta_seconds, null, 'no ETA once ended');
      const toB = await http('GET', `${api}/v1/tasks?cloud=zone-b&image_id=${imageId}`, { token: demo.id });
      assert.deepEqual(
        toB.body.tasks.map((t: any) => t.id),
        [task.id],
      );
      const toA = await http('GET', `${api}/v1/tasks?cloud=zone-a&image_id=${imageId}`, { token: demo.id });
      assert.deepEqual(toA.body.tasks, []);
      const image = await http('GET', `${api}/v1/images/${imageId}`, { token: demo.id });
      const zoneB = image.body.locations.find((l: any) => l.cloud === 'zone-b');
      assert.equal(zoneB.status, 'active');
      assert.ok(zoneB.image_id);
      assert.ok(zoneB.last_verified_at);
    });

    it('leaves in zone-b the same bytes, formats, properties and owner, tagged with the GIMinG ID', async () => {
      const image = await http('GET', `${api}/v1/images/${imageId}`, { token: demo.id });
      const copyId = image.body.locations.find((l: any) => l.cloud === 'zone-b').image_id;
      const copy = await glanceB.get(copyId);
      assert.equal(copy.status, 'active');
      assert.equal(copy.size, source.size);
      assert.equal(copy.checksum, source.checksum);
      assert.equal(copy.os_hash_algo, source.os_hash_algo);
      assert.equal(copy.os_hash_value, source.os_hash_value);
      assert.equal(copy.disk_format, 'qcow2');
      assert.equal(copy.container_format, 'bare');
      assert.equal(copy.min_ram, 64);
      assert.equal(copy.os_distro, 'cirros');
      assert.equal(copy.hw_disk_bus, 'virtio');
      assert.equal(copy.owner, demo.projectId);
      assert.equal(copy.gimming_image_id, imageId);
      const tagged = await glanceA.get(source.id);
      assert.equal(tagged.gimming_image_id, imageId);
      // ...and GIMinG shows each copy as its cloud describes it now.
      assert.deepEqual(image.body.available_in, ['zone-a', 'zone-b']);
      for (const location of image.body.locations) {
        assert.equal(location.remote.status, 'active');
        assert.equal(location.remote.checksum, source.checksum);
        assert.equal(location.remote.os_hash_value, source.os_hash_value);
        assert.equal(location.remote.properties.gimming_image_id, imageId);
        assert.equal(location.remote.properties.os_distro, 'cirros');
      }
    });

    it('accepts clouds named by ID, and shows a longer copy moving', async () => {
      const clouds = (await http('GET', `${api}/v1/clouds`, { token: demo.id })).body.clouds as any[];
      const byName = Object.fromEntries(clouds.map((c) => [c.name, c.id]));
      const { image: big } = await glanceA.createWithData(512 * 1024 * 1024, { name: 'big' });
      const res = await http('POST', `${api}/v1/images`, {
        token: demo.id,
        json: { source: { cloud: byName['zone-a'], image_id: big.id }, targets: [byName['zone-b']] },
      });
      assert.equal(res.status, 202, res.text);
      assert.equal(res.body.name, 'big', 'the name defaults to the source name');
      const seen: Array<{
        status: string;
        done: number;
        total: number;
        location: string;
        eta: number | null;
      }> = [];
      for (;;) {
        // The image first, then its task: a task seen running was running when the location was read.
        const image = await http('GET', `${api}/v1/images/${res.body.id}`, { token: demo.id });
        const tasks = await http('GET', `${api}/v1/tasks?image_id=${res.body.id}`, { token: demo.id });
        const task = tasks.body.tasks[0];
        const location = image.body.locations.find((l: any) => l.cloud === 'zone-b').status;
        seen.push({
          status: task.status,
          done: task.bytes_done,
          total: task.bytes_total,
          location,
          eta: task.eta_seconds,
        });
        if (!['pending', 'running'].includes(task.status)) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const last = seen[seen.length - 1]!;
      assert.equal(last.status, 'succeeded');
      // The last location was read just before the task ended: read it again now.
      const final = await http('GET', `${api}/v1/images/${res.body.id}`, { token: demo.id });
      assert.equal(final.body.locations.find((l: any) => l.cloud === 'zone-b').status, 'active');
      const moving = seen.filter((o) => o.status === 'running' && o.done > 0 && o.done < o.total);
      assert.ok(moving.length > 0, `progress was seen mid-copy: ${JSON.stringify(seen.slice(0, 5))}...`);
      assert.ok(moving.every((o) => o.total === big.size && o.location === 'copying'));
      assert.ok(
        moving.every((o) => typeof o.eta === 'number' && o.eta >= 0),
        'an ETA while it runs',
      );
      const copy = await glanceB.list({ gimming_image_id: res.body.id });
      assert.equal(copy.length, 1);
      assert.equal(copy[0].os_hash_value, big.os_hash_value);
      await Promise.all([glanceA.delete(big.id), glanceB.delete(copy[0].id)]);
    });

    it('lists the project images', async () => {
      const list = await http('GET', `${api}/v1/images`, { token: demo.id });
      assert.equal(list.status, 200);
      assert.ok(list.body.images.some((i: any) => i.id === imageId));
      assert.equal(list.body.next, undefined);
    });

    it('pages the list with limit, marker and a next link', async () => {
      const all = (await http('GET', `${api}/v1/images`, { token: demo.id })).body.images.map(
        (i: any) => i.id,
      );
      assert.ok(all.length >= 2);
      const paged: string[] = [];
      let next: string | undefined = '/v1/images?limit=1';
      while (next) {
        const page: any = await http('GET', `${api}${next}`, { token: demo.id });
        assert.equal(page.status, 200);
        assert.ok(page.body.images.length <= 1);
        paged.push(...page.body.images.map((i: any) => i.id));
        next = page.body.next;
        if (next) assert.match(next, /^\/v1\/images\?limit=1&marker=[0-9a-f-]{36}$/);
      }
      assert.deepEqual(paged, all);
      const byName = await http('GET', `${api}/v1/images?name=cirros`, { token: demo.id });
      assert.deepEqual(
        byName.body.images.map((i: any) => i.name),
        ['cirros'],
      );
      const inB = await http('GET', `${api}/v1/images?cloud=zone-b&status=active&visibility=private`, {
        token: demo.id,
      });
      assert.ok(inB.body.images.length >= 1);
      assert.ok(inB.body.images.every((i: any) => i.locations.some((l: any) => l.cloud === 'zone-b')));
      for (const bad of ['status=x'.padEnd(40, 'x'), 'status=deleted', 'visibility=everyone']) {
        const res = await http('GET', `${api}/v1/images?${bad}`, { token: demo.id });
        assert.equal(res.status, 400, bad);
        assert.equal(res.body.error.code, 'gimming.request.invalid', 'checked by the API, not the RPC layer');
      }
      const sorted = await http('GET', `${api}/v1/images?sort=name:desc`, { token: demo.id });
      const names = sorted.body.images.map((i: any) => i.name);
      assert.deepEqual(names, [...names].sort().reverse());
      const sortedPaged: string[] = [];
      let nextSorted: string | undefined = '/v1/images?sort=name:desc&limit=1';
      while (nextSorted) {
        const page: any = await http('GET', `${api}${nextSorted}`, { token: demo.id });
        sortedPaged.push(...page.body.images.map((i: any) => i.name));
        nextSorted = page.body.next;
      }
      assert.deepEqual(sortedPaged, names, 'pages follow the sort order');
      for (const query of [
        'sort=owner',
        'sort=name:sideways',
        'sort=name;DROP TABLE images',
        'cloud=nowhere',
      ]) {
        const res = await http('GET', `${api}/v1/images?${query}`, { token: demo.id });
        assert.ok([400, 404].includes(res.status), `${query}: ${res.status}`);
      }
      const injected = await http('GET', `${api}/v1/images?name=${encodeURIComponent("x' OR '1'='1")}`, {
        token: demo.id,
      });
      assert.deepEqual(injected.body.images, []);
      const bad = await http('GET', `${api}/v1/images?marker=not-an-id`, { token: demo.id });
      assert.equal(bad.status, 400);
      const badLimit = await http('GET', `${api}/v1/images?limit=-3`, { token: demo.id });
      assert.equal(badLimit.status, 400);
    });

    it('logs one JSON line per event, with the request id, in every daemon', () => {
      for (const name of daemons.names) {
        const lines = daemons.logLines(name); // throws on a line that is not JSON
        assert.ok(lines.length > 0, `${name} logged`);
        for (const line of lines) {
          assert.equal(typeof line.level, 'string');
          assert.equal(typeof line.message, 'string');
        }
      }
      for (const name of ['api', 'conductor', 'agent-zone-a', 'agent-zone-b']) {
        assert.ok(
          daemons.logLines(name).some((l) => l.request_id === postRequestId),
          `${name} logged the request ${postRequestId}`,
        );
      }
    });

    it('never logs a token', () => {
      for (const name of daemons.names) {
        const text = daemons.logText(name);
        for (const token of [demo.id, admin.id, alt.id])
          assert.ok(!text.includes(token), `${name} log holds a token`);
        assert.ok(!text.includes(bed.users.gimming.password), `${name} log holds the service password`);
      }
    });

    it('hides the image and its tasks from another project', async () => {
      const shown = await http('GET', `${api}/v1/images/${imageId}`, { token: alt.id });
      assert.equal(shown.status, 404);
      assert.equal(shown.body.error.code, 'gimming.image.not_found');
      const list = await http('GET', `${api}/v1/images`, { token: alt.id });
      assert.ok(!list.body.images.some((i: any) => i.id === imageId));
      const tasks = await http('GET', `${api}/v1/tasks?image_id=${imageId}`, { token: alt.id });
      assert.deepEqual(tasks.body.tasks, []);
    });

    it('does not let another project adopt or sync an image it cannot see', async () => {
      const res = await http('POST', `${api}/v1/images`, {
        token: alt.id,
        json: { source: { cloud: 'zone-a', image_id: source.id }, targets: ['zone-b'] },
      });
      assert.equal(res.status, 404, res.text);
      assert.equal(res.body.error.code, 'gimming.remote_image.not_found');
    });

    it('refuses to track the same remote image twice', async () => {
      const res = await http('POST', `${api}/v1/images`, {
        token: demo.id,
        json: { source: { cloud: 'zone-a', image_id: source.id }, targets: ['zone-b'] },
      });
      assert.equal(res.status, 409, res.text);
      assert.equal(res.body.error.code, 'gimming.location.already_tracked');
    });
  });

  describe('bad requests', () => {
    it('gives clear 4xx answers and creates nothing', async () => {
      const before = (await http('GET', `${api}/v1/images`, { token: demo.id })).body.images.length;
      const cases: Array<[unknown, number, string]> = [
        [
          {
            source: { cloud: 'zone-a', image_id: '00000000-0000-0000-0000-000000000000' },
            targets: ['zone-b'],
          },
          404,
          'gimming.remote_image.not_found',
        ],
        [
          { source: { cloud: 'nowhere', image_id: 'abc' }, targets: ['zone-b'] },
          404,
          'gimming.cloud.not_found',
        ],
        [
          { source: { cloud: 'zone-a', image_id: 'abc' }, targets: ['nowhere'] },
          404,
          'gimming.cloud.not_found',
        ],
        [
          { source: { cloud: 'zone-a', image_id: 'abc' }, targets: ['zone-a'] },
          400,
          'gimming.image.target_is_source',
        ],
        [{ source: { cloud: 'zone-a' }, targets: ['zone-b'] }, 400, 'gimming.request.invalid'],
        [{ source: { cloud: 'zone-a', image_id: 'abc' } }, 400, 'gimming.request.invalid'],
        [
          { source: { cloud: 'zone-a', image_id: 'abc', url: 'http://x/' }, targets: ['zone-b'] },
          400,
          'gimming.request.invalid',
        ],
        [
          { source: { cloud: 'zone-a', image_id: 'abc' }, targets: ['zone-b'], owner: 'x' },
          400,
          'gimming.request.invalid',
        ],
        [[1, 2], 400, 'gimming.request.invalid'],
      ];
      for (const [body, status, code] of cases) {
        const res = await http('POST', `${api}/v1/images`, { token: demo.id, json: body });
        assert.equal(res.status, status, `${JSON.stringify(body)}: ${res.text}`);
        assert.equal(res.body.error.code, code);
        assert.equal(typeof res.body.error.message, 'string');
        assert.ok(!res.text.includes('    at '), 'no stack trace');
      }
      const malformed = await http('POST', `${api}/v1/images`, {
        token: demo.id,
        body: '{"name": ',
        headers: { 'Content-Type': 'application/json' },
      });
      assert.equal(malformed.status, 400);
      assert.equal(malformed.body.error.code, 'gimming.request.malformed_json');
      const notJson = await http('POST', `${api}/v1/images`, {
        token: demo.id,
        body: 'x',
        headers: { 'Content-Type': 'text/plain' },
      });
      assert.equal(notJson.status, 415);
      const unknownImage = await http('GET', `${api}/v1/images/00000000-0000-0000-0000-000000000000`, {
        token: demo.id,
      });
      assert.equal(unknownImage.status, 404);
      const unknownPath = await http('GET', `${api}/v1/nothing`, { token: demo.id });
      assert.equal(unknownPath.status, 404);
      assert.equal(unknownPath.body.error.code, 'gimming.request.not_found');
      const after = (await http('GET', `${api}/v1/images`, { token: demo.id })).body.images.length;
      assert.equal(after, before);
    });
  });

  describe('a copy that fails', () => {
    it('leaves nothing in zone-b and fails the task with a reason', async () => {
      const { image: src } = await glanceA.createWithData(2 * 1024 * 1024, { name: 'to-be-corrupted' });
      // Corrupt the source's bytes in Glance A's store behind its back (same length, other content):
      // Glance A still announces the old checksum, zone-b's Glance hashes what really arrives.
      const storeFile = join(bed.regions.RegionOne!.store_dir!, src.id);
      writeFileSync(storeFile, Buffer.alloc(2 * 1024 * 1024, 7));
      const beforeB = (await glanceB.list()).map((i) => i.id);
      const res = await http('POST', `${api}/v1/images`, {
        token: demo.id,
        json: { source: { cloud: 'zone-a', image_id: src.id }, targets: ['zone-b'] },
      });
      assert.equal(res.status, 202, res.text);
      const [task] = await waitForTasks(res.body.id);
      assert.equal(task.status, 'failed');
      assert.equal(task.error.code, 'gimming.copy.mismatch');
      assert.match(task.error.message, /does not match the source/);
      const image = await http('GET', `${api}/v1/images/${res.body.id}`, { token: demo.id });
      const zoneB = image.body.locations.find((l: any) => l.cloud === 'zone-b');
      assert.equal(zoneB.status, 'error');
      assert.equal(zoneB.image_id, null);
      const afterB = (await glanceB.list()).map((i) => i.id);
      assert.deepEqual(afterB.sort(), beforeB.sort(), 'zone-b holds no new image');
      assert.deepEqual(await glanceB.list({ gimming_image_id: res.body.id }), []);
    });
  });
});
