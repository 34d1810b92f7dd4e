/**
 * Indexes for the listings at scale (npm run bench:load, 10,000 images): a project's images in created
 * order (the default listing and its markers), by name (the matrix), and a project's tasks in created
 * order. Without them each page sorted every image of the project (a filesort) before taking 21 rows.
 */
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ListingIndexes1765900000000 implements MigrationInterface {
  name = 'ListingIndexes1765900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX idx_images_owner_created ON images (owner, created_at, id)`);
    await q.query(`CREATE INDEX idx_images_owner_name ON images (owner, spec_name, created_at)`);
    await q.query(`CREATE INDEX idx_tasks_project_created ON tasks (project_id, created_at, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX idx_tasks_project_created ON tasks`);
    await q.query(`DROP INDEX idx_images_owner_name ON images`);
    await q.query(`DROP INDEX idx_images_owner_created ON images`);
  }
}
