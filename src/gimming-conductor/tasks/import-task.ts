/**
 * Importing an image's data from a URL: the staging agent downloads it (under [import_filtering]) into
 * its staging area, then every target gets its copy from there, as after an upload. A failed import puts
 * the image back to `queued`, waiting for data (Glance does the same), with nothing staged.
 *
 * The URL lives only in this conductor's memory, for as long as the task waits or runs: it may carry a
 * signature or a token in its query, and is never written to the database.
 */
import type { DataSource } from 'typeorm';
import type { RequestContext } from '../../common/context';
import { GimmingError } from '../../common/errors';
import { getLogger } from '../../common/log';
import type { AgentGateway, RunningImport } from '../agent-gateway';
import { CloudRow, ImageRow, TaskRow } from '../db/entities';
import type { ConductorNotifier, TaskEventInfo } from '../notify';
import type { UploadService } from '../uploads';
import type { RunnableTask } from './engine';
import { pendingImportUrls } from './import-urls';
import { recordFailure, recordStart } from './records';
import { digestMap } from '../byte-identity';

const log = getLogger('conductor.import');

export interface ImportTaskDeps {
  db: DataSource;
  /** How the task reaches its agents. */
  gateway: AgentGateway;
  host: string;
  progressIntervalMs: number;
  uploads: UploadService;
  notify?: ConductorNotifier;
}

const cancelled = () => new GimmingError('gimming.task.cancelled', 409, 'The import was cancelled.');

export class ImportTask implements RunnableTask {
  private running: RunningImport | undefined;
  private stopReason: GimmingError | undefined;

  constructor(
    private readonly deps: ImportTaskDeps,
    private readonly taskId: string,
    private readonly ctx: RequestContext,
  ) {}

  cancel(reason: GimmingError = cancelled()): void {
    this.stopReason = reason;
    this.running?.cancel();
  }

  async run(): Promise<void> {
    const { db } = this.deps;
    const url = pendingImportUrls.get(this.taskId);
    pendingImportUrls.delete(this.taskId);
    const task = await db.getRepository(TaskRow).findOneByOrFail({ id: this.taskId });
    const image = await db.getRepository(ImageRow).findOneByOrFail({ id: task.imageId });
    // The cloud whose zone stages the data (the first target): never the URL, which may carry a secret.
    const cloud = await db.getRepository(CloudRow).findOneBy({ id: task.cloudId });
    const event: TaskEventInfo = { task, image, cloud };
    let stagedAt: string | undefined;
    try {
      if (task.status === 'cancelling') this.stopReason ??= cancelled();
      if (this.stopReason) throw this.stopReason;
      if (!url || !image.stagingAgent) {
        throw new GimmingError(
          'gimming.import.lost',
          409,
          'The import was interrupted before it started; create the import again.',
        );
      }
      await this.markRunning(task, image.stagingAgent, event);
      // The project's staging room now ([quota] staged_bytes): the agent stops the data there.
      const limit = await this.deps.uploads.stagingLimit(image);
      let lastWrite = 0;
      let progressWrite: Promise<unknown> = Promise.resolve();
      this.running = this.deps.gateway.importToStaging(
        this.ctx,
        image.stagingAgent,
        { image_id: image.id, url, ...(limit !== undefined ? { limit_bytes: limit } : {}) },
        (done, total) => {
          const now = Date.now();
          if (now - lastWrite < this.deps.progressIntervalMs) return;
          lastWrite = now;
          progressWrite = progressWrite.then(() =>
            db
              .getRepository(TaskRow)
              .update(
                { id: task.id },
                { bytesDone: done, bytesTotal: total > 0 ? total : null, updatedAt: new Date() },
              ),
          );
        },
      );
      if (this.stopReason) this.running.cancel();
      let staged;
      try {
        staged = await this.running.result;
      } finally {
        await progressWrite.catch(() => undefined);
      }
      const stagedDigests = digestMap(staged.digests);
      stagedAt = image.stagingAgent;
      await this.deps.uploads.copyStaged(this.ctx, image, 'importing', {
        size: staged.size,
        checksum: stagedDigests.md5 ?? '',
        sha512: stagedDigests.sha512 ?? '',
      });
      const now = new Date();
      await db.getRepository(TaskRow).update(
        { id: task.id },
        {
          status: 'succeeded',
          bytesDone: staged.size,
          bytesTotal: staged.size,
          finishedAt: now,
          updatedAt: now,
        },
      );
      log.info({ task_id: task.id, image_id: image.id, size: staged.size }, 'import succeeded');
      this.deps.notify?.taskSucceeded(
        this.ctx,
        {
          ...event,
          image: Object.assign(new ImageRow(), image, {
            size: staged.size,
            checksum: stagedDigests.md5 ?? null,
            osHashAlgo: 'sha512',
            osHashValue: stagedDigests.sha512 ?? null,
          }),
          attempts: task.attempts + 1,
        },
        { bytes: staged.size },
      );
    } catch (err) {
      await this.markFailed(task, image, this.stopReason ?? err, event);
      // Staged, but the image could not take it (deleted meanwhile): the data must not stay behind.
      if (stagedAt)
        await this.deps.gateway.deleteStaging(this.ctx, stagedAt, image.id).catch(() => undefined);
    }
  }

  private async markRunning(task: TaskRow, agentAddress: string, event: TaskEventInfo): Promise<void> {
    this.deps.notify?.taskStarted(this.ctx, { ...event, attempts: task.attempts + 1 });
    await recordStart(this.deps.db, task, this.deps.host, agentAddress);
  }

  private async markFailed(
    task: TaskRow,
    image: ImageRow,
    err: unknown,
    event: TaskEventInfo,
  ): Promise<void> {
    // No retry: the URL is gone with this run. The agent left nothing staged: the image waits for data again.
    const { outcome, error, message } = await recordFailure(this.deps.db, task, err, {
      attempts: task.attempts + 1,
      onEnd: async (m) => {
        await m
          .createQueryBuilder()
          .update(ImageRow)
          .set({ status: 'queued', stagingAgent: null, updatedAt: new Date() })
          .where('id = :id AND status = :importing', { id: image.id, importing: 'importing' })
          .execute();
      },
    });
    log.warn({ task_id: task.id, image_id: image.id, code: error.code, reason: message }, 'import failed');
    if (outcome !== 'retry') {
      this.deps.notify?.taskFailed(
        this.ctx,
        { ...event, attempts: task.attempts + 1 },
        outcome,
        error,
        message,
      );
    }
  }
}
