/**
 * The staging area is shared, and uploads end: an upload cut off or cancelled frees its reservation and
 * its partial file at once; uploads without Content-Length reserve against a per-upload cap; an upload
 * body has an idle timeout and a total deadline; an image's deletion frees its staging. And fair share:
 * per-project limits on running tasks, staged bytes and clouds, and a deadline on copies and imports.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import http, { type Server } from 'node:http';
import { type AddressInfo, type Socket, connect } from 'node:net';
import type { DaemonSet } from '../support/daemons';
import { waitForTasks } from '../support/flows';
import { http as call, waitFor } from '../support/http';
import type { Glance, Token } from '../support/openstack';
import { useStack } from '../support/stack';

const MiB = 1024 * 1024;
const STAGING_MAX = 48 * MiB;
const UPLOAD_CAP = 20 * MiB;
const IDLE_S = 3;
const DEADLINE_S = 12;

/** PUTs data with Content-Length, or chunked when `chunked`. */
export function putData(
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

/**
 * A chunked PUT over a plain socket that sends `bytes` of data and then, without the last chunk, either
 * cuts the connection (`cut`), stays silent until the server answers or closes (`stall`), or goes on
 * sending a little now and then (`trickle`); `socket` is handed over to cut it later.
 */
function partialPut(
  port: number,
  path: string,
  token: string,
  bytes: number,
  then: 'cut' | 'stall' | 'trickle',
  onSocket?: (socket: Socket) => void,
): Promise<{ status: number | null; text: string }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    onSocket?.(socket);
    const received: Buffer[] = [];
    socket.on('data', (d: Buffer) => received.push(d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const text = Buffer.concat(received).toString('utf8');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ status: m ? Number(m[1]) : null, text: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
    socket.write(
      `PUT ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Auth-Token: ${token}\r\n` +
        'Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n',
    );
    const piece = randomBytes(64 * 1024);
    let sent = 0;
    const pump = () => {
      while (sent < bytes) {
        sent += piece.length;
        if (
          !socket.write(
            Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]),
          )
        ) {
          socket.once('drain', pump);
          return;
        }
      }
      // Everything is on its way: give the server a moment to take it in, then cut (or keep waiting, or
      // go on with a small chunk every half second, never pausing long enough to be idle).
      if (then === 'cut') setTimeout(() => socket.destroy(), 1000);
      if (then === 'trickle') {
        const trickle = setInterval(() => {
          if (socket.destroyed) clearInterval(trickle);
          else socket.write('400\r\n' + 'x'.repeat(1024) + '\r\n');
        }, 500);
        socket.once('close', () => clearInterval(trickle));
      }
    };
    pump();
  });
}

describe('staging: uploads that end, a shared area, deletion', function () {
  this.timeout(90000);
  let daemons: DaemonSet;
  let api: string;
  let apiPort: number;
  let demo: Token;
  let glanceA: Glance;
  let glanceB: Glance;

  const stack = useStack({
    extraConfig:
      `staging_max_bytes = ${STAGING_MAX}\nstaging_max_upload_bytes = ${UPLOAD_CAP}\n` +
      `[api]\nupload_idle_timeout = ${IDLE_S}\nupload_deadline = ${DEADLINE_S}\n`,
  });

  before(() => {
    ({ daemons, api, demo } = stack);
    apiPort = stack.ports.api;
    [glanceA, glanceB] = [stack.glance('zone-a'), stack.glance('zone-b')];
  });

  const create = async (targets = ['zone-a', 'zone-b']) => {
    const res = await call('POST', `${api}/v1/images`, {
      token: demo.id,
      json: { name: 'staged', disk_format: 'raw', container_format: 'bare', targets },
    });
    assert.equal(res.status, 201, res.text);
    return res.body.id as string;
  };
  const image = async (id: string) => (await call('GET', `${api}/v1/images/${id}`, { token: demo.id })).body;
  /** The files in both staging areas (of one image only, with `id`). */
  const staged = (id?: string) =>
    ['zone-a', 'zone-b']
      .flatMap((zone) => {
        try {
          return readdirSync(daemons.stagingDir(zone));
        } catch {
          return [];
        }
      })
      .filter((name) => id === undefined || name.startsWith(id));
  const stagedLog = (id: string) =>
    ['agent-zone-a', 'agent-zone-b'].flatMap((name) =>
      daemons.logLines(name).filter((l) => l.message === 'upload staged' && l.image_id === id),
    );

  /** The full upload lands in both clouds with the right bytes, and the staging area is emptied after. */
  async function uploadsCompletely(
    id: string,
    chunked: boolean,
    clouds = ['zone-a', 'zone-b'],
  ): Promise<void> {
    const data = randomBytes(6 * MiB + 3);
    const put = await putData(`${api}/v1/images/${id}/file`, demo.id, data, chunked);
    assert.equal(put.status, 204, JSON.stringify(put.body));
    const md5 = createHash('md5').update(data).digest('hex');
    const tasks = await waitForTasks(api, demo.id, id);
    assert.deepEqual(
      tasks.map((t) => t.status),
      clouds.map(() => 'succeeded'),
      JSON.stringify(tasks.map((t) => t.error)),
    );
    const done = await image(id);
    for (const cloud of clouds) {
      const glance = cloud === 'zone-a' ? glanceA : glanceB;
      const l = done.locations.find((x: any) => x.cloud === cloud);
      assert.equal((await glance.get(l.image_id)).checksum, md5, `${cloud} holds the bytes`);
    }
    await waitFor('the staging area to be emptied', async () => (staged(id).length === 0 ? true : undefined));
  }

  it('forgets a chunked upload cut off after 5 MiB at once; the full retry succeeds', async () => {
    const id = await create();
    await partialPut(apiPort, `/v1/images/${id}/file`, demo.id, 5 * MiB, 'cut');
    await waitFor('the image to wait for its data again', async () =>
      (await image(id)).status === 'queued' ? true : undefined,
    );
    await waitFor('the partial file to go', async () => (staged(id).length === 0 ? true : undefined), 5000);
    assert.deepEqual(stagedLog(id), [], 'a cut-off upload is not logged as staged');
    await uploadsCompletely(id, true);
  });

  it('gives up an upload whose body stops arriving, and frees everything it staged', async () => {
    const id = await create();
    const started = Date.now();
    const answer = await partialPut(apiPort, `/v1/images/${id}/file`, demo.id, 2 * MiB, 'stall');
    const seconds = (Date.now() - started) / 1000;
    assert.equal(answer.status, 408, answer.text);
    assert.equal(JSON.parse(answer.text).error.code, 'gimming.upload.timeout');
    assert.ok(seconds >= IDLE_S && seconds < DEADLINE_S, `answered after ${seconds} s`);
    await waitFor('the partial file to go', async () => (staged(id).length === 0 ? true : undefined), 5000);
    assert.equal((await image(id)).status, 'queued');
    assert.deepEqual(stagedLog(id), []);
  });

  it('gives up an upload that trickles past the deadline, and frees everything it staged', async () => {
    const id = await create();
    const started = Date.now();
    const answer = await partialPut(apiPort, `/v1/images/${id}/file`, demo.id, 1 * MiB, 'trickle');
    const seconds = (Date.now() - started) / 1000;
    assert.equal(answer.status, 408, answer.text);
    assert.equal(JSON.parse(answer.text).error.code, 'gimming.upload.deadline_exceeded');
    assert.ok(seconds >= DEADLINE_S - 1, `answered after ${seconds} s`);
    await waitFor('the partial file to go', async () => (staged(id).length === 0 ? true : undefined), 5000);
    assert.equal((await image(id)).status, 'queued');
  });

  it('caps an upload of undeclared size, so that two of them cannot claim the whole area', async () => {
    // All in zone-a, so that one agent stages them all. Two uploads without Content-Length, kept open:
    // each reserves the per-upload cap, not the whole area.
    const ids = [await create(['zone-a']), await create(['zone-a'])];
    const sockets: Socket[] = [];
    const open = ids.map((id) =>
      partialPut(apiPort, `/v1/images/${id}/file`, demo.id, 1 * MiB, 'trickle', (s) => sockets.push(s)),
    );
    const third = await create(['zone-a']);
    try {
      await waitFor('both uploads to be staging', async () =>
        ids.every((id) => staged(id).length === 1) ? true : undefined,
      );
      // What is left (48 - 2 x 20 MiB) does not take a declared 10 MiB...
      const declared = await putData(`${api}/v1/images/${third}/file`, demo.id, randomBytes(10 * MiB));
      assert.equal(declared.status, 413, JSON.stringify(declared.body));
      assert.equal(declared.body.error.code, 'gimming.staging.full');
      assert.equal((await image(third)).status, 'queued');
    } finally {
      for (const s of sockets) s.destroy();
      await Promise.all(open);
    }
    await waitFor('the reservations to be freed', async () =>
      ids.every((id) => staged(id).length === 0) ? true : undefined,
    );
    // ...and, once they are gone, it does.
    await uploadsCompletely(third, false, ['zone-a']);
    // One upload of undeclared size may not grow past the cap, even with room to spare.
    const big = await create(['zone-a']);
    const over = await putData(`${api}/v1/images/${big}/file`, demo.id, Buffer.alloc(UPLOAD_CAP + MiB), true);
    assert.equal(over.status, 413, JSON.stringify(over.body));
    assert.equal(over.body.error.code, 'gimming.staging.full');
    assert.match(over.body.error.message, /undeclared size/);
    await waitFor('the partial file to go', async () => (staged(big).length === 0 ? true : undefined), 5000);
    assert.equal((await image(big)).status, 'queued');
  });

  it('frees the staged data of an image deleted while its copies run', async () => {
    const id = await create();
    const data = randomBytes(8 * MiB);
    const put = await putData(`${api}/v1/images/${id}/file`, demo.id, data);
    assert.equal(put.status, 204, JSON.stringify(put.body));
    // Cancel the copies at once and delete the image: its staged data goes with it.
    const tasks = (await call('GET', `${api}/v1/tasks?image_id=${id}`, { token: demo.id })).body.tasks;
    for (const t of tasks) await call('POST', `${api}/v1/tasks/${t.id}/cancel`, { token: demo.id });
    await waitForTasks(api, demo.id, id);
    const deleted = await call('DELETE', `${api}/v1/images/${id}`, { token: demo.id });
    assert.ok([202, 204].includes(deleted.status), deleted.text);
    await waitFor('the image to be gone', async () =>
      (await call('GET', `${api}/v1/images/${id}`, { token: demo.id })).status === 404 ? true : undefined,
    );
    await waitFor('its staged data to go', async () => (staged(id).length === 0 ? true : undefined), 5000);
  });

  it('frees the staged data of an image deleted while it is being uploaded, even if the upload completes', async () => {
    const id = await create();
    let socket: Socket | undefined;
    const open = partialPut(apiPort, `/v1/images/${id}/file`, demo.id, 2 * MiB, 'stall', (s) => (socket = s));
    await waitFor('the upload to be staging', async () => (staged(id).length === 1 ? true : undefined));
    // Forgetting the image stops its upload: what it staged goes, and the upload does not succeed,
    // although the client then sends the rest of its body.
    const deleted = await call('DELETE', `${api}/v1/images/${id}`, { token: demo.id });
    assert.equal(deleted.status, 204, deleted.text);
    socket?.write('0\r\n\r\n');
    const answer = await open;
    assert.notEqual(answer.status, 204, 'the upload of a deleted image does not succeed');
    await waitFor('its staged data to go', async () => (staged(id).length === 0 ? true : undefined), 5000);
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(staged(id), [], 'and it does not come back');
    assert.deepEqual(stagedLog(id), []);
  });
});

/**
 * Serves /slow (a body of unknown length that trickles 1 KiB every half second, for ever), /data, and
 * /big (`bigSize` bytes, declared).
 */
function slowSource(data: Buffer, bigSize: number): Promise<Server> {
  const server = http.createServer((req, res) => {
    if (req.url === '/data') {
      res.writeHead(200, { 'Content-Length': data.length });
      res.end(data);
      return;
    }
    if (req.url === '/big') {
      res.writeHead(200, { 'Content-Length': bigSize });
      res.end(Buffer.alloc(bigSize));
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
    const timer = setInterval(() => res.write(Buffer.alloc(1024, 7)), 500);
    res.once('close', () => clearInterval(timer));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.2', () => resolve(server)));
}

describe('fair share: per-project limits, and a deadline on copies and imports', function () {
  this.timeout(120000);
  const TASK_DEADLINE_S = 8;
  const PROJECT_STAGING = 16 * MiB;
  const DATA = randomBytes(3 * MiB);
  let daemons: DaemonSet;
  let api: string;
  let apiPort: number;
  let demo: Token;
  let server: Server | undefined;
  let sourcePort: number;
  let base: string;
  let glanceA: Glance;
  let glanceB: Glance;

  // The slow source listens before the config is written: the import filter must allow its port.
  const stack = useStack({
    beforeStart: async () => {
      server = await slowSource(DATA, PROJECT_STAGING + MiB);
      sourcePort = (server.address() as AddressInfo).port;
      base = `http://127.0.0.2:${sourcePort}`;
    },
    extraConfig: () =>
      `staging_max_upload_bytes = ${4 * MiB}\n` +
      `[quota]\nrunning_tasks = 2\nstaged_bytes = ${PROJECT_STAGING}\nclouds = 1\n` +
      `[conductor]\ntask_deadline = ${TASK_DEADLINE_S}\n` +
      `[import_filtering]\nallowed_ports = ${sourcePort}\nallowed_private_networks = 127.0.0.2/32\n`,
  });

  before(() => {
    ({ daemons, api, demo } = stack);
    apiPort = stack.ports.api;
    [glanceA, glanceB] = [stack.glance('zone-a'), stack.glance('zone-b')];
  });

  after(() => {
    server?.close();
    server?.closeAllConnections();
  });

  const importFrom = (url: string, targets = ['zone-a']) =>
    call('POST', `${api}/v1/images`, {
      token: demo.id,
      json: { name: 'imported', disk_format: 'raw', container_format: 'bare', source: { url }, targets },
    });
  const createForUpload = async (targets = ['zone-a']) => {
    const res = await call('POST', `${api}/v1/images`, {
      token: demo.id,
      json: { name: 'uploaded', disk_format: 'raw', container_format: 'bare', targets },
    });
    assert.equal(res.status, 201, res.text);
    return res.body.id as string;
  };
  const image = async (id: string) => (await call('GET', `${api}/v1/images/${id}`, { token: demo.id })).body;
  const staged = () =>
    ['zone-a', 'zone-b'].flatMap((zone) => {
      try {
        return readdirSync(daemons.stagingDir(zone));
      } catch {
        return [];
      }
    });

  it('refuses work past the running tasks of a project (429); a trickling import fails at the deadline', async () => {
    const slow = [await importFrom(`${base}/slow`), await importFrom(`${base}/slow`)];
    for (const res of slow) assert.equal(res.status, 202, res.text);
    const ids = slow.map((res) => res.body.id as string);
    await waitFor('both imports to run', async () => {
      const tasks = await Promise.all(
        ids.map(
          async (id) => (await call('GET', `${api}/v1/tasks?image_id=${id}`, { token: demo.id })).body.tasks,
        ),
      );
      return tasks.every((t) => t[0]?.status === 'running') ? true : undefined;
    });
    const third = await importFrom(`${base}/data`);
    assert.equal(third.status, 429, third.text);
    assert.equal(third.body.error.code, 'gimming.quota.tasks_exceeded');
    const upload = await createForUpload();
    const put = await putData(`${api}/v1/images/${upload}/file`, demo.id, randomBytes(MiB));
    assert.equal(put.status, 429, JSON.stringify(put.body));
    assert.equal((await image(upload)).status, 'queued');
    assert.deepEqual(
      staged().filter((n) => n.startsWith(upload)),
      [],
      'refused before any byte',
    );

    // The trickling imports are stopped at the deadline, with a clear error, leaving nothing anywhere.
    for (const id of ids) {
      const [task] = await waitForTasks(api, demo.id, id, (TASK_DEADLINE_S + 30) * 1000);
      assert.equal(task.status, 'failed');
      assert.equal(task.error.code, 'gimming.task.deadline_exceeded', task.error.message);
      assert.match(task.error.message, /deadline/);
      const after = await image(id);
      assert.equal(after.status, 'queued', 'the image waits for data again');
      assert.deepEqual(await glanceA.list({ gimming_image_id: id }), []);
      assert.deepEqual(await glanceB.list({ gimming_image_id: id }), []);
    }
    await waitFor(
      'the staging areas to be empty',
      async () => (staged().length === 0 ? true : undefined),
      5000,
    );

    // Their room is free again: the same work is taken now, and done.
    const again = await importFrom(`${base}/data`, ['zone-a', 'zone-b']);
    assert.equal(again.status, 202, again.text);
    const tasks = await waitForTasks(api, demo.id, again.body.id);
    assert.ok(
      tasks.every((t) => t.status === 'succeeded'),
      JSON.stringify(tasks.map((t) => t.error)),
    );
    const md5 = createHash('md5').update(DATA).digest('hex');
    const done = await image(again.body.id);
    for (const l of done.locations) {
      const glance = l.cloud === 'zone-a' ? glanceA : glanceB;
      assert.equal((await glance.get(l.image_id)).checksum, md5, l.cloud);
    }
  });

  it('refuses uploads past the staging bytes of a project (413), counting what is reserved', async () => {
    await waitFor('the staging areas to be empty', async () => (staged().length === 0 ? true : undefined));
    const big = await createForUpload();
    const over = await putData(`${api}/v1/images/${big}/file`, demo.id, randomBytes(PROJECT_STAGING + 1));
    assert.equal(over.status, 413, JSON.stringify(over.body));
    assert.equal(over.body.error.code, 'gimming.quota.staged_bytes_exceeded');
    assert.equal((await image(big)).status, 'queued');
    // An upload of undeclared size, still arriving, holds its reservation (4 MiB): 13 MiB no longer fit.
    const held = await createForUpload();
    let socket: Socket | undefined;
    const open = partialPut(apiPort, `/v1/images/${held}/file`, demo.id, MiB, 'trickle', (s) => (socket = s));
    try {
      await waitFor('the upload to be staging', async () =>
        staged().some((n) => n.startsWith(held)) ? true : undefined,
      );
      const second = await createForUpload();
      const refused = await putData(`${api}/v1/images/${second}/file`, demo.id, randomBytes(13 * MiB));
      assert.equal(refused.status, 413, JSON.stringify(refused.body));
      assert.equal(refused.body.error.code, 'gimming.quota.staged_bytes_exceeded');
    } finally {
      socket?.destroy();
      await open;
    }
    await waitFor('the reservation to be freed', async () =>
      (await image(held)).status === 'queued' ? true : undefined,
    );
    // An import whose source declares more than the project's room is stopped before any byte.
    const imported = await importFrom(`${base}/big`);
    assert.equal(imported.status, 202, imported.text);
    const [task] = await waitForTasks(api, demo.id, imported.body.id);
    assert.equal(task.status, 'failed');
    assert.equal(task.error.code, 'gimming.quota.staged_bytes_exceeded', task.error.message);
    assert.equal((await image(imported.body.id)).status, 'queued');
    // Within the limit, an upload goes through.
    const fits = await createForUpload();
    const ok = await putData(`${api}/v1/images/${fits}/file`, demo.id, randomBytes(12 * MiB));
    assert.equal(ok.status, 204, JSON.stringify(ok.body));
    const tasks = await waitForTasks(api, demo.id, fits);
    assert.equal(tasks[0].status, 'succeeded', JSON.stringify(tasks[0].error));
  });

  it('refuses project clouds past the limit of a project (403)', async () => {
    const cloud = (name: string) =>
      call('POST', `${api}/v1/clouds`, {
        token: demo.id,
        json: { name, type: 'openstack', region_name: 'RegionTwo', zone: 'zone-b', scope: 'project' },
      });
    const first = await cloud('mine-1');
    assert.equal(first.status, 201, first.text);
    const second = await cloud('mine-2');
    assert.equal(second.status, 403, second.text);
    assert.equal(second.body.error.code, 'gimming.quota.clouds_exceeded');
    const listed = (await call('GET', `${api}/v1/clouds`, { token: demo.id })).body.clouds;
    assert.ok(!listed.some((c: any) => c.name === 'mine-2'), 'not registered');
  });
});
