/**
 * An upload, as a leased task like every other kind of work. The API process that streams the data into
 * an agent's staging area holds the task's lease (begin_upload takes it, renew_upload renews it) and ends
 * the task (finish_upload, abort_upload). A conductor runs an upload task only when that lease lapsed: the
 * API process died or lost the conductors mid-upload. The task then ends failed, the staged data and the
 * staging reservation are freed, and the image waits for its data again (`queued`), as after any failed
 * upload: the same image takes a new upload at once.
 */
import type { DataSource } from 'typeorm';
import type { RequestContext } from '../../common/context';
import { GimmingError, describeError } from '../../common/errors';
import { getLogger } from '../../common/log';
import type { AgentGateway } from '../agent-gateway';
import { ImageRow, TaskRow } from '../db/entities';
import { removePendingLiveCopies } from '../live-copies';
import type { RunnableTask } from './engine';

const log = getLogger('conductor.upload');

export interface UploadTaskDeps {
  db: DataSource;
  gateway: AgentGateway;
}

/** Why an upload whose lease lapsed ended. */
export function uploadInterrupted(): GimmingError {
  return new GimmingError(
    'gimming.upload.interrupted',
    503,
    'The upload stopped: the API server that received it went away. Upload the data again.',
  );
}

/** The states of an upload task that still holds its image. */
export const UPLOADING_STATES = ['running', 'cancelling'];

export class UploadTask implements RunnableTask {
  private reason: GimmingError | undefined;

  constructor(
    private readonly deps: UploadTaskDeps,
    private readonly taskId: string,
    private readonly ctx: RequestContext,
  ) {}

  cancel(reason?: GimmingError): void {
    this.reason = reason;
  }

  async run(): Promise<void> {
    const { db } = this.deps;
    const task = await db.getRepository(TaskRow).findOneBy({ id: this.taskId });
    if (!task || !UPLOADING_STATES.includes(task.status)) return;
    // Whatever stopped it (a lapsed lease, a task nobody can go on with), the API server is gone.
    const error =
      this.reason && this.reason.code !== 'gimming.task.interrupted' ? this.reason : uploadInterrupted();
    const now = new Date();
    let stagingAgent: string | null = null;
    const ended = await db.transaction(async (m) => {
      const done = await m
        .createQueryBuilder()
        .update(TaskRow)
        .set({
          status: 'failed',
          errorCode: error.code,
          errorMessage: error.message,
          finishedAt: now,
          updatedAt: now,
          leaseExpiresAt: null,
        })
        .where('id = :id AND status IN (:...states)', { id: task.id, states: UPLOADING_STATES })
        .execute();
      if (!done.affected) return false;
      // Its copies go with it (live-copies.ts): no task is left of an upload that did not happen.
      await removePendingLiveCopies(m, task.imageId);
      const image = await m.findOneBy(ImageRow, { id: task.imageId });
      if (image?.status === 'saving') {
        stagingAgent = image.stagingAgent ?? task.agent;
        await m.update(
          ImageRow,
          { id: image.id, status: 'saving' },
          { status: 'queued', stagingAgent: null, stagingReserved: null, updatedAt: now },
        );
      }
      return true;
    });
    if (!ended) return;
    log.warn(
      { task_id: task.id, image_id: task.imageId, code: error.code },
      'upload interrupted: the image waits for its data again',
    );
    const agent = stagingAgent ?? task.agent;
    if (!agent) return;
    // The agent discards a cut-short upload itself; this covers one it kept regardless.
    await this.deps.gateway
      .deleteStaging(this.ctx, agent, task.imageId)
      .catch((err: unknown) =>
        log.error(
          { image_id: task.imageId, agent, reason: describeError(err) },
          'could not delete staged data',
        ),
      );
  }
}
