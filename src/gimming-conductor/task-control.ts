/**
 * Stopping tasks. Any conductor takes the request; the conductor that runs the task stops it (a message
 * to its own queue), and its agent deletes the partial copy.
 */
import type { DataSource } from 'typeorm';
import type { RequestContext } from '../common/context';
import { conflict } from '../common/errors';
import { getLogger } from '../common/log';
import { TaskRow } from './db/entities';
import type { ConductorAPI } from './rpcapi';
import type { TaskView } from './rpc-schemas';
import type { TaskQueries } from './task-queries';
import type { TaskEngine } from './tasks/engine';

const log = getLogger('conductor.cancel');

export class TaskControl {
  constructor(
    private readonly db: DataSource,
    private readonly queries: TaskQueries,
    private readonly engine: TaskEngine,
    private readonly conductors: ConductorAPI,
  ) {}

  async cancel(ctx: RequestContext, taskId: string): Promise<TaskView> {
    await this.queries.get(ctx, taskId); // 404 unless visible
    const result = await this.db
      .createQueryBuilder()
      .update(TaskRow)
      .set({ status: 'cancelling', updatedAt: new Date() })
      .where('id = :id AND status IN (:...states)', { id: taskId, states: ['pending', 'running'] })
      .execute();
    const task = await this.db.getRepository(TaskRow).findOneByOrFail({ id: taskId });
    if (!result.affected && task.status !== 'cancelling') {
      throw conflict(
        'gimming.task.not_cancellable',
        `Task ${taskId} is ${task.status}; only a pending or running task can be cancelled.`,
      );
    }
    if (task.conductor) await this.conductors.cancelCopy(ctx, task.conductor, taskId);
    log.info({ task_id: taskId, conductor: task.conductor }, 'cancel requested');
    return this.queries.get(ctx, taskId);
  }

  /** On the conductor that runs the task. */
  stopHere(taskId: string): void {
    if (!this.engine.cancel(taskId)) log.info({ task_id: taskId }, 'no such task running here');
  }
}
