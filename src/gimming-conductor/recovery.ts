/**
 * What a conductor does with the tasks its previous life left unfinished.
 *
 * Work runs with the token of the user who asked for it, which is not kept anywhere: a task interrupted
 * by a conductor restart cannot go on, so it is failed with a clear reason and can be submitted again.
 */
import type { DataSource } from 'typeorm';
import type { RequestContext } from '../common/context';
import { getLogger } from '../common/log';
import { ImageRow, LocationRow, TaskRow } from './db/entities';

const log = getLogger('conductor.recovery');

/** What the user can do about an interrupted task, by type. */
const AGAIN: Record<string, string> = {
  copy: 'run the sync again.',
  delete: 'refresh the image, then delete it again.',
  import: 'create the import again, or upload the data.',
};

export async function recoverInterruptedTasks(
  db: DataSource,
  host: string,
  _ctx: RequestContext,
): Promise<number> {
  const now = new Date();
  const stuck = await db
    .getRepository(TaskRow)
    .createQueryBuilder('t')
    .where('t.status IN (:...states)', { states: ['pending', 'running', 'cancelling'] })
    .andWhere('t.conductor = :host', { host })
    .getMany();
  for (const task of stuck) {
    await db.transaction(async (m) => {
      await m.update(
        TaskRow,
        { id: task.id },
        {
          status: 'failed',
          errorCode: 'gimming.task.interrupted',
          errorMessage: `The conductor running this task restarted before it finished; ${AGAIN[task.type] ?? AGAIN.copy}`,
          finishedAt: now,
          updatedAt: now,
        },
      );
      if (task.type === 'import') {
        // The agent dropped what it had staged when the stream broke: the image waits for data again.
        await m
          .createQueryBuilder()
          .update(ImageRow)
          .set({ status: 'queued', stagingAgent: null, updatedAt: now })
          .where('id = :id AND status = :importing', { id: task.imageId, importing: 'importing' })
          .execute();
        return;
      }
      // An interrupted copy made nothing usable; an interrupted delete may have left the copy in place.
      await m.update(
        LocationRow,
        { imageId: task.imageId, cloudId: task.cloudId, taskId: task.id },
        { status: task.type === 'delete' ? 'active' : 'error', updatedAt: now },
      );
    });
  }
  // A delete-everywhere whose tasks all ended above: the image keeps the copies that are left.
  const deleting = [...new Set(stuck.filter((t) => t.type === 'delete').map((t) => t.imageId))];
  for (const imageId of deleting) {
    const working = await db
      .getRepository(TaskRow)
      .createQueryBuilder('t')
      .where('t.image_id = :id AND t.status IN (:...states)', {
        id: imageId,
        states: ['pending', 'running', 'cancelling'],
      })
      .getCount();
    if (working === 0) {
      await db
        .getRepository(ImageRow)
        .update({ id: imageId, status: 'deleting' }, { status: 'active', updatedAt: now });
    }
  }
  if (stuck.length > 0) log.warn({ count: stuck.length }, 'failed tasks interrupted by a restart');
  return stuck.length;
}
