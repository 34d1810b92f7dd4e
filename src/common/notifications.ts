/**
 * Notifications in oslo.messaging's shape, so that what listens to OpenStack services (Ceilometer,
 * Watcher, an operator's own consumer) can listen to GIMinG as it is.
 *
 * A notification is `{message_id, publisher_id, event_type, priority, payload, timestamp}` plus the
 * request's context as `_context_*` keys (without token or catalog). `[oslo_messaging_notifications]
 * driver` chooses where it goes:
 *
 * - `messagingv2`: published on the `[DEFAULT] control_exchange` topic exchange with the routing key
 *   `<topic>.<priority in lower case>` for each of `topics`, in the 2.0 envelope
 *   `{"oslo.version": "2.0", "oslo.message": "<the notification as JSON>"}`. As oslo.messaging does, the
 *   queue of that name is declared and bound too, so that nothing sent before a consumer starts is lost.
 * - `messaging`: the same without the envelope (oslo's 1.0 format, for old consumers).
 * - `log`: one log line per notification (`module: notification`).
 * - `noop` (or no driver at all): nothing.
 *
 * Sending never blocks nor fails the work that notifies: a message waits in memory while the broker is
 * away, at most `sendTimeoutMs` and `maxQueued` messages, and is then dropped with a log line. The
 * notifier has its own channel, so that a refusal from the broker cannot touch the RPC channels.
 */
import { randomUUID } from 'node:crypto';
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel } from 'amqplib';
import type { RequestContext } from './context';
import { describeError } from './errors';
import { getLogger } from './log';
import type { MessagingConnection } from './rpc/connection';

const log = getLogger('notifier');
const logDriver = getLogger('notification');

export const NOTIFICATION_DRIVERS = ['messagingv2', 'messaging', 'log', 'noop'] as const;
export type NotificationDriver = (typeof NOTIFICATION_DRIVERS)[number];

/** The priorities GIMinG sends with (oslo.messaging knows AUDIT, CRITICAL, SAMPLE and DEBUG too). */
export type Priority = 'INFO' | 'WARN' | 'ERROR';
export const PRIORITIES: readonly Priority[] = ['INFO', 'WARN', 'ERROR'];

export const ENVELOPE_VERSION = '2.0';

export type Payload = Record<string, unknown>;

export interface NotificationMessage {
  message_id: string;
  publisher_id: string;
  event_type: string;
  priority: Priority;
  payload: Payload;
  timestamp: string;
  [contextKey: `_context_${string}`]: unknown;
  _unique_id: string;
}

/** oslo's timestamp: `str(datetime.utcnow())`, for example `2025-01-31 12:34:56.789000` (UTC). */
export function osloTimestamp(date: Date): string {
  const iso = date.toISOString(); // 2025-01-31T12:34:56.789Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000`;
}

/** The context as oslo.messaging packs it into a message, redacted: no token, no catalog. */
export function contextFields(ctx: RequestContext | undefined): Record<`_context_${string}`, unknown> {
  if (!ctx) return {};
  const data = ctx.toWire(false); // never the token nor the catalog
  const fields: Record<`_context_${string}`, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    if (value === undefined || key === 'auth_token' || key === 'service_catalog') continue;
    fields[`_context_${key}`] = value;
  }
  return fields;
}

export function buildMessage(
  ctx: RequestContext | undefined,
  publisherId: string,
  eventType: string,
  priority: Priority,
  payload: Payload,
  now: Date = new Date(),
): NotificationMessage {
  return {
    message_id: randomUUID(),
    publisher_id: publisherId,
    event_type: eventType,
    priority,
    payload,
    timestamp: osloTimestamp(now),
    ...contextFields(ctx),
    _unique_id: randomUUID().replace(/-/g, ''),
  };
}

/** The 2.0 envelope messagingv2 sends. */
export function envelope(message: NotificationMessage): { 'oslo.version': string; 'oslo.message': string } {
  return { 'oslo.version': ENVELOPE_VERSION, 'oslo.message': JSON.stringify(message) };
}

/** The routing key (and default queue) of a notification on a topic. */
export function routingKey(topic: string, priority: Priority): string {
  return `${topic}.${priority.toLowerCase()}`;
}

export interface NotifierOptions {
  /** `[oslo_messaging_notifications] driver`; empty or only `noop`: notifications are off. */
  drivers: readonly string[];
  topics: readonly string[];
  /** Who sends, for example `gimming-conductor.host1`. */
  publisherId: string;
  /** Where the messaging drivers publish (its exchange is the control exchange). */
  connection?: MessagingConnection;
  /** How long a message may wait for the broker before it is dropped. */
  sendTimeoutMs?: number;
  /** How many messages may wait for the broker at once; more are dropped. */
  maxQueued?: number;
}

export class Notifier {
  private readonly drivers: ReadonlySet<NotificationDriver>;
  private channel: ChannelWrapper | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();
  private dropped = 0;
  private lastDropLog = 0;
  private closed = false;

  constructor(private readonly opts: NotifierOptions) {
    const drivers = new Set<NotificationDriver>();
    for (const d of opts.drivers) {
      if (!(NOTIFICATION_DRIVERS as readonly string[]).includes(d)) {
        throw new Error(`unknown notification driver ${d}`);
      }
      if (d !== 'noop') drivers.add(d as NotificationDriver);
    }
    this.drivers = drivers;
    const messaging = drivers.has('messagingv2') || drivers.has('messaging');
    if (messaging && opts.topics.length > 0) {
      if (!opts.connection) throw new Error('a messaging notification driver needs a connection');
      this.channel = this.openChannel(opts.connection);
    }
  }

  /** A notifier that sends nothing. */
  static noop(): Notifier {
    return new Notifier({ drivers: [], topics: [], publisherId: 'none' });
  }

  /** True when notifications go anywhere. */
  get enabled(): boolean {
    return this.drivers.size > 0;
  }

  get publisherId(): string {
    return this.opts.publisherId;
  }

  private openChannel(connection: MessagingConnection): ChannelWrapper {
    const exchange = connection.exchange;
    const queues = this.opts.topics.flatMap((t) => PRIORITIES.map((p) => routingKey(t, p)));
    const channel = connection.manager.createChannel({
      json: false,
      confirm: true,
      publishTimeout: this.opts.sendTimeoutMs ?? 10000,
      setup: async (ch: ConfirmChannel) => {
        await ch.assertExchange(exchange, 'topic', { durable: true });
        await declareDefaultQueues(connection, exchange, queues);
      },
    });
    // A failed setup is reported as an 'error' event: without a listener it would end the process.
    channel.on('error', (err: unknown) => {
      log.warn({ reason: describeError(err) }, 'notification channel error');
    });
    return channel;
  }

  info(ctx: RequestContext | undefined, eventType: string, payload: Payload): void {
    this.notify(ctx, eventType, 'INFO', payload);
  }

  warn(ctx: RequestContext | undefined, eventType: string, payload: Payload): void {
    this.notify(ctx, eventType, 'WARN', payload);
  }

  error(ctx: RequestContext | undefined, eventType: string, payload: Payload): void {
    this.notify(ctx, eventType, 'ERROR', payload);
  }

  /** Sends one notification through every driver. Never throws, never waits. */
  notify(ctx: RequestContext | undefined, eventType: string, priority: Priority, payload: Payload): void {
    if (this.drivers.size === 0 || this.closed) return;
    let message: NotificationMessage;
    try {
      message = buildMessage(ctx, this.opts.publisherId, eventType, priority, payload);
    } catch (err) {
      log.warn({ event_type: eventType, reason: describeError(err) }, 'notification not sent');
      return;
    }
    if (this.drivers.has('log')) {
      const level = priority === 'ERROR' ? 'error' : priority === 'WARN' ? 'warn' : 'info';
      logDriver[level]({ notification: message }, eventType);
    }
    if (this.channel) {
      if (this.drivers.has('messagingv2'))
        this.publish(message, Buffer.from(JSON.stringify(envelope(message))));
      if (this.drivers.has('messaging')) this.publish(message, Buffer.from(JSON.stringify(message)));
    }
  }

  private publish(message: NotificationMessage, body: Buffer): void {
    const channel = this.channel as ChannelWrapper;
    for (const topic of this.opts.topics) {
      if (channel.queueLength() >= (this.opts.maxQueued ?? 1000)) {
        this.drop(message, 'too many notifications wait for the messaging service');
        continue;
      }
      const sent = channel
        .publish(this.opts.connection?.exchange ?? '', routingKey(topic, message.priority), body, {
          contentType: 'application/json',
          contentEncoding: 'utf-8',
          persistent: true,
          messageId: message.message_id,
        })
        .catch((err: unknown) => this.drop(message, describeError(err)));
      this.inFlight.add(sent);
      void sent.finally(() => this.inFlight.delete(sent));
    }
  }

  private drop(message: NotificationMessage, reason: string): void {
    this.dropped += 1;
    // One line per notification while it is rare; at most one every 10 s when the broker is away.
    const now = Date.now();
    if (this.dropped <= 20 || now - this.lastDropLog > 10000) {
      this.lastDropLog = now;
      log.warn(
        { event_type: message.event_type, message_id: message.message_id, dropped: this.dropped, reason },
        'notification dropped',
      );
    }
  }

  /** Waits (bounded) for the notifications on their way, then closes the channel. */
  async close(graceMs = 5000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.channel) return;
    const pending = Promise.allSettled([...this.inFlight]);
    await Promise.race([pending, new Promise((r) => setTimeout(r, graceMs).unref())]);
    await this.channel.close().catch(() => undefined);
  }
}

/**
 * Declares `<topic>.<priority>` bound to the exchange, as oslo.messaging's rabbit driver does, on a
 * channel of its own: a queue that already exists with other settings (declared by a consumer) is left as
 * it is, and the broker's refusal closes only that channel.
 */
async function declareDefaultQueues(
  connection: MessagingConnection,
  exchange: string,
  queues: readonly string[],
): Promise<void> {
  const conn = connection.manager.connection;
  if (!conn) return;
  const open = async () => {
    const ch = await conn.createChannel();
    ch.on('error', () => undefined); // a refused declaration; handled below
    return ch;
  };
  let ch = await open();
  try {
    for (const queue of queues) {
      try {
        await ch.assertQueue(queue, connection.durableQueue());
        await ch.bindQueue(queue, exchange, queue);
      } catch (err) {
        log.info(
          { queue, reason: describeError(err) },
          'notification queue exists with other settings; left as it is',
        );
        ch = await open();
      }
    }
  } finally {
    await ch.close().catch(() => undefined);
  }
}
