/**
 * Each cloud records its driver's own settings (cloud-kinds.ts) as JSON: an aws cloud its S3 bucket for
 * transfers. OpenStack clouds have none (null). Never credentials.
 */
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CloudOptions1764853200000 implements MigrationInterface {
  name = 'CloudOptions1764853200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE clouds ADD COLUMN options TEXT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE clouds DROP COLUMN options`);
  }
}
