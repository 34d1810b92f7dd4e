/**
 * The kinds of task a conductor runs, and what happens when one ends. The conductor's engine asks the
 * registry for the work of a task by its type; the end-of-task hooks free what the task no longer needs
 * (staged data, a finished deletion, a trust).
 */
import type { DataSource } from 'typeorm';
import type { RequestContext } from '../../common/context';
import { TaskRow } from '../db/entities';
import type { ImageDeletion } from '../image-deletion';
import type { Trusts } from '../trusts';
import type { UploadService } from '../uploads';
import { CopyTask, type CopyTaskDeps } from './copy-task';
import { DeleteTask } from './delete-task';
import type { RunnableTask, TaskEngine, TaskFactory, TaskType } from './engine';
import { ImportTask } from './import-task';
import { UploadTask } from './upload-task';

export class TaskRegistry {
  /**
   * The upload service, which the import tasks need: it needs the engine, which needs this registry, so
   * it is handed over once made (see `connect`).
   */
  private uploads: UploadService | undefined;

  constructor(private readonly deps: CopyTaskDeps) {}

  /** The work of task `taskId` of kind `type`, run with `ctx`. */
  readonly make: TaskFactory = (type: TaskType, taskId: string, ctx: RequestContext): RunnableTask => {
    switch (type) {
      case 'delete':
        return new DeleteTask(this.deps, taskId, ctx);
      case 'import':
        return new ImportTask({ ...this.deps, uploads: this.uploadService() }, taskId, ctx);
      case 'upload':
        return new UploadTask(this.deps, taskId, ctx);
      default:
        return new CopyTask(this.deps, taskId, ctx);
    }
  };

  /**
   * Completes the registry with the services made after the engine, and installs the end-of-task hooks:
   * a copy made is shared like its image, and when a task ends its credentials are forgotten, the staged
   * data nobody needs any more is deleted, a deletion that is over is settled and a trust no task needs is
   * released.
   */
  connect(
    engine: TaskEngine,
    services: {
      db: DataSource;
      uploads: UploadService;
      deletion: ImageDeletion;
      trusts: Trusts;
      afterCopy: NonNullable<CopyTaskDeps['afterCopy']>;
    },
  ): void {
    const { db, uploads, deletion, trusts } = services;
    this.uploads = uploads;
    this.deps.afterCopy = services.afterCopy;
    engine.onTaskEnd = async (ctx, taskId) => {
      const task = await db.getRepository(TaskRow).findOneBy({ id: taskId });
      if (!task || !['pending', 'running', 'cancelling'].includes(task.status)) {
        engine.forgetCloudCredentials(taskId);
      }
      if (!task) return;
      await uploads.releaseStaging(ctx, task.imageId);
      await deletion.settleDeletion(ctx, task.imageId);
      if (task.trustId) await trusts.releaseIfDone(task.trustId);
    };
  }

  private uploadService(): UploadService {
    if (!this.uploads) throw new Error('the task registry is not connected to the upload service');
    return this.uploads;
  }
}
