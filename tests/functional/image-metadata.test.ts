/**
 * GIMinG's database keeps identities, not metadata: an image's formats, minimums and properties are shown
 * live from its clouds (a change made in a cloud shows at once), the spec holds only what the user asked
 * for copies still to be made, and migration 0010 moves existing rows that way (and back).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../src/gimming-conductor/db/data-source';
import { http } from '../support/http';
import { useStack } from '../support/stack';

describe('image metadata: identities kept, metadata live', function () {
  this.timeout(300000);
  // Every read goes to the cloud: what a test changes in Glance shows on the next request.
  const stack = useStack({ extraConfig: '[conductor]\nremote_cache_time = 0\nrefresh_interval = 0\n' });
  const made: Array<{ zone: string; id: string }> = [];

  after(async () => {
    for (const { zone, id } of made) await stack.cloud(zone).delete(id);
  });

  it('shows an adopted image with its source copy’s live metadata, and keeps none of it', async () => {
    const zoneA = stack.cloud('zone-a');
    const { image: source } = await zoneA.createWithData(4096, {
      disk_format: 'qcow2',
      container_format: 'bare',
      min_ram: 64,
      os_distro: 'cirros',
    });
    made.push({ zone: 'zone-a', id: source.id });
    const adopted = await http('POST', `${stack.api}/v1/images`, {
      token: stack.demo.id,
      json: { name: 'meta-live', source: { cloud: 'zone-a', image_id: source.id }, targets: [] },
    });
    assert.equal(adopted.status, 202, adopted.text);
    const id = adopted.body.id as string;

    let shown = await http('GET', `${stack.api}/v1/images/${id}`, { token: stack.demo.id });
    assert.equal(shown.status, 200, shown.text);
    assert.equal(shown.body.metadata_from, 'zone-a');
    assert.equal(shown.body.properties.os_distro, 'cirros');
    assert.equal(
      shown.body.properties.gimming_image_id,
      undefined,
      'GIMinG’s own tag is not a user property',
    );
    assert.equal(shown.body.min_ram, 64);
    assert.equal(shown.body.disk_format, 'qcow2');
    assert.deepEqual(shown.body.spec, { name: 'meta-live', visibility: 'private' });
    assert.equal(shown.body.locations[0].proof, 'cloud', 'the adopted copy is proven by its cloud');

    // Changed in the cloud behind GIMinG's back: the image shows the cloud's value, one and many.
    await zoneA.setProperty(source.id, 'os_distro', 'debian');
    shown = await http('GET', `${stack.api}/v1/images/${id}`, { token: stack.demo.id });
    assert.equal(shown.body.properties.os_distro, 'debian');
    const listed = await http('GET', `${stack.api}/v1/images?name=meta-live`, { token: stack.demo.id });
    assert.equal(listed.status, 200, listed.text);
    assert.equal(listed.body.images.length, 1);
    assert.equal(listed.body.images[0].properties.os_distro, 'debian');
    assert.equal(listed.body.images[0].metadata_from, 'zone-a');

    // The row holds identities and the spec only: no format, minimum or property of the copy.
    const [row] = await stack.query('SELECT * FROM images WHERE id = ?', [id]);
    assert.ok(row);
    for (const column of ['disk_format', 'container_format', 'min_disk', 'min_ram', 'properties', 'name'])
      assert.ok(!(column in row), `images.${column} is gone`);
    assert.equal(row.spec_name, 'meta-live');
    assert.deepEqual(JSON.parse(row.spec), {});
    const text = JSON.stringify(row);
    assert.ok(!text.includes('cirros') && !text.includes('debian'), text);
  });

  it('keeps an upload’s spec for the copies still to be made, and shows it until a copy exists', async () => {
    const created = await http('POST', `${stack.api}/v1/images`, {
      token: stack.demo.id,
      json: {
        name: 'meta-upload',
        disk_format: 'raw',
        container_format: 'bare',
        min_disk: 1,
        properties: { os_distro: 'alpine' },
        targets: ['zone-b'],
      },
    });
    assert.equal(created.status, 201, created.text);
    const id = created.body.id as string;
    assert.deepEqual(created.body.spec, {
      name: 'meta-upload',
      visibility: 'private',
      disk_format: 'raw',
      container_format: 'bare',
      min_disk: 1,
      min_ram: 0,
      properties: { os_distro: 'alpine' },
    });
    assert.equal(created.body.metadata_from, null);
    assert.equal(created.body.properties.os_distro, 'alpine');

    const data = randomBytes(8192);
    const up = await http('PUT', `${stack.api}/v1/images/${id}/file`, {
      token: stack.demo.id,
      headers: { 'Content-Type': 'application/octet-stream' },
      body: data,
    });
    assert.equal(up.status, 204, up.text);
    let copy: any;
    for (let i = 0; i < 120 && !copy; i++) {
      const shown = await http('GET', `${stack.api}/v1/images/${id}`, { token: stack.demo.id });
      copy = shown.body.locations.find((l: any) => l.status === 'active');
      if (!copy) await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(copy, 'the copy in zone-b became active');
    made.push({ zone: 'zone-b', id: copy.image_id });
    // The copy was made with the spec; the image now shows the copy's own, live.
    await stack.cloud('zone-b').setProperty(copy.image_id, 'os_distro', 'alpine-edge');
    const shown = await http('GET', `${stack.api}/v1/images/${id}`, { token: stack.demo.id });
    assert.equal(shown.body.metadata_from, 'zone-b');
    assert.equal(shown.body.properties.os_distro, 'alpine-edge');
    assert.equal(shown.body.min_disk, 1);
    assert.equal(shown.body.spec.properties.os_distro, 'alpine', 'the spec is what the user asked');
  });
});

describe('migration 0010: images keep identities', function () {
  this.timeout(120000);
  const name = `gimming_mig_${randomBytes(4).toString('hex')}`;
  const at = (count: number) =>
    new DataSource({
      type: 'mysql',
      host: '127.0.0.1',
      username: 'root',
      database: name,
      timezone: 'Z',
      migrations: MIGRATIONS.slice(0, count),
      migrationsTableName: 'gimming_migrations',
    });
  let conn: mysql.Connection;

  before(async () => {
    conn = await mysql.createConnection({ host: '127.0.0.1', user: 'root' });
    await conn.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4`);
    await conn.query(`USE ${name}`);
  });
  after(async () => {
    await conn.query(`DROP DATABASE IF EXISTS ${name}`);
    await conn.end();
  });

  it('moves an upload’s metadata into its spec, drops an adopted image’s, and goes back', async () => {
    const index = MIGRATIONS.findIndex((m) => m.name === 'ImagesKeepIdentities1764766800000');
    assert.ok(index > 0);
    const before = await at(index).initialize();
    await before.runMigrations();
    await before.destroy();

    const t = '2026-11-30 10:00:00';
    const later = '2026-11-30 10:05:00';
    await conn.query(
      `INSERT INTO clouds (id, name, type, region_name, zone, scope, created_at, updated_at)
       VALUES ('c1', 'zone-a', 'openstack', 'RegionOne', 'zone-a', 'shared', ?, ?)`,
      [t, t],
    );
    const image = (id: string, status: string, staging: string | null) =>
      conn.query(
        `INSERT INTO images (id, name, owner, visibility, status, disk_format, container_format, min_disk,
           min_ram, properties, staging_agent, created_at, updated_at)
         VALUES (?, ?, 'p1', 'shared', ?, 'qcow2', 'bare', 2, 128, '{"os_distro":"cirros"}', ?, ?, ?)`,
        [id, `image-${id}`, status, staging, t, t],
      );
    const location = (
      id: string,
      imageId: string,
      remoteId: string | null,
      taskId: string | null,
      when: string,
    ) =>
      conn.query(
        `INSERT INTO locations (id, image_id, owner, cloud_id, remote_id, status, task_id, created_at, updated_at)
         VALUES (?, ?, 'p1', 'c1', ?, 'active', ?, ?, ?)`,
        [id, imageId, remoteId, taskId, when, when],
      );
    // Adopted: its source copy, already in the cloud, recorded with it, by no task.
    await image('adopted', 'active', null);
    await location('l1', 'adopted', 'r1', null, t);
    // Uploaded: copies recorded with it (empty), made later by copy tasks; one upload task.
    await image('uploaded', 'active', null);
    await location('l2', 'uploaded', 'r2', 'task-copy', t);
    await conn.query(
      `INSERT INTO tasks (id, image_id, type, cloud_id, status, bytes_done, attempts, project_id, created_at,
         updated_at) VALUES ('task-up', 'uploaded', 'upload', 'c1', 'succeeded', 0, 1, 'p1', ?, ?)`,
      [t, t],
    );
    // Waiting for its data: a copy recorded with it, by no task, not made yet.
    await image('queued', 'queued', null);
    await location('l3', 'queued', null, null, t);
    // Linked later: an adopted image's copies are recorded with it; a link is not.
    await image('linked', 'active', null);
    await location('l4', 'linked', 'r4', null, later);

    const after = await at(index + 1).initialize();
    await after.runMigrations();
    const rows = await after.query('SELECT id, spec_name, spec_visibility, spec FROM images ORDER BY id');
    const spec = Object.fromEntries(rows.map((r: any) => [r.id, JSON.parse(r.spec)]));
    assert.deepEqual(spec.adopted, {});
    const kept = {
      disk_format: 'qcow2',
      container_format: 'bare',
      min_disk: 2,
      min_ram: 128,
      properties: { os_distro: 'cirros' },
    };
    assert.deepEqual(spec.uploaded, kept);
    assert.deepEqual(spec.queued, kept);
    assert.deepEqual(spec.linked, kept);
    assert.equal(rows[0].spec_name, 'image-adopted');
    assert.equal(rows[0].spec_visibility, 'shared');
    const columns = (await after.query('SHOW COLUMNS FROM images')).map((c: any) => c.Field);
    for (const gone of ['name', 'visibility', 'disk_format', 'properties', 'min_disk'])
      assert.ok(!columns.includes(gone), gone);

    let back: any[];
    try {
      await after.undoLastMigration();
      back = await after.query(
        'SELECT id, name, visibility, disk_format, min_ram, properties FROM images ORDER BY id',
      );
    } finally {
      await after.destroy();
    }
    const uploaded = back.find((r: any) => r.id === 'uploaded');
    assert.equal(uploaded.name, 'image-uploaded');
    assert.equal(uploaded.disk_format, 'qcow2');
    assert.equal(uploaded.min_ram, 128);
    assert.deepEqual(JSON.parse(uploaded.properties), { os_distro: 'cirros' });
    const adopted = back.find((r: any) => r.id === 'adopted');
    assert.equal(adopted.disk_format, null, 'what was dropped stays dropped');
    assert.equal(adopted.visibility, 'shared');
  });
});
