/**
 * Fair share between projects ([quota]): how many tasks one project may have pending or running, how many
 * bytes it may hold in the staging areas, how many clouds of its own it may register. -1 is no limit.
 *
 * The answers follow OpenStack's: the staging limit is 413 as Glance's image quotas are, the cloud limit
 * 403 as Nova's quotas are, the task limit 429 (Too Many Requests): it lifts by itself as tasks end.
 */
import type { EntityManager } from 'typeorm';
import { GimmingError } from '../common/errors';
import { CloudRow, ImageRow, TaskRow } from './db/entities';

export interface QuotaLimits {
  runningTasks: number;
  stagedBytes: number;
  clouds: number;
}

export const NO_LIMITS: QuotaLimits = { runningTasks: -1, stagedBytes: -1, clouds: -1 };

/**
 * States in which a task counts against its project (see task-queue.ts WORKING_STATES). An upload does not
 * count: its copies do, once its data is staged.
 */
const COUNTED_STATES = ['pending', 'running', 'cancelling'];

export class ProjectQuotas {
  constructor(readonly limits: QuotaLimits = NO_LIMITS) {}

  /** Refuses work that would give `project` more than [quota] running_tasks tasks at once. */
  async checkTasks(m: EntityManager, project: string, adding: number): Promise<void> {
    const limit = this.limits.runningTasks;
    if (limit < 0 || adding === 0) return;
    const working = await m
      .getRepository(TaskRow)
      .createQueryBuilder('t')
      .where('t.project_id = :project AND t.status IN (:...states)', { project, states: COUNTED_STATES })
      .andWhere("t.type <> 'upload'")
      .getCount();
    if (working + adding > limit) {
      throw new GimmingError(
        'gimming.quota.tasks_exceeded',
        429,
        `Project ${project} has ${working} tasks pending or running; this would add ${adding}, over its ` +
          `limit of ${limit}. Try again once some have ended.`,
        { retryable: true, details: { limit, in_use: working, requested: adding } },
      );
    }
  }

  /** Refuses a project cloud past [quota] clouds. */
  async checkClouds(m: EntityManager, project: string): Promise<void> {
    const limit = this.limits.clouds;
    if (limit < 0) return;
    const owned = await m.getRepository(CloudRow).countBy({ scope: 'project', owner: project });
    if (owned >= limit) {
      throw new GimmingError(
        'gimming.quota.clouds_exceeded',
        403,
        `Project ${project} has ${owned} clouds of its own, its limit.`,
        { details: { limit, in_use: owned } },
      );
    }
  }

  /**
   * The staging room left to `project` (bytes), not counting `imageId`; undefined without a limit. Staged
   * data counts with its size, an upload or import still arriving with what it reserved. The project's
   * rows are locked (FOR UPDATE) so that two uploads starting at once cannot both take the last room.
   */
  async stagingRoom(m: EntityManager, project: string, imageId: string): Promise<number | undefined> {
    const limit = this.limits.stagedBytes;
    if (limit < 0) return undefined;
    const rows = await m
      .getRepository(ImageRow)
      .createQueryBuilder('i')
      .select(['i.id', 'i.size', 'i.stagingReserved'])
      .where('i.owner = :project AND i.staging_agent IS NOT NULL AND i.id <> :imageId', { project, imageId })
      .setLock('pessimistic_write')
      .getMany();
    let used = 0;
    for (const r of rows) used += Number(r.size ?? r.stagingReserved ?? 0);
    return Math.max(0, limit - used);
  }
}

export function stagedBytesExceeded(
  project: string,
  limit: number,
  room: number,
  size?: number,
): GimmingError {
  return new GimmingError(
    'gimming.quota.staged_bytes_exceeded',
    413,
    size === undefined
      ? `Project ${project} has no staging room left (its limit is ${limit} bytes); wait for its uploads to be copied.`
      : `The upload (${size} bytes) is larger than the staging room left to project ${project} (${room} of ${limit} bytes).`,
    { details: { limit, available: room } },
  );
}
