/**
 * RPC server: consumes one topic's durable queue and dispatches each message to an endpoint method.
 *
 * A call (a message with a reply queue) is acknowledged as its handler starts, as oslo.messaging does:
 * a call is run at most once. A server that dies after its handler committed and before it answered
 * leaves nothing for another server to run again (the caller gets a timeout and can look at what was
 * done); what must outlive a conductor is a task in the database, under a lease, never a message. A cast
 * is acknowledged once handled, so that a persistent one survives a server that dies before it ran.
 * Arguments are validated by the endpoint's own schema before the handler runs.
 */
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import { RequestContext, runWithContext } from '../context';
import { GimmingError, asGimmingError, badRequest, describeError } from '../errors';
import { getLogger } from '../log';
import type { MessagingConnection } from './connection';
import { decodeEnvelope, encode, type RpcEnvelope, type RpcReply, versionCompatible } from './envelope';

const log = getLogger('rpc.server');

export interface RpcEndpoint {
  /** The API version this server implements (`major.minor`). */
  readonly version: string;
  /** Validates `args` for `method` and runs it; throws GimmingError for expected failures. */
  dispatch(ctx: RequestContext, method: string, args: unknown): Promise<unknown>;
}

/** How a message ended: answered, refused as the caller's mistake (4xx), or failed (5xx). */
export type RpcOutcome = 'ok' | 'refused' | 'error';

/** Told of every message handled (call or cast), for metrics; `method` is as sent, unchecked. */
export type RpcObserver = (method: string, outcome: RpcOutcome, seconds: number) => void;

/**
 * Who sent a message, decided by the server rather than by what the message says: a context for the
 * handler, or a GimmingError (401/403) thrown. Without one, the context is taken as sent.
 */
export type RpcAuthenticator = (envelope: RpcEnvelope) => Promise<RequestContext>;

/**
 * A queue of its own on an exchange of its own (a fanout), for messages of a few methods only: senders
 * whose broker user may publish there and nowhere else (agents' heartbeats) cannot reach other methods.
 */
export interface RpcSideQueue {
  exchange: string;
  queue: string;
  methods: ReadonlySet<string>;
}

export interface RpcServerOptions {
  observe?: RpcObserver;
  authenticate?: RpcAuthenticator;
  /** Methods served only from a side queue are refused on the topic's own queues. */
  sideQueues?: RpcSideQueue[];
}

export class RpcServer {
  private channel: ChannelWrapper | undefined;
  private inFlight = 0;
  private stopping = false;

  constructor(
    private readonly connection: MessagingConnection,
    private readonly topic: string,
    private readonly host: string,
    private readonly endpoint: RpcEndpoint,
    private readonly prefetch: number,
    private readonly opts: RpcServerOptions = {},
  ) {}

  private get observe(): RpcObserver | undefined {
    return this.opts.observe;
  }

  /** The methods a message from `side` (or, without one, from the topic's own queues) may ask for. */
  private allowed(method: string, side: RpcSideQueue | undefined): boolean {
    if (side) return side.methods.has(method);
    return !(this.opts.sideQueues ?? []).some((q) => q.methods.has(method));
  }

  get queueName(): string {
    return `${this.connection.exchange}.${this.topic}`;
  }

  get hostQueueName(): string {
    return `${this.queueName}.${this.host}`;
  }

  async start(): Promise<void> {
    const exchange = this.connection.exchange;
    this.channel = this.connection.manager.createChannel({
      json: false,
      setup: async (ch: ConfirmChannel) => {
        await ch.assertExchange(exchange, 'topic', { durable: true });
        // The topic's queue, shared by every server of the topic (competing consumers)...
        await ch.assertQueue(this.queueName, this.connection.durableQueue());
        await ch.bindQueue(this.queueName, exchange, this.topic);
        // ...and this server's own, for messages meant for it alone (`<topic>.<host>`).
        await ch.assertQueue(this.hostQueueName, { durable: false, autoDelete: true });
        await ch.bindQueue(this.hostQueueName, exchange, `${this.topic}.${this.host}`);
        for (const side of this.opts.sideQueues ?? []) {
          await ch.assertExchange(side.exchange, 'fanout', { durable: true });
          await ch.assertQueue(side.queue, this.connection.durableQueue());
          await ch.bindQueue(side.queue, side.exchange, '');
        }
        await ch.prefetch(this.prefetch);
      },
    });
    await this.channel.consume(this.queueName, (msg) => void this.onMessage(msg), { noAck: false });
    await this.channel.consume(this.hostQueueName, (msg) => void this.onMessage(msg), { noAck: false });
    for (const side of this.opts.sideQueues ?? []) {
      await this.channel.consume(side.queue, (msg) => void this.onMessage(msg, side), { noAck: false });
    }
    await this.channel.waitForConnect();
  }

  private async onMessage(msg: ConsumeMessage, side?: RpcSideQueue): Promise<void> {
    const channel = this.channel as ChannelWrapper;
    this.inFlight += 1;
    const replyTo = msg.properties.replyTo as string | undefined;
    // At most once: acknowledged before anything runs (see the top of this file).
    if (replyTo) channel.ack(msg);
    let envelope: RpcEnvelope | undefined;
    let reply: RpcReply;
    let ctx: RequestContext | undefined;
    try {
      envelope = decodeEnvelope(msg.content);
    } catch (err) {
      reply = { failure: badRequest('gimming.rpc.malformed', describeError(err)).toWire() };
      this.observe?.('', 'refused', 0);
    }
    if (envelope) {
      try {
        if (!this.allowed(envelope.method, side)) {
          throw new GimmingError(
            'gimming.rpc.wrong_queue',
            403,
            `${envelope.method} is not served from ${side ? side.queue : this.queueName}.`,
          );
        }
        ctx = this.opts.authenticate
          ? await this.opts.authenticate(envelope)
          : new RequestContext(envelope.context);
      } catch (err) {
        const gerr = asGimmingError(err);
        log.warn(
          { method: String(envelope.method).slice(0, 64), code: gerr.code, status: gerr.status },
          'rpc refused: sender not authenticated',
        );
        reply = { failure: gerr.toWire() };
        this.observe?.(envelope.method, 'refused', 0);
      }
      if (ctx) {
        const known = ctx;
        const message = envelope;
        reply = await runWithContext(known, () => this.handle(known, message));
      }
    }
    try {
      if (replyTo) {
        await channel.sendToQueue(replyTo, encode(reply!), {
          correlationId: msg.properties.correlationId as string,
          contentType: 'application/json',
          persistent: false,
        });
      }
    } catch (err) {
      log.warn({ reason: describeError(err) }, 'could not send an RPC reply');
    } finally {
      if (!replyTo) channel.ack(msg);
      this.inFlight -= 1;
    }
  }

  private async handle(ctx: RequestContext, envelope: RpcEnvelope): Promise<RpcReply> {
    const started = Date.now();
    const reply = await this.dispatch(ctx, envelope, started);
    const outcome: RpcOutcome = !reply.failure ? 'ok' : reply.failure.status >= 500 ? 'error' : 'refused';
    this.observe?.(envelope.method, outcome, (Date.now() - started) / 1000);
    return reply;
  }

  private async dispatch(ctx: RequestContext, envelope: RpcEnvelope, started: number): Promise<RpcReply> {
    if (!versionCompatible(this.endpoint.version, envelope.version)) {
      const err = new GimmingError(
        'gimming.rpc.unsupported_version',
        400,
        `${this.topic} API ${this.endpoint.version} cannot serve ${envelope.method} at version ${envelope.version}.`,
      );
      return { failure: err.toWire() };
    }
    try {
      const result = await this.endpoint.dispatch(ctx, envelope.method, envelope.args);
      log.info({ method: envelope.method, ms: Date.now() - started }, 'rpc handled');
      return { result: result ?? null };
    } catch (err) {
      const gerr = asGimmingError(err);
      if (gerr.status >= 500) {
        log.error(
          {
            method: envelope.method,
            code: gerr.code,
            err: describeError(err),
            cause: describeError(gerr.cause),
          },
          'rpc failed',
        );
      } else {
        log.info({ method: envelope.method, code: gerr.code, status: gerr.status }, 'rpc refused');
      }
      return { failure: gerr.toWire() };
    }
  }

  /** Stops taking new messages and waits (bounded) for the ones in flight. */
  async stop(graceMs = 10000): Promise<void> {
    if (this.stopping || !this.channel) return;
    this.stopping = true;
    await this.channel.cancelAll();
    const deadline = Date.now() + graceMs;
    while (this.inFlight > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await this.channel.close();
  }
}
