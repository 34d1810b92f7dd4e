import assert from 'node:assert/strict';
import { MessagingConnection } from '../../../../src/common/rpc/connection';
import { brokerOptions } from '../../../../src/common/rpc/transport';

describe('messaging connection options', () => {
  // Port 9 (discard) on loopback: nothing answers, and the connection is closed at once.
  const url = 'rabbit://guest:guest@127.0.0.1:9,guest:guest@127.0.0.1:10/';
  const open: MessagingConnection[] = [];
  after(async () => {
    for (const c of open) await c.close();
  });

  it('declares durable queues as quorum queues with rabbit_quorum_queue, classic ones without', () => {
    const opts = { rabbit_retry_interval: 1, rabbit_interval_max: 30 };
    const quorum = new MessagingConnection(
      url,
      'x',
      undefined,
      brokerOptions({ ...opts, rabbit_quorum_queue: true }),
    );
    const classic = new MessagingConnection(
      url,
      'x',
      undefined,
      brokerOptions({ ...opts, rabbit_quorum_queue: false }),
    );
    open.push(quorum, classic);
    assert.deepEqual(quorum.durableQueue(), { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    assert.deepEqual(quorum.durableQueue({ arguments: { 'x-max-length': 5 } }), {
      durable: true,
      arguments: { 'x-max-length': 5, 'x-queue-type': 'quorum' },
    });
    assert.deepEqual(classic.durableQueue(), { durable: true });
  });

  it('waits a jittered, doubling time between reconnections, up to rabbit_interval_max', async () => {
    const c = new MessagingConnection(
      url,
      'x',
      undefined,
      brokerOptions({ rabbit_quorum_queue: false, rabbit_retry_interval: 1, rabbit_interval_max: 4 }),
    );
    open.push(c);
    const first = Array.from({ length: 40 }, () => c.reconnectDelayMs());
    for (const d of first) assert.ok(d >= 500 && d <= 1000, String(d));
    assert.ok(new Set(first).size > 5, 'jittered');
    // What amqp-connection-manager reads before each attempt is that wait.
    const read = c.manager.reconnectTimeInSeconds;
    assert.ok(read >= 0.5 && read <= 1, String(read));
    // Failed attempts (nothing listens on either host) make it grow, up to the maximum.
    await new Promise((resolve) => {
      let n = 0;
      c.manager.on('connectFailed', () => {
        n += 1;
        if (n === 3) resolve(undefined);
      });
    });
    const later = c.reconnectDelayMs();
    assert.ok(later >= 2000 && later <= 4000, String(later));
  });
});
