/**
 * Image families (issue 19): a family is one project's name for a line of images; each version is one
 * GIMinG image with its place in the line (a sequence number GIMinG gives, 1, 2, 3..., and an optional
 * label such as 20261203), the version it was built from (ancestry, for a revoke that cascades), and its
 * lifecycle (active, deprecated, obsolete, revoked), with one change that may wait for a time (run by the
 * conductors' periodic lifecycle task, on the database's clock). Channels point at a version; every move
 * of a channel is kept in its history (promote, rollback, and `latest` following the newest version).
 */
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Families1765200000000 implements MigrationInterface {
  name = 'Families1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE families (
        id CHAR(36) NOT NULL PRIMARY KEY,
        owner VARCHAR(64) NOT NULL,
        name VARCHAR(255) NOT NULL,
        description VARCHAR(1024) NOT NULL DEFAULT '',
        created_at DATETIME(3) NOT NULL,
        updated_at DATETIME(3) NOT NULL,
        UNIQUE KEY uniq_families_owner_name (owner, name)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
    );
    await q.query(
      `CREATE TABLE family_versions (
        id CHAR(36) NOT NULL PRIMARY KEY,
        family_id CHAR(36) NOT NULL,
        image_id CHAR(36) NOT NULL,
        sequence INT NOT NULL,
        label VARCHAR(64) NULL,
        parent_id CHAR(36) NULL,
        lifecycle VARCHAR(16) NOT NULL,
        scheduled_state VARCHAR(16) NULL,
        scheduled_at DATETIME(3) NULL,
        scheduled_cascade TINYINT(1) NOT NULL DEFAULT 0,
        propagated TINYINT(1) NOT NULL DEFAULT 1,
        propagation_error TEXT NULL,
        created_at DATETIME(3) NOT NULL,
        updated_at DATETIME(3) NOT NULL,
        UNIQUE KEY uniq_family_versions_sequence (family_id, sequence),
        UNIQUE KEY uniq_family_versions_label (family_id, label),
        KEY idx_family_versions_image (image_id),
        KEY idx_family_versions_scheduled (scheduled_at),
        CONSTRAINT fk_family_versions_family FOREIGN KEY (family_id) REFERENCES families (id) ON DELETE CASCADE
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
    );
    await q.query(
      `CREATE TABLE family_channels (
        family_id CHAR(36) NOT NULL,
        name VARCHAR(64) NOT NULL,
        version_id CHAR(36) NULL,
        updated_at DATETIME(3) NOT NULL,
        PRIMARY KEY (family_id, name),
        CONSTRAINT fk_family_channels_family FOREIGN KEY (family_id) REFERENCES families (id) ON DELETE CASCADE
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
    );
    await q.query(
      `CREATE TABLE channel_history (
        id CHAR(36) NOT NULL PRIMARY KEY,
        family_id CHAR(36) NOT NULL,
        channel VARCHAR(64) NOT NULL,
        action VARCHAR(16) NOT NULL,
        version_id CHAR(36) NULL,
        previous_version_id CHAR(36) NULL,
        user_id VARCHAR(64) NULL,
        request_id VARCHAR(64) NULL,
        created_at DATETIME(3) NOT NULL,
        KEY idx_channel_history (family_id, channel, created_at),
        CONSTRAINT fk_channel_history_family FOREIGN KEY (family_id) REFERENCES families (id) ON DELETE CASCADE
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE channel_history`);
    await q.query(`DROP TABLE family_channels`);
    await q.query(`DROP TABLE family_versions`);
    await q.query(`DROP TABLE families`);
  }
}
