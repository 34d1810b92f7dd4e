/**
 * Clouds owned by a project that have their own Keystone: its URL, and the reference to the key-manager
 * secret holding the credentials (a reference only, useless without a token that may read the secret; the
 * credentials themselves are never stored). Cloud names become unique per owner (shared clouds being one
 * owner), so that no project learns, or takes, the names of another's clouds.
 */
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ProjectClouds1763953200000 implements MigrationInterface {
  name = 'ProjectClouds1763953200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE clouds
      ADD COLUMN auth_url VARCHAR(1024) NULL,
      ADD COLUMN credentials_ref VARCHAR(1024) NULL,
      ADD COLUMN owner_key VARCHAR(64) AS (COALESCE(owner, '')) STORED,
      DROP INDEX uniq_clouds_name,
      ADD UNIQUE INDEX uniq_clouds_owner_name (owner_key, name),
      ADD INDEX idx_clouds_name (name)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE clouds DROP INDEX idx_clouds_name, DROP INDEX uniq_clouds_owner_name,
      DROP COLUMN owner_key, DROP COLUMN auth_url, DROP COLUMN credentials_ref,
      ADD UNIQUE INDEX uniq_clouds_name (name)`);
  }
}
