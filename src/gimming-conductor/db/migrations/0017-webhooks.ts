/**
 * Webhooks (issue 19): a project's receivers of its notifications, and one durable row per delivery of a
 * notification to a webhook (retried with backoff under a lease on the database's clock).
 */
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Webhooks1765300000000 implements MigrationInterface {
  name = 'Webhooks1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE webhooks (
      id CHAR(36) NOT NULL PRIMARY KEY,
      owner VARCHAR(64) NOT NULL,
      name VARCHAR(255) NOT NULL,
      url VARCHAR(2048) NOT NULL,
      event_types TEXT NOT NULL,
      secret_sealed TEXT NOT NULL,
      created_at DATETIME(3) NOT NULL,
      updated_at DATETIME(3) NOT NULL,
      INDEX idx_webhooks_owner (owner)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
    await q.query(`CREATE TABLE webhook_deliveries (
      id CHAR(36) NOT NULL PRIMARY KEY,
      webhook_id CHAR(36) NOT NULL,
      owner VARCHAR(64) NOT NULL,
      event_type VARCHAR(255) NOT NULL,
      message_id CHAR(36) NOT NULL,
      body MEDIUMTEXT NOT NULL,
      status VARCHAR(16) NOT NULL,
      attempts INT NOT NULL,
      next_attempt_at DATETIME(3) NOT NULL,
      lease_token CHAR(36) NULL,
      lease_expires_at DATETIME(3) NULL,
      response_status INT NULL,
      last_error VARCHAR(1024) NULL,
      created_at DATETIME(3) NOT NULL,
      updated_at DATETIME(3) NOT NULL,
      delivered_at DATETIME(3) NULL,
      INDEX idx_webhook_deliveries_webhook (webhook_id),
      INDEX idx_webhook_deliveries_due (status, next_attempt_at)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webhook_deliveries`);
    await q.query(`DROP TABLE webhooks`);
  }
}
