/**
 * Tenancy, through the real daemons and both Glance zones: project alt can neither see nor change what
 * project demo owns, on every call of the API reference, and only administrators register and remove
 * shared clouds.
 *
 * demo's image is shared with alt, and alt accepted it in both clouds: alt can read its copies in Glance,
 * so every refusal below is GIMinG's own, not a cloud's. After each attempt the test checks that nothing
 * changed: demo's images, tasks and members as GIMinG records them, and the copies (with their members)
 * as each Glance holds them.
 */
import assert from 'node:assert/strict';
import http, { type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitForTasks } from '../support/flows';
import { http as request, waitFor } from '../support/http';
import { Glance, type Token } from '../support/openstack';
import { useStack } from '../support/stack';
import type { Testbed } from '../support/testbed';

/**
 * Serves /stall: announces 16 MiB, sends 64 KiB and then nothing, so that the import reading it stays
 * running until it is cancelled.
 */
function stallingServer(): Promise<{ server: Server; held: ServerResponse[] }> {
  const held: ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    if (req.url !== '/stall') {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': 16 * 1024 * 1024 });
    res.write(Buffer.alloc(64 * 1024, 7));
    held.push(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.2', () => resolve({ server, held })));
}

interface Attempt {
  what: string;
  method: string;
  path: string;
  json?: unknown;
  body?: Buffer;
  contentType?: string;
  /** Defaults to alt. */
  as?: 'alt' | 'demo';
  status: number;
  code: string;
}

describe('tenancy: alt can neither see nor change what demo owns', function () {
  this.timeout(180000);
  let bed: Testbed;
  let api: string;
  let admin: Token;
  let demo: Token;
  let alt: Token;
  let stall: { server: Server; held: ServerResponse[] };
  let glanceA: Glance;
  /** demo's: IMG (a copy in each zone, shared with alt), QIMG (waits for its data), IIMG (importing). */
  const ids: Record<string, string> = {};
  let baseline: unknown;

  const stack = useStack({
    beforeStart: async () => {
      stall = await stallingServer();
    },
    // No periodic refresh: nothing but the attempts may touch demo's images. The import source is the
    // stalling server of the test, on 127.0.0.2.
    extraConfig: () =>
      '[conductor]\nrefresh_interval = 0\n' +
      `[import_filtering]\nallowed_ports = 80,443,${(stall.server.address() as AddressInfo).port}\n` +
      'allowed_private_networks = 127.0.0.2/32\n',
  });

  before(async function () {
    ({ bed, api, admin, demo, alt } = stack);
    const port = (stall.server.address() as AddressInfo).port;
    ids.ALTP = alt.projectId;
    ids.ADMINP = admin.projectId;
    glanceA = stack.glance('zone-a');

    // IMG: adopted in zone-a, copied to zone-b, shared with alt, accepted by alt in both clouds.
    const { image: source } = await glanceA.createWithData(64 * 1024, { name: `demo-only-${Date.now()}` });
    const adopted = await request('POST', `${api}/v1/images`, {
      token: demo.id,
      json: { source: { cloud: 'zone-a', image_id: source.id }, targets: ['zone-b'], visibility: 'shared' },
    });
    assert.equal(adopted.status, 202, adopted.text);
    const [copyTask] = await waitForTasks(api, demo.id, adopted.body.id);
    assert.equal(copyTask.status, 'succeeded', JSON.stringify(copyTask.error));
    const member = await request('POST', `${api}/v1/images/${adopted.body.id}/members`, {
      token: demo.id,
      json: { member: alt.projectId },
    });
    assert.equal(member.status, 201, member.text);
    const shown = await request('GET', `${api}/v1/images/${adopted.body.id}`, { token: demo.id });
    Object.assign(ids, {
      IMG: adopted.body.id,
      NAME: shown.body.name,
      TASK: copyTask.id,
      SRC: source.id,
      COPY: shown.body.locations.find((l: any) => l.cloud === 'zone-b').image_id,
    });
    for (const [url, remote] of [
      [bed.regions.RegionOne!.glance_url, ids.SRC],
      [bed.regions.RegionTwo!.glance_url, ids.COPY],
    ] as const) {
      const accepted = await request('PUT', `${url}/v2/images/${remote}/members/${alt.projectId}`, {
        token: alt.id,
        json: { status: 'accepted' },
      });
      assert.equal(accepted.status, 200, accepted.text);
    }

    // QIMG: waits for its data.
    const queued = await request('POST', `${api}/v1/images`, {
      token: demo.id,
      json: { name: 'demo-queued', disk_format: 'raw', container_format: 'bare', targets: ['zone-a'] },
    });
    assert.equal(queued.status, 201, queued.text);
    ids.QIMG = queued.body.id;

    // IIMG: its import reads from a source that stalls, so the task runs until demo cancels it.
    const importing = await request('POST', `${api}/v1/images`, {
      token: demo.id,
      json: {
        name: 'demo-importing',
        disk_format: 'raw',
        container_format: 'bare',
        source: { url: `http://127.0.0.2:${port}/stall` },
        targets: ['zone-b'],
      },
    });
    assert.equal(importing.status, 202, importing.text);
    ids.IIMG = importing.body.id;
    const running = await waitFor('the import to run', async () => {
      const res = await request('GET', `${api}/v1/tasks?image_id=${ids.IIMG}`, { token: demo.id });
      const task = res.body.tasks[0];
      return task?.status === 'running' && task.bytes_done > 0 ? task : undefined;
    });
    ids.RTASK = running.id;
    baseline = await snapshot();
  });

  after(async function () {
    this.timeout(60000);
    for (const res of stall?.held ?? []) res.destroy();
    stall?.server.close();
  });

  const fill = (text: string) => text.replace(/\{([A-Z]+)\}/g, (_m, k: string) => ids[k] ?? `{${k}}`);

  /**
   * What alt must not change: demo's images, tasks and members as GIMinG records them, the copies and
   * their members as each Glance holds them, the clouds. The running import moves nothing but its
   * progress, which is left out.
   */
  async function snapshot(): Promise<unknown> {
    const get = async (path: string, token = demo.id) => {
      const res = await request('GET', `${api}${path}`, { token });
      assert.equal(res.status, 200, `${path}: ${res.text}`);
      return res.body;
    };
    const glance = async (url: string, path: string) =>
      (await request('GET', `${url}${path}`, { token: admin.id })).body;
    const [a, b] = [bed.regions.RegionOne!.glance_url, bed.regions.RegionTwo!.glance_url];
    return {
      image: await get(`/v1/images/${ids.IMG}`),
      queued: await get(`/v1/images/${ids.QIMG}`),
      importing: await get(`/v1/images/${ids.IIMG}`),
      list: await get('/v1/images?limit=1000'),
      members: await get(`/v1/images/${ids.IMG}/members`),
      tasks: (await get('/v1/tasks?limit=1000')).tasks.map((t: any) =>
        t.id === ids.RTASK ? { id: t.id, status: t.status } : t,
      ),
      matrix: await get('/v1/matrix'),
      clouds: (await get('/v1/clouds', admin.id)).clouds.map(({ agents_up: _up, ...c }: any) => c),
      zoneA: await glance(a, `/v2/images/${ids.SRC}`),
      zoneB: await glance(b, `/v2/images/${ids.COPY}`),
      zoneAMembers: await glance(a, `/v2/images/${ids.SRC}/members`),
      zoneBMembers: await glance(b, `/v2/images/${ids.COPY}/members`),
      // No other image in either cloud carries demo's image ID (no copy was made by anyone).
      tagged: [
        ...(await glance(a, `/v2/images?gimming_image_id=${ids.IMG}`)).images,
        ...(await glance(b, `/v2/images?gimming_image_id=${ids.IMG}`)).images,
      ].map((i: any) => i.id),
    };
  }

  async function assertUnchanged(what: string): Promise<void> {
    assert.deepEqual(await snapshot(), baseline, `${what}: demo's images and their copies are unchanged`);
  }

  async function attempt(a: Attempt): Promise<void> {
    const token = (a.as ?? 'alt') === 'alt' ? alt.id : demo.id;
    const path = fill(a.path);
    const res = await request(a.method, `${api}${path}`, {
      token,
      ...(a.json !== undefined ? { body: fill(JSON.stringify(a.json)) } : {}),
      ...(a.body ? { body: a.body } : {}),
      headers: {
        ...(a.json !== undefined || a.contentType
          ? { 'Content-Type': a.contentType ?? 'application/json' }
          : {}),
      },
    });
    const what = `${a.what} (${a.method} ${a.path})`;
    assert.equal(res.status, a.status, `${what}: ${res.text}`);
    assert.equal(res.body?.error?.code, a.code, `${what}: ${res.text}`);
    assert.equal(res.body.error.status, a.status, what);
    // Nothing of demo's that the request did not carry itself (an ID sent may be named back).
    const sent = `${path} ${a.json !== undefined ? fill(JSON.stringify(a.json)) : ''}`;
    for (const secret of [ids.NAME, ids.SRC, ids.COPY, demo.projectId] as string[]) {
      if (!sent.includes(secret))
        assert.ok(!res.text.includes(secret), `${what}: the answer shows ${secret}`);
    }
    await assertUnchanged(what);
  }

  const octets = 'application/octet-stream';
  const NOT_FOUND = 'gimming.image.not_found';
  // alt may read demo's copies in Glance, but owns none of them: it may neither adopt nor link them, and
  // the refusal does not tell that demo tracks them.
  const NOT_OWNED = 'gimming.remote_image.not_owned';
  const attempts: Attempt[] = [
    { what: 'show', method: 'GET', path: '/v1/images/{IMG}', status: 404, code: NOT_FOUND },
    { what: 'show, ID in capitals', method: 'GET', path: '/v1/images/{IMG}', status: 404, code: NOT_FOUND },
    {
      what: 'show the image waiting for data',
      method: 'GET',
      path: '/v1/images/{QIMG}',
      status: 404,
      code: NOT_FOUND,
    },
    {
      what: 'show the importing image',
      method: 'GET',
      path: '/v1/images/{IIMG}',
      status: 404,
      code: NOT_FOUND,
    },
    {
      what: 'rename',
      method: 'PATCH',
      path: '/v1/images/{IMG}',
      json: { name: 'taken-by-alt' },
      contentType: 'application/merge-patch+json',
      status: 404,
      code: NOT_FOUND,
    },
    {
      what: 'make private (alt would drop itself as member)',
      method: 'PATCH',
      path: '/v1/images/{IMG}',
      json: { visibility: 'private' },
      status: 404,
      code: NOT_FOUND,
    },
    { what: 'forget', method: 'DELETE', path: '/v1/images/{IMG}', status: 404, code: NOT_FOUND },
    {
      what: 'forget the importing image',
      method: 'DELETE',
      path: '/v1/images/{IIMG}',
      status: 404,
      code: NOT_FOUND,
    },
    {
      what: 'delete everywhere',
      method: 'DELETE',
      path: '/v1/images/{IMG}?delete_remote=true',
      status: 404,
      code: NOT_FOUND,
    },
    {
      what: 'sync',
      method: 'POST',
      path: '/v1/images/{IMG}/sync',
      json: { targets: ['zone-a', 'zone-b'] },
      status: 404,
      code: NOT_FOUND,
    },
    { what: 'refresh', method: 'POST', path: '/v1/images/{IMG}/refresh', status: 404, code: NOT_FOUND },
    {
      what: 'upload into the image waiting for data',
      method: 'PUT',
      path: '/v1/images/{QIMG}/file',
      body: Buffer.alloc(1024, 1),
      contentType: octets,
      status: 404,
      code: NOT_FOUND,
    },
    {
      what: 'upload into the active image',
      method: 'PUT',
      path: '/v1/images/{IMG}/file',
      body: Buffer.alloc(1024, 1),
      contentType: octets,
      status: 404,
      code: NOT_FOUND,
    },
    {
      what: 'link a copy',
      method: 'POST',
      path: '/v1/images/{IMG}/locations',
      json: { cloud: 'zone-b', image_id: '{COPY}' },
      status: 404,
      code: NOT_FOUND,
    },
    {
      what: 'unlink a copy',
      method: 'DELETE',
      path: '/v1/images/{IMG}/locations/zone-b',
      status: 404,
      code: NOT_FOUND,
    },
    {
      what: 'delete a copy from its cloud',
      method: 'DELETE',
      path: '/v1/images/{IMG}/locations/zone-b?delete_remote=true',
      status: 404,
      code: NOT_FOUND,
    },
    { what: 'list members', method: 'GET', path: '/v1/images/{IMG}/members', status: 404, code: NOT_FOUND },
    {
      what: 'add a member',
      method: 'POST',
      path: '/v1/images/{IMG}/members',
      json: { member: '{ADMINP}' },
      status: 404,
      code: NOT_FOUND,
    },
    {
      what: 'remove itself as a member',
      method: 'DELETE',
      path: '/v1/images/{IMG}/members/{ALTP}',
      status: 404,
      code: NOT_FOUND,
    },
    {
      what: 'show a task',
      method: 'GET',
      path: '/v1/tasks/{TASK}',
      status: 404,
      code: 'gimming.task.not_found',
    },
    {
      what: 'show the running task',
      method: 'GET',
      path: '/v1/tasks/{RTASK}',
      status: 404,
      code: 'gimming.task.not_found',
    },
    {
      what: 'cancel the running task',
      method: 'POST',
      path: '/v1/tasks/{RTASK}/cancel',
      status: 404,
      code: 'gimming.task.not_found',
    },
    {
      what: 'cancel an ended task',
      method: 'POST',
      path: '/v1/tasks/{TASK}/cancel',
      status: 404,
      code: 'gimming.task.not_found',
    },
    {
      what: "page images after demo's",
      method: 'GET',
      path: '/v1/images?marker={IMG}',
      status: 400,
      code: 'gimming.list.bad_marker',
    },
    {
      what: "page tasks after demo's",
      method: 'GET',
      path: '/v1/tasks?marker={TASK}',
      status: 400,
      code: 'gimming.list.bad_marker',
    },
    ...['/v1/images', '/v1/tasks', '/v1/matrix'].map((path): Attempt => ({
      what: `list every project (${path})`,
      method: 'GET',
      path: `${path}?all_projects=true`,
      status: 403,
      code: 'gimming.policy.forbidden',
    })),
    {
      what: "adopt demo's tracked source (alt can read it in zone-a)",
      method: 'POST',
      path: '/v1/images',
      json: { source: { cloud: 'zone-a', image_id: '{SRC}' }, targets: [] },
      status: 403,
      code: NOT_OWNED,
    },
    {
      what: "adopt demo's tracked copy (alt can read it in zone-b) and copy it to zone-a",
      method: 'POST',
      path: '/v1/images',
      json: { source: { cloud: 'zone-b', image_id: '{COPY}' }, targets: ['zone-a'] },
      status: 403,
      code: NOT_OWNED,
    },
  ];

  for (const a of attempts) {
    it(`refuses alt: ${a.what}`, async () => {
      // The same ID in capitals names the same image: it must be refused the same way.
      await attempt(
        a.what.includes('capitals') ? { ...a, path: a.path.replace('{IMG}', ids.IMG!.toUpperCase()) } : a,
      );
    });
  }

  it("refuses alt linking demo's copy to an image of alt's with the same bytes", async () => {
    // alt reads the bytes of demo's shared image, makes its own image of them and adopts it: then tries to
    // take demo's copy in zone-b as a copy of its own (which it could then change or delete through GIMinG).
    const file = await fetch(`${bed.regions.RegionOne!.glance_url}/v2/images/${ids.SRC}/file`, {
      headers: { 'X-Auth-Token': alt.id },
    });
    assert.equal(file.status, 200, 'alt can read the bytes of the shared image');
    const bytes = Buffer.from(await file.arrayBuffer());
    const altGlance = new Glance(bed.regions.RegionOne!.glance_url, alt.id);
    const own = await altGlance.create({ name: 'alt-same-bytes' });
    await altGlance.upload(own.id, bytes);
    const adopted = await request('POST', `${api}/v1/images`, {
      token: alt.id,
      json: { source: { cloud: 'zone-a', image_id: own.id }, targets: [] },
    });
    assert.equal(adopted.status, 202, adopted.text);
    const shown = await request('GET', `${api}/v1/images/${adopted.body.id}`, { token: demo.id });
    assert.equal(shown.status, 404, "demo does not see alt's image either");
    await attempt({
      what: "link demo's copy",
      method: 'POST',
      path: `/v1/images/${adopted.body.id}/locations`,
      json: { cloud: 'zone-b', image_id: '{COPY}' },
      status: 403,
      code: NOT_OWNED,
    });
    await attempt({
      what: "link demo's source",
      method: 'POST',
      path: `/v1/images/${adopted.body.id}/locations`,
      json: { cloud: 'zone-a', image_id: '{SRC}' },
      status: 403,
      code: NOT_OWNED,
    });
    const forgotten = await request('DELETE', `${api}/v1/images/${adopted.body.id}`, { token: alt.id });
    assert.equal(forgotten.status, 204, forgotten.text);
    await altGlance.delete(own.id);
    await assertUnchanged("after alt's image is gone");
  });

  it("lists none of demo's images, tasks or matrix rows to alt", async () => {
    const get = async (path: string) => {
      const res = await request('GET', `${api}${fill(path)}`, { token: alt.id });
      assert.equal(res.status, 200, `${path}: ${res.text}`);
      return res;
    };
    const demoIds = [ids.IMG, ids.QIMG, ids.IIMG];
    for (const path of [
      '/v1/images?limit=1000',
      '/v1/images?cloud=zone-b&limit=1000',
      `/v1/images?name=${encodeURIComponent(ids.NAME as string)}`,
      '/v1/images?visibility=shared',
      '/v1/images?sort=name:desc',
    ]) {
      const res = await get(path);
      assert.ok(!res.body.images.some((i: any) => demoIds.includes(i.id)), `${path}: ${res.text}`);
      assert.ok(!res.text.includes(ids.NAME as string), path);
    }
    for (const path of [
      '/v1/tasks?limit=1000',
      '/v1/tasks?image_id={IMG}',
      '/v1/tasks?image_id={IIMG}',
      '/v1/tasks?status=running',
    ]) {
      const res = await get(path);
      assert.ok(!res.body.tasks.some((t: any) => demoIds.includes(t.image_id)), `${path}: ${res.text}`);
    }
    for (const path of ['/v1/matrix', `/v1/matrix?name=${encodeURIComponent(ids.NAME as string)}`]) {
      const res = await get(path);
      assert.ok(!res.body.images.some((i: any) => demoIds.includes(i.id)), `${path}: ${res.text}`);
    }
    // demo's own lists hold them: the filters above would have found them.
    const mine = await request('GET', `${api}/v1/images?name=${encodeURIComponent(ids.NAME as string)}`, {
      token: demo.id,
    });
    assert.deepEqual(
      mine.body.images.map((i: any) => i.id),
      [ids.IMG],
    );
    await assertUnchanged('lists');
  });

  it("does not tell alt, browsing a cloud, which GIMinG image tracks demo's copies", async () => {
    for (const [cloud, remote] of [
      ['zone-a', ids.SRC],
      ['zone-b', ids.COPY],
    ] as const) {
      const seen = await request('GET', `${api}/v1/clouds/${cloud}/images?limit=1000`, { token: alt.id });
      assert.equal(seen.status, 200, seen.text);
      const entry = seen.body.images.find((i: any) => i.id === remote);
      assert.ok(entry, `alt sees demo's shared copy in ${cloud}`);
      assert.equal(entry.tracked_by, null, `${cloud}: tracked_by is not revealed to alt`);
      const own = await request('GET', `${api}/v1/clouds/${cloud}/images?limit=1000`, { token: demo.id });
      assert.equal(
        own.body.images.find((i: any) => i.id === remote).tracked_by,
        ids.IMG,
        `${cloud}: demo is told`,
      );
    }
    await assertUnchanged('browse');
  });

  it('lets only an administrator register and remove shared clouds, and none that holds copies', async () => {
    const spare = await request('POST', `${api}/v1/clouds`, {
      token: admin.id,
      json: { name: 'spare', type: 'openstack', region_name: 'RegionOne', zone: 'zone-a' },
    });
    assert.equal(spare.status, 201, spare.text);
    baseline = await snapshot();
    for (const as of ['demo', 'alt'] as const) {
      await attempt({
        what: `register a cloud as ${as}`,
        as,
        method: 'POST',
        path: '/v1/clouds',
        json: { name: `by-${as}`, type: 'openstack', region_name: 'RegionOne' },
        status: 403,
        code: 'gimming.policy.forbidden',
      });
      for (const cloud of ['zone-b', 'spare']) {
        await attempt({
          what: `remove a cloud as ${as}`,
          as,
          method: 'DELETE',
          path: `/v1/clouds/${cloud}`,
          status: 403,
          code: 'gimming.policy.forbidden',
        });
      }
    }
    const busy = await request('DELETE', `${api}/v1/clouds/zone-b`, { token: admin.id });
    assert.equal(busy.status, 409, busy.text);
    assert.equal(busy.body.error.code, 'gimming.cloud.in_use');
    await assertUnchanged('an administrator removing a cloud that holds copies');
    const removed = await request('DELETE', `${api}/v1/clouds/spare`, { token: admin.id });
    assert.equal(removed.status, 204, removed.text);
    const names = (await request('GET', `${api}/v1/clouds`, { token: demo.id })).body.clouds.map(
      (c: any) => c.name,
    );
    assert.deepEqual(names, ['zone-a', 'zone-b']);
    baseline = await snapshot();
  });

  it('lets demo itself cancel the task alt could not, and see it end', async () => {
    const cancelled = await request('POST', `${api}/v1/tasks/${ids.RTASK}/cancel`, { token: demo.id });
    assert.equal(cancelled.status, 202, cancelled.text);
    const [task] = await waitForTasks(api, demo.id, ids.IIMG as string);
    assert.equal(task.status, 'cancelled');
  });
});
