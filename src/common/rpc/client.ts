/**
 * RPC client: `call` (request/reply with a timeout) and `cast` (fire and forget) to a topic.
 *
 * Replies come back on one exclusive queue per client, re-declared under the same name after a reconnect.
 */
import { randomUUID } from 'node:crypto';
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import type { RequestContext } from '../context';
import { GimmingError, unavailable } from '../errors';
import { getLogger } from '../log';
import type { MessagingConnection } from './connection';
import type { CallSigner } from '../grpc/auth';
import { ENVELOPE_VERSION, encode, type RpcEnvelope, type RpcReply } from './envelope';
import { castAudience, castEnvelope } from './signed-envelope';

const log = getLogger('rpc.client');

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
  method: string;
}

export interface CallOptions {
  version: string;
  timeoutMs?: number;
}

export interface CastOptions {
  version: string;
  /** Persistent casts survive a broker restart; they must not carry secrets (the context is stripped). */
  persistent?: boolean;
  /** Drop the message if nobody consumed it within this many milliseconds. */
  expirationMs?: number;
}

export class RpcClient {
  private readonly channel: ChannelWrapper;
  private readonly replyQueue = `gimming.reply.${randomUUID()}`;
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly connection: MessagingConnection,
    private readonly topic: string,
    private readonly defaultTimeoutMs: number,
    /** Signs this client's casts (which carry no token), so that the server knows a daemon sent them. */
    private readonly castSigner: CallSigner | null = null,
  ) {
    this.channel = connection.manager.createChannel({
      json: false,
      setup: async (ch: ConfirmChannel) => {
        await ch.assertExchange(connection.exchange, 'topic', { durable: true });
        await ch.assertQueue(this.replyQueue, { exclusive: true, autoDelete: true, durable: false });
        await ch.consume(this.replyQueue, (msg) => this.onReply(msg), { noAck: true });
      },
    });
  }

  /** The timeout of a call that names none. */
  get timeoutMs(): number {
    return this.defaultTimeoutMs;
  }

  private onReply(msg: ConsumeMessage | null): void {
    if (!msg) return;
    const id = msg.properties.correlationId as string | undefined;
    const pending = id ? this.pending.get(id) : undefined;
    if (!id || !pending) return; // a reply after its timeout
    this.pending.delete(id);
    clearTimeout(pending.timer);
    let reply: RpcReply;
    try {
      reply = JSON.parse(msg.content.toString('utf8')) as RpcReply;
    } catch {
      pending.reject(unavailable('gimming.rpc.bad_reply', `Malformed reply to ${pending.method}.`));
      return;
    }
    if (reply.failure) pending.reject(GimmingError.fromWire(reply.failure));
    else pending.resolve(reply.result);
  }

  /** Sends a request and waits for its reply. The context travels whole, token included. */
  async call<T>(ctx: RequestContext, method: string, args: unknown, opts: CallOptions): Promise<T> {
    const correlationId = randomUUID();
    const timeoutMs = opts.timeoutMs ?? this.defaultTimeoutMs;
    const envelope: RpcEnvelope = {
      envelope_version: ENVELOPE_VERSION,
      method,
      version: opts.version,
      args,
      context: ctx.toWire(true),
    };
    const result = new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(
          unavailable(
            'gimming.rpc.timeout',
            `No reply from the ${this.topic} service to ${method} within ${Math.round(timeoutMs / 1000)} s.`,
          ),
        );
      }, timeoutMs);
      this.pending.set(correlationId, { resolve: resolve as (v: unknown) => void, reject, timer, method });
    });
    this.channel
      .publish(this.connection.exchange, this.topic, encode(envelope), {
        correlationId,
        replyTo: this.replyQueue,
        contentType: 'application/json',
        // Calls carry the user's token: never written to the broker's disk, and dropped with the call.
        persistent: false,
        expiration: String(timeoutMs),
        messageId: ctx.requestId,
      })
      .catch((err: unknown) => {
        const pending = this.pending.get(correlationId);
        if (!pending) return;
        this.pending.delete(correlationId);
        clearTimeout(pending.timer);
        log.warn({ method, reason: (err as Error).message }, 'RPC publish failed');
        pending.reject(unavailable('gimming.rpc.unavailable', 'The messaging service is unavailable.', err));
      });
    return result;
  }

  /** Publishes a request nobody answers. The context travels without token or catalog. `server`
   * names one server of the topic (its host) to send it to that one alone. */
  async cast(
    ctx: RequestContext,
    method: string,
    args: unknown,
    opts: CastOptions & { server?: string },
  ): Promise<void> {
    const envelope = castEnvelope(ctx, method, opts.version, args, {
      signer: this.castSigner,
      audience: castAudience(this.connection.exchange, this.topic),
    });
    const routingKey = opts.server ? `${this.topic}.${opts.server}` : this.topic;
    await this.channel.publish(this.connection.exchange, routingKey, encode(envelope), {
      contentType: 'application/json',
      persistent: opts.persistent ?? false,
      ...(opts.expirationMs ? { expiration: String(opts.expirationMs) } : {}),
      messageId: ctx.requestId,
    });
  }

  async close(): Promise<void> {
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(unavailable('gimming.rpc.closed', 'The RPC client was closed.'));
      this.pending.delete(id);
    }
    await this.channel.close();
  }
}
