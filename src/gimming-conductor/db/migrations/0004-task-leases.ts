/**
 * Tasks that survive their conductor: a lease (the conductor column says who holds it, lease_expires_at
 * until when), when a retry is due, and the Keystone trust the work runs with (its ID only: useless
 * without GIMinG's own credentials).
 */
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class TaskLeases1763866800000 implements MigrationInterface {
  name = 'TaskLeases1763866800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tasks
      ADD COLUMN lease_expires_at DATETIME(3) NULL,
      ADD COLUMN next_attempt_at DATETIME(3) NULL,
      ADD COLUMN trust_id VARCHAR(64) NULL,
      ADD INDEX idx_tasks_claim (status, lease_expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tasks DROP INDEX idx_tasks_claim, DROP COLUMN lease_expires_at,
      DROP COLUMN next_attempt_at, DROP COLUMN trust_id`);
  }
}
