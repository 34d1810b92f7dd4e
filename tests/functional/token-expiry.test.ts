/**
 * Work that outlives the user's token (GIMinG's README: long jobs use a Keystone trust). The test bed's
 * Keystone is restarted with a short token lifetime ([token] expiration) for this file, and put back after.
 * A copy starts with a fresh user token, is slowed down (its source agent is stopped with SIGSTOP) until
 * well past that token's expiry, and still finishes: the attempt that held the expired token fails with
 * the cloud's 401, and the next one runs through the trust made when the work was submitted, which is
 * deleted once the work is done.
 */
import assert from 'node:assert/strict';
import type { DaemonSet } from '../support/daemons';
import { waitForTasks } from '../support/flows';
import { http, waitFor } from '../support/http';
import { Glance, issueToken } from '../support/openstack';
import { useStack } from '../support/stack';
import { type Testbed, testbed, testbedUp } from '../support/testbed';

/** Seconds a Keystone token lives during this file. */
const LIFETIME = 40;

describe('work that outlives the user token', function () {
  this.timeout(300000);
  const stack = useStack({
    // The test bed's Keystone with short-lived tokens for this file.
    bed: async () => {
      const bed = testbed();
      await testbedUp(['--barbican'], { GIMMING_TESTBED_TOKEN_EXPIRATION: String(LIFETIME) });
      return bed;
    },
    extraConfig: '[conductor]\ntask_lease_time = 5\ntask_scan_interval = 1\ntask_retry_delay = 1',
  });
  let bed: Testbed;
  let daemons: DaemonSet;
  let api: string;

  before(() => {
    ({ bed, daemons, api } = stack);
  });

  after(async function () {
    this.timeout(300000);
    await testbedUp(['--barbican']); // the usual token lifetime again, for whatever runs next
  });

  it('finishes a copy slowed down past the expiry of the token that asked for it, through a trust', async () => {
    const fresh = () => issueToken(bed, bed.users.demo);
    const observer = await fresh();
    const trustsOfDemo = async () => {
      const t = await fresh();
      const res = await http('GET', `${bed.auth_url}/OS-TRUST/trusts?trustor_user_id=${t.userId}`, {
        token: t.id,
      });
      return new Set<string>(res.body.trusts.map((x: any) => x.id as string));
    };
    const before = await trustsOfDemo();
    const { image: source } = await new Glance(bed.regions.RegionOne!.glance_url, observer.id).createWithData(
      64 * 1024 * 1024,
    );

    // The token the work is submitted with, and when Keystone says it ends.
    const user = await fresh();
    const shown = await http('GET', `${bed.auth_url}/auth/tokens`, {
      token: user.id,
      headers: { 'X-Subject-Token': user.id },
    });
    const expiresAt = Date.parse(shown.body.token.expires_at);
    assert.ok(expiresAt - Date.now() <= LIFETIME * 1000 + 5000, 'the test bed gives short-lived tokens');
    const sourceAgent = daemons.process('agent-zone-a');
    assert.ok(sourceAgent);
    const res = await http('POST', `${api}/v1/images`, {
      token: user.id,
      json: { source: { cloud: 'zone-a', image_id: source.id }, targets: ['zone-b'] },
    });
    assert.equal(res.status, 202, res.text);
    // Slow the copy down: its source stops sending (SIGSTOP) until the token has expired.
    sourceAgent.kill('SIGSTOP');
    const id = res.body.id as string;
    let ours: string[] = [];
    try {
      ours = [...(await trustsOfDemo())].filter((t) => !before.has(t));
      assert.equal(ours.length, 1, 'a trust was made for the work');
      await waitFor(
        'the copy to start',
        async () => {
          const t = await fresh();
          const [task] = (await http('GET', `${api}/v1/tasks?image_id=${id}`, { token: t.id })).body.tasks;
          return task?.status === 'running' ? task : undefined;
        },
        30000,
        200,
      );
      assert.ok(Date.now() < expiresAt, 'the copy started while the token was valid');
      await waitFor(
        'the user token to expire',
        async () => {
          if (Date.now() < expiresAt + 3000) return undefined;
          const t = await fresh();
          const check = await http('GET', `${bed.auth_url}/auth/tokens`, {
            token: t.id,
            headers: { 'X-Subject-Token': user.id },
          });
          return check.status === 404 ? true : undefined;
        },
        (LIFETIME + 60) * 1000,
        1000,
      );
    } finally {
      sourceAgent.kill('SIGCONT');
    }
    const watcher = await fresh();
    const [task] = await waitForTasks(api, watcher.id, id, 240000);
    assert.equal(task.status, 'succeeded', JSON.stringify(task.error));
    assert.ok(
      task.finished_at && Date.parse(task.finished_at) > expiresAt,
      'finished after the token expired',
    );
    assert.ok(task.attempts >= 2, `a later attempt went on through the trust (attempts ${task.attempts})`);
    // Exactly one good copy in zone-b.
    const glanceB = new Glance(bed.regions.RegionTwo!.glance_url, watcher.id);
    const copies = await glanceB.list({ gimming_image_id: id });
    assert.equal(copies.length, 1, JSON.stringify(copies.map((c: any) => [c.id, c.status])));
    assert.equal(copies[0].status, 'active');
    assert.equal(copies[0].checksum, source.checksum);
    assert.equal(copies[0].os_hash_value, source.os_hash_value);
    // The trust is deleted once its work is done.
    await waitFor('the trust to be deleted', async () => {
      const now = await trustsOfDemo();
      return ours.every((t) => !now.has(t)) ? true : undefined;
    });
    await new Glance(bed.regions.RegionOne!.glance_url, watcher.id).delete(source.id);
    await glanceB.delete(copies[0].id);
  });
});
