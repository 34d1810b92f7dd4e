/**
 * Messages and time (issue 17), through the real daemons and two conductors:
 * - a call is run at most once: a conductor killed inside a create, after its commit and before its
 *   answer, leaves no message for the other conductor to run again (exactly one image);
 * - task leases are on the database's clock: with one conductor's clock 20 s behind and the other's 20 s
 *   ahead (leases of 5 s), an upload and its copies run once each, no task taken over.
 * The faults are injected by test-only environment variables (src/common/test-hooks.ts).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import mysql from 'mysql2/promise';
import { DaemonSet, allPassed } from '../support/daemons';
import { registerClouds, waitForTasks } from '../support/flows';
import { http as call, waitFor } from '../support/http';
import { type Token, issueToken } from '../support/openstack';
import { type Testbed, testbed } from '../support/testbed';

const LEASE_S = 5;
const SKEW_MS = 20000;
const SIZE = 4 * 1024 * 1024;

/** PUTs SIZE bytes, 64 KiB every 100 ms (about 6.5 s in all); resolves with the status. */
function slowPut(url: string, token: string): Promise<number> {
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
  const timer = setInterval(() => {
    if (sent >= SIZE) {
      clearInterval(timer);
      req.end();
      return;
    }
    const piece = randomBytes(Math.min(64 * 1024, SIZE - sent));
    sent += piece.length;
    req.write(piece);
  }, 100);
  return done;
}

describe('messages and time: at most once, leases on the database clock', function () {
  this.timeout(180000);
  let bed: Testbed;
  let daemons: DaemonSet;
  let api: string;
  let demo: Token;

  before(async function () {
    this.timeout(300000);
    bed = testbed();
    daemons = new DaemonSet(bed, {
      apiPort: 19800,
      agentPorts: { 'zone-a': 19801, 'zone-b': 19802 },
      extraConfig: `[conductor]\ntask_lease_time = ${LEASE_S}\ntask_scan_interval = 1\nrefresh_interval = 0\n`,
    });
    await daemons.start();
    api = daemons.apiUrl;
    const admin = await issueToken(bed, bed.users.admin);
    demo = await issueToken(bed, bed.users.demo);
    await registerClouds(api, admin.id);
  });

  after(async function () {
    this.timeout(60000);
    if (daemons) await daemons.stop(!allPassed(this.test?.parent));
  });

  const db = async <T>(sql: string, args: unknown[] = []): Promise<T[]> => {
    const c = await mysql.createConnection({ host: '127.0.0.1', user: 'root', database: daemons.dbName });
    try {
      const [rows] = await c.query(sql, args);
      return rows as T[];
    } finally {
      await c.end();
    }
  };

  /** Waits for the `nth` start of a conductor (its log is appended to across restarts). */
  const started = (name: string, nth: number) =>
    waitFor(
      `${name} started (${nth})`,
      async () =>
        daemons.logLines(name).filter((l) => l.message === 'gimming-conductor started').length >= nth
          ? true
          : undefined,
      30000,
    );

  const stopConductor = async (name: string) => {
    const p = daemons.process(name);
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await exited;
  };

  it('a conductor killed inside a create, after its commit: the call is not run again (one image)', async () => {
    // The only conductor dies once the image is committed, before it answers.
    await daemons.restart('conductor', 'gimming-conductor', { GIMMING_TEST_CRASH_AT: 'after_create_commit' });
    await started('conductor', 2);
    const name = `once-${randomBytes(4).toString('hex')}`;
    const answer = call('POST', `${api}/v1/images`, {
      token: demo.id,
      json: { name, disk_format: 'raw', container_format: 'bare', targets: ['zone-a'] },
    });
    const crashed = daemons.process('conductor');
    await waitFor(
      'the conductor to die inside the create',
      async () => (crashed?.signalCode === 'SIGKILL' ? true : undefined),
      30000,
    );
    const [made] = await db<{ n: number }>('SELECT COUNT(*) AS n FROM images WHERE spec_name = ?', [name]);
    assert.equal(Number(made?.n), 1, 'the create was committed before the crash');
    // Another conductor comes up while the API still waits for the answer: the call's message was
    // acknowledged as it started, so there is nothing for it to run again.
    daemons.spawn('conductor-b', 'gimming-conductor', { OS_DEFAULT__HOST: 'conductor-b' });
    await started('conductor-b', 1);
    const res = await answer;
    assert.equal(res.status, 503, res.text);
    assert.equal(res.body.error.code, 'gimming.rpc.timeout');
    const rows = await db<{ id: string }>('SELECT id FROM images WHERE spec_name = ?', [name]);
    assert.equal(rows.length, 1, 'exactly one image');
    const handled = daemons
      .logLines('conductor-b')
      .filter((l) => l.message === 'rpc handled' && l.method === 'create_image');
    assert.deepEqual(handled, [], 'the other conductor never ran the create');
    // The image is there for the user to find (and upload to): the outcome of a timed-out call is looked at.
    const list = await call('GET', `${api}/v1/images?name=${name}`, { token: demo.id });
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(
      list.body.images.map((i: { id: string }) => i.id),
      rows.map((r) => r.id),
    );
  });

  it('conductors 20 s behind and 20 s ahead (5 s leases): no task is taken over or run twice', async () => {
    await stopConductor('conductor-b');
    daemons.spawn('conductor', 'gimming-conductor', { GIMMING_TEST_CLOCK_OFFSET_MS: String(-SKEW_MS) });
    daemons.spawn('conductor-ahead', 'gimming-conductor', {
      OS_DEFAULT__HOST: 'conductor-ahead',
      GIMMING_TEST_CLOCK_OFFSET_MS: String(SKEW_MS),
    });
    await started('conductor', 3);
    await started('conductor-ahead', 1);
    for (const [name, offset] of [
      ['conductor', -SKEW_MS],
      ['conductor-ahead', SKEW_MS],
    ] as const) {
      const line = daemons
        .logLines(name)
        .filter((l) => l.message === 'gimming-conductor started')
        .pop();
      assert.equal(line?.test_clock_offset_ms, offset, `${name} runs with its clock off`);
    }
    const created = await call('POST', `${api}/v1/images`, {
      token: demo.id,
      json: {
        name: `skewed-${randomBytes(3).toString('hex')}`,
        disk_format: 'raw',
        container_format: 'bare',
        targets: ['zone-a', 'zone-b'],
      },
    });
    assert.equal(created.status, 201, created.text);
    const id = created.body.id as string;
    // About 6.5 s of upload: more than a lease, renewed by the API through both conductors in turn.
    const status = await slowPut(`${api}/v1/images/${id}/file`, demo.id);
    assert.equal(status, 204);
    const tasks = await waitForTasks(api, demo.id, id);
    for (const t of tasks) assert.equal(t.status, 'succeeded', JSON.stringify(t));
    const rows = await db<{ type: string; attempts: number; status: string; error_code: string | null }>(
      'SELECT type, attempts, status, error_code FROM tasks WHERE image_id = ? ORDER BY type',
      [id],
    );
    assert.deepEqual(
      rows.map((r) => [r.type, r.status, r.attempts, r.error_code]),
      [
        ['copy', 'succeeded', 1, null],
        ['copy', 'succeeded', 1, null],
        ['upload', 'succeeded', 1, null],
      ],
    );
    for (const name of ['conductor', 'conductor-ahead']) {
      const takenOver = daemons.logLines(name).filter((l) => l.message === 'task taken over');
      assert.deepEqual(takenOver, [], `${name} took over no task`);
    }
    const image = await call('GET', `${api}/v1/images/${id}`, { token: demo.id });
    assert.equal(image.body.status, 'active', image.text);
    assert.deepEqual(
      image.body.locations.map((l: { status: string }) => l.status),
      ['active', 'active'],
    );
  });
});
