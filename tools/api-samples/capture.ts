/**
 * `npm run gen:api-samples`: captures the JSON request and response samples of the API reference
 * (api-ref/source/samples/) from the real daemons, against the OpenStack test bed.
 *
 * It starts its own daemons (API on 39595, agents of zone-a and zone-b on 39596 and 39597, a fresh
 * database), registers the two clouds, makes small images in Glance and walks every call of the API:
 * adopt, upload, list, show, sync, refresh, locations, tasks, matrix, update, members, import, delete
 * everywhere, and some errors. Each answer is written as it came, with one light normalisation: the ports
 * of this run (39595-39597) are written as the default ports (9595-9597). Every Glance image it made is
 * deleted at the end.
 *
 * Imports fetch from a small HTTP server of this script on 127.0.0.2:39598, which the daemons are told to
 * allow ([import_filtering] allowed_ports and allowed_private_networks, as tests/functional/import.test.ts
 * does); by default GIMinG refuses such a URL.
 *
 *   npm run build && node dist/tools/api-samples/capture.js    (or: npm run gen:api-samples)
 *
 * Like the functional tests, it first brings the test bed up (tools/testbed/testbed.sh up, idempotent)
 * unless GIMMING_TESTBED_SKIP_UP=1.
 *
 * GIMMING_SAMPLES_LARGE_MIB (default 64): size of the image whose copy is cancelled (it must still be
 * copying a few milliseconds after it was queued).
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer, request } from 'node:http';
import { join } from 'node:path';
import { DaemonSet } from '../../tests/support/daemons';
import { TERMINAL, waitForTasks } from '../../tests/support/flows';
import { type Reply, http, waitFor } from '../../tests/support/http';
import { Glance, issueToken } from '../../tests/support/openstack';
import { REPO_ROOT, testbed } from '../../tests/support/testbed';
import { captureWebhooks, webhookConfig, webhookReceiver } from './webhooks';

const SAMPLES = join(REPO_ROOT, 'api-ref', 'source', 'samples');
const API_PORT = 39595;
const AGENT_PORTS = { 'zone-a': 39596, 'zone-b': 39597 };
/** Small, so that an upload of 2 MiB shows the 413 of a full staging area. */
const STAGING_MAX_BYTES = 1024 * 1024;
const LARGE_MIB = Number(process.env.GIMMING_SAMPLES_LARGE_MIB ?? 64);
/** The web server images are imported from (a private address the daemons are told to allow). */
const IMPORT_HOST = '127.0.0.2';
const IMPORT_PORT = 39598;
const IMPORT_PATH = '/cirros-0.6.2-x86_64-disk.img';
const IMPORT_DATA = randomBytes(64 * 1024);
/** The webhook receiver (webhooks.ts), on loopback, which the daemons are told to allow. */
const RECEIVER_PORT = 39599;

const say = (text: string) => process.stderr.write(`[api-samples] ${text}\n`);

const written: string[] = [];

/** The ports of this run as the default ports, everywhere in a sample. */
function normalise(text: string): string {
  return text
    .replace(/:39595\b/g, ':9595')
    .replace(/:39596\b/g, ':9596')
    .replace(/:39597\b/g, ':9597');
}

function write(name: string, value: unknown): void {
  assert.ok(value !== undefined, `${name}: nothing to write`);
  writeFileSync(join(SAMPLES, name), `${normalise(JSON.stringify(value, null, 2))}\n`);
  written.push(name);
}

/** Checks the status of an answer and writes its body as `<name>-response.json` (when a name is given). */
function expect(res: Reply, status: number, name?: string): any {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.text}`);
  if (name) write(`${name}-response.json`, res.body);
  return res.body;
}

/** A PUT of raw data that reads the answer even when the server answers before reading the whole body. */
function putData(
  url: string,
  token: string,
  data: Buffer,
  contentType = 'application/octet-stream',
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'PUT',
      headers: {
        'X-Auth-Token': token,
        'Content-Type': contentType,
        'Content-Length': data.length,
        Accept: 'application/json',
      },
    });
    req.on('response', (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        let body: unknown;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: new Headers(), body, text });
      });
    });
    // The server may refuse the upload and close the connection before the body is written.
    req.on('error', (err) => (req.writableEnded ? undefined : reject(err)));
    req.end(data);
  });
}

/** Serves IMPORT_DATA at IMPORT_PATH, 404 for anything else. */
function importSource(): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === IMPORT_PATH) {
      res.writeHead(200, {
        'Content-Type': 'application/octet-stream',
        'Content-Length': IMPORT_DATA.length,
      });
      res.end(IMPORT_DATA);
      return;
    }
    res.writeHead(404);
    res.end('no such image');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(IMPORT_PORT, IMPORT_HOST, () => resolve(server));
  });
}

async function main(): Promise<void> {
  const bed = testbed();
  mkdirSync(SAMPLES, { recursive: true });
  const daemons = new DaemonSet(bed, {
    apiPort: API_PORT,
    agentPorts: AGENT_PORTS,
    // Appended to [agent]; the [import_filtering] header starts a section of its own.
    extraConfig:
      `staging_max_bytes = ${STAGING_MAX_BYTES}\n\n[import_filtering]\n` +
      `allowed_ports = 80,443,${IMPORT_PORT}\nallowed_private_networks = ${IMPORT_HOST}/32\n\n` +
      // The test bed's Keystone is on loopback, where project clouds may not be otherwise.
      '[project_clouds]\nallowed_private_networks = 127.0.0.0/8\n\n' +
      webhookConfig(randomBytes(32).toString('hex')),
  });
  const api = daemons.apiUrl;
  const [admin, demo, alt] = await Promise.all([
    issueToken(bed, bed.users.admin),
    issueToken(bed, bed.users.demo),
    issueToken(bed, bed.users.alt),
  ]);
  const glanceUrl = {
    'zone-a': bed.regions.RegionOne!.glance_url,
    'zone-b': bed.regions.RegionTwo!.glance_url,
  };
  const glance = {
    'zone-a': new Glance(glanceUrl['zone-a'], demo.id),
    'zone-b': new Glance(glanceUrl['zone-b'], demo.id),
  };
  const adminGlanceA = new Glance(glanceUrl['zone-a'], admin.id);
  /** Every Glance image this run made or GIMinG made for it, deleted at the end. */
  const made: Array<{ cloud: 'zone-a' | 'zone-b'; id: string }> = [];
  /** The same, for images the administrator owns. */
  const madeByAdmin: string[] = [];
  const gimmingImages: string[] = [];
  const token = demo.id;
  const call = (method: string, path: string, json?: unknown, t: string = token) =>
    http(method, `${api}${path}`, { token: t, ...(json !== undefined ? { json } : {}) });
  /** A merge patch, as PATCH /v1/images/{id} takes it. */
  const patch = (path: string, body: unknown, t: string = token) =>
    http('PATCH', `${api}${path}`, {
      token: t,
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body: JSON.stringify(body),
    });

  let ok = false;
  const importServer = await importSource();
  const receiver = await webhookReceiver(RECEIVER_PORT);
  say(`starting the daemons (api ${API_PORT}, agents ${Object.values(AGENT_PORTS).join(', ')})`);
  await daemons.start();
  try {
    // Versions: no token.
    expect(await http('GET', `${api}/`), 300, 'versions-list');
    expect(await http('GET', `${api}/v1`), 200, 'versions-show');

    // Clouds.
    say('clouds');
    const createCloud = { name: 'zone-a', type: 'openstack', region_name: 'RegionOne', zone: 'zone-a' };
    write('clouds-create-request.json', createCloud);
    expect(await call('POST', '/v1/clouds', createCloud, admin.id), 201, 'clouds-create');
    expect(await call('POST', '/v1/clouds', createCloud, admin.id), 409, 'clouds-create-409');
    expect(
      await call('POST', '/v1/clouds', { name: 'zone-c', type: 'openstack', region_name: 'RegionOne' }),
      403,
      'clouds-create-403',
    );
    expect(
      await call(
        'POST',
        '/v1/clouds',
        { name: 'zone-b', type: 'openstack', region_name: 'RegionTwo' },
        admin.id,
      ),
      201,
    );
    // A project's own cloud, with its own identity service (credentials given with each request).
    const projectCloud = {
      name: 'partner-region',
      type: 'openstack',
      region_name: 'RegionTwo',
      zone: 'zone-b',
      scope: 'project',
      auth_url: bed.auth_url,
    };
    write('clouds-create-project-request.json', projectCloud);
    expect(await call('POST', '/v1/clouds', projectCloud), 201, 'clouds-create-project');
    expect(await call('GET', '/v1/clouds'), 200, 'clouds-list');
    expect(await call('GET', '/v1/clouds/zone-a'), 200, 'clouds-show');
    expect(await call('GET', '/v1/clouds/zone-x'), 404, 'clouds-show-404');

    // An image in zone-a's Glance, adopted and copied to zone-b.
    say('adopt');
    const data = randomBytes(64 * 1024);
    const source = await glance['zone-a'].create({ name: 'cirros-sample', disk_format: 'qcow2' });
    made.push({ cloud: 'zone-a', id: source.id });
    await glance['zone-a'].upload(source.id, data);
    const adoptBody = {
      name: 'cirros',
      source: { cloud: 'zone-a', image_id: source.id },
      targets: ['zone-b'],
      visibility: 'private',
    };
    write('images-create-request.json', adoptBody);
    const adopted = expect(await call('POST', '/v1/images', adoptBody), 202, 'images-create');
    gimmingImages.push(adopted.id);
    const id = adopted.id as string;
    expect(await call('GET', '/v1/clouds/zone-a/images?limit=1'), 200, 'clouds-list-images');
    const firstTasks = await waitForTasks(api, token, id);
    assert.ok(
      firstTasks.every((t) => t.status === 'succeeded'),
      JSON.stringify(firstTasks),
    );
    expect(await call('GET', `/v1/tasks/${firstTasks[0].id}`), 200, 'tasks-show');
    expect(await call('GET', `/v1/images/${id}`), 200, 'images-show');
    expect(await call('GET', `/v1/images/${randomUUID()}`), 404, 'images-show-404');
    expect(
      await call('POST', '/v1/images', {
        name: 'fedora-40',
        disk_format: 'qcow2',
        container_format: 'bare',
        properties: { os_hash_value: 'abc' },
        targets: ['zone-a'],
      }),
      400,
      'images-create-400',
    );

    // An image recorded, then its data uploaded once to two clouds.
    say('upload');
    const uploadBody = {
      name: 'fedora-40',
      disk_format: 'qcow2',
      container_format: 'bare',
      visibility: 'private',
      min_disk: 10,
      min_ram: 512,
      properties: { os_distro: 'fedora', hw_rng_model: 'virtio' },
      targets: ['zone-a', 'zone-b'],
    };
    write('images-create-upload-request.json', uploadBody);
    const recorded = expect(await call('POST', '/v1/images', uploadBody), 201, 'images-create-upload');
    gimmingImages.push(recorded.id);
    expect(
      await putData(`${api}/v1/images/${recorded.id}/file`, token, randomBytes(1024), 'text/plain'),
      415,
      'image-data-upload-415',
    );
    expect(await putData(`${api}/v1/images/${recorded.id}/file`, token, randomBytes(8 * 1024)), 204);
    expect(
      await putData(`${api}/v1/images/${recorded.id}/file`, token, randomBytes(8 * 1024)),
      409,
      'image-data-upload-409',
    );
    await waitForTasks(api, token, recorded.id);
    const tooBig = expect(
      await call('POST', '/v1/images', {
        name: 'too-big',
        disk_format: 'raw',
        container_format: 'bare',
        targets: ['zone-a'],
      }),
      201,
    );
    gimmingImages.push(tooBig.id);
    expect(
      await putData(`${api}/v1/images/${tooBig.id}/file`, token, randomBytes(2 * STAGING_MAX_BYTES)),
      413,
      'image-data-upload-413',
    );

    // Lists.
    say('lists');
    expect(await call('GET', '/v1/images?sort=name:asc&limit=2'), 200, 'images-list');
    expect(await call('GET', '/v1/images?sort=size:desc'), 400, 'images-list-400');
    expect(await http('GET', `${api}/v1/images`), 401, 'images-list-401');

    // Sync: a copy deleted through GIMinG, then made again.
    say('sync');
    expect(await call('DELETE', `/v1/images/${id}/locations/zone-b?delete_remote=true`), 204);
    const syncBody = { targets: ['zone-b'] };
    write('image-actions-sync-request.json', syncBody);
    expect(await call('POST', `/v1/images/${id}/sync`, syncBody), 202, 'image-actions-sync');
    await waitForTasks(api, token, id);
    expect(await call('GET', `/v1/tasks?image_id=${id}`), 200, 'tasks-list');

    // Refresh: the copy in zone-b deleted behind GIMinG's back.
    say('refresh');
    const shown = expect(await call('GET', `/v1/images/${id}`), 200);
    const copyB = (shown.locations as any[]).find((l) => l.cloud === 'zone-b');
    assert.equal(copyB?.status, 'active', JSON.stringify(shown));
    await glance['zone-b'].delete(copyB.image_id);
    // The answer of a refresh shows the live metadata through the cache ([conductor] remote_cache_time,
    // 1 s in these daemons' config), which still holds the copy as it was read just above: wait it out.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await call('POST', `/v1/images/${id}/refresh`), 200, 'image-actions-refresh');

    // Locations: link a copy made by hand (first one with other bytes), then unlink.
    say('locations');
    const other = await glance['zone-b'].createWithData(64 * 1024, { name: 'cirros-other' });
    made.push({ cloud: 'zone-b', id: other.image.id });
    expect(
      await call('POST', `/v1/images/${id}/locations`, { cloud: 'zone-b', image_id: other.image.id }),
      409,
      'locations-create-409',
    );
    const byHand = await glance['zone-b'].create({ name: 'cirros', disk_format: 'qcow2' });
    made.push({ cloud: 'zone-b', id: byHand.id });
    await glance['zone-b'].upload(byHand.id, data);
    const linkBody = { cloud: 'zone-b', image_id: byHand.id };
    write('locations-create-request.json', linkBody);
    expect(await call('POST', `/v1/images/${id}/locations`, linkBody), 201, 'locations-create');
    expect(await call('DELETE', `/v1/images/${id}/locations/zone-b`), 204);
    expect(await call('DELETE', `/v1/images/${id}/locations/zone-b`), 404, 'locations-delete-404');
    expect(await call('POST', `/v1/images/${id}/locations`, linkBody), 201);

    // A larger image: forgetting it is refused while its copy runs, then the copy is cancelled.
    say(`cancel (a ${LARGE_MIB} MiB image)`);
    const large = await glance['zone-a'].create({ name: 'ubuntu-sample' });
    made.push({ cloud: 'zone-a', id: large.id });
    await glance['zone-a'].upload(large.id, randomBytes(LARGE_MIB * 1024 * 1024));
    const busy = expect(
      await call('POST', '/v1/images', {
        name: 'ubuntu-24.04',
        source: { cloud: 'zone-a', image_id: large.id },
        targets: ['zone-b'],
      }),
      202,
    );
    gimmingImages.push(busy.id);
    const taskId = (busy.locations as any[]).find((l) => l.cloud === 'zone-b').task_id as string;
    expect(await call('DELETE', `/v1/images/${busy.id}`), 409, 'images-delete-409');
    const cancelled = await call('POST', `/v1/tasks/${taskId}/cancel`);
    if (cancelled.status !== 202) {
      throw new Error(
        `the copy ended before it could be cancelled (${cancelled.text}): set GIMMING_SAMPLES_LARGE_MIB higher`,
      );
    }
    write('tasks-cancel-response.json', cancelled.body);
    await waitFor(
      'the cancelled task to end',
      async () => {
        const t = (await call('GET', `/v1/tasks/${taskId}`)).body;
        return TERMINAL.includes(t.status) ? t : undefined;
      },
      60000,
    );
    expect(await call('POST', `/v1/tasks/${taskId}/cancel`), 409, 'tasks-cancel-409');

    say('matrix');
    expect(await call('GET', '/v1/matrix'), 200, 'matrix-show');

    // Name and visibility, changed in every copy.
    say('update');
    const updateBody = { name: 'cirros-0.6.2', visibility: 'shared' };
    write('images-update-request.json', updateBody);
    const updated = expect(await patch(`/v1/images/${id}`, updateBody), 200, 'images-update');
    assert.ok(
      (updated.locations as any[]).every((l) => l.remote?.visibility === 'shared'),
      JSON.stringify(updated),
    );
    expect(await patch(`/v1/images/${id}`, { visibility: 'public' }), 403, 'images-update-403');

    // Members: the image shared with the alt project, which accepts it in zone-a only.
    say('members');
    expect(
      await call('POST', `/v1/images/${recorded.id}/members`, { member: alt.projectId }),
      409,
      'members-create-409',
    );
    const memberBody = { member: alt.projectId };
    write('members-create-request.json', memberBody);
    expect(await call('POST', `/v1/images/${id}/members`, memberBody), 201, 'members-create');
    const zoneACopy = (updated.locations as any[]).find((l) => l.cloud === 'zone-a').image_id as string;
    const accepted = await http(
      'PUT',
      `${glanceUrl['zone-a']}/v2/images/${zoneACopy}/members/${alt.projectId}`,
      { token: alt.id, json: { status: 'accepted' } },
    );
    assert.equal(accepted.status, 200, accepted.text);
    expect(await call('GET', `/v1/images/${id}/members`), 200, 'members-list');
    expect(await call('DELETE', `/v1/images/${id}/members/${alt.projectId}`), 204);
    expect(await call('DELETE', `/v1/images/${id}/members/${alt.projectId}`), 404, 'members-delete-404');

    // Import from a URL: the import task, then a copy to each target.
    say('import');
    const importBody = {
      name: 'cirros-0.6.2-imported',
      disk_format: 'qcow2',
      container_format: 'bare',
      source: { url: `http://${IMPORT_HOST}:${IMPORT_PORT}${IMPORT_PATH}` },
      targets: ['zone-a', 'zone-b'],
    };
    write('images-create-import-request.json', importBody);
    const imported = expect(await call('POST', '/v1/images', importBody), 202, 'images-create-import');
    gimmingImages.push(imported.id);
    const importTasks = await waitForTasks(api, token, imported.id);
    assert.deepEqual(
      importTasks.map((t) => [t.type, t.status]).sort(),
      [
        ['copy', 'succeeded'],
        ['copy', 'succeeded'],
        ['import', 'succeeded'],
      ],
      JSON.stringify(importTasks),
    );
    const importTask = importTasks.find((t) => t.type === 'import');
    expect(await call('GET', `/v1/tasks/${importTask.id}`), 200, 'tasks-show-import');
    expect(
      await call('POST', '/v1/images', {
        ...importBody,
        source: { url: 'http://169.254.169.254/latest/meta-data/' },
      }),
      400,
      'images-create-import-400',
    );
    const failing = expect(
      await call('POST', '/v1/images', {
        ...importBody,
        source: { url: `http://${IMPORT_HOST}:${IMPORT_PORT}/no-such-image.img` },
      }),
      202,
    );
    gimmingImages.push(failing.id);
    const [failedImport] = await waitForTasks(api, token, failing.id);
    assert.equal(failedImport?.error?.code, 'gimming.import.source_error', JSON.stringify(failedImport));
    write('tasks-show-import-failed-response.json', failedImport);
    assert.equal(expect(await call('GET', `/v1/images/${failing.id}`), 200).status, 'queued');

    // Delete everywhere: the uploaded image, one delete task per copy, then the image is gone.
    say('delete everywhere');
    // Should the delete fail, its copies are still deleted at the end.
    for (const l of expect(await call('GET', `/v1/images/${recorded.id}`), 200).locations as any[]) {
      if (l.image_id) made.push({ cloud: l.cloud, id: l.image_id });
    }
    const deleting = expect(
      await call('DELETE', `/v1/images/${recorded.id}?delete_remote=true`),
      202,
      'images-delete-remote',
    );
    gimmingImages.splice(gimmingImages.indexOf(recorded.id), 1);
    await waitForTasks(api, token, recorded.id);
    await waitFor(
      'the image deleted everywhere to go',
      async () => ((await call('GET', `/v1/images/${recorded.id}`)).status === 404 ? true : undefined),
      30000,
    );
    const deleteTask = (deleting.tasks as any[])[0];
    const deletedTask = expect(await call('GET', `/v1/tasks/${deleteTask.id}`), 200, 'tasks-show-delete');
    assert.equal(deletedTask.status, 'succeeded', JSON.stringify(deletedTask));

    // Delete everywhere of an image whose source is public: a member may not delete a public image, so
    // that copy is kept. The administrator makes it public, for the demo project (a project adopts only
    // its own images).
    say('delete everywhere, a copy kept');
    const publicSource = await adminGlanceA.create({
      name: 'debian-12-public',
      disk_format: 'qcow2',
      visibility: 'public',
      owner: demo.projectId,
    });
    madeByAdmin.push(publicSource.id);
    await adminGlanceA.upload(publicSource.id, randomBytes(64 * 1024));
    const kept = expect(
      await call('POST', '/v1/images', {
        name: 'debian-12',
        source: { cloud: 'zone-a', image_id: publicSource.id },
        targets: ['zone-b'],
      }),
      202,
    );
    gimmingImages.push(kept.id);
    await waitForTasks(api, token, kept.id);
    expect(await call('DELETE', `/v1/images/${kept.id}?delete_remote=true`), 202);
    await waitFor(
      'the delete to settle',
      async () => {
        const res = await call('GET', `/v1/images/${kept.id}`);
        return res.body?.status === 'active' ? true : undefined;
      },
      30000,
    );
    const keptTasks = expect(
      await call('GET', `/v1/tasks?image_id=${kept.id}`),
      200,
      'tasks-list-delete-kept',
    );
    assert.ok(
      (keptTasks.tasks as any[]).some((t) => t.error?.code === 'gimming.location.public'),
      JSON.stringify(keptTasks),
    );

    // The images left are forgotten (their copies are deleted from Glance below).
    for (const image of gimmingImages) {
      const res = await call('GET', `/v1/images/${image}`);
      for (const l of (res.body?.locations ?? []) as any[]) {
        if (l.image_id) made.push({ cloud: l.cloud, id: l.image_id });
      }
      expect(await call('DELETE', `/v1/images/${image}`), 204);
    }

    say('webhooks');
    await captureWebhooks({ api, token, receiverUrl: `http://127.0.0.1:${RECEIVER_PORT}`, write, expect });

    const stale = readdirSync(SAMPLES).filter((f) => f.endsWith('.json') && !written.includes(f));
    for (const f of stale) rmSync(join(SAMPLES, f));
    say(
      `${written.length} samples written to ${SAMPLES}${stale.length ? `; removed ${stale.join(', ')}` : ''}`,
    );
    ok = true;
  } finally {
    for (const { cloud, id } of made) await glance[cloud].delete(id).catch(() => undefined);
    for (const id of madeByAdmin) await adminGlanceA.delete(id).catch(() => undefined);
    await daemons.stop(!ok);
    importServer.close();
    receiver.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `[api-samples] FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
