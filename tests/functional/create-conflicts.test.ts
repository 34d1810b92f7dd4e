/**
 * The conflict policy of an image created with targets (POST /v1/images, REST 1.7), through the real
 * daemons with two Glance zones: zone-b already holds an image of the new image's name with other bytes.
 * Adopting from zone-a or uploading, zone-b is refused by default (the dry-run plan says why, nothing is
 * made), `skip` leaves it out, `rename` renames the old image before the copy, `replace` deletes the old
 * one once the new copy is active. Before 1.7 nothing changes and `on_conflict` is refused.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { location, waitForTasks } from '../support/flows';
import { http, waitFor } from '../support/http';
import type { Glance, Token } from '../support/openstack';
import { useStack } from '../support/stack';

const V17 = { 'OpenStack-API-Version': 'image-manager 1.7' };
const V16 = { 'OpenStack-API-Version': 'image-manager 1.6' };

/** PUTs an image's data with Content-Length; the status. */
function putData(url: string, token: string, data: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'PUT',
        headers: {
          'X-Auth-Token': token,
          'Content-Type': 'application/octet-stream',
          'Content-Length': data.length,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

describe('name conflicts of an image created with targets (on_conflict, 1.7)', function () {
  this.timeout(300000);
  const stack = useStack();
  let api: string;
  let demo: Token;
  let glanceA: Glance;
  let glanceB: Glance;

  before(() => {
    ({ api, demo } = stack);
    [glanceA, glanceB] = [stack.glance('zone-a'), stack.glance('zone-b')];
  });

  /** A name, an image of it in zone-b (16 KiB) and, to adopt, one with other bytes in zone-a (32 KiB). */
  async function conflicting(inZoneA = true): Promise<{ name: string; oldId: string; sourceId: string }> {
    const name = `create-conflict-${randomBytes(4).toString('hex')}`;
    const { image: old } = await glanceB.createWithData(16 * 1024, { name });
    const source = inZoneA ? (await glanceA.createWithData(32 * 1024, { name })).image : { id: '' };
    return { name, oldId: old.id as string, sourceId: source.id as string };
  }

  const create = (json: unknown, opts: { dryRun?: boolean; headers?: Record<string, string> } = {}) =>
    http('POST', `${api}/v1/images${opts.dryRun ? '?dry_run=true' : ''}`, {
      token: demo.id,
      json,
      headers: opts.headers ?? V17,
    });
  const adopt = (sourceId: string, extra: Record<string, unknown> = {}) => ({
    source: { cloud: 'zone-a', image_id: sourceId },
    targets: ['zone-b'],
    ...extra,
  });
  const upload = (name: string, targets: string[], extra: Record<string, unknown> = {}) => ({
    name,
    disk_format: 'raw',
    container_format: 'bare',
    targets,
    ...extra,
  });
  const named = async (name: string) =>
    (await http('GET', `${api}/v1/images?name=${name}`, { token: demo.id })).body.images as any[];

  it('refuses by default at 1.7 (adopt and upload), with the reason in the dry-run plan; before 1.7 as before', async () => {
    const { name, oldId, sourceId } = await conflicting();
    const plan = await create(adopt(sourceId), { dryRun: true });
    assert.equal(plan.status, 200, plan.text);
    const target = plan.body.plan.targets[0];
    assert.equal(target.refused.code, 'gimming.plan.name_conflict', plan.text);
    assert.match(target.refused.message, /other bytes/);
    assert.equal(target.conflict.remote_id, oldId);
    assert.equal(target.conflict.policy, 'refuse');
    const refused = await create(adopt(sourceId));
    assert.equal(refused.status, 409, refused.text);
    assert.equal(refused.body.error.code, 'gimming.plan.refused');
    assert.match(refused.body.error.message, /on_conflict skip, rename or replace/);
    // An image to upload has no bytes yet: any image of its name in the target is a conflict.
    const up = await create(upload(name, ['zone-b']));
    assert.equal(up.status, 409, up.text);
    assert.equal(up.body.error.details.refused[0].code, 'gimming.plan.name_conflict', up.text);
    assert.deepEqual(await named(name), [], 'nothing was made');
    // Before 1.7 no conflict is looked for, and on_conflict is refused.
    const old = await create(adopt(sourceId), { dryRun: true, headers: V16 });
    assert.equal(old.status, 200, old.text);
    assert.equal(old.body.plan.targets[0].refused, null);
    assert.equal(old.body.plan.targets[0].conflict, undefined);
    const tooOld = await create(adopt(sourceId, { on_conflict: 'skip' }), { headers: V16 });
    assert.equal(tooOld.status, 400, tooOld.text);
    assert.match(tooOld.body.error.message, /on_conflict needs API microversion 1\.7/);
    assert.equal((await glanceB.get(oldId)).name, name, 'the old image is untouched');
  });

  it('skips the target with skip (upload, per target)', async () => {
    const { name, oldId } = await conflicting(false);
    const body = upload(name, ['zone-a', 'zone-b'], { on_conflict: { 'zone-b': 'skip' } });
    const plan = await create(body, { dryRun: true });
    assert.equal(plan.status, 200, plan.text);
    assert.equal(plan.body.plan.targets[1].path, 'skipped', plan.text);
    assert.equal(plan.body.plan.targets[1].conflict.bytes, 'unproven');
    const res = await create(body);
    assert.equal(res.status, 201, res.text);
    const id = res.body.id as string;
    assert.deepEqual(
      (res.body.locations as any[]).map((l) => l.cloud),
      ['zone-a'],
      'no location in zone-b',
    );
    assert.equal(await putData(`${api}/v1/images/${id}/file`, demo.id, randomBytes(8 * 1024)), 204);
    const tasks = await waitForTasks(api, demo.id, id);
    const copies = tasks.filter((t) => t.type === 'copy');
    assert.deepEqual(
      copies.map((t) => [t.cloud, t.status]),
      [['zone-a', 'succeeded']],
    );
    assert.equal((await glanceB.get(oldId)).name, name, 'the old image is untouched');
  });

  it('renames the old image before the copy with rename (adopt)', async () => {
    const { name, oldId, sourceId } = await conflicting();
    const res = await create(adopt(sourceId, { on_conflict: 'rename' }));
    assert.equal(res.status, 202, res.text);
    const id = res.body.id as string;
    const [task] = await waitForTasks(api, demo.id, id);
    assert.equal(task.status, 'succeeded', JSON.stringify(task.error));
    const renamed = await glanceB.get(oldId);
    assert.match(renamed.name, new RegExp(`^${name}-\\d{8}T\\d{6}Z$`));
    assert.equal(renamed.status, 'active');
    const copy = await glanceB.get((await location(api, demo.id, id, 'zone-b')).image_id as string);
    assert.equal(copy.name, name);
    assert.equal(copy.size, 32 * 1024);
    assert.notEqual(copy.id, oldId);
  });

  it('deletes the old image once the new copy is active with replace (upload)', async () => {
    const { name, oldId } = await conflicting(false);
    const res = await create(upload(name, ['zone-b'], { on_conflict: { '*': 'replace' } }));
    assert.equal(res.status, 201, res.text);
    const id = res.body.id as string;
    assert.equal((await glanceB.get(oldId)).status, 'active', 'nothing deleted before the data');
    assert.equal(await putData(`${api}/v1/images/${id}/file`, demo.id, randomBytes(8 * 1024)), 204);
    const copies = (await waitForTasks(api, demo.id, id)).filter((t) => t.type === 'copy');
    assert.equal(copies.length, 1);
    assert.equal(copies[0].status, 'succeeded', JSON.stringify(copies[0].error));
    assert.equal(copies[0].plan.replaces, oldId);
    await waitFor('the old image deleted', async () => {
      const old = await glanceB.get(oldId);
      return old === undefined || old.status === 'deleted' ? true : undefined;
    });
    const copy = await glanceB.get((await location(api, demo.id, id, 'zone-b')).image_id as string);
    assert.equal(copy.name, name);
    assert.equal(copy.size, 8 * 1024);
    const shown = await http('GET', `${api}/v1/images/${id}`, { token: demo.id });
    assert.equal(shown.body.spec?.replaces, undefined, 'the spec shows no internal field');
  });
});
