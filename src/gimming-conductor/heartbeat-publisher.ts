/**
 * Agents' heartbeats to the conductors: the exchange they go to and the publisher an agent sends them with.
 */
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel } from 'amqplib';
import type { RequestContext } from '../common/context';
import type { CallSigner } from '../common/grpc/auth';
import type { MessagingConnection } from '../common/rpc/connection';
import { encode } from '../common/rpc/envelope';
import { castAudience, castEnvelope } from '../common/rpc/signed-envelope';
import type { MethodArgs } from './rpc-schemas';

export const CONDUCTOR_TOPIC = 'conductor';
export const HEARTBEAT_METHOD = 'agent_heartbeat';

/**
 * The exchange (a fanout) and queue agents' heartbeats go to, apart from the conductor's topic: an agent's
 * broker user needs to publish there only, never where the conductor's other methods are served.
 */
export function heartbeatExchange(controlExchange: string): string {
  return `${controlExchange}.${CONDUCTOR_TOPIC}_heartbeats`;
}

/**
 * What an agent sends the conductor: its heartbeat, signed with the deployment's secret (a heartbeat
 * registers the agent, so the broker alone must not be enough to send one), on the heartbeat exchange.
 * Its channel declares only that exchange, so an agent's broker user needs configure and write
 * permission on it alone, and no read permission at all.
 */
export class HeartbeatPublisher {
  private readonly channel: ChannelWrapper;
  private readonly exchange: string;

  constructor(
    private readonly connection: MessagingConnection,
    private readonly signer: CallSigner | null,
  ) {
    this.exchange = heartbeatExchange(connection.exchange);
    this.channel = connection.manager.createChannel({
      json: false,
      setup: async (ch: ConfirmChannel) => {
        await ch.assertExchange(this.exchange, 'fanout', { durable: true });
      },
    });
  }

  /** At 1.0 although 1.5 added rpc_version and proto: older conductors ignore them and still register. */
  async send(ctx: RequestContext, args: MethodArgs<'agent_heartbeat'>, ttlMs: number): Promise<void> {
    const envelope = castEnvelope(ctx, HEARTBEAT_METHOD, '1.0', args, {
      signer: this.signer,
      audience: castAudience(this.connection.exchange, CONDUCTOR_TOPIC),
    });
    await this.channel.publish(this.exchange, '', encode(envelope), {
      contentType: 'application/json',
      persistent: false,
      expiration: String(ttlMs),
      messageId: ctx.requestId,
    });
  }

  async close(): Promise<void> {
    await this.channel.close();
  }
}
