/**
 * The Python client's library (python-gimmingclient, gimmingclient.v1) against the real daemons, Keystone
 * and both Glance zones, as a program uses it: the steps of gimmingclient/tests/functional/scenario.py
 * run in the venv of tools/ensure-python-client.sh, each printing what it saw, checked here against the
 * API, Glance and a webhook receiver. Microversion 1.8 negotiated (and 1.1 refusing families before any
 * call), an upload cut mid-way by a proxy and resumed by the client on its own and one linked to the same
 * data staged by its sha256 (1.6), images created with
 * on_conflict (1.7) by the library and by `openstack gimming image create`, families with versions, channels (promote, rollback, history), resolve and the ID map, a
 * version's lifecycle in Glance (now, at a time, undone), a sync's on_conflict, max_bandwidth and
 * incremental_from, webhooks (create, list, show, ping, deliveries, delete), and errors carrying the
 * API's code, message, status and request id; and the plugin's family, channel and webhook commands
 * (`openstack gimming ...`), whose JSON is gimming's. (The plugin's other commands: openstack-plugin.test.ts.)
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { type IncomingMessage, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CliRun, gimming } from '../support/cli';
import { deleteEverywhere } from '../support/flows';
import { cuttingProxy } from '../support/cutting-proxy';
import { http } from '../support/http';
import { type VersionSpec, uploadVersion } from '../support/image-versions';
import type { Glance } from '../support/openstack';
import { useStack } from '../support/stack';
import { REPO_ROOT } from '../support/testbed';

const MiB = 1024 * 1024;
/** The proxy that cuts an upload listens here. */
const PROXY_PORT = 19331;

const SPEC: VersionSpec = {
  size: 4 * MiB + 4321,
  blockBytes: MiB,
  changedEvery: 2,
  seed: randomBytes(8).toString('hex'),
};

describe('the Python client library (python-gimmingclient) on the real daemons', function () {
  this.timeout(300000);
  const encryptionKey = randomBytes(32).toString('hex');
  /** GIMinG images, deleted with their copies at the end. */
  const images: string[] = [];
  /** Glance images this test made, deleted at the end (the test bed's Glance is shared). */
  const made: Array<[Glance, string]> = [];
  // Registered before the stack, so it runs while the daemons are still up (after hooks run in order).
  after(async function () {
    this.timeout(120000);
    // The delete tasks end before the daemons stop; what they did not delete goes through Glance.
    await deleteEverywhere(stack.api, stack.demo.id, images, 90000);
    for (const [glance, id] of made) await glance.delete(id).catch(() => undefined);
  });
  const stack = useStack({
    extraConfig:
      `[webhooks]\nencryption_keys = ${encryptionKey}\nallowed_private_networks = 127.0.0.0/8\n` +
      'retry_delay = 1\nretry_max_delay = 2\nmax_attempts = 5\n' +
      '[families]\nlifecycle_interval = 1\n',
  });
  let venv: string;
  let glanceA: Glance;
  let glanceB: Glance;
  let receiver: Server;
  const received: Array<{ headers: IncomingMessage['headers']; raw: string }> = [];

  /** One step of scenario.py as the demo user (or the administrator); what it printed. */
  function step(name: string, args: Record<string, unknown> = {}, admin = false): Promise<any> {
    const [u, a] = [stack.bed.users.demo, stack.bed.users.admin];
    return new Promise((done, fail) => {
      execFile(
        join(venv, 'bin/python'),
        ['-m', 'gimmingclient.tests.functional.scenario', name, JSON.stringify(args)],
        {
          cwd: join(REPO_ROOT, 'python-gimmingclient'),
          env: {
            PATH: `${venv}/bin:${process.env.PATH ?? ''}`,
            GIMMING_TEST_AUTH_URL: stack.bed.auth_url,
            GIMMING_TEST_USERNAME: u.username,
            GIMMING_TEST_PASSWORD: u.password,
            GIMMING_TEST_PROJECT: u.project_name,
            GIMMING_TEST_ENDPOINT: stack.api,
            GIMMING_TEST_ADMIN_USERNAME: a.username,
            GIMMING_TEST_ADMIN_PASSWORD: a.password,
            GIMMING_TEST_ADMIN_PROJECT: a.project_name,
            ...(admin ? { GIMMING_TEST_AS_ADMIN: '1' } : {}),
          },
          maxBuffer: 16 * MiB,
        },
        (err, stdout, stderr) =>
          err ? fail(new Error(`${name}: ${err.message}\n${stderr}`)) : done(JSON.parse(stdout)),
      );
    });
  }
  const home = mkdtempSync(join(tmpdir(), 'gimming-py-'));
  after(() => rmSync(home, { recursive: true, force: true }));
  /** `openstack gimming <args>` with the plugin, as the demo user from OS_*. */
  function openstack(args: string[]): Promise<CliRun> {
    const u = stack.bed.users.demo;
    return new Promise((done) =>
      execFile(
        join(venv, 'bin/openstack'),
        ['gimming', ...args],
        {
          cwd: home,
          env: {
            PATH: `${venv}/bin:${process.env.PATH ?? ''}`,
            HOME: home,
            XDG_CACHE_HOME: join(home, 'cache'),
            OS_AUTH_URL: stack.bed.auth_url,
            OS_USERNAME: u.username,
            OS_PASSWORD: u.password,
            OS_PROJECT_NAME: u.project_name,
            OS_USER_DOMAIN_NAME: u.user_domain_name,
            OS_PROJECT_DOMAIN_NAME: u.project_domain_name,
            OS_IMAGE_MANAGER_ENDPOINT_OVERRIDE: stack.api,
          },
        },
        (err, stdout, stderr) =>
          done({ code: err ? Number((err as { code?: unknown }).code ?? -1) || -1 : 0, stdout, stderr }),
      ),
    );
  }
  /** The same command through `openstack gimming` and `gimming`: the same JSON. */
  async function parity(args: string[]): Promise<any> {
    const [py, ts] = await Promise.all([
      openstack([...args, '-f', 'json']),
      gimming(stack, stack.demo, home, [...args, '-f', 'json']),
    ]);
    assert.equal(py.code, 0, `openstack gimming ${args.join(' ')}: ${py.stderr}`);
    assert.equal(ts.code, 0, `gimming ${args.join(' ')}: ${ts.stderr}`);
    const parsed = JSON.parse(py.stdout);
    assert.deepStrictEqual(parsed, JSON.parse(ts.stdout), `${args.join(' ')}: both clients agree`);
    return parsed;
  }
  const shown = async (id: string) =>
    (await http('GET', `${stack.api}/v1/images/${id}`, { token: stack.demo.id })).body;
  const remoteIn = async (id: string, cloud: string) =>
    ((await shown(id)).locations as any[]).find((l) => l.cloud === cloud)?.image_id as string;

  let v1: string;
  let v2: string;
  let conflicting: string;
  let v1Glance: string;
  let v2Glance: string;

  before(async function () {
    this.timeout(300000);
    venv = execFileSync('bash', [join(REPO_ROOT, 'tools/ensure-python-client.sh')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim();
    [glanceA, glanceB] = [stack.glance('zone-a'), stack.glance('zone-b')];
    receiver = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (p: Buffer) => parts.push(p));
      req.on('end', () => {
        received.push({ headers: req.headers, raw: Buffer.concat(parts).toString('utf8') });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  });
  after(() => new Promise((r) => receiver.close(r)));

  it('negotiates 1.8 with the server; at 1.1 families are refused before any call', async () => {
    const seen = await step('negotiate');
    assert.equal(seen.version, '1.8');
    assert.equal(seen.echoed, 'image-manager 1.8', 'the server served the call at 1.8');
    assert.equal(seen.old_version, '1.1');
    assert.equal(seen.old.code, 'client.api_version');
    assert.match(seen.old.message, /^Families needs API microversion 1\.2, but the calls are made at 1\.1/);
  });

  it('adopts two versions of an image, the first with max_bandwidth, and copies it', async () => {
    const old = await uploadVersion(glanceA, stack.demo.id, `py-old-${SPEC.seed}`, SPEC, false);
    const next = await uploadVersion(glanceA, stack.demo.id, `py-new-${SPEC.seed}`, SPEC, true);
    made.push([glanceA, old.id], [glanceA, next.id]);
    v1Glance = old.id;
    v2Glance = next.id;
    const first = await step('adopt', {
      cloud: 'zone-a',
      image_id: old.id,
      targets: ['zone-b'],
      max_bandwidth: '80MiB/s',
    });
    assert.deepEqual(first.tasks, ['succeeded']);
    v1 = first.image.id;
    images.push(v1);
    made.push([glanceB, await remoteIn(v1, 'zone-b')]);
    const second = await step('adopt', { cloud: 'zone-a', image_id: next.id });
    assert.deepEqual(second.tasks, []);
    v2 = second.image.id;
    images.push(v2);
  });

  it('registers a cloud with max_bandwidth; a bad rate is refused with the API code', async () => {
    const seen = await step('cloud', { name: `py-capped-${SPEC.seed}` }, true);
    assert.equal(seen.created.max_bandwidth, 8 * MiB);
    assert.equal(seen.shown.max_bandwidth, 8 * MiB);
    // At 1.8 the capabilities of native and incremental copies (zone-a's agent says them), not at 1.7.
    const since18 = ['native_copy_limit', 'native_copy_unavailable', 'incremental_conversion'];
    assert.ok(seen.shown.capabilities && seen.shown_1_7.capabilities, 'zone-a has a live agent');
    assert.deepEqual(
      since18.map((f) => typeof seen.shown.capabilities[f]),
      ['object', 'object', 'boolean'],
      JSON.stringify(seen.shown.capabilities),
    );
    assert.equal(typeof seen.shown.capabilities.native_copy_limit.image_bytes, 'number');
    assert.deepEqual(
      since18.filter((f) => f in seen.shown_1_7.capabilities),
      [],
      JSON.stringify(seen.shown_1_7.capabilities),
    );
    assert.deepEqual([seen.bad.class, seen.bad.status], ['BadRequest', 400]);
    assert.match(seen.bad.code, /^gimming\./);
    assert.match(seen.bad.message, /max_bandwidth/);
  });

  it('keeps a family: versions, promote, rollback, history, resolve and the ID map', async () => {
    const family = `py-family-${SPEC.seed}`;
    const seen = await step('families', { family, v1, v2 });
    assert.equal(seen.created.name, family);
    assert.equal(seen.created.description, 'py builds');
    assert.deepEqual(
      [seen.duplicate.class, seen.duplicate.status, seen.duplicate.code],
      ['Conflict', 409, 'gimming.family.exists'],
    );
    assert.match(seen.duplicate.request_id, /^req-[0-9a-f-]{36}$/);
    assert.deepEqual([seen.v1.sequence, seen.v2.sequence, seen.v2.parent], [1, 2, 1]);
    assert.deepEqual(
      seen.versions.map((v: any) => [v.sequence, v.label, v.image_id]),
      [
        [1, '2026.12.01', v1],
        [2, '2026.12.03', v2],
      ],
    );
    assert.ok(seen.listed.includes(family));
    assert.deepEqual(seen.promoted, [1, 2]);
    assert.equal(seen.rolled_back, 1);
    assert.deepEqual(
      seen.history.map((h: any) => [h.action, h.version, h.previous_version]),
      [
        ['rollback', 1, 2],
        ['promote', 2, 1],
        ['promote', 1, null],
      ],
      'newest first',
    );
    assert.deepEqual(seen.channels.map((c: any) => [c.name, c.version]).sort(), [
      ['latest', 2],
      ['stable', 1],
    ]);
    // The IDs each cloud holds, as GIMinG and Glance know them.
    const v1B = await remoteIn(v1, 'zone-b');
    assert.equal(seen.resolved.version, 1);
    assert.deepEqual(
      seen.resolved.clouds.map((c: any) => [c.cloud, c.type, c.remote_id]),
      [
        ['zone-a', 'openstack', v1Glance],
        ['zone-b', 'openstack', v1B],
      ],
    );
    assert.equal((await glanceB.get(v1B))?.status, 'active');
    assert.deepEqual(seen.id_map, { 'zone-a': v1Glance, 'zone-b': v1B });
    assert.equal(seen.resolved_a.version, 2);
    assert.deepEqual(
      seen.resolved_a.clouds.map((c: any) => [c.cloud, c.remote_id]),
      [['zone-a', v2Glance]],
    );
    assert.equal(seen.latest_b.class, 'NotFound', 'version 2 has no copy in zone-b yet');
    assert.match(seen.latest_b.code, /^gimming\./);
    assert.match(seen.latest_b.message, /^Version 2 of py-family-\S+ has no active copy in cloud zone-b\.$/);
    assert.equal(seen.shown.versions.length, 2);
    assert.deepEqual(
      [seen.missing.class, seen.missing.status, seen.missing.code],
      ['NotFound', 404, 'gimming.family.not_found'],
    );
    assert.equal(seen.no_channel.code, 'gimming.channel.not_found');
    assert.match(seen.no_channel.message, /no-such-channel/);
  });

  it('openstack gimming family and channel commands print what gimming prints', async () => {
    const family = `py-family-${SPEC.seed}`;
    const versions = await parity(['family', 'version', 'list', family, '--long']);
    assert.deepEqual(
      versions.map((v: any) => [v.Version, v.Label, v.Image, v.Parent]),
      [
        [1, '2026.12.01', v1, null],
        [2, '2026.12.03', v2, 1],
      ],
    );
    const resolved = await parity(['channel', 'resolve', family, 'stable']);
    const v1B = await remoteIn(v1, 'zone-b');
    assert.deepEqual(
      resolved.map((r: any) => [r.Cloud, r.ID, r.Version]),
      [
        ['zone-a', v1Glance, 1],
        ['zone-b', v1B, 1],
      ],
    );
    await parity(['channel', 'history', family, 'stable']);
    await parity(['channel', 'list', family]);
    await parity(['family', 'show', family]);
    assert.ok((await parity(['family', 'list'])).some((f: any) => f.Name === family));
    const table = await openstack(['family', 'show', family, '-f', 'value', '-c', 'channels']);
    assert.equal(table.code, 0, table.stderr);
    // A promotion and its rollback through the plugin; a usage error for no lifecycle flag.
    const promoted = await openstack(['channel', 'promote', family, 'candidate', '2', '-f', 'json']);
    assert.equal(promoted.code, 0, promoted.stderr);
    assert.equal(JSON.parse(promoted.stdout).version, 2);
    const none = await openstack(['family', 'version', 'set', family, '1']);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /Give one of --deprecate, --obsolete, --revoke or --restore\./);
    const missing = await openstack(['channel', 'resolve', family, 'no-such-channel']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no-such-channel.*\(HTTP 404\) \(Request-ID: req-/);
  });

  it("sets a version's lifecycle in Glance, now and at a time, and undoes it", async () => {
    const family = `py-family-${SPEC.seed}`;
    const deprecated = await step('deprecate', { family });
    assert.deepEqual(
      deprecated.copies.map((c: any) => [c.cloud, c.lifecycle, c.error?.code]),
      [
        ['zone-a', 'deprecated', undefined],
        ['zone-b', 'deprecated', undefined],
      ],
    );
    assert.equal((await glanceA.get(v1Glance))?.os_hidden, true, 'Glance hides the deprecated version');
    const seen = await step('lifecycle', { family });
    assert.equal(seen.restored.versions[0].lifecycle, 'active');
    assert.equal(seen.scheduled.scheduled, true);
    assert.equal(seen.scheduled.versions[0].scheduled.state, 'obsolete');
    assert.equal(seen.after.lifecycle, 'obsolete', JSON.stringify(seen.after));
    assert.equal(seen.after.scheduled, null);
    assert.equal(seen.undone.versions[0].lifecycle, 'active');
    assert.equal((await glanceA.get(v1Glance))?.os_hidden, false, 'visible again');
    assert.deepEqual([seen.bad.class, seen.bad.code], ['BadRequest', 'gimming.lifecycle.bad_cascade']);
    assert.equal(seen.deleted, null);
    assert.equal(seen.gone.code, 'gimming.family.not_found');
  });

  it('syncs with incremental_from, max_bandwidth and on_conflict; a conflict is refused with its code', async () => {
    const name = `py-conflict-${SPEC.seed}`;
    const { image: old } = await glanceB.createWithData(16 * 1024, { name });
    const { image: source } = await glanceA.createWithData(32 * 1024, { name });
    made.push([glanceB, old.id], [glanceA, source.id]);
    conflicting = (await step('adopt', { cloud: 'zone-a', image_id: source.id })).image.id;
    images.push(conflicting);
    const seen = await step('sync', { image: v2, base: v1, conflicting });
    const [planned] = seen.plan.plan.targets;
    assert.equal(planned.path, 'incremental', JSON.stringify(planned));
    assert.equal(planned.incremental.from, v1);
    assert.equal(planned.incremental.base_remote_id, await remoteIn(v1, 'zone-b'));
    assert.deepEqual(seen.tasks, ['succeeded']);
    const copy = (seen.image.locations as any[]).find((l) => l.cloud === 'zone-b');
    assert.equal(copy.status, 'active');
    made.push([glanceB, copy.image_id]);
    // The copy rebuilt from the old version's is the new version, byte for byte.
    const [copied, original] = [await glanceB.get(copy.image_id), await glanceA.get(v2Glance)];
    assert.equal(copied?.os_hash_value, original?.os_hash_value);
    assert.equal(copied?.size, SPEC.size);
    assert.deepEqual(
      [seen.refused.class, seen.refused.status, seen.refused.code],
      ['Conflict', 409, 'gimming.plan.refused'],
    );
    assert.equal(seen.skip_plan.plan.targets[0].path, 'skipped', JSON.stringify(seen.skip_plan));
    assert.equal(seen.too_old.code, 'client.api_version');
    assert.match(seen.too_old.message, /incremental_from needs API microversion 1\.5/);
  });

  /** The image is active, with the checksums of `data`, and so is its copy in each of `clouds`. */
  async function activeWith(id: string, data: Buffer, clouds: Array<[string, Glance]>): Promise<void> {
    const image = await shown(id);
    const md5 = createHash('md5').update(data).digest('hex');
    const sha512 = createHash('sha512').update(data).digest('hex');
    assert.deepEqual(
      [image.status, image.size, image.checksum, image.os_hash_value],
      ['active', data.length, md5, sha512],
    );
    assert.deepEqual(
      (image.locations as any[]).map((l) => l.cloud).sort(),
      clouds.map(([c]) => c),
    );
    for (const [cloud, glance] of clouds) {
      const remote = await remoteIn(id, cloud);
      made.push([glance, remote]);
      const copy = await glance.get(remote);
      assert.deepEqual([copy?.status, copy?.checksum, copy?.os_hash_value], ['active', md5, sha512], cloud);
    }
  }

  it('resumes an upload its connection dropped mid-way, on its own, from the offset staged (1.6)', async () => {
    const file = join(home, 'resumed.raw');
    const data = randomBytes(24 * MiB + 5);
    writeFileSync(file, data);
    const proxy = await cuttingProxy(new URL(stack.api), 12 * MiB, PROXY_PORT);
    let seen: any;
    try {
      seen = await step('upload', {
        name: `py-resumed-${SPEC.seed}`,
        targets: ['zone-a', 'zone-b'],
        file,
        endpoint: `http://127.0.0.1:${PROXY_PORT}`,
      });
    } finally {
      proxy.server.close();
      rmSync(file, { force: true });
    }
    images.push(seen.id);
    assert.equal(proxy.cuts(), 1, 'the proxy cut the upload once');
    assert.equal(proxy.ranges.length, 1, 'one resumed PUT');
    const from = Number(/^bytes (\d+)-/.exec(proxy.ranges[0]!)![1]);
    assert.ok(from > 0 && from <= 12 * MiB, `resumed from byte ${from}`);
    assert.equal(proxy.ranges[0], `bytes ${from}-${data.length - 1}/${data.length}`);
    assert.deepEqual(seen.result, { deduplicated_from: null, resumed_from: [from] });
    assert.equal(seen.progress, data.length);
    assert.deepEqual(seen.state, { state: 'complete', offset: data.length, length: data.length });
    assert.deepEqual(seen.tasks, ['succeeded', 'succeeded']);
    await activeWith(seen.id, data, [
      ['zone-a', glanceA],
      ['zone-b', glanceB],
    ]);
  });

  it('links an upload whose sha256 the client computed to the same data staged (1.6)', async () => {
    const file = join(home, 'dedup.raw');
    const data = randomBytes(4 * MiB);
    writeFileSync(file, data);
    const seen = await step('dedup', { name: `py-dedup-${SPEC.seed}`, file });
    rmSync(file, { force: true });
    images.push(seen.first, seen.second);
    assert.deepEqual(seen.sent, { deduplicated_from: null, resumed_from: [] });
    assert.deepEqual(seen.linked, { deduplicated_from: seen.first, resumed_from: [] });
    assert.deepEqual(seen.tasks, ['succeeded', 'succeeded']);
    await activeWith(seen.second, data, [['zone-a', glanceA]]);
    await activeWith(seen.first, data, [['zone-a', glanceA]]);
  });

  it('creates images with on_conflict (1.7), through the library and openstack gimming image create', async () => {
    const name = `py-create-conflict-${SPEC.seed}`;
    const { image: old } = await glanceB.createWithData(16 * 1024, { name });
    made.push([glanceB, old.id]);
    const file = join(home, 'small.raw');
    const data = randomBytes(64 * 1024);
    writeFileSync(file, data);
    const seen = await step('conflict', { name, file });
    assert.deepEqual(
      [seen.refused.class, seen.refused.status, seen.refused.code],
      ['Conflict', 409, 'gimming.plan.refused'],
      'zone-b holds an image of the name: refused by default',
    );
    images.push(seen.image.id);
    assert.deepEqual(
      (seen.image.locations as any[]).map((l) => l.cloud),
      ['zone-a'],
      'zone-b skipped',
    );
    assert.deepEqual(seen.upload, { deduplicated_from: null, resumed_from: [] });
    assert.deepEqual(seen.tasks, ['succeeded']);
    await activeWith(seen.image.id, data, [['zone-a', glanceA]]);
    assert.equal(seen.too_old.code, 'client.api_version');
    assert.match(seen.too_old.message, /^on_conflict on create needs API microversion 1\.7/);
    assert.equal((await glanceB.get(old.id))?.name, name, 'the old image is untouched');
    // The plugin: refused without --on-conflict, zone-b skipped with it.
    const osName = `py-osc-conflict-${SPEC.seed}`;
    const { image: oscOld } = await glanceB.createWithData(16 * 1024, { name: osName });
    made.push([glanceB, oscOld.id]);
    const args = ['image', 'create', osName, '--target', 'zone-a', '--target', 'zone-b', '--file', file];
    const refused = await openstack([...args, '-f', 'json']);
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(refused.stderr, /on_conflict skip, rename or replace.*\(HTTP 409\) \(Request-ID: req-/);
    const created = await openstack([...args, '--on-conflict', 'zone-b=skip', '--wait', '-f', 'json']);
    assert.equal(created.code, 0, created.stderr);
    const shownByOsc = JSON.parse(created.stdout);
    images.push(shownByOsc.id);
    assert.equal(shownByOsc.status, 'active');
    assert.deepEqual(shownByOsc.locations, [`zone-a: active (${await remoteIn(shownByOsc.id, 'zone-a')})`]);
    await activeWith(shownByOsc.id, data, [['zone-a', glanceA]]);
    rmSync(file, { force: true });
  });

  it('manages webhooks: create, list, show, ping delivered and signed, deliveries, delete', async () => {
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const seen = await step('webhooks', { url });
    assert.equal(seen.created.url, url);
    assert.ok(seen.created.secret, 'the secret, shown once');
    assert.equal(seen.shown.secret, undefined, 'and never again');
    assert.ok(seen.listed.includes(seen.created.id));
    assert.equal(seen.ping.event_type, 'gimming.webhook.ping');
    assert.ok(seen.delivered.length >= 1, JSON.stringify(seen.all));
    const ping = received.find((r) => r.raw.includes('gimming.webhook.ping'));
    assert.ok(ping, 'the receiver got the ping');
    const signature = `sha256=${createHmac('sha256', seen.created.secret).update(ping.raw).digest('hex')}`;
    assert.equal(ping.headers['x-gimming-signature'], signature);
    assert.deepEqual([seen.gone.class, seen.gone.code], ['NotFound', 'gimming.webhook.not_found']);
    // The plugin's webhook commands, beside gimming's.
    const made = await openstack([
      'webhook',
      'create',
      url,
      '--name',
      'osc-hook',
      '--event-type',
      'image.*',
      '-f',
      'json',
    ]);
    assert.equal(made.code, 0, made.stderr);
    const hook = JSON.parse(made.stdout);
    assert.ok(hook.secret);
    assert.equal(hook.event_types, 'image.*');
    assert.deepEqual(
      (await parity(['webhook', 'list'])).map((w: any) => [w.ID, w.Name, w['Event Types']]),
      [[hook.id, 'osc-hook', 'image.*']],
    );
    assert.equal((await parity(['webhook', 'show', hook.id])).url, url);
    const pinged = await openstack(['webhook', 'ping', hook.id, '-f', 'json']);
    assert.equal(JSON.parse(pinged.stdout).event_type, 'gimming.webhook.ping');
    // (Not compared with gimming's: the delivery may be delivered between the two calls.)
    const deliveries = await openstack(['webhook', 'deliveries', hook.id, '--long', '-f', 'json']);
    assert.equal(deliveries.code, 0, deliveries.stderr);
    assert.deepEqual(
      JSON.parse(deliveries.stdout).map((d: any) => d['Event Type']),
      ['gimming.webhook.ping'],
    );
    const removed = await openstack(['webhook', 'delete', hook.id, 'no-such-id']);
    assert.equal(removed.code, 1);
    assert.match(removed.stderr, /^Failed to delete webhook no-such-id: /m);
    assert.deepEqual(await parity(['webhook', 'list']), []);
  });
});
