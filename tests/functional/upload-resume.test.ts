/**
 * Uploads that survive the network (microversion 1.6), through the real daemons: an upload cut mid-way
 * keeps what reached the staging agent; HEAD answers the offset, a PUT with Content-Range continues from
 * exactly it (any other offset refused), and the image gets active in both Glance zones with the checksum
 * of all of its bytes. The command line resumes on its own through a proxy that drops its connection once.
 * An upload that declares its sha256 is linked to the same bytes already staged in the project.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DaemonSet } from '../support/daemons';
import { waitForTasks } from '../support/flows';
import { cuttingProxy } from '../support/cutting-proxy';
import { http as call, waitFor } from '../support/http';
import type { Glance, Token } from '../support/openstack';
import { useStack } from '../support/stack';

const BIN = resolve(__dirname, '../../../bin/gimming');
const V16 = { 'OpenStack-API-Version': 'image-manager 1.6' };
/** This helper's port range (19500-19599): the proxy that cuts a connection. */
const PROXY_PORT = 19531;

/** Sends the head of a PUT and the first `cut` bytes of `data`, then drops the connection. */
function cutUpload(api: string, path: string, token: string, data: Buffer, cut: number): Promise<void> {
  const url = new URL(api);
  return new Promise((done, fail) => {
    const socket = net.connect(Number(url.port), url.hostname, () => {
      socket.write(
        `PUT ${path} HTTP/1.1\r\nHost: ${url.host}\r\nX-Auth-Token: ${token}\r\n` +
          `OpenStack-API-Version: image-manager 1.6\r\nContent-Type: application/octet-stream\r\n` +
          `Content-Length: ${data.length}\r\n\r\n`,
      );
      socket.write(data.subarray(0, cut), () => setTimeout(() => (socket.destroy(), done()), 1500));
    });
    socket.on('error', fail);
  });
}

describe('uploads that survive the network', function () {
  this.timeout(180000);
  let daemons: DaemonSet;
  let api: string;
  let demo: Token;
  let glanceA: Glance;
  let glanceB: Glance;

  const stack = useStack({ extraConfig: 'staging_max_bytes = 268435456\n' });

  before(() => {
    ({ daemons, api, demo } = stack);
    [glanceA, glanceB] = [stack.glance('zone-a'), stack.glance('zone-b')];
  });

  const create = async (name: string, extra: Record<string, unknown> = {}) => {
    const res = await call('POST', `${api}/v1/images`, {
      token: demo.id,
      headers: V16,
      json: { name, disk_format: 'raw', container_format: 'bare', targets: ['zone-a', 'zone-b'], ...extra },
    });
    assert.equal(res.status, 201, res.text);
    return res.body.id as string;
  };

  const head = async (id: string) => {
    const res = await fetch(`${api}/v1/images/${id}/file`, {
      method: 'HEAD',
      headers: { 'X-Auth-Token': demo.id, ...V16 },
    });
    return {
      status: res.status,
      state: res.headers.get('gimming-upload-state'),
      offset: Number(res.headers.get('upload-offset')),
      length: res.headers.get('upload-length'),
    };
  };

  const put = (id: string, body: Buffer, headers: Record<string, string> = {}) =>
    call('PUT', `${api}/v1/images/${id}/file`, {
      token: demo.id,
      headers: { ...V16, 'Content-Type': 'application/octet-stream', ...headers },
      body,
    });

  /** The image is active in both zones, every copy with the checksums of `data`. */
  async function activeEverywhere(id: string, data: Buffer): Promise<void> {
    const tasks = await waitForTasks(api, demo.id, id);
    for (const task of tasks.filter((t: any) => t.type === 'copy'))
      assert.equal(task.status, 'succeeded', JSON.stringify(task.error));
    const image = (await call('GET', `${api}/v1/images/${id}`, { token: demo.id })).body;
    const md5 = createHash('md5').update(data).digest('hex');
    const sha512 = createHash('sha512').update(data).digest('hex');
    assert.equal(image.status, 'active');
    assert.equal(image.size, data.length);
    assert.equal(image.checksum, md5);
    assert.equal(image.os_hash_value, sha512);
    for (const [cloud, glance] of [
      ['zone-a', glanceA],
      ['zone-b', glanceB],
    ] as const) {
      const location = image.locations.find((l: any) => l.cloud === cloud);
      assert.equal(location.status, 'active', cloud);
      const copy = await glance.get(location.image_id);
      assert.equal(copy.checksum, md5, cloud);
      assert.equal(copy.os_hash_value, sha512, cloud);
    }
  }

  it('keeps an upload cut mid-way, answers its offset, refuses another, and resumes it', async () => {
    const id = await create('resumed');
    const data = randomBytes(8 * 1024 * 1024 + 7);
    assert.deepEqual(
      { ...(await head(id)), status: 200 },
      { status: 200, state: 'none', offset: 0, length: null },
    );
    await cutUpload(api, `/v1/images/${id}/file`, demo.id, data, 3 * 1024 * 1024);
    const kept = await waitFor(
      'the cut upload to be kept',
      async () => {
        const h = await head(id);
        return h.state === 'suspended' ? h : undefined;
      },
      20000,
    );
    assert.equal(kept.status, 200);
    assert.ok(kept.offset > 0 && kept.offset <= 3 * 1024 * 1024, `offset ${kept.offset}`);
    assert.equal(kept.length, String(data.length));
    const dirs = ['zone-a', 'zone-b'].map((zone) => daemons.stagingDir(zone));
    const parts = dirs.filter((dir) => readdirSync(dir).includes(`${id}.part`));
    assert.equal(parts.length, 1, 'the partial upload stays staged');
    assert.equal(statSync(join(parts[0]!, `${id}.part`)).size, kept.offset);

    // Another offset is refused, and so is a bad range; the partial stays.
    const wrong = kept.offset + 1;
    const refused = await put(id, data.subarray(wrong), {
      'Content-Range': `bytes ${wrong}-${data.length - 1}/${data.length}`,
    });
    assert.equal(refused.status, 409, refused.text);
    assert.equal(refused.body.error.code, 'gimming.upload.offset_mismatch');
    assert.match(refused.body.error.message, new RegExp(`continues at byte ${kept.offset}`));
    const bad = await put(id, data.subarray(0, 10), { 'Content-Range': `bytes 0-9/${data.length}` });
    assert.equal(bad.status, 416, bad.text);
    assert.equal(bad.body.error.code, 'gimming.upload.bad_range');
    const below = await call('PUT', `${api}/v1/images/${id}/file`, {
      token: demo.id,
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `bytes 0-0/1` },
      body: Buffer.alloc(1),
    });
    assert.equal(below.status, 400, 'Content-Range needs 1.6');
    assert.equal((await head(id)).offset, kept.offset);

    const resumed = await put(id, data.subarray(kept.offset), {
      'Content-Range': `bytes ${kept.offset}-${data.length - 1}/${data.length}`,
    });
    assert.equal(resumed.status, 204, resumed.text);
    await activeEverywhere(id, data);
    const done = await head(id);
    assert.equal(done.state, 'complete');
    assert.equal(done.offset, data.length);
  });

  it('the command line resumes an upload its connection dropped, on its own', async () => {
    const home = mkdtempSync(join(tmpdir(), 'gimming-resume-'));
    const file = join(home, 'disk.raw');
    const data = randomBytes(32 * 1024 * 1024 + 3);
    writeFileSync(file, data);
    const proxy = await cuttingProxy(new URL(api), 20 * 1024 * 1024, PROXY_PORT);
    try {
      const run = await new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
        execFile(
          process.execPath,
          [
            BIN,
            'image',
            'create',
            `cli-resumed-${randomBytes(3).toString('hex')}`,
            '--file',
            file,
            '--disk-format',
            'raw',
            '--target',
            'zone-a',
          ].concat(['--target', 'zone-b', '--wait', '-f', 'json']),
          {
            env: {
              PATH: process.env.PATH ?? '',
              HOME: home,
              XDG_CACHE_HOME: join(home, 'cache'),
              OS_AUTH_URL: stack.bed.auth_url,
              OS_TOKEN: demo.id,
              OS_ENDPOINT_OVERRIDE: `http://127.0.0.1:${PROXY_PORT}`,
            },
            maxBuffer: 16 * 1024 * 1024,
          },
          (err, stdout, stderr) =>
            done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(proxy.cuts(), 1, 'the proxy cut the upload once');
      assert.equal(proxy.ranges.length, 1, 'one resumed PUT');
      const from = Number(/^bytes (\d+)-/.exec(proxy.ranges[0]!)![1]);
      assert.ok(from > 0 && from <= 20 * 1024 * 1024, `resumed from byte ${from}`);
      assert.equal(proxy.ranges[0], `bytes ${from}-${data.length - 1}/${data.length}`);
      const id = JSON.parse(run.stdout).id as string;
      await activeEverywhere(id, data);
    } finally {
      proxy.server.close();
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('links an upload declaring the sha256 of data already staged in the project, stored once', async () => {
    const data = randomBytes(4 * 1024 * 1024);
    const sha256 = createHash('sha256').update(data).digest('hex');
    // The first image's copies are slow (a bandwidth cap): its data stays staged meanwhile.
    const first = await create('dedup-first', { max_bandwidth: 1024 * 1024 });
    const wrongSum = await put(first, data, { 'Gimming-Content-Sha256': 'a'.repeat(64) });
    assert.equal(wrongSum.status, 400, wrongSum.text);
    assert.equal(wrongSum.body.error.code, 'gimming.image.checksum_mismatch');
    const sent = await put(first, data, { 'Gimming-Content-Sha256': sha256 });
    assert.equal(sent.status, 204, sent.text);

    const second = await create('dedup-second');
    const linked = await put(second, data, { 'Gimming-Content-Sha256': sha256 });
    assert.equal(linked.status, 204, linked.text);
    assert.equal(linked.headers.get('gimming-deduplicated-from'), first);
    const dir = daemons
      .stagingDir('zone-a')
      .replace(/zone-a$/, readdirSync(daemons.stagingDir('zone-a')).includes(first) ? 'zone-a' : 'zone-b');
    const [a, b] = [statSync(join(dir, first)), statSync(join(dir, second))];
    assert.equal(b.ino, a.ino, 'the bytes are on the disk once');
    await activeEverywhere(second, data);
    await activeEverywhere(first, data);
  });
});
