/**
 * `gimming-manage db purge` against the real MariaDB, on a database of its own made with `db sync`: ended
 * tasks, deleted images and ended webhook deliveries (delivered, failed) older than N days go (an image
 * with its tasks, copies and members), everything
 * younger, still working or still named by a copy stays; `--dry-run` counts and deletes nothing;
 * `--max-rows` caps a run and the next run goes on; more rows than a batch are all purged; bad arguments
 * exit 2.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import type { DataSource } from 'typeorm';
import { initializeDataSource, makeDataSource } from '../../src/gimming-conductor/db/data-source';
import {
  CloudRow,
  ImageMemberRow,
  ImageRow,
  LocationRow,
  TaskRow,
} from '../../src/gimming-conductor/db/entities';
import { BATCH } from '../../src/gimming-conductor/db/purge';
import { REPO_ROOT } from '../support/testbed';

const DAY = 86_400_000;

describe('gimming-manage db purge', function () {
  this.timeout(180000);
  const name = `gimming_purge_${randomBytes(4).toString('hex')}`;
  const connection = `mysql+pymysql://root@127.0.0.1/${name}?charset=utf8`;
  let dir: string;
  let config: string;
  let db: DataSource;
  let cloudA: string;
  let cloudB: string;

  function manage(args: string[]) {
    return spawnSync(
      process.execPath,
      [join(REPO_ROOT, 'bin', 'gimming-manage'), '--config-file', config, ...args],
      { encoding: 'utf8', timeout: 120000, env: { PATH: process.env.PATH ?? '' } },
    );
  }

  /** The counts a purge printed, by label. */
  function counts(stdout: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const m of stdout.matchAll(/^ +([a-z][a-z ()]*): (\d+)$/gm)) out[m[1] as string] = Number(m[2]);
    return out;
  }

  const ago = (days: number) => new Date(Date.now() - days * DAY);

  async function image(status: string, updatedDaysAgo: number): Promise<string> {
    const id = randomUUID();
    await db.getRepository(ImageRow).insert({
      id,
      specName: `img-${id.slice(0, 8)}`,
      owner: 'p1',
      specVisibility: 'private',
      status,
      size: 1,
      checksum: null,
      osHashAlgo: null,
      osHashValue: null,
      spec: null,
      stagingAgent: null,
      stagingReserved: null,
      createdAt: ago(updatedDaysAgo + 1),
      updatedAt: ago(updatedDaysAgo),
    });
    return id;
  }

  async function task(imageId: string, status: string, finishedDaysAgo: number | null, updatedDaysAgo = 0) {
    const id = randomUUID();
    await db.getRepository(TaskRow).insert({
      id,
      imageId,
      type: 'copy',
      cloudId: cloudA,
      sourceCloudId: null,
      status,
      bytesDone: 0,
      bytesTotal: null,
      stage: null,
      stagePercent: null,
      stageDetail: null,
      plan: null,
      attempts: 1,
      errorCode: null,
      errorMessage: null,
      conductor: null,
      agent: null,
      projectId: 'p1',
      userId: null,
      requestId: null,
      createdAt: ago(Math.max(finishedDaysAgo ?? 0, updatedDaysAgo) + 1),
      updatedAt: ago(updatedDaysAgo),
      startedAt: null,
      finishedAt: finishedDaysAgo === null ? null : ago(finishedDaysAgo),
      leaseExpiresAt: null,
      nextAttemptAt: null,
      trustId: null,
    });
    return id;
  }

  async function location(imageId: string, cloudId: string, taskId: string | null) {
    await db.getRepository(LocationRow).insert({
      id: randomUUID(),
      imageId,
      owner: 'p1',
      cloudId,
      remoteId: randomUUID(),
      status: 'active',
      taskId,
      lastVerifiedAt: null,
      proof: null,
      createdAt: ago(40),
      updatedAt: ago(40),
    });
  }

  /** A webhook delivery, `status`, last changed (or delivered) `daysAgo`. */
  async function delivery(status: string, daysAgo: number): Promise<string> {
    const id = randomUUID();
    const at = ago(daysAgo);
    await db.query(
      'INSERT INTO webhook_deliveries (id, webhook_id, owner, event_type, message_id, body, status, ' +
        'attempts, next_attempt_at, created_at, updated_at, delivered_at) ' +
        'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [
        id,
        randomUUID(),
        'p1',
        'image.create',
        randomUUID(),
        '{}',
        status,
        1,
        at,
        ago(daysAgo + 1),
        at,
        status === 'delivered' ? at : null,
      ],
    );
    return id;
  }

  const deliveryExists = async (id: string) => {
    const rows = await db.query<Array<{ n: number | string }>>(
      'SELECT COUNT(*) AS n FROM webhook_deliveries WHERE id = ?',
      [id],
    );
    return Number(rows[0]?.n) === 1;
  };

  const exists = async (entity: typeof ImageRow | typeof TaskRow, id: string) =>
    (await db.getRepository(entity).countBy({ id })) === 1;

  before(async () => {
    const conn = await mysql.createConnection({ host: '127.0.0.1', user: 'root' });
    await conn.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4`);
    await conn.end();
    dir = mkdtempSync(join(tmpdir(), 'gimming-purge-'));
    config = join(dir, 'gimming.conf');
    writeFileSync(config, `[database]\nconnection = ${connection}\n`);
    const sync = manage(['db', 'sync']);
    assert.equal(sync.status, 0, sync.stderr);
    db = makeDataSource(connection, 2, 10);
    await initializeDataSource(db);
    [cloudA, cloudB] = [randomUUID(), randomUUID()];
    for (const [id, cloudName] of [
      [cloudA, 'zone-a'],
      [cloudB, 'zone-b'],
    ] as const) {
      await db.getRepository(CloudRow).insert({
        id,
        name: cloudName,
        type: 'openstack',
        regionName: 'RegionOne',
        zone: cloudName,
        scope: 'shared',
        owner: null,
        authUrl: null,
        credentialsRef: null,
        options: null,
        createdAt: ago(100),
        updatedAt: ago(100),
      });
    }
  });

  after(async () => {
    await db?.destroy();
    const conn = await mysql.createConnection({ host: '127.0.0.1', user: 'root' });
    await conn.query(`DROP DATABASE IF EXISTS ${name}`);
    await conn.end();
    rmSync(dir, { recursive: true, force: true });
  });

  it('purges what is old and ended, keeps everything else; --dry-run counts and deletes nothing', async () => {
    // An image deleted everywhere 40 days ago, with its delete tasks, a copy row and a member: all go.
    const gone = await image('deleted', 40);
    await task(gone, 'succeeded', 41);
    await task(gone, 'failed', 40);
    await location(gone, cloudA, null);
    await db.getRepository(ImageMemberRow).insert({ imageId: gone, memberId: 'p2', createdAt: ago(50) });
    // Deleted 5 days ago: stays, with its task.
    const recent = await image('deleted', 5);
    const recentTask = await task(recent, 'succeeded', 5);
    // A live image: its old ended tasks go, except the one its copy in zone-b still names; its young, its
    // running and its pending ones stay. A task with no finished_at is judged by updated_at.
    const live = await image('active', 60);
    const oldDone = await task(live, 'succeeded', 45);
    const oldCancelled = await task(live, 'cancelled', null, 45);
    const named = await task(live, 'succeeded', 50);
    await location(live, cloudB, named);
    const young = await task(live, 'failed', 3);
    const running = await task(live, 'running', null, 90);
    const pending = await task(live, 'pending', null, 90);
    // Webhook deliveries: the ended old ones go; a young one and a pending one (however old) stay.
    const oldDelivered = await delivery('delivered', 40);
    const oldFailed = await delivery('failed', 35);
    const youngDelivered = await delivery('delivered', 3);
    const oldPending = await delivery('pending', 90);

    const dry = manage(['db', 'purge', '--age-in-days', '30', '--dry-run']);
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.stdout, /^Would purge, older than 30 days:/);
    const expected = {
      'tasks (ended)': 2,
      'images (deleted)': 1,
      'their tasks': 2,
      'their locations': 1,
      'their members': 1,
      'webhook deliveries (ended)': 2,
    };
    assert.deepEqual(counts(dry.stdout), expected);
    assert.ok(await exists(ImageRow, gone), 'a dry run deletes nothing');
    assert.ok(await exists(TaskRow, oldDone));
    assert.ok(await deliveryExists(oldDelivered));

    const real = manage(['db', 'purge', '--age-in-days', '30']);
    assert.equal(real.status, 0, real.stderr);
    assert.match(real.stdout, /^Purged, older than 30 days:/);
    assert.deepEqual(counts(real.stdout), expected);
    assert.equal(await exists(ImageRow, gone), false);
    assert.equal(await db.getRepository(TaskRow).countBy({ imageId: gone }), 0);
    assert.equal(await db.getRepository(LocationRow).countBy({ imageId: gone }), 0);
    assert.equal(await db.getRepository(ImageMemberRow).countBy({ imageId: gone }), 0);
    assert.equal(await exists(TaskRow, oldDone), false);
    assert.equal(await exists(TaskRow, oldCancelled), false);
    for (const kept of [recentTask, named, young, running, pending]) {
      assert.ok(await exists(TaskRow, kept), `task ${kept} is kept`);
    }
    assert.ok(await exists(ImageRow, recent));
    assert.ok(await exists(ImageRow, live));
    assert.equal(await db.getRepository(LocationRow).countBy({ imageId: live }), 1);
    assert.equal(await deliveryExists(oldDelivered), false);
    assert.equal(await deliveryExists(oldFailed), false);
    assert.ok(await deliveryExists(youngDelivered), 'a delivery of 3 days ago is kept');
    assert.ok(await deliveryExists(oldPending), 'a pending delivery is kept, however old');

    // Nothing is left to purge at 30 days; at 4 days the image deleted 5 days ago and the old tasks go.
    assert.deepEqual(
      Object.values(counts(manage(['db', 'purge', '--age-in-days', '30']).stdout)),
      [0, 0, 0, 0, 0, 0],
    );
    const closer = counts(manage(['db', 'purge', '--age-in-days', '4']).stdout);
    assert.equal(closer['images (deleted)'], 1);
    assert.equal(closer['their tasks'], 1);
    assert.equal(closer['tasks (ended)'], 0, 'the named task and the 3-day-old one stay');
    assert.equal(closer['webhook deliveries (ended)'], 0, 'the 3-day-old delivery stays');
  });

  it('caps a run with --max-rows, and purges more than a batch over runs and batches', async () => {
    const live = await image('active', 60);
    const total = BATCH + 7;
    for (let i = 0; i < total; i++) await task(live, 'succeeded', 31);
    const capped = manage(['db', 'purge', '--age-in-days', '30', '--max-rows', '5']);
    assert.equal(capped.status, 0, capped.stderr);
    assert.match(capped.stdout, /\(at most 5 rows\)/);
    assert.equal(counts(capped.stdout)['tasks (ended)'], 5);
    assert.equal(await db.getRepository(TaskRow).countBy({ imageId: live }), total - 5);
    const rest = manage(['db', 'purge', '--age-in-days', '30']);
    assert.equal(counts(rest.stdout)['tasks (ended)'], total - 5, 'several batches in one run');
    assert.equal(await db.getRepository(TaskRow).countBy({ imageId: live }), 0);
  });

  it('refuses bad arguments with exit code 2 and the usage', () => {
    for (const args of [
      ['db', 'purge'],
      ['db', 'purge', '--age-in-days', 'ten'],
      ['db', 'purge', '--age-in-days', '-1'],
      ['db', 'purge', '--age-in-days', '3', '--max-rows', '0'],
      ['db', 'purge', '--age-in-days', '3', '--bogus'],
      ['db', 'sync', '--dry-run'],
    ]) {
      const res = manage(args);
      assert.equal(res.status, 2, `${args.join(' ')}: ${res.stdout}${res.stderr}`);
      assert.match(res.stderr, /usage: gimming-manage/);
    }
  });
});
