/**
 * The base of a copy planned incremental (incremental-plan.ts), checked as the copy starts: its copy in
 * the target cloud must still be active, or the copy is made in full and its plan says why.
 */
import type { DataSource } from 'typeorm';
import { getLogger } from '../../common/log';
import type { FormatPlan } from '../capabilities';
import { type CloudRow, LocationRow, TaskRow } from '../db/entities';
import type { CopyPlan } from '../planner';

const log = getLogger('conductor.copy');

/**
 * The remote ID of the base's copy in the target, for a copy planned incremental, while it is still
 * active there; undefined for a full copy. When it is gone, `formats.planned` becomes the full copy it
 * now is, recorded on the task.
 */
export async function incrementalBase(
  db: DataSource,
  task: Pick<TaskRow, 'id'>,
  target: CloudRow,
  formats: FormatPlan & { planned?: CopyPlan },
): Promise<string | undefined> {
  const planned = formats.planned;
  const incremental = planned?.incremental;
  if (!planned || planned.path !== 'incremental' || !incremental) return undefined;
  const location = await db
    .getRepository(LocationRow)
    .findOneBy({ imageId: incremental.from, cloudId: target.id, status: 'active' });
  if (location?.remoteId) return location.remoteId;
  const full: CopyPlan = {
    ...planned,
    path: planned.conversion ? 'agent+convert' : 'agent',
    incremental: {
      ...incremental,
      base_remote_id: null,
      fallback: `image ${incremental.from} (the base) has no active copy in cloud ${target.name} any more`,
    },
  };
  formats.planned = full;
  await db.getRepository(TaskRow).update({ id: task.id }, { plan: JSON.stringify(full) });
  log.info({ task_id: task.id, base: incremental.from }, 'the base is gone: the copy is made in full');
  return undefined;
}
