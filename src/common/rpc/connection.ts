/**
 * One reconnecting AMQP connection per process (amqp-connection-manager over amqplib), shared by the RPC
 * clients and servers of that process. A lost broker is reconnected in the background; calls made while
 * it is away wait for it up to their own timeout.
 */
import amqp, { type AmqpConnectionManager } from 'amqp-connection-manager';
import { getLogger } from '../log';
import { type BrokerTls, parseTransportUrl } from './transport';

const log = getLogger('rpc.connection');

export class MessagingConnection {
  readonly manager: AmqpConnectionManager;
  readonly exchange: string;

  constructor(transportUrl: string, exchange: string, tls: BrokerTls = { ssl: false, socketOptions: {} }) {
    const brokers = parseTransportUrl(transportUrl, tls.ssl);
    this.exchange = exchange;
    this.manager = amqp.connect(
      brokers.map((b) => b.url),
      {
        reconnectTimeInSeconds: 1,
        heartbeatIntervalInSeconds: 30,
        // amqplib leaves Nagle's algorithm on: every small RPC message would wait ~40 ms for an ACK.
        connectionOptions: { noDelay: true, ...tls.socketOptions },
      },
    );
    this.manager.on('connect', ({ url }) => {
      const shown = brokers.find((b) => b.url === url)?.display ?? 'broker';
      log.info({ broker: shown }, 'connected to the messaging broker');
    });
    this.manager.on('disconnect', ({ err }) => {
      log.warn({ reason: err?.message }, 'disconnected from the messaging broker; reconnecting');
    });
    this.manager.on('connectFailed', ({ err }) => {
      log.warn({ reason: err?.message }, 'cannot reach the messaging broker; retrying');
    });
  }

  isConnected(): boolean {
    return this.manager.isConnected();
  }

  async close(): Promise<void> {
    await this.manager.close();
  }
}
