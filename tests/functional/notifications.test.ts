/**
 * Notifications as an OpenStack consumer receives them: the daemons run with
 * `[oslo_messaging_notifications] driver = messagingv2`, and this test listens as Ceilometer would, with a
 * queue of its own bound to `notifications.*` on the control exchange of the real RabbitMQ. An image is
 * adopted, synced to the other Glance zone, found drifting after its copy is deleted behind GIMinG's
 * back, and deleted everywhere; another fails its copy. Each step must arrive, in order, in the oslo 2.0
 * envelope, from the conductor, with its priority and payload, and without any token or secret.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import amqp from 'amqplib';
import { RequestContext } from '../../src/common/context';
import { setupLogging } from '../../src/common/log';
import { Notifier } from '../../src/common/notifications';
import { MessagingConnection } from '../../src/common/rpc/connection';
import type { DaemonSet } from '../support/daemons';
import { AwsStandin } from '../support/aws-standin';
import { location, waitForTasks } from '../support/flows';
import { http, waitFor } from '../support/http';
import type { Glance, Token } from '../support/openstack';
import { useStack } from '../support/stack';
import type { Testbed } from '../support/testbed';

interface Received {
  routingKey: string;
  raw: string;
  envelope: Record<string, unknown>;
  msg: any;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('notifications', function () {
  this.timeout(240000);
  let bed: Testbed;
  let daemons: DaemonSet;
  let api: string;
  let admin: Token;
  let demo: Token;
  let glanceA: Glance;
  let glanceB: Glance;
  let broker: amqp.ChannelModel | undefined;
  const received: Received[] = [];
  const started = Date.now();
  // An EC2 region whose import can be told to fail: a copy that fails while it runs, which no plan foresees.
  const standin = new AwsStandin({ minDurationMs: 200, tickMs: 50 });
  before(async function () {
    this.timeout(60000);
    await standin.start();
  });
  after(async () => {
    await standin.stop();
  });

  const stack = useStack({
    agentEnv: () => ({ 'zone-b': standin.agentEnv() }),
    // The periodic refresh runs every 3 s: it finds drift by itself too.
    extraConfig: '[oslo_messaging_notifications]\ndriver = messagingv2\n[conductor]\nrefresh_interval = 3\n',
    // The consumer is there before the daemons: every notification they send must reach it.
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
          const raw = m.content.toString('utf8');
          const envelope = JSON.parse(raw) as Record<string, unknown>;
          received.push({
            routingKey: m.fields.routingKey,
            raw,
            envelope,
            msg: JSON.parse(envelope['oslo.message'] as string),
          });
        },
        { noAck: true },
      );
    },
  });

  before(() => {
    ({ bed, daemons, api, admin, demo } = stack);
    [glanceA, glanceB] = [stack.glance('zone-a'), stack.glance('zone-b')];
  });

  after(async function () {
    this.timeout(60000);
    if (broker) {
      // The default queues the conductor declared, as oslo.messaging does, keep a copy of every message
      // while nobody consumes them: deleted unless a consumer uses them (the next conductor declares them
      // again).
      for (const p of ['info', 'warn', 'error']) {
        const ch = await broker.createChannel();
        ch.on('error', () => {});
        await ch.deleteQueue(`notifications.${p}`, { ifUnused: true }).catch(() => {});
        await ch.close().catch(() => {});
      }
      await broker.close().catch(() => {});
    }
  });

  /** The notifications about one image, once `last` has arrived. */
  async function eventsOf(imageId: string, last: string): Promise<Received[]> {
    return waitFor(
      `${last} for ${imageId}`,
      async () => {
        const mine = received.filter((r) => r.msg.payload?.image_id === imageId);
        return mine.some((r) => r.msg.event_type === last) ? mine : undefined;
      },
      60000,
      200,
    );
  }

  function assertOsloShape(r: Received): void {
    assert.deepEqual(Object.keys(r.envelope).sort(), ['oslo.message', 'oslo.version']);
    assert.equal(r.envelope['oslo.version'], '2.0');
    assert.equal(typeof r.envelope['oslo.message'], 'string');
    const m = r.msg;
    assert.match(m.message_id, UUID);
    assert.equal(m.publisher_id, 'gimming-conductor.test-host');
    assert.ok(['INFO', 'WARN', 'ERROR'].includes(m.priority), m.priority);
    assert.equal(r.routingKey, `notifications.${m.priority.toLowerCase()}`);
    assert.match(m.timestamp, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
    const at = Date.parse(`${m.timestamp.replace(' ', 'T').slice(0, 23)}Z`);
    assert.ok(at >= started - 1000 && at <= Date.now() + 1000, `timestamp ${m.timestamp} is now, in UTC`);
    assert.equal(typeof m.payload, 'object');
  }

  function assertNoSecrets(r: Received): void {
    for (const secret of [
      demo.id,
      admin.id,
      bed.users.gimming.password,
      bed.users.demo.password,
      daemons.rpcSecret,
    ]) {
      assert.ok(!r.raw.includes(secret), `${r.msg.event_type} carries a secret`);
    }
    for (const key of ['auth_token', 'service_catalog', 'trust_id', 'password', 'X-Auth-Token']) {
      assert.ok(!r.raw.includes(key), `${r.msg.event_type} carries ${key}`);
    }
  }

  it('tell an adoption, its copy, a drift and a delete everywhere, in order', async () => {
    const { image: source } = await glanceA.createWithData(64 * 1024);
    const created = await http('POST', `${api}/v1/images`, {
      token: demo.id,
      json: { source: { cloud: 'zone-a', image_id: source.id }, targets: ['zone-b'] },
    });
    assert.equal(created.status, 202, created.text);
    const id = created.body.id as string;
    const requestId = created.headers.get('x-openstack-request-id');
    const [task] = await waitForTasks(api, demo.id, id);
    assert.equal(task.status, 'succeeded', JSON.stringify(task.error));
    const copyId = (await location(api, demo.id, id, 'zone-b')).image_id as string;

    // Deleted behind GIMinG's back, then found by a refresh.
    await glanceB.delete(copyId);
    const refreshed = await http('POST', `${api}/v1/images/${id}/refresh`, { token: demo.id });
    assert.equal(refreshed.status, 200, refreshed.text);
    assert.equal(refreshed.body.locations.find((l: any) => l.cloud === 'zone-b').status, 'missing');
    // A second refresh finds nothing new: the drift is told once.
    assert.equal((await http('POST', `${api}/v1/images/${id}/refresh`, { token: demo.id })).status, 200);

    const deleted = await http('DELETE', `${api}/v1/images/${id}?delete_remote=true`, { token: demo.id });
    assert.equal(deleted.status, 202, deleted.text);
    const events = await eventsOf(id, 'gimming.image.delete');
    await new Promise((r) => setTimeout(r, 500)); // nothing may follow the last one
    const all = received.filter((r) => r.msg.payload?.image_id === id);
    assert.equal(all.length, events.length, 'nothing after gimming.image.delete');

    const types = all.map((r) => r.msg.event_type);
    assert.deepEqual(types.slice(0, 4), [
      'gimming.image.create',
      'gimming.image.sync.start',
      'gimming.image.sync.end',
      'gimming.image.drift',
    ]);
    assert.equal(types[types.length - 1], 'gimming.image.delete');
    // One delete task per copy, each started before it ended; the two run side by side.
    const deletes = all.slice(4, -1);
    assert.deepEqual(deletes.map((r) => r.msg.event_type).sort(), [
      'gimming.location.delete.end',
      'gimming.location.delete.end',
      'gimming.location.delete.start',
      'gimming.location.delete.start',
    ]);
    for (const cloud of ['zone-a', 'zone-b']) {
      assert.deepEqual(
        deletes.filter((r) => r.msg.payload.cloud === cloud).map((r) => r.msg.event_type),
        ['gimming.location.delete.start', 'gimming.location.delete.end'],
        cloud,
      );
    }

    for (const r of all) {
      assertOsloShape(r);
      assertNoSecrets(r);
      assert.equal(r.msg.priority, r.msg.event_type === 'gimming.image.drift' ? 'WARN' : 'INFO');
      assert.equal(r.msg.payload.owner, demo.projectId);
      assert.equal(r.msg.payload.name, source.name);
      assert.equal(r.msg.payload.size, 64 * 1024);
      assert.equal(r.msg.payload.checksum, source.checksum);
      assert.equal(r.msg.payload.os_hash_value, source.os_hash_value);
      assert.equal(r.msg._context_project_id, demo.projectId);
      assert.equal(r.msg._context_user_id, demo.userId);
    }
    assert.equal(new Set(all.map((r) => r.msg.message_id)).size, all.length, 'one message_id each');

    const [create, start, end, drift] = all.map((r) => r.msg);
    assert.equal(create._context_request_id, requestId, 'the request that made the image');
    assert.equal(create.payload.source_cloud, 'zone-a');
    assert.equal(create.payload.source_image_id, source.id);
    assert.equal(create.payload.status, 'active');
    assert.deepEqual(create.payload.targets, ['zone-b']);
    assert.deepEqual(create.payload.task_ids, [task.id]);

    for (const m of [start, end]) {
      assert.equal(m.payload.task_id, task.id);
      assert.equal(m.payload.task_type, 'copy');
      assert.equal(m.payload.cloud, 'zone-b');
      assert.equal(m.payload.region_name, 'RegionTwo');
      assert.equal(m.payload.source_cloud, 'zone-a');
      assert.equal(m.payload.request_id, requestId);
    }
    assert.equal(start.payload.status, 'running');
    assert.equal(end.payload.status, 'succeeded');
    assert.equal(end.payload.remote_id, copyId);
    assert.equal(end.payload.bytes, 64 * 1024);
    assert.equal(end.payload.attempts, 1);

    assert.equal(drift.payload.cloud, 'zone-b');
    assert.equal(drift.payload.remote_id, copyId);
    assert.equal(drift.payload.previous_status, 'active');
    assert.equal(drift.payload.status, 'missing');
    assert.equal(drift.payload.found, null);
    // Found by the refresh asked for, unless the periodic refresh came first.
    assert.equal(typeof drift.payload.periodic, 'boolean');

    const ends = Object.fromEntries(
      deletes
        .filter((r) => r.msg.event_type === 'gimming.location.delete.end')
        .map((r) => [r.msg.payload.cloud, r.msg.payload]),
    );
    assert.equal(ends['zone-a'].remote_id, source.id);
    assert.equal(ends['zone-a'].existed, true);
    assert.equal(ends['zone-b'].remote_id, copyId);
    assert.equal(ends['zone-b'].existed, false, 'the copy was already gone');
    const gone = all[all.length - 1]!.msg;
    assert.equal(gone.payload.status, 'deleted');
    assert.equal(gone.payload.deleted_copies, true);
    assert.equal(await glanceA.get(source.id), undefined, 'the work was done');
  });

  it('tell nothing of a sync the plan refuses (its only source gone), and an image forgotten', async () => {
    const { image: source } = await glanceA.createWithData(32 * 1024);
    const created = await http('POST', `${api}/v1/images`, {
      token: demo.id,
      json: { source: { cloud: 'zone-a', image_id: source.id }, targets: [] },
    });
    assert.equal(created.status, 202, created.text);
    const id = created.body.id as string;
    await glanceA.delete(source.id); // the only copy goes: the sync cannot read it
    // The planner reads the source before anything is queued: refused, no task (before the planner this
    // was a copy task that failed, told as gimming.image.sync.error).
    const sync = await http('POST', `${api}/v1/images/${id}/sync`, {
      token: demo.id,
      json: { targets: ['zone-b'] },
    });
    assert.equal(sync.status, 409, sync.text);
    assert.equal(sync.body.error.code, 'gimming.plan.refused');
    const tasks = await http('GET', `${api}/v1/tasks?image_id=${id}`, { token: demo.id });
    assert.deepEqual(tasks.body.tasks, []);
    assert.equal((await http('DELETE', `${api}/v1/images/${id}`, { token: demo.id })).status, 204);

    // (The periodic refresh may find the source gone meanwhile: its drift is not what this test looks at.)
    const all = (await eventsOf(id, 'gimming.image.delete')).filter(
      (r) => r.msg.event_type !== 'gimming.image.drift',
    );
    assert.deepEqual(
      all.map((r) => [r.msg.event_type, r.msg.priority, r.routingKey]),
      [
        ['gimming.image.create', 'INFO', 'notifications.info'],
        ['gimming.image.delete', 'INFO', 'notifications.info'],
      ],
    );
    for (const r of all) {
      assertOsloShape(r);
      assertNoSecrets(r);
    }
    assert.deepEqual(all[0]!.msg.payload.task_ids, [], 'nothing queued at adoption');
    const forgotten = all[1]!.msg.payload;
    assert.equal(forgotten.deleted_copies, false);
    assert.equal(forgotten.copies_left, 1);
  });

  it('tell a copy that fails while it runs with ERROR and its error (EC2 refuses the import)', async () => {
    const registered = await http('POST', `${api}/v1/clouds`, {
      token: admin.id,
      json: {
        name: 'ec2-east',
        type: 'aws',
        region_name: 'us-east-1',
        zone: 'zone-b',
        bucket: standin.bucket('operator', 'us-east-1'),
      },
    });
    assert.equal(registered.status, 201, registered.text);
    await waitFor(
      'the aws cloud to show its capabilities',
      async () => {
        const res = await http('GET', `${api}/v1/clouds/ec2-east`, { token: admin.id });
        return res.body?.capabilities ?? undefined;
      },
      60000,
    );
    const { image: source } = await glanceA.createWithData(1024 * 1024, {
      disk_format: 'raw',
      container_format: 'bare',
    });
    const reason = 'ClientError: Disk validation failed';
    await standin.control('POST', 'faults', { task: 'import', region: 'us-east-1', statusMessage: reason });
    const created = await http('POST', `${api}/v1/images`, {
      token: demo.id,
      json: { source: { cloud: 'zone-a', image_id: source.id }, targets: [] },
    });
    assert.equal(created.status, 202, created.text);
    const id = created.body.id as string;
    const sync = await http('POST', `${api}/v1/images/${id}/sync`, {
      token: demo.id,
      json: { targets: ['ec2-east'] },
    });
    assert.equal(sync.status, 202, sync.text);
    const [task] = await waitForTasks(api, demo.id, id, 120000);
    assert.equal(task.status, 'failed', JSON.stringify(task));
    assert.equal((await http('DELETE', `${api}/v1/images/${id}`, { token: demo.id })).status, 204);
    await glanceA.delete(source.id);

    const all = (await eventsOf(id, 'gimming.image.delete')).filter(
      (r) => r.msg.event_type !== 'gimming.image.drift',
    );
    assert.deepEqual(
      all.map((r) => [r.msg.event_type, r.msg.priority, r.routingKey]),
      [
        ['gimming.image.create', 'INFO', 'notifications.info'],
        ['gimming.image.sync.start', 'INFO', 'notifications.info'],
        ['gimming.image.sync.error', 'ERROR', 'notifications.error'],
        ['gimming.image.delete', 'INFO', 'notifications.info'],
      ],
    );
    for (const r of all) {
      assertOsloShape(r);
      assertNoSecrets(r);
    }
    const error = all[2]!.msg.payload;
    assert.equal(error.task_id, task.id);
    assert.equal(error.status, 'failed');
    assert.equal(error.cloud, 'ec2-east');
    assert.equal(error.error_code, task.error.code);
    assert.equal(error.error_message, task.error.message);
    assert.match(error.error_code, /^gimming\./);
    assert.ok(error.error_message.includes(reason), error.error_message);
  });

  it('tell a drift the periodic refresh found, as the service user', async () => {
    const { image: source } = await glanceA.createWithData(16 * 1024);
    const created = await http('POST', `${api}/v1/images`, {
      token: demo.id,
      json: { source: { cloud: 'zone-a', image_id: source.id }, targets: ['zone-b'] },
    });
    assert.equal(created.status, 202, created.text);
    const id = created.body.id as string;
    const [task] = await waitForTasks(api, demo.id, id);
    assert.equal(task.status, 'succeeded', JSON.stringify(task.error));
    const copyId = (await location(api, demo.id, id, 'zone-b')).image_id as string;
    await glanceB.delete(copyId); // nobody asks for a refresh
    const drift = (await eventsOf(id, 'gimming.image.drift')).find(
      (r) => r.msg.event_type === 'gimming.image.drift',
    )!;
    assertOsloShape(drift);
    assertNoSecrets(drift);
    assert.equal(drift.msg.priority, 'WARN');
    assert.equal(drift.routingKey, 'notifications.warn');
    assert.equal(drift.msg.payload.periodic, true);
    assert.equal(drift.msg.payload.cloud, 'zone-b');
    assert.equal(drift.msg.payload.remote_id, copyId);
    assert.equal(drift.msg.payload.status, 'missing');
    assert.equal(drift.msg.payload.owner, demo.projectId);
    assert.equal(drift.msg._context_user_name, bed.users.gimming.username, 'run as the service user');
    assert.equal(
      (await http('DELETE', `${api}/v1/images/${id}?delete_remote=true`, { token: demo.id })).status,
      202,
    );
    await eventsOf(id, 'gimming.image.delete');
  });

  it('leave the RPC working and the conductor quiet about notifications', async () => {
    const res = await http('GET', `${api}/v1/images`, { token: demo.id });
    assert.equal(res.status, 200);
    const lines = daemons.logLines('conductor');
    assert.ok(lines.some((l) => l.message === 'gimming-conductor started' && l.notifications !== 'off'));
    assert.deepEqual(
      lines.filter((l) => l.module === 'notifier' && l.level !== 'info').map((l) => l.message),
      [],
      'no notification dropped or refused',
    );
  });
});

describe('the notifier against RabbitMQ', function () {
  this.timeout(60000);
  const exchange = `gimming-test-${randomBytes(4).toString('hex')}`;
  const topic = `notifications_test_${randomBytes(4).toString('hex')}`;
  let broker: amqp.ChannelModel;
  const lines: any[] = [];

  before(async () => {
    broker = await amqp.connect('amqp://guest:guest@127.0.0.1:5672/');
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk
          .toString()
          .split('\n')
          .filter((x) => x))
          lines.push(JSON.parse(l));
        done();
      },
    });
    setupLogging('test', false, sink);
  });

  after(async () => {
    setupLogging('test', false);
    const ch = await broker.createChannel();
    for (const p of ['info', 'warn', 'error']) await ch.deleteQueue(`${topic}.${p}`).catch(() => {});
    await ch.deleteExchange(exchange).catch(() => {});
    await broker.close();
  });

  it('leaves a queue a consumer declared otherwise as it is, and the connection unharmed', async () => {
    // A consumer declared <topic>.info first, with settings of its own (not durable, a length limit).
    const ch = await broker.createChannel();
    await ch.assertExchange(exchange, 'topic', { durable: true });
    await ch.assertQueue(`${topic}.info`, { durable: false, arguments: { 'x-max-length': 100 } });
    await ch.bindQueue(`${topic}.info`, exchange, `${topic}.info`);
    const mine = (await ch.assertQueue('', { exclusive: true })).queue;
    await ch.bindQueue(mine, exchange, `${topic}.*`);

    const connection = new MessagingConnection('rabbit://guest:guest@127.0.0.1:5672/', exchange);
    const notifier = new Notifier({
      drivers: ['messagingv2'],
      topics: [topic],
      publisherId: 'gimming-conductor.t',
      connection,
    });
    // Another channel of the same connection, as the RPC's are.
    const other = connection.manager.createChannel({ json: false });
    try {
      const ctx = RequestContext.forService();
      notifier.info(ctx, 'gimming.test.one', { n: 1 });
      notifier.warn(ctx, 'gimming.test.two', { n: 2 });
      const got: string[] = [];
      await waitFor('two notifications', async () => {
        const m = await ch.get(mine, { noAck: true });
        if (m) got.push(JSON.parse(JSON.parse(m.content.toString())['oslo.message']).event_type);
        return got.length === 2 ? got : undefined;
      });
      assert.deepEqual(got, ['gimming.test.one', 'gimming.test.two']);
      const info = await ch.checkQueue(`${topic}.info`);
      assert.equal(info.messageCount, 1, "the consumer's queue got its copy");
      const warn = await ch.checkQueue(`${topic}.warn`); // declared by the notifier
      assert.equal(warn.messageCount, 1);
      assert.ok(connection.isConnected(), 'the connection is still up');
      await other.publish(exchange, 'nowhere', Buffer.from('x'));
      assert.deepEqual(
        lines.filter((l) => l.module === 'notifier' && l.level !== 'info'),
        [],
        'nothing dropped',
      );
      assert.ok(lines.some((l) => l.message.includes('left as it is') && l.queue === `${topic}.info`));
    } finally {
      await other.close();
      await notifier.close();
      await connection.close();
    }
  });

  it('never waits for a messaging service that is away, and drops what it cannot send', async () => {
    const connection = new MessagingConnection('rabbit://guest:guest@127.0.0.1:1/', exchange);
    const notifier = new Notifier({
      drivers: ['messagingv2'],
      topics: [topic],
      publisherId: 'gimming-conductor.t',
      connection,
      sendTimeoutMs: 500,
    });
    try {
      const started = Date.now();
      for (let i = 0; i < 5; i++) notifier.info(undefined, 'gimming.test.lost', { i });
      assert.ok(Date.now() - started < 50, 'notify returns at once');
      await waitFor('the notifications to be dropped', async () =>
        lines.filter((l) => l.message === 'notification dropped').length >= 5 ? true : undefined,
      );
      const dropped = lines.filter((l) => l.message === 'notification dropped');
      assert.equal(dropped[0].event_type, 'gimming.test.lost');
      assert.ok(!JSON.stringify(dropped).includes('"i"'), 'the payload is not logged');
    } finally {
      const closing = Date.now();
      await notifier.close();
      await connection.close();
      assert.ok(Date.now() - closing < 6000, 'closing is bounded');
    }
  });
});
