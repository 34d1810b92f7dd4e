/**
 * Each task records the stage of the cloud's work it is in, as the agent reports it (Progress.stage):
 * the cloud's own work after the bytes (EC2's import: `import`, with its percentage and EC2's word for
 * where in it it is, `converting`), or the agent's (`convert`, the source converted to another disk
 * format). Null while only bytes move, and for tasks recorded before this release.
 */
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class TaskStage1764940000000 implements MigrationInterface {
  name = 'TaskStage1764940000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE tasks ADD COLUMN stage VARCHAR(32) NULL, ADD COLUMN stage_percent INT NULL, ` +
        `ADD COLUMN stage_detail VARCHAR(255) NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tasks DROP COLUMN stage_detail, DROP COLUMN stage_percent, DROP COLUMN stage`);
  }
}
