/**
 * Deleting one copy of an image from its cloud, as a task of its own (DELETE /v1/images/{id} with
 * delete_remote=true queues one per copy). The same rules as removing a single copy hold: a public copy is
 * deleted only by an administrator, and a copy owned by another project is never deleted (deleting every
 * copy would delete the last one). A copy that is already gone counts as deleted.
 */
import type { DataSource } from 'typeorm';
import type { RequestContext } from '../../common/context';
import { GimmingError, describeError } from '../../common/errors';
import { getLogger } from '../../common/log';
import type { AgentGateway } from '../agent-gateway';
import type { AgentRegistry } from '../agents';
import { capabilitiesOf } from '../capabilities';
import { CloudRow, ImageRow, LocationRow, TaskRow } from '../db/entities';
import { copyBelongsToImage } from '../image-guards';
import type { ConductorNotifier, TaskEventInfo } from '../notify';
import type { RunnableTask } from './engine';
import { tooManyAttempts } from './errors';
import { recordFailure, recordStart } from './records';
import type { RetryPolicy } from './retry';

const log = getLogger('conductor.delete');

export interface DeleteTaskDeps {
  db: DataSource;
  agents: AgentRegistry;
  /** How the task reaches its agents. */
  gateway: AgentGateway;
  host: string;
  retry: RetryPolicy;
  notify?: ConductorNotifier;
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
    const event: TaskEventInfo = { task, image, cloud, remoteId: location?.remoteId ?? null };
    try {
      if (task.status === 'cancelling')
        this.stopReason ??= new GimmingError('gimming.task.cancelled', 409, 'The delete was cancelled.');
      if (this.stopReason) throw this.stopReason;
      if (task.attempts >= this.deps.retry.maxAttempts) throw tooManyAttempts(task);
      if (!location?.remoteId) {
        await this.markSucceeded(task, false, event);
        return;
      }
      const agent = await this.deps.agents.pick(cloud.zone);
      await this.markRunning(task, agent.address, event);
      const remote = await this.deps.gateway
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
        const capabilities = capabilitiesOf(await this.deps.agents.capabilitiesByZone(), cloud);
        if (!copyBelongsToImage(remote, image, capabilities, cloud)) {
          throw new GimmingError(
            'gimming.location.not_owner',
            403,
            `The copy in cloud ${cloud.name} belongs to another project; it was kept. Unlink it to forget it.`,
          );
        }
        if (this.stopReason) throw this.stopReason;
        await this.deps.gateway.deleteImage(this.ctx, agent.address, cloud, location.remoteId);
      }
      await this.markSucceeded(task, remote !== undefined, event);
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
      await this.markFailed(task, this.stopReason ?? err, before, event);
    }
  }

  private async markRunning(task: TaskRow, agentAddress: string, event: TaskEventInfo): Promise<void> {
    this.deps.notify?.taskStarted(this.ctx, { ...event, attempts: task.attempts + 1 });
    this.startedAt = await recordStart(this.deps.db, task, this.deps.host, agentAddress, {
      status: 'deleting',
      taskId: task.id,
    });
  }

  /** The copy is gone: the location goes with it. */
  private async markSucceeded(task: TaskRow, existed: boolean, event: TaskEventInfo): Promise<void> {
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
    this.deps.notify?.taskSucceeded(
      this.ctx,
      { ...event, attempts: this.startedAt ? task.attempts + 1 : task.attempts },
      { existed },
    );
  }

  /** The copy was kept (or may have been): the location stays as it was before. */
  private async markFailed(task: TaskRow, err: unknown, before: string, event: TaskEventInfo): Promise<void> {
    const kept = { status: before === 'deleting' ? 'active' : before };
    const attempts =
      this.startedAt || !(this.stopReason || task.attempts >= this.deps.retry.maxAttempts)
        ? task.attempts + 1
        : task.attempts;
    const { outcome, error, message, retryAt } = await recordFailure(this.deps.db, task, err, {
      retry: this.deps.retry,
      attempts,
      location: { retry: kept, failed: kept },
    });
    this.deps.agents.noteFailure(error);
    log.warn(
      {
        task_id: task.id,
        image_id: task.imageId,
        code: error.code,
        reason: message,
        ...(retryAt ? { retry_at: retryAt } : {}),
        cause: error.cause === undefined ? undefined : describeError(error.cause),
      },
      outcome === 'retry' ? 'delete failed; it will be tried again' : 'copy not deleted',
    );
    if (outcome !== 'retry')
      this.deps.notify?.taskFailed(this.ctx, { ...event, attempts }, outcome, error, message);
  }
}
