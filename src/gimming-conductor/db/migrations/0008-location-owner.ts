/**
 * A copy in a cloud is tracked once per project, not once for everyone: each location records the project
 * that tracks it (its image's owner), and the unique index covers that project. A project adopting a
 * public or shared image it does not own (where the policy lets it) so no longer keeps its owner from
 * tracking it, and no answer tells one project that another tracks an image.
 */
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class LocationOwner1764594000000 implements MigrationInterface {
  name = 'LocationOwner1764594000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE locations ADD COLUMN owner VARCHAR(64) NOT NULL DEFAULT ''`);
    await q.query(`UPDATE locations l JOIN images i ON i.id = l.image_id SET l.owner = i.owner`);
    await q.query(`ALTER TABLE locations DROP INDEX uniq_locations_cloud_remote,
      ADD UNIQUE INDEX uniq_locations_cloud_remote_owner (cloud_id, remote_id, owner)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE locations DROP INDEX uniq_locations_cloud_remote_owner,
      ADD UNIQUE INDEX uniq_locations_cloud_remote (cloud_id, remote_id), DROP COLUMN owner`);
  }
}
