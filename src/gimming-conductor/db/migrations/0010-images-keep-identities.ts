/**
 * The images table keeps identities, not metadata (the user's README: GIMinG's database holds how to find
 * an image in each cloud, not the image's metadata). Name and visibility become the spec every copy gets
 * (spec_name, spec_visibility). Formats, minimums and properties move into the `spec` JSON for images
 * made from uploaded or imported data (what copies of that data get); an adopted image's values were
 * copied from its source cloud and are dropped: they are read live from the clouds from now on.
 *
 * An image is taken as adopted when a copy that no task made, already in its cloud, was recorded with the
 * image itself (the adopted source), and nothing shows it was made from data: no upload or import task,
 * no staged data, not waiting for its data. An upload's copies are recorded with the image too, but
 * empty, and get their task when the data has arrived.
 */
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ImagesKeepIdentities1764766800000 implements MigrationInterface {
  name = 'ImagesKeepIdentities1764766800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE images CHANGE COLUMN name spec_name VARCHAR(255) NOT NULL`);
    await q.query(`ALTER TABLE images CHANGE COLUMN visibility spec_visibility VARCHAR(16) NOT NULL`);
    await q.query(`ALTER TABLE images ADD COLUMN spec TEXT NULL`);
    await q.query(
      `UPDATE images i SET i.spec = JSON_OBJECT(
         'disk_format', i.disk_format, 'container_format', i.container_format,
         'min_disk', i.min_disk, 'min_ram', i.min_ram,
         'properties', JSON_EXTRACT(COALESCE(i.properties, '{}'), '$'))
       WHERE i.staging_agent IS NOT NULL OR i.status IN ('queued', 'saving', 'importing')
         OR EXISTS (SELECT 1 FROM tasks t WHERE t.image_id = i.id AND t.type IN ('upload', 'import'))
         OR NOT EXISTS (SELECT 1 FROM locations l WHERE l.image_id = i.id AND l.created_at = i.created_at
           AND l.remote_id IS NOT NULL AND l.task_id IS NULL)`,
    );
    // JSON_OBJECT keeps SQL NULLs as JSON nulls: the spec holds only what is set.
    await q.query(`UPDATE images SET spec = JSON_REMOVE(spec, '$.disk_format')
       WHERE JSON_TYPE(JSON_EXTRACT(spec, '$.disk_format')) = 'NULL'`);
    await q.query(`UPDATE images SET spec = JSON_REMOVE(spec, '$.container_format')
       WHERE JSON_TYPE(JSON_EXTRACT(spec, '$.container_format')) = 'NULL'`);
    await q.query(`UPDATE images SET spec = '{}' WHERE spec IS NULL`);
    await q.query(
      `ALTER TABLE images DROP COLUMN disk_format, DROP COLUMN container_format, DROP COLUMN min_disk,
         DROP COLUMN min_ram, DROP COLUMN properties`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE images ADD COLUMN disk_format VARCHAR(16) NULL, ADD COLUMN container_format VARCHAR(16) NULL,
         ADD COLUMN min_disk INT NOT NULL DEFAULT 0, ADD COLUMN min_ram INT NOT NULL DEFAULT 0,
         ADD COLUMN properties TEXT NULL`,
    );
    await q.query(
      `UPDATE images SET
         disk_format = JSON_UNQUOTE(JSON_EXTRACT(spec, '$.disk_format')),
         container_format = JSON_UNQUOTE(JSON_EXTRACT(spec, '$.container_format')),
         min_disk = COALESCE(JSON_EXTRACT(spec, '$.min_disk'), 0),
         min_ram = COALESCE(JSON_EXTRACT(spec, '$.min_ram'), 0),
         properties = COALESCE(JSON_EXTRACT(spec, '$.properties'), '{}')`,
    );
    await q.query(`ALTER TABLE images DROP COLUMN spec`);
    await q.query(`ALTER TABLE images CHANGE COLUMN spec_visibility visibility VARCHAR(16) NOT NULL`);
    await q.query(`ALTER TABLE images CHANGE COLUMN spec_name name VARCHAR(255) NOT NULL`);
  }
}
