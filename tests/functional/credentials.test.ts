/**
 * Project clouds with credentials GIMinG never stores, through the real daemons, Keystone, Barbican and
 * both Glance zones. A project registers a cloud with its own identity service (the test bed's Keystone,
 * reached as user `alt` by an application credential) whose credentials are in a Barbican secret, or are
 * given with each request; copies made there belong to `alt`'s project, which proves the credentials were
 * the ones used. Each credential is a recognisable secret: after the work, the database dump, every
 * daemon's log and every message RabbitMQ carried during the test (its firehose trace) are searched for
 * it, in plain and base64 forms, and nothing is found.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { join } from 'node:path';
import * as amqp from 'amqplib';
import { CredentialOpener } from '../../src/common/cloud-credentials/seal';
import type { DaemonSet } from '../support/daemons';
import { location, waitForTasks } from '../support/flows';
import { http, waitFor } from '../support/http';
import { Glance, type Token, issueToken } from '../support/openstack';
import { useStack } from '../support/stack';
import { REPO_ROOT, TESTBED_DIR, type Testbed } from '../support/testbed';
import { readFileSync, writeFileSync } from 'node:fs';

interface BedIds {
  auth_url: string;
  barbican_url?: string;
  users: Record<string, { user_id: string; project_id: string; password: string; username: string }>;
  roles: Record<string, string>;
}

/** The forms a secret could be written in: as is, and base64 at each of the three alignments. */
function needles(secret: string): string[] {
  const forms = [secret];
  for (let shift = 0; shift < 3; shift++) {
    const b64 = Buffer.from('x'.repeat(shift) + secret).toString('base64');
    // Drop the characters that mix with the padding or the shifted prefix.
    forms.push(b64.slice(4, -4));
  }
  return forms;
}

describe('project clouds with credentials never stored', function () {
  this.timeout(300000);
  let bed: Testbed;
  let ids: BedIds;
  let daemons: DaemonSet;
  let api: string;
  let admin: Token;
  let owner: Token; // a member and Barbican creator of project demo
  let ownerUserId = '';
  let ownerUser: Testbed['users']['demo'];
  let alt: Token;
  let glanceA: Glance;
  let altGlanceB: Glance;
  const secretCanary = `GIMMING-CANARY-${randomBytes(12).toString('hex')}`;
  const requestCanary = `GIMMING-CANARY-${randomBytes(12).toString('hex')}`;
  const appCredentials: Array<{ id: string; secret: string }> = [];
  const altCopies: string[] = [];
  let secretRef = '';
  let header = '';
  let amqpConn: amqp.ChannelModel | undefined;
  const traced: Buffer[] = [];

  const keystone = (path: string) => `${ids.auth_url.replace(/\/+$/, '')}${path}`;

  async function makeAppCredential(secret: string): Promise<{ id: string; secret: string }> {
    const res = await http('POST', keystone(`/users/${alt.userId}/application_credentials`), {
      token: alt.id,
      json: { application_credential: { name: `gimming-test-${randomBytes(4).toString('hex')}`, secret } },
    });
    assert.equal(res.status, 201, res.text);
    const made = { id: res.body.application_credential.id as string, secret };
    appCredentials.push(made);
    return made;
  }

  before(async function () {
    this.timeout(600000);
    // Barbican is not part of the default test bed: bring it up (idempotent, quick when it runs).
    execFileSync('bash', [join(REPO_ROOT, 'tools', 'testbed', 'testbed.sh'), 'up', '--barbican'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    ids = JSON.parse(readFileSync(join(TESTBED_DIR, 'testbed.json'), 'utf8')) as BedIds;
    assert.ok(ids.barbican_url, 'the test bed runs Barbican');

    // Every message RabbitMQ routes from now on is copied to amq.rabbitmq.trace (the firehose).
    execFileSync('rabbitmqctl', ['trace_on'], { stdio: 'ignore' });
    amqpConn = await amqp.connect('amqp://guest:guest@127.0.0.1:5672/');
    const channel = await amqpConn.createChannel();
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
    await channel.bindQueue(queue, 'amq.rabbitmq.trace', '#');
    await channel.consume(queue, (msg) => msg && traced.push(msg.content), { noAck: true });
  });

  const stack = useStack({
    // Short, so that a task of a killed conductor is soon taken over (through the user's trust).
    // The test bed's Keystone and Glance are on 127.0.0.1, which project clouds may not use by default.
    extraConfig: '[conductor]\ntask_lease_time = 6\n[project_clouds]\nallowed_private_networks = 127.0.0.0/8',
  });

  before(async function () {
    this.timeout(300000);
    ({ bed, daemons, api, admin, alt } = stack);

    // The owner: a user of project demo who may store Barbican secrets (role creator).
    const password = randomBytes(16).toString('hex');
    const made = await http('POST', keystone('/users'), {
      token: admin.id,
      json: {
        user: { name: `gimming-owner-${randomBytes(4).toString('hex')}`, password, domain_id: 'default' },
      },
    });
    assert.equal(made.status, 201, made.text);
    ownerUserId = made.body.user.id;
    for (const role of ['member', 'creator']) {
      const grant = await http(
        'PUT',
        keystone(`/projects/${ids.users.demo!.project_id}/users/${ownerUserId}/roles/${ids.roles[role]}`),
        { token: admin.id },
      );
      assert.equal(grant.status, 204, grant.text);
    }
    ownerUser = { ...bed.users.demo, username: made.body.user.name, password };
    owner = await issueToken(bed, ownerUser);
    glanceA = new Glance(bed.regions.RegionOne!.glance_url, owner.id);
    altGlanceB = new Glance(bed.regions.RegionTwo!.glance_url, alt.id);
  });

  after(async function () {
    this.timeout(120000);
    for (const id of altCopies) await altGlanceB.delete(id).catch(() => undefined);
    for (const cred of appCredentials) {
      await http('DELETE', keystone(`/users/${alt.userId}/application_credentials/${cred.id}`), {
        token: alt.id,
      });
    }
    if (secretRef) await http('DELETE', secretRef, { token: owner.id }).catch(() => undefined);
    if (ownerUserId) await http('DELETE', keystone(`/users/${ownerUserId}`), { token: admin.id });
    await amqpConn?.close().catch(() => undefined);
    execFileSync('rabbitmqctl', ['trace_off'], { stdio: 'ignore' });
  });

  /** Restarts zone-b's agent with `env` added, and waits until it listens again. */
  async function restartAgentB(env: Record<string, string>): Promise<void> {
    await daemons.restart('agent-zone-b', 'gimming-agent', daemons.agentEnv('zone-b', env), 'SIGTERM');
    await waitFor(
      'agent-zone-b to listen',
      () =>
        new Promise<true | undefined>((resolve) => {
          const socket = connect(stack.ports.agents['zone-b']!, '127.0.0.1');
          socket.once('connect', () => (socket.destroy(), resolve(true)));
          socket.once('error', () => resolve(undefined));
        }),
    );
  }

  /** Adopts a fresh zone-a image of project demo into `targets`; the API's answer. */
  async function adopt(targets: string[], headers: Record<string, string> = {}) {
    const { image } = await glanceA.createWithData(96 * 1024);
    return http('POST', `${api}/v1/images`, {
      token: owner.id,
      headers,
      json: { source: { cloud: 'zone-a', image_id: image.id }, targets },
    });
  }

  /** The copy in `cloud` of a finished image, as alt's Glance in zone-b shows it. */
  async function altCopy(imageId: string, cloud: string) {
    const copyId = (await location(api, owner.id, imageId, cloud)).image_id as string;
    altCopies.push(copyId);
    return altGlanceB.get(copyId);
  }

  describe('with the credentials in a Barbican secret', () => {
    const cloud = `alt-b-${randomBytes(3).toString('hex')}`;

    it('registers a project cloud with a credentials_ref the owner can read', async () => {
      const cred = await makeAppCredential(secretCanary);
      const stored = await http('POST', `${ids.barbican_url}/v1/secrets`, {
        token: owner.id,
        json: {
          name: 'gimming-test-cloud-credentials',
          payload: JSON.stringify({
            application_credential_id: cred.id,
            application_credential_secret: cred.secret,
          }),
          payload_content_type: 'text/plain',
        },
      });
      assert.equal(stored.status, 201, stored.text);
      secretRef = stored.body.secret_ref;
      const res = await http('POST', `${api}/v1/clouds`, {
        token: owner.id,
        json: {
          name: cloud,
          type: 'openstack',
          region_name: 'RegionTwo',
          zone: 'zone-b',
          scope: 'project',
          auth_url: ids.auth_url,
          credentials_ref: secretRef,
        },
      });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.body.scope, 'project');
      assert.equal(res.body.owner, owner.projectId);
      assert.equal(res.body.credentials_ref, secretRef);
      assert.equal(res.body.auth_url, ids.auth_url.replace(/\/v3$/, ''));
    });

    it('refuses a credentials_ref it cannot read, and an auth_url on an internal address', async () => {
      const base = { type: 'openstack', region_name: 'RegionTwo', zone: 'zone-b', scope: 'project' };
      const elsewhere = await http('POST', `${api}/v1/clouds`, {
        token: owner.id,
        json: {
          ...base,
          name: `x-${randomBytes(3).toString('hex')}`,
          auth_url: ids.auth_url,
          credentials_ref: 'http://203.0.113.9/v1/secrets/0a7c7f8e-8a4b-4f3e-9a0e-1d2c3b4a5f60',
        },
      });
      assert.equal(elsewhere.status, 400, elsewhere.text);
      assert.equal(elsewhere.body.error.code, 'gimming.cloud.bad_credentials_ref');
      const missing = await http('POST', `${api}/v1/clouds`, {
        token: owner.id,
        json: {
          ...base,
          name: `x-${randomBytes(3).toString('hex')}`,
          auth_url: ids.auth_url,
          credentials_ref: '0a7c7f8e-8a4b-4f3e-9a0e-1d2c3b4a5f60',
        },
      });
      assert.equal(missing.status, 400, missing.text);
      for (const authUrl of [
        'http://169.254.169.254/v3',
        'http://10.1.2.3:5000/v3',
        'http://[::ffff:192.168.0.1]/v3',
      ]) {
        const internal = await http('POST', `${api}/v1/clouds`, {
          token: owner.id,
          json: { ...base, name: `x-${randomBytes(3).toString('hex')}`, auth_url: authUrl },
        });
        assert.equal(internal.status, 400, `${authUrl}: ${internal.text}`);
        assert.equal(internal.body.error.code, 'gimming.cloud.endpoint_refused');
      }
      const shared = await http('POST', `${api}/v1/clouds`, {
        token: owner.id,
        json: { ...base, name: `x-${randomBytes(3).toString('hex')}`, scope: 'shared' },
      });
      assert.equal(shared.status, 403, 'only admins register shared clouds');
    });

    it('is seen by its project only', async () => {
      const demo = await issueToken(bed, bed.users.demo);
      assert.equal((await http('GET', `${api}/v1/clouds/${cloud}`, { token: demo.id })).status, 200);
      assert.equal((await http('GET', `${api}/v1/clouds/${cloud}`, { token: alt.id })).status, 404);
      const listed = await http('GET', `${api}/v1/clouds`, { token: alt.id });
      assert.ok(!listed.body.clouds.some((c: any) => c.name === cloud));
      const del = await http('DELETE', `${api}/v1/clouds/${cloud}`, { token: alt.id });
      assert.equal(del.status, 404);
    });

    it('has a name of its project: another project may use it, a shared cloud name may not be taken', async () => {
      const base = { type: 'openstack', region_name: 'RegionTwo', zone: 'zone-b' };
      const altsOwn = await http('POST', `${api}/v1/clouds`, {
        token: alt.id,
        json: { ...base, name: cloud, scope: 'project', auth_url: ids.auth_url },
      });
      assert.equal(altsOwn.status, 201, altsOwn.text);
      const taken = await http('POST', `${api}/v1/clouds`, {
        token: owner.id,
        json: { ...base, name: 'zone-b', scope: 'project' },
      });
      assert.equal(taken.status, 409, taken.text);
      const shared = await http('POST', `${api}/v1/clouds`, {
        token: admin.id,
        json: { ...base, name: cloud },
      });
      assert.equal(shared.status, 201, shared.text);
      // By name, each project gets its own cloud; the shared one of that name is reached by its ID.
      assert.equal(
        (await http('GET', `${api}/v1/clouds/${cloud}`, { token: owner.id })).body.owner,
        owner.projectId,
      );
      assert.equal(
        (await http('GET', `${api}/v1/clouds/${cloud}`, { token: alt.id })).body.owner,
        alt.projectId,
      );
      assert.equal(
        (await http('GET', `${api}/v1/clouds/${shared.body.id}`, { token: owner.id })).body.scope,
        'shared',
      );
      const gone = await http('DELETE', `${api}/v1/clouds/${altsOwn.body.id}`, { token: alt.id });
      assert.equal(gone.status, 204, gone.text);
      assert.equal(
        (await http('DELETE', `${api}/v1/clouds/${shared.body.id}`, { token: admin.id })).status,
        204,
      );
    });

    it('copies there with the credentials read from Barbican when the work runs', async () => {
      const res = await adopt([cloud, 'zone-b']);
      assert.equal(res.status, 202, res.text);
      const tasks = await waitForTasks(api, owner.id, res.body.id);
      for (const t of tasks) assert.equal(t.status, 'succeeded', JSON.stringify(t.error));
      const copy = await altCopy(res.body.id, cloud);
      assert.ok(copy, 'alt sees the copy in its own project');
      assert.equal(copy.owner, alt.projectId, 'made with the credentials of the secret');
      assert.equal(copy.status, 'active');
      assert.equal(copy.size, 96 * 1024);
      const mine = await location(api, owner.id, res.body.id, 'zone-b');
      assert.notEqual(mine.image_id, copy.id);
    });

    it("reads the secret through the user's trust when another conductor takes the work over", async () => {
      const agentB = daemons.process('agent-zone-b');
      const conductor = daemons.process('conductor');
      assert.ok(agentB && conductor);
      const token = await issueToken(bed, ownerUser);
      agentB.kill('SIGSTOP'); // the copy cannot start: it is still the first conductor's when it dies
      let res;
      try {
        const { image } = await glanceA.createWithData(64 * 1024);
        res = await http('POST', `${api}/v1/images`, {
          token: token.id,
          json: { source: { cloud: 'zone-a', image_id: image.id }, targets: [cloud] },
        });
        assert.equal(res.status, 202, res.text);
        await new Promise((r) => setTimeout(r, 500));
        const exited = new Promise((r) => conductor.once('exit', r));
        conductor.kill('SIGKILL');
        await exited;
      } finally {
        agentB.kill('SIGCONT');
      }
      // The request's token is gone: only the trust made with the request can read the secret now.
      const revoked = await http('DELETE', keystone('/auth/tokens'), {
        token: owner.id,
        headers: { 'X-Subject-Token': token.id },
      });
      assert.equal(revoked.status, 204, revoked.text);
      daemons.spawn('conductor', 'gimming-conductor', {});
      const [task] = await waitForTasks(api, owner.id, res.body.id, 120000);
      assert.equal(task.status, 'succeeded', JSON.stringify(task.error));
      assert.ok(task.attempts >= 2, `taken over (attempts ${task.attempts})`);
      const copy = await altCopy(res.body.id, cloud);
      assert.equal(copy.owner, alt.projectId, 'made with the credentials of the secret');
    });
    it("is refused by an agent whose own [project_clouds] rules do not allow the cloud's address", async () => {
      // zone-b's agent again, allowing only another network: the test bed's loopback Keystone is refused.
      await restartAgentB({ OS_PROJECT_CLOUDS__ALLOWED_PRIVATE_NETWORKS: '192.0.2.0/24' });
      try {
        const res = await adopt([cloud]);
        assert.equal(res.status, 202, res.text);
        const [task] = await waitForTasks(api, owner.id, res.body.id, 120000);
        assert.equal(task.status, 'failed');
        assert.equal(task.error.code, 'gimming.cloud.endpoint_refused', JSON.stringify(task.error));
        assert.match(task.error.message, /identity service 127\.0\.0\.1 is 127\.0\.0\.1 \(loopback/);
      } finally {
        await restartAgentB({});
      }
    });
  });

  describe('with the credentials given with each request', () => {
    const cloud = `alt-b-req-${randomBytes(3).toString('hex')}`;

    it('registers a project cloud with its own identity service and no secret', async () => {
      const res = await http('POST', `${api}/v1/clouds`, {
        token: owner.id,
        json: {
          name: cloud,
          type: 'openstack',
          region_name: 'RegionTwo',
          zone: 'zone-b',
          scope: 'project',
          auth_url: ids.auth_url,
        },
      });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.body.credentials_ref, null);
    });

    it('asks for the credentials when none come with the request', async () => {
      const res = await adopt([cloud]);
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.error.code, 'gimming.cloud.credentials_required');
    });

    it('refuses malformed credentials without echoing them', async () => {
      const res = await adopt([cloud], {
        'X-Cloud-Credentials': JSON.stringify({ [cloud]: { password: requestCanary } }),
      });
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.error.code, 'gimming.cloud.bad_credentials');
      assert.ok(!res.text.includes(requestCanary));
    });

    it('copies there with the credentials of the request', async () => {
      const cred = await makeAppCredential(requestCanary);
      header = Buffer.from(
        JSON.stringify({
          [cloud]: { application_credential_id: cred.id, application_credential_secret: cred.secret },
        }),
      ).toString('base64');
      const res = await adopt([cloud], { 'X-Cloud-Credentials': header });
      assert.equal(res.status, 202, res.text);
      const [task] = await waitForTasks(api, owner.id, res.body.id);
      assert.equal(task.status, 'succeeded', JSON.stringify(task.error));
      const copy = await altCopy(res.body.id, cloud);
      assert.equal(copy.owner, alt.projectId, 'made with the credentials of the request');
    });

    it("seals them for the cloud's ID and the project, with a key only the agents hold, for an hour", async () => {
      await new Promise((r) => setTimeout(r, 500)); // the last traced messages
      const parse = (body: Buffer): any => {
        try {
          return JSON.parse(body.toString('utf8'));
        } catch {
          return undefined;
        }
      };
      const calls = traced
        .map(parse)
        .filter((e) => e?.method === 'create_image' && e.context?.cloud_credentials);
      assert.ok(calls.length > 0, 'RabbitMQ carried the call with its sealed credentials');
      const sealed = JSON.parse(calls[calls.length - 1].context.cloud_credentials);
      const shown = await http('GET', `${api}/v1/clouds/${cloud}`, { token: owner.id });
      const cloudId = shown.body.id as string;
      assert.deepEqual(Object.keys(sealed), [cloudId], 'by the cloud ID the API looked the name up as');
      const blob = sealed[cloudId] as string;
      // The secret the API and the conductor share ([agent] rpc_secrets) no longer opens anything: the
      // key it gave before this change (HKDF of the secret) fails the AES-GCM tag.
      const legacy = Buffer.from(
        hkdfSync('sha256', daemons.rpcSecret, 'gimming', 'gimming-cloud-credentials-v1', 32),
      );
      const raw = Buffer.from(blob.split('.')[2] as string, 'base64url');
      assert.throws(() => {
        const d = createDecipheriv('aes-256-gcm', legacy, raw.subarray(0, 12));
        d.setAuthTag(raw.subarray(raw.length - 16));
        Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]);
      });
      // The agents' private key opens it, for this project and this cloud only.
      const opener = CredentialOpener.fromFiles([daemons.cloudCredentialsKey]);
      const opened = opener.open(blob, { projectId: owner.projectId, cloudId });
      assert.ok(opened, 'the agents open it');
      const given = JSON.parse(Buffer.from(header, 'base64').toString('utf8'))[cloud];
      assert.deepEqual(opened.value, given);
      const left = opened.expiresAt - Date.now();
      assert.ok(left > 3300_000 && left <= 3600_000, `usable for an hour by default, not ${left} ms`);
      assert.equal(opener.open(blob, { projectId: alt.projectId, cloudId }), undefined, 'another project');
      const zoneA = await http('GET', `${api}/v1/clouds/zone-a`, { token: owner.id });
      assert.equal(opener.open(blob, { projectId: owner.projectId, cloudId: zoneA.body.id }), undefined);
    });

    it('refuses credentials for a cloud the project does not know, by name or ID', async () => {
      for (const ref of ['no-such-cloud', '0a7c7f8e-8a4b-4f3e-9a0e-1d2c3b4a5f60']) {
        const res = await adopt([cloud], {
          'X-Cloud-Credentials': JSON.stringify({
            [ref]: { application_credential_id: 'i', application_credential_secret: requestCanary },
          }),
        });
        assert.equal(res.status, 400, res.text);
        assert.equal(res.body.error.code, 'gimming.cloud.bad_credentials', res.text);
        assert.ok(!res.text.includes(requestCanary));
      }
    });

    it('takes them from a file with the CLI', async () => {
      const { image } = await glanceA.createWithData(32 * 1024);
      const adopted = await http('POST', `${api}/v1/images`, {
        token: owner.id,
        json: { source: { cloud: 'zone-a', image_id: image.id }, targets: [] },
      });
      assert.equal(adopted.status, 202, adopted.text);
      const file = join(daemons.dir, 'cloud-credentials.yaml');
      writeFileSync(file, Buffer.from(header, 'base64').toString('utf8'), { mode: 0o600 });
      const cli = (args: string[]) =>
        spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'gimming'), ...args], {
          encoding: 'utf8',
          env: {
            PATH: process.env.PATH ?? '',
            OS_AUTH_URL: ids.auth_url,
            OS_TOKEN: owner.id,
            OS_PROJECT_ID: owner.projectId,
            OS_ENDPOINT_OVERRIDE: api,
          },
        });
      const without = cli(['image', 'sync', adopted.body.id, '--target', cloud]);
      assert.equal(without.status, 1, without.stderr);
      assert.match(without.stderr, /credentials/);
      const synced = cli([
        '--cloud-credentials',
        file,
        'image',
        'sync',
        adopted.body.id,
        '--target',
        cloud,
        '--wait',
        '-f',
        'json',
      ]);
      assert.equal(synced.status, 0, synced.stderr);
      const copy = await altCopy(adopted.body.id, cloud);
      assert.equal(copy.owner, alt.projectId);
    });

    it('fails the copy with a clear reason when another conductor takes it over without them', async () => {
      const agentB = daemons.process('agent-zone-b');
      const conductor = daemons.process('conductor');
      assert.ok(agentB && conductor);
      agentB.kill('SIGSTOP'); // the copy cannot start: it is still the first conductor's when it dies
      let res;
      try {
        res = await adopt([cloud], { 'X-Cloud-Credentials': header });
        assert.equal(res.status, 202, res.text);
        await new Promise((r) => setTimeout(r, 500));
        const exited = new Promise((r) => conductor.once('exit', r));
        conductor.kill('SIGKILL');
        await exited;
      } finally {
        agentB.kill('SIGCONT');
      }
      daemons.spawn('conductor', 'gimming-conductor', {});
      const [task] = await waitForTasks(api, owner.id, res.body.id, 120000);
      assert.equal(task.status, 'failed');
      assert.equal(task.error.code, 'gimming.cloud.credentials_required', JSON.stringify(task.error));
      assert.match(task.error.message, /X-Cloud-Credentials/);
    });

    it('fails the copy, with nothing left behind, when the credentials are refused', async () => {
      const before = (await altGlanceB.list()).length;
      const wrong = {
        application_credential_id: appCredentials[0]!.id,
        application_credential_secret: 'wrong',
      };
      const res = await adopt([cloud], { 'X-Cloud-Credentials': JSON.stringify({ [cloud]: wrong }) });
      assert.equal(res.status, 202, res.text);
      const [task] = await waitForTasks(api, owner.id, res.body.id);
      assert.equal(task.status, 'failed');
      assert.equal(task.error.code, 'gimming.cloud.credentials_refused');
      assert.equal((await altGlanceB.list()).length, before, 'no image made in the cloud');
    });
  });

  describe('afterwards', () => {
    it('finds neither secret in the database, any log, or any message RabbitMQ carried', async () => {
      const dump = execFileSync(
        'mysqldump',
        ['-h', '127.0.0.1', '-u', 'root', '--skip-extended-insert', daemons.dbName],
        { maxBuffer: 256 * 1024 * 1024 },
      ).toString('utf8');
      const logs = daemons.names.map((name) => ({ name, text: daemons.logText(name) }));
      await new Promise((r) => setTimeout(r, 500)); // the last traced messages
      const messages = Buffer.concat(traced).toString('utf8');
      // The searches can find what is there: the dump has the clouds, the logs the tasks, the trace the
      // RPC calls of this test.
      assert.ok(dump.includes(secretRef), 'the dump holds the secret reference');
      assert.ok(
        logs.some((l) => l.text.includes('task')),
        'the logs are there',
      );
      assert.ok(traced.length > 20 && messages.includes('create_image'), `traced ${traced.length} messages`);
      for (const secret of [secretCanary, requestCanary, header]) {
        for (const needle of needles(secret)) {
          assert.ok(!dump.includes(needle), 'not in the database');
          for (const l of logs) assert.ok(!l.text.includes(needle), `not in the ${l.name} log`);
          assert.ok(!messages.includes(needle), 'not in any RabbitMQ message');
        }
      }
    });
  });
});
