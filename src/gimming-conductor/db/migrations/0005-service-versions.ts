/**
 * Which code each daemon runs, for `gimming-status upgrade check`: the agents report the conductor RPC
 * version and the agent proto package their code speaks, and every conductor records itself (release,
 * RPC version) and when it was last alive.
 */
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ServiceVersions1763870400000 implements MigrationInterface {
  name = 'ServiceVersions1763870400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE agents
      ADD COLUMN rpc_version VARCHAR(16) NULL,
      ADD COLUMN proto_version VARCHAR(64) NULL`);
    await q.query(`CREATE TABLE conductors (
      host VARCHAR(255) NOT NULL,
      version VARCHAR(32) NOT NULL,
      rpc_version VARCHAR(16) NOT NULL,
      started_at DATETIME(3) NOT NULL,
      last_seen_at DATETIME(3) NOT NULL,
      PRIMARY KEY (host)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE conductors');
    await q.query('ALTER TABLE agents DROP COLUMN rpc_version, DROP COLUMN proto_version');
  }
}
