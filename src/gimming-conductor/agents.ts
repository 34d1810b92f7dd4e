/**
 * Which agents are alive in which zone: heartbeats in, a choice of agent out. Heartbeats are recorded, and
 * compared, on the database's clock (db/clock.ts): conductors whose clocks disagree agree on who is alive.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { GimmingError } from '../common/errors';
import { type Capabilities, parseDrivers } from './capabilities';
import type { MethodArgs } from './rpc-schemas';
import { DB_NOW, dbTimeIn } from './db/clock';
import { AgentRow } from './db/entities';

export class AgentRegistry {
  constructor(
    private readonly db: DataSource,
    private readonly downTimeS: number,
    /**
     * Milliseconds this conductor could not hear heartbeats (its broker was away: MessagingConnection
     * deafMs), added to the down time, so that agents are not taken for dead for beats nobody could hear.
     */
    private readonly deafMs: (windowMs: number) => number = () => 0,
  ) {}

  async heartbeat(args: MethodArgs<'agent_heartbeat'>): Promise<void> {
    const now = new Date();
    this.unreachable.delete(args.address); // it is back (a restarted agent keeps its address)
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
        rpcVersion: args.rpc_version ?? null,
        protoVersion: args.proto ?? null,
        drivers: args.drivers ? JSON.stringify(args.drivers) : null,
        lastHeartbeatAt: dbTimeIn(0),
        createdAt: now,
      })
      .orUpdate(
        ['host', 'zone', 'version', 'rpc_version', 'proto_version', 'drivers', 'last_heartbeat_at'],
        ['address'],
      )
      .execute();
  }

  /** Since when, in SQL, an agent that sent a heartbeat is alive. */
  private aliveSince(): string {
    const downMs = this.downTimeS * 1000;
    return `(${DB_NOW} - INTERVAL ${Math.round(downMs + this.deafMs(downMs)) * 1000} MICROSECOND)`;
  }

  async alive(zone: string): Promise<AgentRow[]> {
    return this.db
      .getRepository(AgentRow)
      .createQueryBuilder('a')
      .where(`a.zone = :zone AND a.last_heartbeat_at >= ${this.aliveSince()}`, { zone })
      .getMany();
  }

  /**
   * What each kind of cloud can do in each zone, as the live agents of the zone say (zone -> cloud type
   * -> capabilities). Agents of one release agree; where they do not, the newest heartbeat wins.
   */
  async capabilitiesByZone(): Promise<Map<string, Map<string, Capabilities>>> {
    const rows = await this.db.query<Array<{ zone: string; drivers: string | null }>>(
      `SELECT zone, drivers FROM agents WHERE last_heartbeat_at >= ${this.aliveSince()} ` +
        'AND drivers IS NOT NULL ORDER BY last_heartbeat_at',
    );
    const byZone = new Map<string, Map<string, Capabilities>>();
    for (const row of rows) {
      const zone = byZone.get(row.zone) ?? new Map<string, Capabilities>();
      for (const d of parseDrivers(row.drivers)) zone.set(d.name, d.capabilities);
      byZone.set(row.zone, zone);
    }
    return byZone;
  }

  async countAliveByZone(): Promise<Map<string, number>> {
    const rows = await this.db.query<Array<{ zone: string; n: number | string }>>(
      `SELECT zone, COUNT(*) AS n FROM agents WHERE last_heartbeat_at >= ${this.aliveSince()} GROUP BY zone`,
    );
    return new Map(rows.map((r) => [r.zone, Number(r.n)]));
  }

  /**
   * Every zone that has agents or clouds: how many of its agents are alive and when the zone last heard
   * from one (null: never). For the metrics.
   */
  async zoneSummary(): Promise<Array<{ zone: string; alive: number; lastHeartbeatAt: Date | null }>> {
    const rows = await this.db.query<
      Array<{ zone: string; alive: number | string | null; last: Date | string | null }>
    >(
      `SELECT zone, SUM(last_heartbeat_at >= ${this.aliveSince()}) AS alive, MAX(last_heartbeat_at) AS last ` +
        'FROM agents GROUP BY zone UNION ALL SELECT DISTINCT zone, 0, NULL FROM clouds ' +
        'WHERE zone NOT IN (SELECT zone FROM agents)',
    );
    return rows.map((r) => ({
      zone: r.zone,
      alive: Number(r.alive ?? 0),
      lastHeartbeatAt:
        r.last === null ? null : r.last instanceof Date ? r.last : new Date(`${r.last.replace(' ', 'T')}Z`),
    }));
  }

  /** Agents a call just failed to reach, until when: passed over while their zone has others. */
  private readonly unreachable = new Map<string, number>();

  /** Notes an agent a task could not reach (from the error's `details.agent`), so retries go elsewhere. */
  noteFailure(err: GimmingError): void {
    const agent = err.details?.agent;
    if (err.code === 'gimming.agent.unavailable' && typeof agent === 'string') {
      this.unreachable.set(agent, Date.now() + this.downTimeS * 1000);
    }
  }

  /**
   * An alive agent of `zone`, chosen at random to spread the work (one just found unreachable last), or by
   * `affinity` when given: the same key picks the same agent (the copies that share one read).
   */
  async pick(zone: string, affinity?: string): Promise<AgentRow> {
    const now = Date.now();
    const all = await this.alive(zone);
    const reachable = all.filter((a) => (this.unreachable.get(a.address) ?? 0) < now);
    const agents = reachable.length > 0 ? reachable : all;
    if (agents.length === 0) {
      throw new GimmingError('gimming.agent.none_alive', 503, `No agent of zone ${zone} is alive.`, {
        retryable: true,
      });
    }
    if (affinity !== undefined) {
      const sorted = [...agents].sort((a, b) => (a.address < b.address ? -1 : 1));
      return sorted[Number.parseInt(affinity.slice(0, 8), 16) % sorted.length] as AgentRow;
    }
    return agents[Math.floor(Math.random() * agents.length)] as AgentRow;
  }
}
