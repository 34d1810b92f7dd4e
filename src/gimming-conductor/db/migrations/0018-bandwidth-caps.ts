/**
 * Bandwidth caps (doc/source/admin/performance.rst, "Bandwidth caps"): each copy task records the
 * max_bandwidth its request asked for (bytes per second; null: none), and an image made with targets (an
 * upload, an import) records it for the copies queued once its data is staged. A cloud's own cap is one of
 * its options (clouds.options JSON, migration 0011); the lowest of them is what the copy is held to.
 */
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class BandwidthCaps1765400000000 implements MigrationInterface {
  name = 'BandwidthCaps1765400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tasks ADD COLUMN max_bandwidth BIGINT NULL`);
    await q.query(`ALTER TABLE images ADD COLUMN max_bandwidth BIGINT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tasks DROP COLUMN max_bandwidth`);
    await q.query(`ALTER TABLE images DROP COLUMN max_bandwidth`);
  }
}
