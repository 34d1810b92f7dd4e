/**
 * Image families through the real daemons, in a Glance zone and an EC2 region (the strict stand-in):
 * versions with ancestry, `latest` following the newest version not revoked, promote / rollback / history
 * of a channel, resolving a channel to each cloud's own ID (REST, CLI, and the published ID map and
 * simplestreams files), and a version's lifecycle set in each cloud's own terms (Glance os_hidden and
 * deactivate; EC2 deprecation time and DisableImage), undone the same way, scheduled on the database's
 * clock, a revoke cascading to the versions built from it, and the notifications of each change.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { AwsStandin } from '../support/aws-standin';
import { gimming } from '../support/cli';
import { deleteEverywhere, waitForTasks } from '../support/flows';
import { http, waitFor } from '../support/http';
import { useStack } from '../support/stack';

const EAST = 'us-east-1';
const V12 = { 'OpenStack-API-Version': 'image-manager 1.2' };

describe('image families: versions, channels, lifecycle in Glance and EC2', function () {
  this.timeout(300000);
  const standin = new AwsStandin({ minDurationMs: 300, tickMs: 50 });
  const publishDir = mkdtempSync(join(tmpdir(), 'gimming-families-'));
  const cliHome = mkdtempSync(join(tmpdir(), 'gimming-families-cli-'));
  const events: Array<{ event_type: string; payload: Record<string, any> }> = [];
  let broker: amqp.ChannelModel | undefined;
  before(async function () {
    this.timeout(60000);
    await standin.start();
  });
  after(async () => {
    await standin.stop();
    await broker?.close().catch(() => {});
    rmSync(publishDir, { recursive: true, force: true });
    rmSync(cliHome, { recursive: true, force: true });
  });
  const images: string[] = [];
  // Registered before the stack, so it runs while the daemons are still up (after hooks run in order).
  after(async function () {
    this.timeout(150000);
    // The delete tasks (a copy each, in Glance and EC2) end before the daemons stop.
    await deleteEverywhere(stack.api, stack.demo.id, images, 120000);
  });

  const stack = useStack({
    agentEnv: () => ({ 'zone-b': standin.agentEnv() }),
    extraConfig:
      '[oslo_messaging_notifications]\ndriver = messagingv2\n' +
      '[conductor]\nremote_cache_time = 0\nrefresh_interval = 0\n' +
      `[families]\npublish_dir = ${publishDir}\npublish_all_projects = true\nlifecycle_interval = 1\n`,
    beforeStart: async (s) => {
      broker = await amqp.connect('amqp://guest:guest@127.0.0.1:5672/');
      const ch = await broker.createChannel();
      await ch.assertExchange(s.daemons.exchange, 'topic', { durable: true });
      const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true });
      await ch.bindQueue(queue, s.daemons.exchange, 'notifications.*');
      await ch.consume(
        queue,
        (m) => {
          if (!m) return;
          const envelope = JSON.parse(m.content.toString('utf8')) as Record<string, string>;
          const msg = JSON.parse(envelope['oslo.message'] as string) as (typeof events)[number];
          if (msg.event_type.startsWith('gimming.image.version') || msg.event_type.includes('lifecycle'))
            events.push(msg);
        },
        { noAck: true },
      );
    },
  });
  const api = (path: string) => `${stack.api}/v1${path}`;
  const call = (method: string, path: string, json?: unknown) =>
    http(method, api(path), { token: stack.demo.id, headers: V12, ...(json !== undefined ? { json } : {}) });
  /** The AMI as the EC2 stand-in holds it (its state, its deprecation time), never GIMinG's view. */
  const ami = async (id: string) => (await standin.state(EAST)).images.find((i) => i.id === id);
  const glance = () => stack.glance('zone-a');

  /** A version's image: made in zone-a's Glance, adopted and copied to EC2; its copy IDs by cloud. */
  async function version(): Promise<{ id: string; glanceId: string; amiId: string }> {
    const { image } = await stack.cloud('zone-a').createWithData(64 * 1024, {
      disk_format: 'raw',
      container_format: 'bare',
    });
    const res = await http('POST', api('/images'), {
      token: stack.demo.id,
      json: { source: { cloud: 'zone-a', image_id: image.id }, targets: ['ec2-east'] },
    });
    assert.equal(res.status, 202, res.text);
    images.push(res.body.id);
    const tasks = await waitForTasks(stack.api, stack.demo.id, res.body.id);
    assert.deepEqual(
      tasks.map((t) => t.status),
      ['succeeded'],
      JSON.stringify(tasks.map((t) => t.error)),
    );
    const shown = await http('GET', api(`/images/${res.body.id}`), { token: stack.demo.id });
    const amiId = shown.body.locations.find((l: any) => l.cloud === 'ec2-east').image_id as string;
    return { id: res.body.id, glanceId: image.id, amiId };
  }

  let v1: Awaited<ReturnType<typeof version>>;
  let v2: Awaited<ReturnType<typeof version>>;
  let v3: Awaited<ReturnType<typeof version>>;

  before(async function () {
    this.timeout(180000);
    const res = await http('POST', api('/clouds'), {
      token: stack.admin.id,
      json: {
        name: 'ec2-east',
        type: 'aws',
        region_name: EAST,
        zone: 'zone-b',
        bucket: standin.bucket('operator', EAST),
      },
    });
    assert.equal(res.status, 201, res.text);
    await waitFor(
      'the aws cloud to have a live agent',
      async () =>
        ((await http('GET', api('/clouds/ec2-east'), { token: stack.admin.id })).body?.agents_up ?? 0) > 0 ||
        undefined,
      60000,
    );
    [v1, v2, v3] = [await version(), await version(), await version()];
  });

  it('exists from microversion 1.2 only, in the version document and the API', async () => {
    const doc = await http('GET', `${stack.api}/v1/`);
    const [major, minor] = String(doc.body.version.version).split('.').map(Number);
    assert.ok(major === 1 && (minor as number) >= 2, `the server serves 1.2: ${doc.body.version.version}`);
    const old = await http('GET', api('/families'), {
      token: stack.demo.id,
      headers: { 'OpenStack-API-Version': 'image-manager 1.1' },
    });
    assert.equal(old.status, 404);
    assert.equal((await call('GET', '/families')).status, 200);
  });

  it('orders versions, with ancestry, and moves latest to the newest', async () => {
    const made = await call('POST', '/families', { name: 'ubuntu-24.04', description: 'weekly builds' });
    assert.equal(made.status, 201, made.text);
    assert.deepEqual(
      made.body.channels.map((c: any) => [c.name, c.version, c.managed]),
      [['latest', null, true]],
    );
    const dup = await call('POST', '/families', { name: 'ubuntu-24.04' });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.error.code, 'gimming.family.exists');
    const a = await call('POST', '/families/ubuntu-24.04/versions', { image_id: v1.id, label: '2026.11.26' });
    assert.equal(a.status, 201, a.text);
    assert.equal(a.body.sequence, 1);
    assert.deepEqual(a.body.channels, ['latest']);
    const b = await call('POST', '/families/ubuntu-24.04/versions', {
      image_id: v2.id,
      label: '2026.12.03',
      parent: '2026.11.26',
    });
    assert.equal(b.body.sequence, 2);
    assert.equal(b.body.parent, 1);
    // The CLI, openstack-client style: `gimming family version add`.
    const out = await gimming(stack, stack.demo, cliHome, [
      'family',
      'version',
      'add',
      'ubuntu-24.04',
      v3.id,
      '--parent',
      '2',
      '-f',
      'json',
    ]);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(JSON.parse(out.stdout).sequence, 3);
    const family = await call('GET', '/families/ubuntu-24.04');
    assert.deepEqual(
      family.body.versions.map((v: any) => [v.sequence, v.parent, v.lifecycle, v.channels]),
      [
        [1, null, 'active', []],
        [2, 1, 'active', []],
        [3, 2, 'active', ['latest']],
      ],
    );
    const again = await call('POST', '/families/ubuntu-24.04/versions', { image_id: v1.id });
    assert.equal(again.body.error.code, 'gimming.family.image_is_version');
  });

  it('promotes, rolls back and keeps the history of a channel', async () => {
    assert.equal(
      (await call('PUT', '/families/ubuntu-24.04/channels/stable', { version: '1' })).body.version,
      1,
    );
    assert.equal(
      (await call('PUT', '/families/ubuntu-24.04/channels/stable', { version: '2026.12.03' })).body.version,
      2,
    );
    const back = await call('POST', '/families/ubuntu-24.04/channels/stable/rollback');
    assert.equal(back.status, 200, back.text);
    assert.equal(back.body.version, 1);
    const refused = await call('PUT', '/families/ubuntu-24.04/channels/latest', { version: '1' });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, 'gimming.channel.managed');
    const history = await call('GET', '/families/ubuntu-24.04/channels/stable/history');
    assert.deepEqual(
      history.body.history.map((h: any) => [h.action, h.version, h.previous_version]),
      [
        ['rollback', 1, 2],
        ['promote', 2, 1],
        ['promote', 1, null],
      ],
    );
    const latest = await call('GET', '/families/ubuntu-24.04/channels/latest/history');
    assert.deepEqual(
      latest.body.history.map((h: any) => [h.action, h.version]),
      [
        ['follow', 3],
        ['follow', 2],
        ['follow', 1],
      ],
    );
    const promoted = await waitFor('the promote notifications', async () => {
      const found = events.filter((e) => e.event_type === 'gimming.image.version.promote');
      return found.length >= 2 ? found : undefined;
    });
    assert.equal(promoted[0]?.payload.family, 'ubuntu-24.04');
    assert.equal(promoted[0]?.payload.channel, 'stable');
  });

  it("resolves a channel to each cloud's own ID, in the API, the CLI and the published files", async () => {
    const all = await call('GET', '/families/ubuntu-24.04/channels/stable/resolve');
    assert.equal(all.status, 200, all.text);
    assert.equal(all.body.version, 1);
    assert.deepEqual(
      all.body.clouds.map((c: any) => [c.cloud, c.type, c.remote_id]),
      [
        ['ec2-east', 'aws', v1.amiId],
        ['zone-a', 'openstack', v1.glanceId],
      ],
    );
    const one = await call('GET', '/families/ubuntu-24.04/channels/latest/resolve?cloud=ec2-east');
    assert.deepEqual(
      one.body.clouds.map((c: any) => c.remote_id),
      [v3.amiId],
    );
    const cli = await gimming(stack, stack.demo, cliHome, [
      'channel',
      'resolve',
      'ubuntu-24.04',
      'stable',
      '--cloud',
      'zone-a',
      '-f',
      'value',
      '-c',
      'ID',
    ]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(cli.stdout.trim(), v1.glanceId);
    const map = await waitFor('the ID map to name stable', async () => {
      try {
        const m = JSON.parse(readFileSync(join(publishDir, 'id-map.json'), 'utf8'));
        const fam = Object.values(m.families as Record<string, any>)[0];
        return fam?.channels?.stable?.version === 1 && fam.channels.latest?.version === 3 ? fam : undefined;
      } catch {
        return undefined;
      }
    });
    assert.deepEqual(map.channels.stable.clouds, { 'ec2-east': v1.amiId, 'zone-a': v1.glanceId });
    const index = JSON.parse(readFileSync(join(publishDir, 'streams/v1/index.json'), 'utf8'));
    assert.equal(index.format, 'index:1.0');
    const entry = index.index['com.gimming:images'];
    assert.equal(entry.format, 'products:1.0');
    const products = JSON.parse(readFileSync(join(publishDir, entry.path), 'utf8'));
    assert.equal(products.datatype, 'image-ids');
    const product = Object.values(products.products as Record<string, any>)[0];
    assert.equal(product.versions['2026.12.03'].items['ec2-east'].id, v2.amiId);
    assert.equal(product.versions['2026.12.03'].items['zone-a'].region, 'RegionOne');
  });

  it("deprecates a version in each cloud's own terms, and restores it", async () => {
    const res = await call('POST', '/families/ubuntu-24.04/versions/1/lifecycle', { state: 'deprecated' });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(
      res.body.copies.map((c: any) => [c.cloud, c.lifecycle, c.error?.code]),
      [
        ['ec2-east', 'deprecated', undefined],
        ['zone-a', 'deprecated', undefined],
      ],
    );
    const hidden = await glance().get(v1.glanceId);
    assert.equal(hidden?.os_hidden, true);
    assert.equal(hidden?.status, 'active');
    const deprecated = await ami(v1.amiId);
    assert.ok(deprecated?.deprecationTime, 'EC2 has a deprecation time');
    assert.equal(deprecated?.state, 'available');
    const restored = await call('POST', '/families/ubuntu-24.04/versions/1/lifecycle', { state: 'active' });
    assert.equal(restored.status, 200, restored.text);
    assert.equal((await glance().get(v1.glanceId))?.os_hidden, false);
    assert.equal((await ami(v1.amiId))?.deprecationTime, undefined);
    const e = await waitFor('the deprecate and restore notifications', async () => {
      const mine = events.filter(
        (x) => x.payload.image_id === v1.id && x.event_type.startsWith('gimming.image.lifecycle.'),
      );
      return mine.length >= 2 ? mine : undefined;
    });
    assert.deepEqual(
      e.map((x) => x.event_type),
      ['gimming.image.lifecycle.deprecate', 'gimming.image.lifecycle.restore'],
    );
    assert.equal(e[0]?.payload.copies.length, 2);
  });

  it('revokes a version and the versions built from it, moving latest back, and undoes it', async () => {
    const res = await call('POST', '/families/ubuntu-24.04/versions/2/lifecycle', {
      state: 'revoked',
      cascade: true,
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(
      res.body.versions.map((v: any) => [v.sequence, v.lifecycle, v.propagated]),
      [
        [2, 'revoked', true],
        [3, 'revoked', true],
      ],
    );
    for (const v of [v2, v3]) {
      const g = await glance().get(v.glanceId);
      assert.equal(g?.status, 'deactivated');
      assert.equal(g?.os_hidden, true);
      assert.equal((await ami(v.amiId))?.state, 'disabled');
    }
    const family = await call('GET', '/families/ubuntu-24.04');
    assert.equal(family.body.channels.find((c: any) => c.name === 'latest').version, 1);
    const resolve = await call('GET', '/families/ubuntu-24.04/channels/latest/resolve');
    assert.equal(resolve.body.version, 1);
    const promote = await call('PUT', '/families/ubuntu-24.04/channels/stable', { version: '3' });
    assert.equal(promote.body.error.code, 'gimming.family.version_revoked');
    // Restored: Glance reactivates, EC2 enables; the cascade is not undone (version 3 stays revoked).
    const undo = await call('POST', '/families/ubuntu-24.04/versions/2/lifecycle', { state: 'active' });
    assert.equal(undo.status, 200, undo.text);
    const g = await glance().get(v2.glanceId);
    assert.equal(g?.status, 'active');
    assert.equal(g?.os_hidden, false);
    const a = await ami(v2.amiId);
    assert.equal(a?.state, 'available');
    assert.equal(a?.deprecationTime, undefined);
    const after = await call('GET', '/families/ubuntu-24.04');
    assert.equal(after.body.channels.find((c: any) => c.name === 'latest').version, 2);
    assert.deepEqual(
      after.body.versions.map((v: any) => v.lifecycle),
      ['active', 'active', 'revoked'],
    );
    const revoked = events.filter((x) => x.event_type === 'gimming.image.lifecycle.revoke');
    assert.deepEqual(
      revoked.map((x) => [x.payload.version, x.payload.cascade_from]),
      [
        [2, null],
        [3, 2],
      ],
    );
  });

  it("obsoletes a version at a given time, on the database's clock, by the periodic task", async () => {
    const at = new Date(Date.now() + 3000).toISOString();
    const res = await call('POST', '/families/ubuntu-24.04/versions/1/lifecycle', { state: 'obsolete', at });
    assert.equal(res.status, 202, res.text);
    assert.equal(res.body.scheduled, true);
    assert.equal(res.body.versions[0].lifecycle, 'active');
    assert.equal(res.body.versions[0].scheduled.state, 'obsolete');
    assert.equal((await glance().get(v1.glanceId))?.status, 'active');
    const done = await waitFor(
      'the scheduled change to run',
      async () => {
        const f = await call('GET', '/families/ubuntu-24.04');
        const v = f.body.versions[0];
        return v.lifecycle === 'obsolete' && v.propagated ? v : undefined;
      },
      30000,
      500,
    );
    assert.equal(done.scheduled, null);
    assert.equal((await glance().get(v1.glanceId))?.status, 'deactivated');
    assert.equal((await ami(v1.amiId))?.state, 'disabled');
    const e = await waitFor('the scheduled obsolete notification', async () =>
      events.find((x) => x.event_type === 'gimming.image.lifecycle.obsolete'),
    );
    assert.equal(e.payload.scheduled, true);
    // Undone, so that the images can be deleted as usual.
    await call('POST', '/families/ubuntu-24.04/versions/1/lifecycle', { state: 'active' });
    await call('POST', '/families/ubuntu-24.04/versions/3/lifecycle', { state: 'active' });
    assert.equal((await glance().get(v1.glanceId))?.status, 'active');
  });

  it('answers policy and errors as OpenStack does', async () => {
    const other = await http('GET', api('/families/ubuntu-24.04'), { token: stack.alt.id, headers: V12 });
    assert.equal(other.status, 404);
    assert.equal(other.body.error.code, 'gimming.family.not_found');
    const bad = await call('POST', '/families/ubuntu-24.04/versions/1/lifecycle', { state: 'gone' });
    assert.equal(bad.status, 400);
    const cascade = await call('POST', '/families/ubuntu-24.04/versions/1/lifecycle', {
      state: 'deprecated',
      cascade: true,
    });
    assert.equal(cascade.body.error.code, 'gimming.lifecycle.bad_cascade');
    const del = await call('DELETE', '/families/ubuntu-24.04');
    assert.equal(del.status, 204);
    assert.equal((await call('GET', '/families/ubuntu-24.04')).status, 404);
  });
});
