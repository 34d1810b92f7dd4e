/**
 * An image's desired clouds (PUT /v1/images/{id}/targets, `gimming image set-clouds`): GIMinG copies to
 * the new clouds and deletes the copies in the others, after checking every guard; a refusal changes
 * nothing, and a dry run only tells.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { location, waitForTasks } from '../support/flows';
import { http, waitFor } from '../support/http';
import { Glance, type Token } from '../support/openstack';
import { useStack } from '../support/stack';
import type { Testbed } from '../support/testbed';

const BIN = resolve(__dirname, '../../../bin/gimming');

describe('the clouds an image should be in (desired state)', function () {
  this.timeout(120000);
  let bed: Testbed;
  let api: string;
  let demo: Token;
  let admin: Token;
  let glanceA: Glance;
  let glanceB: Glance;
  let imageId: string;
  let remoteA: string;
  let home: string;

  const setTargets = (clouds: string[], extra: Record<string, unknown> = {}, token = demo.id) =>
    http('PUT', `${api}/v1/images/${imageId}/targets`, { token, json: { clouds, ...extra } });

  const stack = useStack();

  before(async function () {
    ({ bed, api, admin, demo } = stack);
    [glanceA, glanceB] = [stack.glance('zone-a'), stack.glance('zone-b')];
    const { image } = await glanceA.createWithData(64 * 1024);
    remoteA = image.id;
    const adopted = await http('POST', `${api}/v1/images`, {
      token: demo.id,
      json: { source: { cloud: 'zone-a', image_id: remoteA }, targets: [] },
    });
    assert.equal(adopted.status, 202, adopted.text);
    imageId = adopted.body.id;
    home = mkdtempSync(join(tmpdir(), 'gimming-targets-'));
  });

  after(async function () {
    this.timeout(60000);
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('a dry run tells what would be copied and changes nothing', async () => {
    const res = await setTargets(['zone-a', 'zone-b'], { dry_run: true });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(
      { keep: res.body.keep, add: res.body.add, remove: res.body.remove, refused: res.body.refused },
      { keep: ['zone-a'], add: ['zone-b'], remove: [], refused: [] },
    );
    assert.equal(res.body.dry_run, true);
    assert.equal(await location(api, demo.id, imageId, 'zone-b'), undefined);
  });

  it('adds a cloud: the copy is made there', async () => {
    const res = await setTargets(['zone-a', 'zone-b']);
    assert.equal(res.status, 202, res.text);
    assert.deepEqual(res.body.add, ['zone-b']);
    assert.equal(res.body.tasks.length, 1);
    assert.equal(res.body.tasks[0].cloud, 'zone-b');
    const tasks = await waitForTasks(api, demo.id, imageId);
    assert.ok(
      tasks.every((t) => t.status === 'succeeded'),
      JSON.stringify(tasks),
    );
    const copy = await location(api, demo.id, imageId, 'zone-b');
    assert.equal(copy.status, 'active');
    assert.equal((await glanceB.get(copy.image_id)).status, 'active');
    // The same desired state again is nothing to do.
    const again = await setTargets(['zone-b', 'zone-a']);
    assert.equal(again.status, 200, again.text);
    assert.deepEqual([again.body.add, again.body.remove], [[], []]);
  });

  it('refuses to remove every copy, in words, and changes nothing', async () => {
    const res = await setTargets([]);
    assert.equal(res.status, 409, res.text);
    assert.match(res.text, /gimming\.targets\.refused/);
    assert.match(res.text, /Nothing was changed/);
    assert.match(res.text, /no other complete copy/);
    assert.equal((await location(api, demo.id, imageId, 'zone-a')).status, 'active');
    assert.equal((await location(api, demo.id, imageId, 'zone-b')).status, 'active');
    assert.equal((await glanceA.get(remoteA))?.status, 'active');
  });

  it('refuses to delete a public copy unless asked by an administrator', async () => {
    const copyB = (await location(api, demo.id, imageId, 'zone-b')).image_id as string;
    const adminGlanceB = new Glance(bed.regions.RegionTwo!.glance_url, admin.id);
    const patched = await http('PATCH', `${adminGlanceB.url}/v2/images/${copyB}`, {
      token: admin.id,
      headers: { 'Content-Type': 'application/openstack-images-v2.1-json-patch' },
      body: JSON.stringify([{ op: 'replace', path: '/visibility', value: 'public' }]),
    });
    assert.equal(patched.status, 200, patched.text);
    const dry = await setTargets(['zone-a'], { dry_run: true });
    assert.equal(dry.status, 200, dry.text);
    assert.deepEqual(
      dry.body.refused.map((r: any) => [r.cloud, r.code]),
      [['zone-b', 'gimming.location.public']],
    );
    const refused = await setTargets(['zone-a']);
    assert.equal(refused.status, 409, refused.text);
    assert.match(refused.text, /public; only an administrator/);
    assert.equal((await glanceB.get(copyB))?.status, 'active');
    const back = await http('PATCH', `${adminGlanceB.url}/v2/images/${copyB}`, {
      token: admin.id,
      headers: { 'Content-Type': 'application/openstack-images-v2.1-json-patch' },
      body: JSON.stringify([{ op: 'replace', path: '/visibility', value: 'private' }]),
    });
    assert.equal(back.status, 200, back.text);
  });

  it('removes a cloud with the command line: the copy is deleted from it', async () => {
    const copyB = (await location(api, demo.id, imageId, 'zone-b')).image_id as string;
    const u = bed.users.demo;
    writeFileSync(
      join(home, 'clouds.yaml'),
      JSON.stringify({
        clouds: {
          demo: {
            auth: {
              auth_url: bed.auth_url,
              username: u.username,
              password: u.password,
              project_name: u.project_name,
              user_domain_name: u.user_domain_name,
              project_domain_name: u.project_domain_name,
            },
            region_name: 'RegionOne',
          },
        },
      }),
    );
    const run = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((done) =>
        execFile(
          process.execPath,
          [BIN, '--os-cloud', 'demo', '--os-endpoint-override', api, ...args],
          { env: { PATH: process.env.PATH ?? '', HOME: home, XDG_CACHE_HOME: join(home, 'c') }, cwd: home },
          (err, stdout, stderr) =>
            done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        ),
      );
    const dry = await run(['image', 'set-clouds', imageId, 'zone-a', '--dry-run', '-f', 'json']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(JSON.parse(dry.stdout).remove, 'zone-b');
    assert.equal((await glanceB.get(copyB))?.status, 'active');
    const done = await run(['image', 'set-clouds', imageId, 'zone-a', '-f', 'json']);
    assert.equal(done.code, 0, done.stderr);
    assert.equal(await location(api, demo.id, imageId, 'zone-b'), undefined);
    await waitFor('the copy in zone-b to be deleted', async () =>
      (await glanceB.get(copyB)) === undefined || (await glanceB.get(copyB))?.status === 'deleted'
        ? true
        : undefined,
    );
    assert.equal((await glanceA.get(remoteA))?.status, 'active');
  });

  it('lists tasks newest first when asked (a live feed)', async () => {
    const oldest = await http('GET', `${api}/v1/tasks`, { token: demo.id });
    const newest = await http('GET', `${api}/v1/tasks?sort=created_at:desc`, { token: demo.id });
    assert.equal(newest.status, 200, newest.text);
    assert.ok(newest.body.tasks.length >= 1);
    assert.deepEqual(
      newest.body.tasks.map((t: any) => t.id),
      [...oldest.body.tasks].reverse().map((t: any) => t.id),
    );
    const bad = await http('GET', `${api}/v1/tasks?sort=status`, { token: demo.id });
    assert.equal(bad.status, 400, bad.text);
  });

  it('answers bad input and unknown clouds with the API errors', async () => {
    const bad = await setTargets('zone-a' as never);
    assert.equal(bad.status, 400, bad.text);
    const unknown = await setTargets(['no-such-cloud']);
    assert.equal(unknown.status, 404, unknown.text);
    assert.match(unknown.text, /gimming\.cloud\.not_found/);
  });
});
