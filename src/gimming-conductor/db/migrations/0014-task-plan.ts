/**
 * Each copy task records the plan it follows (planner.ts CopyPlan, JSON): the cloud it reads from, the
 * path (native, agent, agent+convert), the conversion and the bytes through the agents. Null for tasks
 * recorded before this release, and for tasks that copy nothing (uploads, imports, deletes).
 */
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class TaskPlan1765100000000 implements MigrationInterface {
  name = 'TaskPlan1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tasks ADD COLUMN plan TEXT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tasks DROP COLUMN plan`);
  }
}
