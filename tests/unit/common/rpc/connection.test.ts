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

  it('counts the time it could not hear the broker, and that outage until a window has passed since', () => {
    const c = new MessagingConnection(url, 'x');
    open.push(c);
    assert.equal(c.deafMs(20000, 1000), 0, 'never lost: nothing missed');
    c.noteConnected(1000);
    c.noteLost(5000);
    assert.equal(c.deafMs(20000, 12000), 7000, 'away for 7 s so far');
    c.noteLost(9000); // an attempt that failed is not a new loss
    assert.equal(c.deafMs(20000, 12000), 7000);
    c.noteConnected(40000);
    assert.equal(c.deafMs(20000, 45000), 35000, 'back: the whole outage, for one window');
    assert.equal(c.deafMs(20000, 60001), 0, 'a window after: heartbeats had time to come');
    c.noteLost(70000);
    assert.equal(c.deafMs(20000, 71000), 1000, 'a new outage counts from its own start');
  });
});
