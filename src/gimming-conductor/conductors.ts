/**
 * Each conductor records itself in `conductors`: its release and RPC version, when it started and when it
 * was last alive (every third of [conductor] agent_down_time, on the database's clock), so that
 * `gimming-status upgrade check` can tell which conductors run and which code they run, and so that the
 * senders of conductor RPC cap what they send at the oldest of the live ones (`service_versions`, read by
 * an API server with `[upgrade_levels] conductor = auto`). A write that fails is logged and tried again at
 * the next turn; it never stops the conductor.
 */
import type { DataSource } from 'typeorm';
import { describeError } from '../common/errors';
import { getLogger } from '../common/log';
import { compareVersions } from '../common/rpc/envelope';
import { DB_NOW, dbTimeIn } from './db/clock';
import { ConductorRow } from './db/entities';
import type { ServiceVersionsView } from './rpc-schemas';

const log = getLogger('conductor.presence');

export class ConductorPresence {
  private timer: NodeJS.Timeout | undefined;
  private readonly startedAt = new Date();

  constructor(
    private readonly db: DataSource,
    private readonly host: string,
    private readonly version: string,
    private readonly rpcVersion: string,
    private readonly intervalS: number,
    /** Seconds since its last record after which a conductor is taken for gone ([conductor] agent_down_time). */
    private readonly downTimeS: number = intervalS * 3,
  ) {}

  /** The RPC versions of the conductors alive now, this one always among them. */
  async versions(): Promise<ServiceVersionsView> {
    const rows = await this.db.query<Array<{ host: string; rpc_version: string }>>(
      'SELECT host, rpc_version FROM conductors ' +
        `WHERE last_seen_at >= ${DB_NOW} - INTERVAL ${Math.round(this.downTimeS * 1000) * 1000} MICROSECOND`,
    );
    const live = new Map(rows.map((r) => [r.host, r.rpc_version]));
    live.set(this.host, this.rpcVersion);
    const sorted = [...live.values()].sort(compareVersions);
    return {
      conductor: {
        oldest: sorted[0] as string,
        newest: sorted[sorted.length - 1] as string,
        hosts: [...live.keys()].sort(),
      },
    };
  }

  async report(): Promise<void> {
    await this.db
      .createQueryBuilder()
      .insert()
      .into(ConductorRow)
      .values({
        host: this.host,
        version: this.version,
        rpcVersion: this.rpcVersion,
        startedAt: this.startedAt,
        lastSeenAt: dbTimeIn(0), // the database's clock (db/clock.ts)
      })
      .orUpdate(['version', 'rpc_version', 'started_at', 'last_seen_at'], ['host'])
      .execute();
  }

  start(): void {
    this.timer = setInterval(() => {
      this.report().catch((err: unknown) =>
        log.warn({ reason: describeError(err) }, 'could not record that this conductor is alive'),
      );
    }, this.intervalS * 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
