/**
 * Which agents are alive in which zone: heartbeats in, a choice of agent out.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { GimmingError } from '../common/errors';
import type { MethodArgs } from './rpc-schemas';
import { AgentRow } from './db/entities';

export class AgentRegistry {
  constructor(
    private readonly db: DataSource,
    private readonly downTimeS: number,
  ) {}

  async heartbeat(args: MethodArgs<'agent_heartbeat'>): Promise<void> {
    const now = new Date();
    await this.db
      .createQueryBuilder()
      .insert()
      .into(AgentRow)
      .values({
        id: randomUUID(),
        host: args.host,
        zone: args.zone,
        address: args.address,
        version: args.version,
        lastHeartbeatAt: now,
        createdAt: now,
      })
      .orUpdate(['host', 'zone', 'version', 'last_heartbeat_at'], ['address'])
      .execute();
  }

  private aliveSince(): Date {
    return new Date(Date.now() - this.downTimeS * 1000);
  }

  async alive(zone: string): Promise<AgentRow[]> {
    return this.db
      .getRepository(AgentRow)
      .createQueryBuilder('a')
      .where('a.zone = :zone AND a.last_heartbeat_at >= :since', { zone, since: this.aliveSince() })
      .getMany();
  }

  async countAliveByZone(): Promise<Map<string, number>> {
    const rows = await this.db.query<Array<{ zone: string; n: number | string }>>(
      'SELECT zone, COUNT(*) AS n FROM agents WHERE last_heartbeat_at >= ? GROUP BY zone',
      [this.aliveSince()],
    );
    return new Map(rows.map((r) => [r.zone, Number(r.n)]));
  }

  /** An alive agent of `zone`, chosen at random to spread the work. */
  async pick(zone: string): Promise<AgentRow> {
    const agents = await this.alive(zone);
    if (agents.length === 0) {
      throw new GimmingError('gimming.agent.none_alive', 503, `No agent of zone ${zone} is alive.`, {
        retryable: true,
      });
    }
    return agents[Math.floor(Math.random() * agents.length)] as AgentRow;
  }
}
