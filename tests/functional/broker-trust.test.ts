/**
 * The broker is not a trust root. The agents run with a RabbitMQ user that may publish to the heartbeat
 * exchange and nowhere else, and still register and copy. A process with full access to the broker (here
 * RabbitMQ's guest) still cannot: run an administrator's call by writing `roles: ["admin"]` into a message
 * (the conductor takes the roles from Keystone), run any call without a valid token, register an agent
 * with an unsigned or badly signed heartbeat, or replay a heartbeat it saw.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import mysql from 'mysql2/promise';
import { CallSigner } from '../../src/common/grpc/auth';
import { castAudience, signEnvelope } from '../../src/common/rpc/signed-envelope';
import type { DaemonSet } from '../support/daemons';
import { location, waitForTasks } from '../support/flows';
import { http, waitFor } from '../support/http';
import { Glance, type Token } from '../support/openstack';
import { useStack } from '../support/stack';
import type { Testbed } from '../support/testbed';

interface Envelope {
  envelope_version: string;
  method: string;
  version: string;
  args: unknown;
  context: Record<string, unknown>;
  signature?: string;
}

describe('the broker is not a trust root', function () {
  this.timeout(180000);
  let bed: Testbed;
  let daemons: DaemonSet;
  let api: string;
  let admin: Token;
  let demo: Token;
  let glanceA: Glance;
  let adminImageId: string;
  let demoImageId: string;
  let sources: string[] = [];
  const agentUser = `gimming-agent-${randomBytes(4).toString('hex')}`;
  const agentPassword = randomBytes(12).toString('hex');
  let exchange: string;
  let heartbeats: string;
  let broker: amqp.ChannelModel;

  const rabbitmqctl = (...args: string[]) => execFileSync('rabbitmqctl', args, { stdio: 'pipe' }).toString();

  const stack = useStack({
    agentEnv: {
      'zone-a': { OS_DEFAULT__TRANSPORT_URL: `rabbit://${agentUser}:${agentPassword}@127.0.0.1:5672/` },
      'zone-b': { OS_DEFAULT__TRANSPORT_URL: `rabbit://${agentUser}:${agentPassword}@127.0.0.1:5672/` },
    },
    beforeStart: (s) => {
      exchange = s.daemons.exchange;
      heartbeats = `${exchange}.conductor_heartbeats`;
      // The agents' broker user: configure and write on the heartbeat exchange, nothing else, no read.
      rabbitmqctl('add_user', agentUser, agentPassword);
      const only = `^${heartbeats.replace(/[.-]/g, '\\$&')}$`;
      rabbitmqctl('set_permissions', '-p', '/', agentUser, only, only, '^$');
    },
  });

  before(async function () {
    ({ bed, daemons, api, admin, demo } = stack);
    glanceA = stack.glance('zone-a');
    const adminGlance = stack.glance('zone-a', admin);
    const mine = (await glanceA.createWithData(64 * 1024, {})).image;
    const theirs = (await adminGlance.createWithData(64 * 1024, {})).image;
    sources = [mine.id, theirs.id];
    const adopt = async (token: string, imageId: string) => {
      const res = await http('POST', `${api}/v1/images`, {
        token,
        json: { source: { cloud: 'zone-a', image_id: imageId }, targets: [] },
      });
      assert.equal(res.status, 202, res.text);
      return res.body.id as string;
    };
    demoImageId = await adopt(demo.id, mine.id);
    adminImageId = await adopt(admin.id, theirs.id);
    broker = await amqp.connect('amqp://guest:guest@127.0.0.1:5672/');
  });

  after(async function () {
    this.timeout(60000);
    await broker?.close().catch(() => undefined);
    const adminGlance = bed && admin ? new Glance(bed.regions.RegionOne!.glance_url, admin.id) : undefined;
    for (const id of sources) await adminGlance?.delete(id).catch(() => undefined);
    try {
      rabbitmqctl('delete_user', agentUser);
    } catch {
      // already gone
    }
  });

  /** Sends `envelope` to the conductor's topic as a call, with full broker access; its reply. */
  async function rawCall(envelope: Envelope): Promise<{ result?: any; failure?: any }> {
    const ch = await broker.createChannel();
    try {
      const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true });
      const correlationId = randomUUID();
      const reply = new Promise<{ result?: any; failure?: any }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no reply within 20 s')), 20000);
        void ch.consume(
          queue,
          (msg) => {
            if (msg?.properties.correlationId !== correlationId) return;
            clearTimeout(timer);
            resolve(JSON.parse(msg.content.toString('utf8')));
          },
          { noAck: true },
        );
      });
      ch.publish(exchange, 'conductor', Buffer.from(JSON.stringify(envelope)), {
        correlationId,
        replyTo: queue,
        contentType: 'application/json',
      });
      return await reply;
    } finally {
      await ch.close().catch(() => undefined);
    }
  }

  const envelope = (method: string, args: unknown, context: Record<string, unknown>): Envelope => ({
    envelope_version: '1.1',
    method,
    version: '1.5',
    args,
    context: { request_id: `req-${randomUUID()}`, ...context },
  });

  async function agentHosts(): Promise<string[]> {
    const c = await mysql.createConnection({ host: '127.0.0.1', user: 'root', database: daemons.dbName });
    try {
      const [rows] = await c.query('SELECT host FROM agents');
      return (rows as Array<{ host: string }>).map((r) => r.host);
    } finally {
      await c.end();
    }
  }

  it('lets agents whose broker user may only publish heartbeats register and copy', async () => {
    const clouds = await http('GET', `${api}/v1/clouds`, { token: demo.id });
    assert.deepEqual(
      clouds.body.clouds.map((c: any) => c.agents_up),
      [1, 1],
    );
    const res = await http('POST', `${api}/v1/images/${demoImageId}/sync`, {
      token: demo.id,
      json: { targets: ['zone-b'] },
    });
    assert.equal(res.status, 202, res.text);
    const tasks = await waitForTasks(api, demo.id, demoImageId);
    assert.ok(
      tasks.every((t) => t.status === 'succeeded'),
      JSON.stringify(tasks.map((t) => t.error)),
    );
    const copy = await location(api, demo.id, demoImageId, 'zone-b');
    const glanceB = new Glance(bed.regions.RegionTwo!.glance_url, demo.id);
    assert.equal((await glanceB.get(copy.image_id))?.status, 'active');
    await glanceB.delete(copy.image_id);
  });

  it("refuses the agents' broker user anything but the heartbeat exchange, at the broker", async () => {
    const asAgent = await amqp.connect(`amqp://${agentUser}:${agentPassword}@127.0.0.1:5672/`);
    try {
      const ch = await asAgent.createConfirmChannel();
      const closed = new Promise<Error>((resolve) => ch.on('error', resolve));
      ch.publish(exchange, 'conductor', Buffer.from(JSON.stringify(envelope('list_images', {}, {}))));
      const err = await closed;
      assert.match(err.message, /ACCESS_REFUSED/);
      assert.match(err.message, new RegExp(`exchange '${exchange}'`));
    } finally {
      await asAgent.close().catch(() => undefined);
    }
  });

  it('takes roles, project and user from Keystone, not from the message', async () => {
    // demo's real token, dressed up as an administrator of admin's project.
    const forged = envelope(
      'list_images',
      { limit: 100 },
      {
        auth_token: demo.id,
        user_id: admin.userId,
        project_id: admin.projectId,
        roles: ['admin', 'member', 'reader'],
      },
    );
    const reply = await rawCall(forged);
    assert.equal(reply.failure, undefined, JSON.stringify(reply.failure));
    const ids = (reply.result.items as any[]).map((i) => i.id);
    assert.ok(ids.includes(demoImageId), "demo's own image is listed");
    assert.ok(!ids.includes(adminImageId), "admin's private image is not: the roles were demo's");
    // An administrator's call, with demo's token: refused by the policy, nothing deleted.
    const del = await rawCall(
      envelope('delete_cloud', { cloud: 'zone-b' }, { auth_token: demo.id, roles: ['admin'] }),
    );
    assert.equal(del.failure?.status, 403, JSON.stringify(del));
    const zoneB = await http('GET', `${api}/v1/clouds/zone-b`, { token: admin.id });
    assert.equal(zoneB.status, 200);
  });

  it('runs no call without a valid token, whatever the message claims', async () => {
    for (const context of [
      { roles: ['admin'], project_id: admin.projectId, user_id: admin.userId },
      { roles: ['admin'], auth_token: 'gAAAAAnot-a-token', project_id: admin.projectId },
    ]) {
      const reply = await rawCall(envelope('list_images', { limit: 100 }, context));
      assert.equal(reply.result, undefined, 'the forged call was served');
      assert.equal(reply.failure.status, 401, JSON.stringify(reply.failure));
      assert.match(reply.failure.code, /^gimming\.(rpc\.unauthenticated|auth\.invalid_token)$/);
    }
    const refused = daemons
      .logLines('conductor')
      .filter((l) => l.message === 'rpc refused: sender not authenticated');
    assert.ok(refused.length >= 2);
  });

  it('registers no agent from an unsigned, badly signed, replayed or misrouted heartbeat', async () => {
    const ch = await broker.createConfirmChannel();
    const heartbeat = (host: string) =>
      envelope(
        'agent_heartbeat',
        {
          host,
          zone: 'zone-a',
          address: '127.0.0.1:9',
          version: '0',
          rpc_version: '1.5',
          proto: 'gimming.agent.v2',
        },
        { roles: [] },
      );
    const publish = async (to: string, key: string, body: object) => {
      ch.publish(to, key, Buffer.from(JSON.stringify(body)), { contentType: 'application/json' });
      await ch.waitForConfirms();
    };
    const audience = castAudience(exchange, 'conductor');
    const good = (host: string) =>
      signEnvelope(new CallSigner(daemons.rpcSecret), audience, heartbeat(host) as never);
    // Unsigned, signed with another secret, signed for another deployment's conductor.
    await publish(heartbeats, '', heartbeat('rogue-unsigned'));
    await publish(
      heartbeats,
      '',
      signEnvelope(
        new CallSigner(randomBytes(32).toString('hex')),
        audience,
        heartbeat('rogue-wrong') as never,
      ),
    );
    await publish(
      heartbeats,
      '',
      signEnvelope(
        new CallSigner(daemons.rpcSecret),
        castAudience('other', 'conductor'),
        heartbeat('rogue-other') as never,
      ),
    );
    // A good one, published where the conductor's other methods are served: refused there.
    await publish(exchange, 'conductor', good('rogue-topic'));
    // A good one on the heartbeat exchange registers; the same message again is a replay.
    const seen = good('signed-agent');
    await publish(heartbeats, '', seen);
    await waitFor(
      'the signed heartbeat',
      async () => ((await agentHosts()).includes('signed-agent') ? true : undefined),
      15000,
    );
    const c = await mysql.createConnection({ host: '127.0.0.1', user: 'root', database: daemons.dbName });
    await c.query("DELETE FROM agents WHERE host = 'signed-agent'");
    await c.end();
    await publish(heartbeats, '', seen);
    await new Promise((r) => setTimeout(r, 2000));
    await ch.close();
    const hosts = await agentHosts();
    for (const rogue of ['rogue-unsigned', 'rogue-wrong', 'rogue-other', 'rogue-topic', 'signed-agent']) {
      assert.ok(!hosts.includes(rogue), `${rogue} was registered`);
    }
    const refused = daemons
      .logLines('conductor')
      .filter((l) => l.message === 'rpc refused: sender not authenticated' && l.method === 'agent_heartbeat');
    assert.ok(refused.length >= 5, `${refused.length} heartbeats refused`);
    assert.deepEqual([...new Set(refused.map((l) => l.code))].sort(), [
      'gimming.rpc.unauthenticated',
      'gimming.rpc.wrong_queue',
    ]);
  });
});
