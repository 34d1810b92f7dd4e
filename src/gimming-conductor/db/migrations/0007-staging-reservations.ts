/**
 * What an upload or import still arriving has reserved of the staging area, so that the staging bytes of
 * a project ([quota] staged_bytes) count it before its size is known.
 */
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class StagingReservations1764590400000 implements MigrationInterface {
  name = 'StagingReservations1764590400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE images ADD COLUMN staging_reserved BIGINT NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE images DROP COLUMN staging_reserved');
  }
}
