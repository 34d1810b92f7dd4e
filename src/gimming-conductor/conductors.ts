/**
 * Each conductor records itself in `conductors`: its release and RPC version, when it started and when it
 * was last alive (every third of [conductor] agent_down_time), so that `gimming-status upgrade check` can
 * tell which conductors run and which code they run. A write that fails is logged and tried again at the
 * next turn; it never stops the conductor.
 */
import type { DataSource } from 'typeorm';
import { describeError } from '../common/errors';
import { getLogger } from '../common/log';
import { dbTimeIn } from './db/clock';
import { ConductorRow } from './db/entities';

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
  ) {}

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
