import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../support/config';
import { RequestContext } from '../../../src/common/context';
import { setupLogging } from '../../../src/common/log';
import {
  Notifier,
  buildMessage,
  envelope,
  osloTimestamp,
  routingKey,
} from '../../../src/common/notifications';

const ctx = new RequestContext({
  request_id: 'req-1',
  global_request_id: 'req-0',
  user_id: 'u1',
  project_id: 'p1',
  roles: ['member'],
  auth_token: 'SECRET-TOKEN',
  service_catalog: [{ type: 'image', endpoints: [{ interface: 'public', region: 'R', url: 'http://x' }] }],
});

describe('notifications', () => {
  it("builds oslo.messaging's message, with the context but without token or catalog", () => {
    const msg = buildMessage(ctx, 'gimming-conductor.h1', 'gimming.image.create', 'INFO', { image_id: 'i' });
    assert.match(msg.message_id, /^[0-9a-f-]{36}$/);
    assert.equal(msg.publisher_id, 'gimming-conductor.h1');
    assert.equal(msg.event_type, 'gimming.image.create');
    assert.equal(msg.priority, 'INFO');
    assert.deepEqual(msg.payload, { image_id: 'i' });
    assert.match(msg.timestamp, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
    assert.equal(msg._context_request_id, 'req-1');
    assert.equal(msg._context_global_request_id, 'req-0');
    assert.equal(msg._context_project_id, 'p1');
    assert.deepEqual(msg._context_roles, ['member']);
    const text = JSON.stringify(msg);
    assert.ok(!text.includes('SECRET-TOKEN'));
    assert.ok(!text.includes('auth_token'));
    assert.ok(!text.includes('service_catalog'));
  });

  it('wraps the message in the 2.0 envelope, as a JSON string', () => {
    const msg = buildMessage(undefined, 'p', 'e', 'WARN', {});
    const env = envelope(msg);
    assert.deepEqual(Object.keys(env).sort(), ['oslo.message', 'oslo.version']);
    assert.equal(env['oslo.version'], '2.0');
    assert.deepEqual(JSON.parse(env['oslo.message']), msg);
  });

  it("uses oslo's timestamp and routing keys", () => {
    assert.equal(osloTimestamp(new Date('2025-01-31T12:34:56.789Z')), '2025-01-31 12:34:56.789000');
    assert.equal(routingKey('notifications', 'WARN'), 'notifications.warn');
    assert.equal(routingKey('notifications', 'ERROR'), 'notifications.error');
  });

  it('is off without a driver or with noop, and refuses an unknown driver', () => {
    assert.equal(Notifier.noop().enabled, false);
    assert.equal(new Notifier({ drivers: ['noop'], topics: ['n'], publisherId: 'p' }).enabled, false);
    assert.throws(() => new Notifier({ drivers: ['kafka'], topics: ['n'], publisherId: 'p' }), /kafka/);
    assert.throws(
      () => new Notifier({ drivers: ['messagingv2'], topics: ['n'], publisherId: 'p' }),
      /needs a connection/,
    );
  });

  it('logs each notification with the log driver, at its priority', () => {
    const chunks: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk.toString());
        done();
      },
    });
    setupLogging('test', false, stream);
    const notifier = new Notifier({ drivers: ['log'], topics: ['notifications'], publisherId: 'p' });
    notifier.error(ctx, 'gimming.image.sync.error', { error_code: 'x' });
    notifier.warn(ctx, 'gimming.image.drift', {});
    setupLogging('test', false);
    const lines = chunks
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.map((l) => [l.level, l.module, l.message, l.notification.priority]),
      [
        ['error', 'notification', 'gimming.image.sync.error', 'ERROR'],
        ['warn', 'notification', 'gimming.image.drift', 'WARN'],
      ],
    );
    assert.ok(!chunks.join('').includes('SECRET-TOKEN'));
  });

  it('[oslo_messaging_notifications] driver takes only known drivers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gimming-notify-'));
    try {
      const good = join(dir, 'good.conf');
      writeFileSync(good, '[oslo_messaging_notifications]\ndriver = messagingv2,log\n');
      const config = loadConfig([good], {});
      assert.deepEqual(config.oslo_messaging_notifications.driver, ['messagingv2', 'log']);
      assert.deepEqual(config.oslo_messaging_notifications.topics, ['notifications']);
      const bad = join(dir, 'bad.conf');
      writeFileSync(bad, '[oslo_messaging_notifications]\ndriver = messagingv3\n');
      assert.throws(() => loadConfig([bad], {}), /driver: "messagingv3" is not one of/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
