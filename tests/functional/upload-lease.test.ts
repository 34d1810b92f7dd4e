/**
 * An upload is a leased task: when the API process that receives it dies mid-upload (SIGKILL), the lease
 * lapses, a conductor ends the upload failed, its staging reservation and staged data are freed, and the
 * image takes a new upload.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import http from 'node:http';
import mysql from 'mysql2/promise';
import { DaemonSet, allPassed } from '../support/daemons';
import { registerClouds, waitForTasks } from '../support/flows';
import { http as call, waitFor } from '../support/http';
import { Glance, type Token, issueToken } from '../support/openstack';
import { type Testbed, testbed } from '../support/testbed';

const LEASE_S = 6;
const ZONES = ['zone-a', 'zone-b'];
const SIZE = 8 * 1024 * 1024;
/** Room for one declared upload of SIZE, not two. */
const STAGED_QUOTA = 12 * 1024 * 1024;

/** PUTs `data` with its Content-Length in one go; resolves with the status (0: the connection broke). */
function putData(url: string, token: string, data: Buffer): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request(url, {
      method: 'PUT',
      headers: {
        'X-Auth-Token': token,
        'Content-Type': 'application/octet-stream',
        'Content-Length': data.length,
      },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end(data);
  });
}

/** PUTs SIZE bytes, 64 KiB every 100 ms (about 12 s in all), until stopped. */
function slowPut(url: string, token: string): { done: Promise<number>; stop: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const req = http.request(url, {
    method: 'PUT',
    headers: { 'X-Auth-Token': token, 'Content-Type': 'application/octet-stream', 'Content-Length': SIZE },
  });
  const done = new Promise<number>((resolve) => {
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
  });
  let sent = 0;
  timer = setInterval(() => {
    if (sent >= SIZE) return clearInterval(timer);
    const piece = randomBytes(Math.min(64 * 1024, SIZE - sent));
    sent += piece.length;
    req.write(piece);
  }, 100);
  return {
    done,
    stop: () => {
      clearInterval(timer);
      timer = undefined;
      req.destroy();
    },
  };
}

describe('an upload is a leased task', function () {
  this.timeout(120000);
  let bed: Testbed;
  let daemons: DaemonSet;
  let api: string;
  let demo: Token;
  let glanceA: Glance;
  let glanceB: Glance;

  before(async function () {
    this.timeout(300000);
    bed = testbed();
    daemons = new DaemonSet(bed, {
      apiPort: 19980,
      agentPorts: { 'zone-a': 19981, 'zone-b': 19982 },
      extraConfig:
        `[conductor]\ntask_lease_time = ${LEASE_S}\ntask_scan_interval = 1\nrefresh_interval = 0\n` +
        `[quota]\nstaged_bytes = ${STAGED_QUOTA}\n`,
    });
    await daemons.start();
    api = daemons.apiUrl;
    const admin = await issueToken(bed, bed.users.admin);
    demo = await issueToken(bed, bed.users.demo);
    glanceA = new Glance(bed.regions.RegionOne!.glance_url, demo.id);
    glanceB = new Glance(bed.regions.RegionTwo!.glance_url, demo.id);
    await registerClouds(api, admin.id);
  });

  after(async function () {
    this.timeout(60000);
    if (daemons) await daemons.stop(!allPassed(this.test?.parent));
  });

  const create = async (): Promise<string> => {
    const res = await call('POST', `${api}/v1/images`, {
      token: demo.id,
      json: {
        name: `leased-${randomBytes(3).toString('hex')}`,
        disk_format: 'raw',
        container_format: 'bare',
        targets: ['zone-a', 'zone-b'],
      },
    });
    assert.equal(res.status, 201, res.text);
    return res.body.id;
  };

  const db = async <T>(sql: string, args: unknown[]): Promise<T[]> => {
    const c = await mysql.createConnection({ host: '127.0.0.1', user: 'root', database: daemons.dbName });
    try {
      const [rows] = await c.query(sql, args);
      return rows as T[];
    } finally {
      await c.end();
    }
  };

  const staged = (zone: string) => {
    try {
      return readdirSync(daemons.stagingDir(zone));
    } catch {
      return [];
    }
  };

  const allStaged = () => ZONES.flatMap((zone) => staged(zone));

  const imageStatus = async (id: string) =>
    (await call('GET', `${api}/v1/images/${id}`, { token: demo.id })).body.status as string;

  it('fails an upload whose API server was killed, frees its staging, and takes a new upload', async () => {
    const id = await create();
    const upload = slowPut(`${api}/v1/images/${id}/file`, demo.id);
    try {
      // The bytes reached the staging area of the agent that takes the upload before the fault.
      await waitFor(
        'bytes in a staging area',
        async () => {
          for (const zone of ZONES) {
            const part = join(daemons.stagingDir(zone), `${id}.part`);
            if (staged(zone).includes(`${id}.part`) && statSync(part).size > 0) return true;
          }
          return undefined;
        },
        20000,
      );
      const [running] = await db<{ status: string; lease: Date | null }>(
        "SELECT status, lease_expires_at AS lease FROM tasks WHERE image_id = ? AND type = 'upload'",
        [id],
      );
      assert.equal(running?.status, 'running', 'the upload holds a leased task');
      assert.ok(running.lease, 'with a lease');
      assert.equal(await imageStatus(id), 'saving');

      const api0 = daemons.process('api');
      assert.ok(api0 && api0.exitCode === null, 'the API server is up');
      const exited = new Promise((r) => api0.once('exit', r));
      api0.kill('SIGKILL');
      await exited;
      const killedAt = Date.now();
      upload.stop();
      assert.equal(await upload.done, 0, 'the client saw the connection break');
      daemons.spawn('api', 'gimming-api', {});
      await waitFor(
        'gimming-api again',
        async () => ((await call('GET', `${api}/healthcheck`)).status === 200 ? true : undefined),
        30000,
      );

      const failed = await waitFor(
        'the upload task to fail',
        async () => {
          const [task] = await db<{ status: string; error_code: string | null }>(
            "SELECT status, error_code FROM tasks WHERE image_id = ? AND type = 'upload'",
            [id],
          );
          return task && task.status !== 'running' ? task : undefined;
        },
        (LEASE_S + 15) * 1000,
      );
      const tookS = (Date.now() - killedAt) / 1000;
      assert.equal(failed.status, 'failed');
      assert.equal(failed.error_code, 'gimming.upload.interrupted');
      assert.ok(tookS <= LEASE_S + 10, `ended ${tookS}s after the kill, within the lease (${LEASE_S}s)`);

      // The image waits for its data again, with no staging reservation and nothing staged.
      assert.equal(await imageStatus(id), 'queued');
      const [image] = await db<{ staging_agent: string | null; staging_reserved: number | null }>(
        'SELECT staging_agent, staging_reserved FROM images WHERE id = ?',
        [id],
      );
      assert.deepEqual({ ...image }, { staging_agent: null, staging_reserved: null });
      await waitFor('the staging areas to be empty', async () => (allStaged().length ? undefined : true));
      // The upload stays out of the users' task listings, as before uploads were leased; the copies that
      // started with it (upload-live.test.ts) go with it, and leave nothing in either cloud.
      await waitFor('no task to be left', async () => {
        const listed = await call('GET', `${api}/v1/tasks?image_id=${id}`, { token: demo.id });
        return listed.body.tasks.length === 0 ? true : undefined;
      });
      for (const glance of [glanceA, glanceB])
        assert.deepEqual(await glance.list({ gimming_image_id: id }), [], glance.url);
    } finally {
      upload.stop();
    }

    // The freed reservation is room again: another image's declared upload of SIZE fits the quota,
    // which holds one such upload, not two.
    const other = await create();
    assert.equal(await putData(`${api}/v1/images/${other}/file`, demo.id, randomBytes(SIZE)), 204);
    for (const t of await waitForTasks(api, demo.id, other)) assert.equal(t.status, 'succeeded');
    await waitFor('the staging areas to be emptied', async () => (allStaged().length ? undefined : true));

    // The same image takes a new upload, and its copies exist in both clouds.
    const data = randomBytes(SIZE);
    assert.equal(await putData(`${api}/v1/images/${id}/file`, demo.id, data), 204);
    const tasks = await waitForTasks(api, demo.id, id);
    assert.equal(tasks.length, 2);
    for (const t of tasks) assert.equal(t.status, 'succeeded', JSON.stringify(t.error));
    assert.equal(await imageStatus(id), 'active');
    const md5 = createHash('md5').update(data).digest('hex');
    for (const glance of [glanceA, glanceB]) {
      const copies = await glance.list({ gimming_image_id: id });
      assert.equal(copies.length, 1, glance.url);
      assert.equal(copies[0].status, 'active');
      assert.equal(copies[0].checksum, md5);
      assert.equal(copies[0].size, SIZE);
    }
    const [done] = await db<{ status: string }>(
      "SELECT status FROM tasks WHERE image_id = ? AND type = 'upload' AND status = 'succeeded'",
      [id],
    );
    assert.equal(done?.status, 'succeeded', 'the new upload ended its own task');
  });
});
