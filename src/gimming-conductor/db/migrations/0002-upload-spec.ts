/**
 * Images created from an upload: what to create in each cloud (formats, minimums, user properties) until
 * the copies exist, and which agent stages the data meanwhile.
 */
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class UploadSpec1763773200000 implements MigrationInterface {
  name = 'UploadSpec1763773200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE images
      ADD COLUMN disk_format VARCHAR(16) NULL,
      ADD COLUMN container_format VARCHAR(16) NULL,
      ADD COLUMN min_disk INT NOT NULL DEFAULT 0,
      ADD COLUMN min_ram INT NOT NULL DEFAULT 0,
      ADD COLUMN properties TEXT NULL,
      ADD COLUMN staging_agent VARCHAR(255) NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE images DROP COLUMN disk_format, DROP COLUMN container_format, DROP COLUMN min_disk,
      DROP COLUMN min_ram, DROP COLUMN properties, DROP COLUMN staging_agent`);
  }
}
