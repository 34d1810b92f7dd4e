/**
 * The projects an image is shared with. Kept so that every copy made later is shared with them too; each
 * member's answer (pending, accepted, rejected) lives in the clouds and is read live.
 */
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ImageMembers1763859600000 implements MigrationInterface {
  name = 'ImageMembers1763859600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE image_members (
      image_id CHAR(36) NOT NULL,
      member_id VARCHAR(64) NOT NULL,
      created_at DATETIME(3) NOT NULL,
      PRIMARY KEY (image_id, member_id),
      CONSTRAINT fk_image_members_image FOREIGN KEY (image_id) REFERENCES images (id) ON DELETE CASCADE
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE image_members');
  }
}
