/**
 * Deleting one copy of an image from its cloud, as a task of its own (DELETE /v1/images/{id} with
 * delete_remote=true queues one per copy). The same rules as removing a single copy hold: a public copy is
 * deleted only by an administrator, and a copy owned by another project is never deleted (deleting every
 * copy would delete the last one). A copy that is already gone counts as deleted.
 */
import type { DataSource } from 'typeorm';
import type { RequestContext } from '../../common/context';
import { GimmingError, asGimmingError, describeError } from '../../common/errors';
import { getLogger } from '../../common/log';
import * as agentapi from '../agentapi';
import type { AgentRegistry } from '../agents';
import { CloudRow, ImageRow, LocationRow, TaskRow } from '../db/entities';
import type { RunnableTask } from './engine';
import { tooManyAttempts } from './copy-task';
import { type RetryPolicy, nextAttempt } from './retry';

const log = getLogger('conductor.delete');

export interface DeleteTaskDeps {
  db: DataSource;
  agents: AgentRegistry;
  host: string;
  retry: RetryPolicy;
}

export class DeleteTask implements RunnableTask {
  private stopReason: GimmingError | undefined;
  private startedAt: Date | undefined;

  constructor(
    private readonly deps: DeleteTaskDeps,
    private readonly taskId: string,
    private readonly ctx: RequestContext,
  ) {}

  /** A delete is one call to the cloud: stopping it is only possible before that call. */
  cancel(
    reason: GimmingError = new GimmingError('gimming.task.cancelled', 409, 'The delete was cancelled.'),
  ): void {
    this.stopReason = reason;
  }

  async run(): Promise<void> {
    const { db } = this.deps;
    const task = await db.getRepository(TaskRow).findOneByOrFail({ id: this.taskId });
    const image = await db.getRepository(ImageRow).findOneByOrFail({ id: task.imageId });
    const cloud = await db.getRepository(CloudRow).findOneByOrFail({ id: task.cloudId });
    const location = await db.getRepository(LocationRow).findOneBy({ imageId: image.id, cloudId: cloud.id });
    const before = location?.status ?? 'active';
    try {
      if (task.status === 'cancelling')
        this.stopReason ??= new GimmingError('gimming.task.cancelled', 409, 'The delete was cancelled.');
      if (this.stopReason) throw this.stopReason;
      if (task.attempts >= this.deps.retry.maxAttempts) throw tooManyAttempts(task);
      if (!location?.remoteId) {
        await this.markSucceeded(task, false);
        return;
      }
      const agent = await this.deps.agents.pick(cloud.zone);
      await this.markRunning(task, agent.address);
      const remote = await agentapi
        .describeImage(this.ctx, agent.address, cloud, location.remoteId)
        .catch((err: unknown) => {
          if (err instanceof GimmingError && err.status === 404) return undefined;
          throw err;
        });
      if (remote) {
        if (remote.visibility === 'public' && !this.ctx.isAdmin) {
          throw new GimmingError(
            'gimming.location.public',
            403,
            `The copy in cloud ${cloud.name} is public; only an administrator may delete it. It was kept.`,
          );
        }
        if (remote.owner && remote.owner !== image.owner) {
          throw new GimmingError(
            'gimming.location.not_owner',
            403,
            `The copy in cloud ${cloud.name} belongs to another project; it was kept. Unlink it to forget it.`,
          );
        }
        if (this.stopReason) throw this.stopReason;
        await agentapi.deleteImage(this.ctx, agent.address, cloud, location.remoteId);
      }
      await this.markSucceeded(task, remote !== undefined);
      log.info(
        {
          task_id: task.id,
          image_id: image.id,
          cloud: cloud.name,
          remote_id: location.remoteId,
          existed: !!remote,
        },
        'copy deleted from its cloud',
      );
    } catch (err) {
      await this.markFailed(task, this.stopReason ?? err, before);
    }
  }

  private async markRunning(task: TaskRow, agentAddress: string): Promise<void> {
    const now = new Date();
    this.startedAt = now;
    await this.deps.db.transaction(async (m) => {
      await m.update(
        TaskRow,
        { id: task.id },
        {
          status: 'running',
          attempts: task.attempts + 1,
          conductor: this.deps.host,
          agent: agentAddress,
          startedAt: now,
          updatedAt: now,
        },
      );
      await m.update(
        LocationRow,
        { imageId: task.imageId, cloudId: task.cloudId },
        { status: 'deleting', taskId: task.id, updatedAt: now },
      );
    });
  }

  /** The copy is gone: the location goes with it. */
  private async markSucceeded(task: TaskRow, existed: boolean): Promise<void> {
    const now = new Date();
    await this.deps.db.transaction(async (m) => {
      await m.update(
        TaskRow,
        { id: task.id },
        { status: 'succeeded', startedAt: this.startedAt ?? now, finishedAt: now, updatedAt: now },
      );
      await m.delete(LocationRow, { imageId: task.imageId, cloudId: task.cloudId });
    });
    if (!existed) log.info({ task_id: task.id, image_id: task.imageId }, 'copy was already gone');
  }

  /** The copy was kept (or may have been): the location stays as it was before. */
  private async markFailed(task: TaskRow, err: unknown, before: string): Promise<void> {
    const gerr = asGimmingError(err);
    const message =
      gerr.status >= 500 && gerr.code === 'gimming.internal' ? 'An unexpected error occurred.' : gerr.message;
    const now = new Date();
    const cancelled = gerr.code === 'gimming.task.cancelled';
    const retryAt = nextAttempt(
      this.deps.retry,
      gerr,
      this.startedAt ? task.attempts + 1 : task.attempts,
      now,
    );
    if (retryAt) {
      await this.deps.db.transaction(async (m) => {
        await m.update(
          TaskRow,
          { id: task.id },
          {
            status: 'pending',
            errorCode: gerr.code,
            errorMessage: message.slice(0, 4000),
            nextAttemptAt: retryAt,
            leaseExpiresAt: null,
            updatedAt: now,
          },
        );
        await m.update(
          LocationRow,
          { imageId: task.imageId, cloudId: task.cloudId },
          { status: before === 'deleting' ? 'active' : before, updatedAt: now },
        );
      });
      log.warn(
        { task_id: task.id, code: gerr.code, reason: message, retry_at: retryAt },
        'delete failed; it will be tried again',
      );
      return;
    }
    await this.deps.db.transaction(async (m) => {
      await m.update(
        TaskRow,
        { id: task.id },
        {
          status: cancelled ? 'cancelled' : 'failed',
          errorCode: gerr.code,
          errorMessage: message.slice(0, 4000),
          finishedAt: now,
          updatedAt: now,
        },
      );
      await m.update(
        LocationRow,
        { imageId: task.imageId, cloudId: task.cloudId },
        { status: before === 'deleting' ? 'active' : before, updatedAt: now },
      );
    });
    log.warn(
      {
        task_id: task.id,
        image_id: task.imageId,
        code: gerr.code,
        reason: message,
        cause: gerr.cause === undefined ? undefined : describeError(gerr.cause),
      },
      'copy not deleted',
    );
  }
}
