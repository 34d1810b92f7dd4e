/**
 * One reconnecting AMQP connection per process (amqp-connection-manager over amqplib), shared by the RPC
 * clients and servers of that process. A lost broker is reconnected in the background, trying the hosts
 * of transport_url in turn (a RabbitMQ cluster's other nodes), waiting a jittered, doubling time between
 * two attempts (so that every daemon that lost the same node does not come back at the same instant);
 * calls made while it is away wait for it up to their own timeout.
 */
import amqp, { type AmqpConnectionManager } from 'amqp-connection-manager';
import type { Options } from 'amqplib';
import { backoffDelayMs } from '../backoff';
import { getLogger } from '../log';
import { type BrokerOptions, type BrokerTls, DEFAULT_BROKER_OPTIONS, parseTransportUrl } from './transport';

const log = getLogger('rpc.connection');

export class MessagingConnection {
  readonly manager: AmqpConnectionManager;
  readonly exchange: string;
  /** Failed connection attempts since the last connection (0 while connected). */
  private failures = 0;
  /** When (monotonic ms) the connection was last lost, and when it was last made: see deafMs. */
  private lostAt: number | undefined;
  private madeAt: number | undefined;

  constructor(
    transportUrl: string,
    exchange: string,
    tls: BrokerTls = { ssl: false, socketOptions: {} },
    readonly options: BrokerOptions = DEFAULT_BROKER_OPTIONS,
  ) {
    const brokers = parseTransportUrl(transportUrl, tls.ssl);
    this.exchange = exchange;
    this.manager = amqp.connect(
      brokers.map((b) => b.url),
      {
        reconnectTimeInSeconds: options.reconnect.initialMs / 1000,
        heartbeatIntervalInSeconds: 30,
        // amqplib leaves Nagle's algorithm on: every small RPC message would wait ~40 ms for an ACK.
        connectionOptions: { noDelay: true, ...tls.socketOptions },
      },
    );
    // amqp-connection-manager waits reconnectTimeInSeconds before each attempt (the next host of the
    // list each time): read at every wait, it grows with each failure and carries jitter.
    Object.defineProperty(this.manager, 'reconnectTimeInSeconds', {
      configurable: true,
      get: () => this.reconnectDelayMs() / 1000,
      set: () => undefined,
    });
    this.manager.on('connect', ({ url }) => {
      this.failures = 0;
      this.noteConnected(performance.now());
      const shown = brokers.find((b) => b.url === url)?.display ?? 'broker';
      log.info({ broker: shown }, 'connected to the messaging broker');
    });
    this.manager.on('disconnect', ({ err }) => {
      this.noteLost(performance.now());
      log.warn({ reason: err?.message }, 'disconnected from the messaging broker; reconnecting');
    });
    this.manager.on('connectFailed', ({ err, url }) => {
      this.failures += 1;
      const shown = brokers.find((b) => b.url === url)?.display ?? 'broker';
      log.warn({ broker: shown, reason: err?.message }, 'cannot reach the messaging broker; retrying');
    });
  }

  /**
   * The wait before the next attempt (on the next host): right after a connection was lost, between half
   * and all of the initial interval; each failed attempt since then doubles it, up to the maximum.
   */
  reconnectDelayMs(): number {
    return backoffDelayMs(this.options.reconnect, this.failures + 1);
  }

  /**
   * How a durable queue is declared: a quorum queue with [oslo_messaging_rabbit] rabbit_quorum_queue
   * (replicated over the cluster's nodes), a classic one otherwise.
   */
  durableQueue(extra: Options.AssertQueue = {}): Options.AssertQueue {
    if (!this.options.quorumQueues) return { ...extra, durable: true };
    return {
      ...extra,
      durable: true,
      arguments: { ...(extra.arguments as Record<string, unknown> | undefined), 'x-queue-type': 'quorum' },
    };
  }

  /** Records when (monotonic ms) the connection was made and lost, for deafMs. */
  noteConnected(at: number): void {
    this.madeAt = at;
  }

  noteLost(at: number): void {
    // Only the first loss of an outage counts: a failed attempt to reconnect is no new loss.
    if (this.madeAt !== undefined && this.lostAt !== undefined && this.lostAt > this.madeAt) return;
    this.lostAt = at;
  }

  /**
   * How long this process could not hear the broker, as it matters to a judgement over the last
   * `windowMs`: the time since the connection was lost while it is away; after it is back, the length of
   * that outage until `windowMs` has passed since (then 0; also 0 before a first loss). The conductor
   * widens its agents' down time by it: heartbeats it could not receive are no sign that an agent died.
   */
  deafMs(windowMs: number, now: number = performance.now()): number {
    if (this.lostAt === undefined) return 0;
    if (this.madeAt === undefined || this.madeAt < this.lostAt) return now - this.lostAt;
    return now - this.madeAt < windowMs ? this.madeAt - this.lostAt : 0;
  }

  isConnected(): boolean {
    return this.manager.isConnected();
  }

  async close(): Promise<void> {
    await this.manager.close();
  }
}
