/**
 * gimming-conductor's metrics: the RPC calls it serves, and what the database says at scrape time (tasks
 * by type and status, alive agents per zone and how long ago each zone was last heard from).
 *
 * The database gauges describe the whole deployment, not this conductor: every conductor reports the same
 * values (aggregate them with max(), not sum()).
 */
import type { Registry } from 'prom-client';
import { Counter, Gauge, Histogram } from 'prom-client';
import { describeError } from '../common/errors';
import { getLogger } from '../common/log';
import { DURATION_BUCKETS, createRegistry } from '../common/metrics';
import type { RpcObserver } from '../common/rpc/server';
import { METHODS } from './rpc-schemas';

const log = getLogger('conductor.metrics');

export const TASK_TYPES = ['copy', 'delete', 'import'] as const;
export const TASK_STATUSES = [
  'pending',
  'running',
  'cancelling',
  'succeeded',
  'failed',
  'cancelled',
] as const;

/** What the database gauges are read from (a DataSource in the daemon, a stub in unit tests). */
export interface ConductorMetricsSource {
  taskCounts(): Promise<Array<{ type: string; status: string; count: number }>>;
  zoneSummary(): Promise<Array<{ zone: string; alive: number; lastHeartbeatAt: Date | null }>>;
}

/** Tasks by type and status, in one grouped query. */
export async function taskCounts(db: {
  query<T>(sql: string): Promise<T>;
}): Promise<Array<{ type: string; status: string; count: number }>> {
  const rows = await db.query<Array<{ type: string; status: string; n: number | string }>>(
    'SELECT type, status, COUNT(*) AS n FROM tasks GROUP BY type, status',
  );
  return rows.map((r) => ({ type: r.type, status: r.status, count: Number(r.n) }));
}

export class ConductorMetrics {
  readonly registry: Registry;
  private readonly rpcRequests: Counter<'method' | 'outcome'>;
  private readonly rpcDuration: Histogram<'method' | 'outcome'>;

  constructor(source: ConductorMetricsSource) {
    const registry = createRegistry('conductor');
    this.registry = registry;
    this.rpcRequests = new Counter({
      name: 'gimming_conductor_rpc_requests_total',
      help: 'RPC messages (calls and casts) this conductor handled, by method and outcome (ok, refused: 4xx, error: 5xx).',
      labelNames: ['method', 'outcome'],
      registers: [registry],
    });
    this.rpcDuration = new Histogram({
      name: 'gimming_conductor_rpc_duration_seconds',
      help: 'Seconds this conductor took to handle an RPC message, by method and outcome.',
      labelNames: ['method', 'outcome'],
      buckets: DURATION_BUCKETS,
      registers: [registry],
    });

    const tasks: Gauge<'type' | 'status'> = new Gauge({
      name: 'gimming_tasks',
      help: 'Tasks in the database, by type and status (the whole deployment, read at scrape time).',
      labelNames: ['type', 'status'],
      registers: [registry],
      collect: async () => {
        try {
          const counts = await source.taskCounts();
          tasks.reset();
          // Every known pair is shown, at 0 when there is none, so that a series never starts mid-way.
          for (const type of TASK_TYPES) for (const status of TASK_STATUSES) tasks.set({ type, status }, 0);
          for (const c of counts) tasks.set({ type: c.type, status: c.status }, c.count);
        } catch (err) {
          log.warn({ err: describeError(err) }, 'could not count the tasks for the metrics');
        }
      },
    });

    // One query fills both zone gauges. Each gauge's collect waits for the same query: the registry reads
    // its metrics concurrently, so a gauge without its own collect would be read before the query ends.
    const refreshZones = async (): Promise<void> => {
      try {
        const zones = await source.zoneSummary();
        const now = Date.now();
        alive.reset();
        age.reset();
        for (const z of zones) {
          alive.set({ zone: z.zone }, z.alive);
          if (z.lastHeartbeatAt) {
            age.set({ zone: z.zone }, Math.max(0, (now - z.lastHeartbeatAt.getTime()) / 1000));
          }
        }
      } catch (err) {
        log.warn({ err: describeError(err) }, 'could not read the agents for the metrics');
      }
    };
    let zonesRead: Promise<void> | undefined;
    const readZones = (): Promise<void> => {
      zonesRead ??= refreshZones().finally(() => {
        zonesRead = undefined;
      });
      return zonesRead;
    };
    const alive: Gauge<'zone'> = new Gauge({
      name: 'gimming_agents_alive',
      help: 'Agents heard from within [conductor] agent_down_time, by zone (every zone with agents or clouds).',
      labelNames: ['zone'],
      registers: [registry],
      collect: readZones,
    });
    const age: Gauge<'zone'> = new Gauge({
      name: 'gimming_zone_last_heartbeat_age_seconds',
      help: 'Seconds since the last heartbeat of any agent of the zone (none for a zone never heard from).',
      labelNames: ['zone'],
      registers: [registry],
      collect: readZones,
    });
  }

  /** For the RPC server: counts and times every message; a method the conductor lacks is `unknown`. */
  readonly observeRpc: RpcObserver = (method, outcome, seconds) => {
    const labels = { method: Object.hasOwn(METHODS, method) ? method : 'unknown', outcome };
    this.rpcRequests.inc(labels);
    this.rpcDuration.observe(labels, seconds);
  };
}
