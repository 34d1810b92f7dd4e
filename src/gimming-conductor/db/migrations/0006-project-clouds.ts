/**
 * Clouds owned by a project that have their own Keystone: its URL, and the reference to the key-manager
 * secret holding the credentials (a reference only, useless without a token that may read the secret; the
 * credentials themselves are never stored).
 */
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ProjectClouds1763953200000 implements MigrationInterface {
  name = 'ProjectClouds1763953200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE clouds
      ADD COLUMN auth_url VARCHAR(1024) NULL,
      ADD COLUMN credentials_ref VARCHAR(1024) NULL,
      ADD INDEX idx_clouds_owner (owner)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE clouds DROP INDEX idx_clouds_owner, DROP COLUMN auth_url,
      DROP COLUMN credentials_ref`);
  }
}
