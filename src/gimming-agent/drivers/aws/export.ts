/**
 * Out of EC2: ExportImage into the transfer bucket, DescribeExportImageTasks until it completes, then the
 * exported object as a stream, deleted once read (also when the read fails or is cancelled). A cancel
 * while EC2 still exports reaches it as CancelExportTask.
 */
import { randomUUID } from 'node:crypto';
import {
  CancelExportTaskCommand,
  DescribeExportImageTasksCommand,
  type EC2Client,
  type ExportImageTask,
  ExportImageCommand,
} from './ec2-sdk';
import { GimmingError, describeError } from '../../../common/errors';
import { getLogger } from '../../../common/log';
import type { ImageData, TransferOptions } from '../driver';
import type { AwsConfig } from './config';
import { awsFailure, taskFailed } from './errors';
import type { TransferBucket } from './s3-objects';
import { waitFor } from './wait';

const log = getLogger('agent.aws');

export class Exporter {
  constructor(
    private readonly ec2: EC2Client,
    private readonly own: AwsConfig,
    private readonly cloudName: string,
  ) {}

  async read(amiId: string, bucket: TransferBucket, opts: TransferOptions = {}): Promise<ImageData> {
    const prefix = `gimming/exports/${randomUUID()}/`;
    let taskId: string | undefined;
    try {
      const out = await this.ec2.send(
        new ExportImageCommand({
          ImageId: amiId,
          DiskImageFormat: this.own.export_format.toUpperCase() as 'RAW' | 'VMDK' | 'VHD',
          S3ExportLocation: { S3Bucket: bucket.bucket, S3Prefix: prefix },
          ClientToken: prefix,
        }),
      );
      taskId = out.ExportImageTaskId;
      if (!taskId)
        throw new GimmingError('gimming.cloud.error', 502, `Cloud ${this.cloudName} started no export task.`);
    } catch (err) {
      throw awsFailure(err, `Exporting image ${amiId}`, this.cloudName, amiId);
    }
    const id = taskId;
    log.info({ cloud: this.cloudName, ami_id: amiId, export_task_id: id }, 'export task started');
    try {
      await waitFor(
        async () => {
          const task = await this.describe(id);
          const percent = Number(task.Progress);
          opts.progress?.({
            stage: 'export',
            ...(task.Progress !== undefined && Number.isFinite(percent) ? { percent } : {}),
            ...(task.Status === 'active' && task.StatusMessage ? { detail: task.StatusMessage } : {}),
          });
          if (task.Status === 'completed') return task;
          if (task.Status === 'deleted' || task.Status === 'deleting') {
            throw taskFailed('export', this.cloudName, id, task.StatusMessage ?? '');
          }
          return undefined;
        },
        {
          intervalMs: this.own.task_poll_interval,
          timeoutMs: this.own.task_timeout * 1000,
          ...(opts.signal ? { signal: opts.signal } : {}),
          what: `Export task ${id} in cloud ${this.cloudName}`,
        },
      );
    } catch (err) {
      await this.cancel(id);
      await this.removeAll(bucket, prefix);
      throw err;
    }
    const keys = await bucket.keys(prefix);
    const key = keys[0];
    if (!key || keys.length !== 1) {
      await this.removeAll(bucket, prefix);
      throw new GimmingError(
        'gimming.cloud.error',
        502,
        `Export task ${id} left ${keys.length} objects, not one.`,
      );
    }
    let object;
    try {
      object = await bucket.get(key);
    } catch (err) {
      await this.removeAll(bucket, prefix);
      throw err;
    }
    let removed = false;
    const removeOnce = () => {
      if (removed) return;
      removed = true;
      void bucket.remove(key);
    };
    // Deleted once read, or when the reader stops early (a failure or a cancel).
    object.stream.once('close', removeOnce);
    object.stream.once('end', removeOnce);
    object.stream.once('error', removeOnce);
    return {
      stream: object.stream,
      ...(object.length !== undefined ? { announcedLength: object.length } : {}),
    };
  }

  private async describe(taskId: string): Promise<ExportImageTask> {
    try {
      const out = await this.ec2.send(new DescribeExportImageTasksCommand({ ExportImageTaskIds: [taskId] }));
      const task = out.ExportImageTasks?.find((t) => t.ExportImageTaskId === taskId);
      if (!task)
        throw new GimmingError(
          'gimming.cloud.error',
          502,
          `Export task ${taskId} vanished from cloud ${this.cloudName}.`,
        );
      return task;
    } catch (err) {
      throw awsFailure(err, `Looking at export task ${taskId}`, this.cloudName);
    }
  }

  private async cancel(taskId: string): Promise<void> {
    try {
      await this.ec2.send(new CancelExportTaskCommand({ ExportTaskId: taskId }));
      log.info({ cloud: this.cloudName, export_task_id: taskId }, 'export task cancelled');
    } catch (err) {
      // An export that already ended cannot be cancelled; nothing else to stop.
      log.info(
        { cloud: this.cloudName, export_task_id: taskId, err: describeError(err) },
        'export task not cancelled',
      );
    }
  }

  private async removeAll(bucket: TransferBucket, prefix: string): Promise<void> {
    try {
      for (const key of await bucket.keys(prefix)) await bucket.remove(key);
    } catch (err) {
      log.error(
        { cloud: this.cloudName, prefix, err: describeError(err) },
        'could not remove exported objects',
      );
    }
  }
}
