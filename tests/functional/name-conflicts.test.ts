/**
 * The conflict policy of a sync, with two Glance zones: the target already holds an image of the
 * image's name with other bytes. At REST 1.3 the sync refuses it by default (the dry-run plan says why,
 * nothing is queued), `skip` leaves the target out, `rename` renames the old image (`<name>-<UTC stamp>`)
 * before the copy, `replace` deletes the old one once the new copy is active. Before 1.3, nothing changes.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { location, waitForTasks } from '../support/flows';
import { http, waitFor } from '../support/http';
import type { Glance, Token } from '../support/openstack';
import { useStack } from '../support/stack';

const V13 = { 'OpenStack-API-Version': 'image-manager 1.3' };

describe('name conflicts in a sync (on_conflict)', function () {
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

  /** An image adopted from zone-a, and an image of the same name with other bytes in zone-b. */
  async function conflicting(): Promise<{ id: string; name: string; oldId: string }> {
    const name = `conflict-${randomBytes(4).toString('hex')}`;
    const { image: old } = await glanceB.createWithData(16 * 1024, { name });
    const { image: source } = await glanceA.createWithData(32 * 1024, { name });
    const created = await http('POST', `${api}/v1/images`, {
      token: demo.id,
      json: { source: { cloud: 'zone-a', image_id: source.id }, targets: [] },
    });
    assert.equal(created.status, 202, created.text);
    return { id: created.body.id as string, name, oldId: old.id as string };
  }

  const sync = (id: string, json: unknown, opts: { dryRun?: boolean; v13?: boolean } = {}) =>
    http('POST', `${api}/v1/images/${id}/sync${opts.dryRun ? '?dry_run=true' : ''}`, {
      token: demo.id,
      json,
      headers: opts.v13 === false ? {} : V13,
    });

  it('refuses by default at 1.3, with the reason in the dry-run plan, and is unchanged before 1.3', async () => {
    const { id, oldId } = await conflicting();
    const plan = await sync(id, { targets: ['zone-b'] }, { dryRun: true });
    assert.equal(plan.status, 200, plan.text);
    const target = plan.body.plan.targets[0];
    assert.equal(target.refused.code, 'gimming.plan.name_conflict', plan.text);
    assert.match(target.refused.message, /other bytes/);
    assert.equal(target.conflict.remote_id, oldId);
    assert.equal(target.conflict.policy, 'refuse');
    const refused = await sync(id, { targets: ['zone-b'] });
    assert.equal(refused.status, 409, refused.text);
    assert.equal(refused.body.error.code, 'gimming.plan.refused');
    const tasks = await http('GET', `${api}/v1/tasks?image_id=${id}`, { token: demo.id });
    assert.deepEqual(tasks.body.tasks, [], 'nothing queued');
    // Before 1.3 no conflict is looked for.
    const old = await sync(id, { targets: ['zone-b'] }, { dryRun: true, v13: false });
    assert.equal(old.status, 200, old.text);
    assert.equal(old.body.plan.targets[0].refused, null);
    assert.equal(old.body.plan.targets[0].conflict, undefined);
    const tooOld = await sync(id, { targets: ['zone-b'], on_conflict: 'skip' }, { v13: false });
    assert.equal(tooOld.status, 400, 'on_conflict needs 1.3');
  });

  it('skips the target with skip', async () => {
    const { id, oldId } = await conflicting();
    const res = await sync(id, { targets: ['zone-b'], on_conflict: 'skip' });
    assert.equal(res.status, 202, res.text);
    assert.equal(
      (res.body.locations as any[]).find((l) => l.cloud === 'zone-b'),
      undefined,
      'no copy to zone-b',
    );
    const plan = await sync(id, { targets: ['zone-b'], on_conflict: { 'zone-b': 'skip' } }, { dryRun: true });
    assert.equal(plan.body.plan.targets[0].path, 'skipped', plan.text);
    assert.equal((await glanceB.get(oldId)).status, 'active');
  });

  it('renames the old image before the copy with rename (per target)', async () => {
    const { id, name, oldId } = await conflicting();
    const res = await sync(id, { targets: ['zone-b'], on_conflict: { 'zone-b': 'rename' } });
    assert.equal(res.status, 202, res.text);
    const [task] = await waitForTasks(api, demo.id, id);
    assert.equal(task.status, 'succeeded', JSON.stringify(task.error));
    const renamed = await glanceB.get(oldId);
    assert.match(renamed.name, new RegExp(`^${name}-\\d{8}T\\d{6}Z$`));
    assert.equal(renamed.status, 'active');
    const copy = await glanceB.get((await location(api, demo.id, id, 'zone-b')).image_id as string);
    assert.equal(copy.name, name);
    assert.notEqual(copy.id, oldId);
  });

  it('deletes the old image once the new copy is active with replace', async () => {
    const { id, name, oldId } = await conflicting();
    const res = await sync(id, { targets: ['zone-b'], on_conflict: 'replace' });
    assert.equal(res.status, 202, res.text);
    const [task] = await waitForTasks(api, demo.id, id);
    assert.equal(task.status, 'succeeded', JSON.stringify(task.error));
    assert.equal(task.plan.replaces, oldId);
    await waitFor('the old image deleted', async () => {
      const old = await glanceB.get(oldId);
      return old === undefined || old.status === 'deleted' ? true : undefined;
    });
    const copy = await glanceB.get((await location(api, demo.id, id, 'zone-b')).image_id as string);
    assert.equal(copy.name, name);
    assert.equal(copy.status, 'active');
  });
});
