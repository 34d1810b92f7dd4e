/**
 * "These images changed": what a conductor tells every API process, so that each empties the answers of
 * its read cache ([api] image_cache_time) that showed them, at once rather than when they lapse.
 *
 * One fanout exchange, `<control_exchange>.image_changes`, carries small JSON messages
 * `{"images": [{"id": ..., "owner": ...}], "all": false}`; `owner` null when the writer did not know it
 * (every project's lists go), `all` when the change cannot be narrowed to images (a cloud renamed, a
 * change whose rows were not named): every answer goes. Nothing is kept for a process that is not
 * listening: each API process binds its own exclusive, auto-delete queue, and while it has none (the
 * broker away, the channel closed) its cache is empty and keeps nothing (ReadCache.offline).
 *
 * Publishing never blocks nor fails the write that changed: changes made in one turn of the event loop
 * go as one message; a message that cannot be sent is logged and dropped (the API's entries lapse by
 * themselves, image_cache_time at most).
 */
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { Channel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { describeError } from './errors';
import { getLogger } from './log';
import type { MessagingConnection } from './rpc/connection';

const log = getLogger('image-changes');

export interface ChangedImage {
  id: string;
  /** The project that owns it; null: unknown, every project's lists may show it. */
  owner: string | null;
}

export interface ImageChange {
  images: ChangedImage[];
  /** Everything may have changed. */
  all: boolean;
}

export function exchangeOf(connection: MessagingConnection): string {
  return `${connection.exchange}.image_changes`;
}

/** Declared alike by the publisher and every listener (whichever comes first). */
const EXCHANGE_OPTIONS = { durable: false, autoDelete: false } as const;

/** A message as it crossed the wire, or undefined when it is not one (then: everything changed). */
export function parseChange(body: Buffer): ImageChange | undefined {
  try {
    const data = JSON.parse(body.toString('utf8')) as { images?: unknown; all?: unknown };
    if (!Array.isArray(data.images)) return undefined;
    const images: ChangedImage[] = [];
    for (const item of data.images as Array<{ id?: unknown; owner?: unknown }>) {
      if (typeof item?.id !== 'string') return undefined;
      images.push({ id: item.id, owner: typeof item.owner === 'string' ? item.owner : null });
    }
    return { images, all: data.all === true };
  } catch {
    return undefined;
  }
}

/** The conductor's side: sends what changed, coalescing the changes of one event-loop turn. */
export class ImageChangePublisher {
  private readonly channel: ChannelWrapper;
  private pending: ImageChange | undefined;
  private closed = false;

  constructor(private readonly connection: MessagingConnection) {
    this.channel = connection.manager.createChannel({
      json: false,
      confirm: true,
      publishTimeout: 10000,
      setup: async (ch: ConfirmChannel) => {
        await ch.assertExchange(exchangeOf(connection), 'fanout', EXCHANGE_OPTIONS);
      },
    });
    this.channel.on('error', (err: unknown) => {
      log.warn({ reason: describeError(err) }, 'image change channel error');
    });
  }

  /** These images changed (after their change was committed). */
  changed(images: readonly ChangedImage[]): void {
    if (images.length > 0) this.add({ images: [...images], all: false });
  }

  /** Anything may have changed. */
  changedAll(): void {
    this.add({ images: [], all: true });
  }

  private add(change: ImageChange): void {
    if (this.closed) return;
    if (this.pending) {
      this.pending.all ||= change.all;
      if (!this.pending.all) this.pending.images.push(...change.images);
      return;
    }
    this.pending = change;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    const change = this.pending;
    this.pending = undefined;
    if (!change) return;
    const body = change.all ? { images: [], all: true } : { images: dedupe(change.images), all: false };
    this.channel
      .publish(exchangeOf(this.connection), '', Buffer.from(JSON.stringify(body)), {
        contentType: 'application/json',
        persistent: false,
      })
      .catch((err: unknown) => {
        log.warn({ reason: describeError(err), images: body.images.length }, 'image change not sent');
      });
  }

  async close(): Promise<void> {
    this.flush();
    this.closed = true;
    await this.channel.close().catch(() => undefined);
  }
}

function dedupe(images: ChangedImage[]): ChangedImage[] {
  const byId = new Map<string, ChangedImage>();
  for (const image of images) {
    const seen = byId.get(image.id);
    // Two owners known for one id cannot happen; one unknown makes it unknown (every project's lists).
    byId.set(image.id, seen && seen.owner !== image.owner ? { id: image.id, owner: null } : image);
  }
  return [...byId.values()];
}

/** What a listener tells: a change, or that it is (or is no longer) hearing every change. */
export interface ImageChangeSink {
  online(): void;
  offline(): void;
  changed(change: ImageChange): void;
}

/**
 * An API process's side: its own queue bound to the exchange, consumed while the broker is there. The
 * sink is online only from the moment the queue is consumed until its channel or connection is lost.
 */
export class ImageChangeListener {
  private channel: Channel | undefined;
  private sink: ImageChangeSink | undefined;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  private readonly onConnect = () => void this.open();
  private readonly onDisconnect = () => this.lost();

  constructor(private readonly connection: MessagingConnection) {}

  /** Starts listening for `sink` (one sink per listener). */
  listen(sink: ImageChangeSink): void {
    this.sink = sink;
    this.connection.manager.on('connect', this.onConnect);
    this.connection.manager.on('disconnect', this.onDisconnect);
    if (this.connection.manager.isConnected()) void this.open();
  }

  private async open(): Promise<void> {
    const conn = this.connection.manager.connection;
    if (this.closed || this.channel || !conn) return;
    let ch: Channel | undefined;
    try {
      ch = await conn.createChannel();
      this.channel = ch;
      const channel = ch;
      channel.on('error', (err: unknown) => {
        log.warn({ reason: describeError(err) }, 'image change listener channel error');
      });
      channel.on('close', () => {
        if (this.channel !== channel) return;
        this.lost();
        // The connection may still be there (a channel refused): open another one soon.
        if (!this.closed) this.retry = setTimeout(() => void this.open(), 1000).unref();
      });
      const exchange = exchangeOf(this.connection);
      await channel.assertExchange(exchange, 'fanout', EXCHANGE_OPTIONS);
      const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
      await channel.bindQueue(queue, exchange, '');
      await channel.consume(queue, (msg: ConsumeMessage | null) => this.received(msg), { noAck: true });
      if (this.channel === channel) this.sink?.online();
    } catch (err) {
      log.warn({ reason: describeError(err) }, 'cannot listen to image changes; the read cache stays empty');
      if (ch && this.channel === ch) {
        this.lost();
        await ch.close().catch(() => undefined);
      }
    }
  }

  private received(msg: ConsumeMessage | null): void {
    if (!msg) {
      // The broker cancelled the consumer (the queue was deleted): nothing more is heard on this channel.
      const ch = this.channel;
      this.lost();
      void ch?.close().catch(() => undefined);
      if (!this.closed) this.retry = setTimeout(() => void this.open(), 1000).unref();
      return;
    }
    this.sink?.changed(parseChange(msg.content) ?? { images: [], all: true });
  }

  private lost(): void {
    this.channel = undefined;
    this.sink?.offline();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    this.connection.manager.removeListener('connect', this.onConnect);
    this.connection.manager.removeListener('disconnect', this.onDisconnect);
    const ch = this.channel;
    this.lost();
    await ch?.close().catch(() => undefined);
  }
}
