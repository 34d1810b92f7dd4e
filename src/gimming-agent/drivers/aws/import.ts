/**
 * Into EC2: an image's data streamed into the transfer bucket (S3 multipart), ImportSnapshot from the
 * object, DescribeImportSnapshotTasks until it completes (its progress reported), RegisterImage from the
 * snapshot with what the image's properties ask for, the AMI and its snapshot tagged, the object deleted.
 *
 * An import is known by a placeholder ID from create until RegisterImage gives the AMI's. Whatever fails,
 * or when the caller cancels (CancelImportTask), nothing stays: no multipart upload, no object, no
 * import task running, no snapshot, no AMI.
 */
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  CancelImportTaskCommand,
  DescribeImportSnapshotTasksCommand,
  type EC2Client,
  ImportSnapshotCommand,
  RegisterImageCommand,
  type SnapshotTaskDetail,
} from './ec2-sdk';
import { GimmingError, describeError } from '../../../common/errors';
import { getLogger } from '../../../common/log';
import type { ImageSpec, TransferOptions } from '../driver';
import { Amis } from './ami';
import type { AwsConfig } from './config';
import { awsFailure, taskFailed } from './errors';
import type { RegisterPlan } from './register-spec';
import type { TransferBucket } from './s3-objects';
import { AMI_TAG, NAME_TAG, type Tag, amiName } from './tags';
import { waitFor } from './wait';

const log = getLogger('agent.aws');

export const PENDING_PREFIX = 'gimming-import-';
const FORMATS: Record<string, string> = { raw: 'RAW', vmdk: 'VMDK', vhd: 'VHD' };

/** An import between create and its AMI: what has been made so far, so that it can be taken away. */
export interface PendingImport {
  id: string;
  key: string;
  bucket: TransferBucket;
  spec: ImageSpec;
  plan: RegisterPlan;
  tags: Tag[];
  taskId?: string;
  snapshotId?: string;
  amiId?: string;
}

/** The imports this agent has under way, by placeholder ID (shared by every session of the driver). */
export class PendingImports {
  private readonly byId = new Map<string, PendingImport>();

  add(entry: Omit<PendingImport, 'id' | 'key'>): PendingImport {
    const uuid = randomUUID();
    const pending = {
      ...entry,
      id: `${PENDING_PREFIX}${uuid}`,
      key: `gimming/imports/${uuid}.${entry.spec.disk_format}`,
    };
    this.byId.set(pending.id, pending);
    return pending;
  }

  get(id: string): PendingImport | undefined {
    return this.byId.get(id);
  }

  drop(id: string): void {
    this.byId.delete(id);
  }
}

export function importFormat(diskFormat: string): string | undefined {
  return FORMATS[diskFormat];
}

export class Importer {
  private readonly amis: Amis;

  constructor(
    private readonly ec2: EC2Client,
    private readonly own: AwsConfig,
    private readonly cloudName: string,
  ) {
    this.amis = new Amis(ec2, cloudName);
  }

  private get waitOpts() {
    return { intervalMs: this.own.task_poll_interval, timeoutMs: this.own.task_timeout * 1000 };
  }

  /** Runs the import; answers the AMI's ID. On any failure everything made is taken away first. */
  async run(p: PendingImport, data: Readable, opts: TransferOptions): Promise<string> {
    try {
      opts.progress?.({ stage: 'upload' });
      await p.bucket.put(
        p.key,
        data,
        this.own.part_size_mb,
        this.own.upload_concurrency,
        opts.signal,
        opts.size,
      );
      const snapshotId = await this.importSnapshot(p, opts);
      await p.bucket.remove(p.key);
      opts.progress?.({ stage: 'register' });
      const amiId = await this.register(p, snapshotId);
      const ami = await this.amis.waitAvailable(amiId, {
        ...this.waitOpts,
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      await this.amis.tag(ami, [{ Key: NAME_TAG, Value: p.spec.name }, ...p.tags]);
      await this.amis.tagResource(snapshotId, [{ Key: AMI_TAG, Value: amiId }]);
      return amiId;
    } catch (err) {
      await this.cleanUp(p);
      throw err;
    }
  }

  private async importSnapshot(p: PendingImport, opts: TransferOptions): Promise<string> {
    const format = importFormat(p.spec.disk_format) ?? 'RAW';
    opts.progress?.({ stage: 'import', percent: 0 });
    try {
      const out = await this.ec2.send(
        new ImportSnapshotCommand({
          ClientToken: p.id,
          Description: `GIMinG ${p.spec.properties.gimming_image_id ?? p.spec.name}`.slice(0, 255),
          DiskContainer: { Format: format, UserBucket: { S3Bucket: p.bucket.bucket, S3Key: p.key } },
          TagSpecifications: p.tags.length
            ? [{ ResourceType: 'import-snapshot-task', Tags: p.tags }]
            : undefined,
        }),
      );
      if (!out.ImportTaskId)
        throw new GimmingError('gimming.cloud.error', 502, `Cloud ${this.cloudName} started no import task.`);
      p.taskId = out.ImportTaskId;
    } catch (err) {
      throw awsFailure(err, 'Starting the import of the image data', this.cloudName);
    }
    const taskId = p.taskId;
    log.info({ cloud: this.cloudName, import_task_id: taskId }, 'import task started');
    const detail = await waitFor(
      async () => {
        const d = await this.describeTask(taskId);
        if (d.SnapshotId) p.snapshotId = d.SnapshotId;
        const percent = Number(d.Progress);
        opts.progress?.({
          stage: 'import',
          ...(d.Progress !== undefined && Number.isFinite(percent) ? { percent } : {}),
          ...(d.Status === 'active' && d.StatusMessage ? { detail: d.StatusMessage } : {}),
        });
        if (d.Status === 'completed') return d;
        if (d.Status === 'deleted' || d.Status === 'deleting') {
          // EC2 ended the task itself: nothing to cancel.
          p.taskId = undefined;
          throw taskFailed('import', this.cloudName, taskId, d.StatusMessage ?? '');
        }
        return undefined;
      },
      {
        ...this.waitOpts,
        ...(opts.signal ? { signal: opts.signal } : {}),
        what: `Import task ${taskId} in cloud ${this.cloudName}`,
      },
    );
    if (!detail.SnapshotId)
      throw new GimmingError(
        'gimming.cloud.error',
        502,
        `Import task ${taskId} completed without a snapshot.`,
      );
    p.snapshotId = detail.SnapshotId;
    p.taskId = undefined;
    return detail.SnapshotId;
  }

  private async describeTask(taskId: string): Promise<SnapshotTaskDetail> {
    try {
      const out = await this.ec2.send(new DescribeImportSnapshotTasksCommand({ ImportTaskIds: [taskId] }));
      const detail = out.ImportSnapshotTasks?.find((t) => t.ImportTaskId === taskId)?.SnapshotTaskDetail;
      if (!detail)
        throw new GimmingError(
          'gimming.cloud.error',
          502,
          `Import task ${taskId} vanished from cloud ${this.cloudName}.`,
        );
      return detail;
    } catch (err) {
      throw awsFailure(err, `Looking at import task ${taskId}`, this.cloudName);
    }
  }

  private async register(p: PendingImport, snapshotId: string): Promise<string> {
    const { RootDeviceName, ...plan } = p.plan;
    try {
      const out = await this.ec2.send(
        new RegisterImageCommand({
          Name: amiName(p.spec.name, p.spec.properties.gimming_image_id),
          Description: p.spec.name.slice(0, 255),
          RootDeviceName,
          BlockDeviceMappings: [
            {
              DeviceName: RootDeviceName,
              Ebs: { SnapshotId: snapshotId, DeleteOnTermination: true, VolumeType: 'gp3' },
            },
          ],
          ...plan,
        }),
      );
      if (!out.ImageId)
        throw new GimmingError('gimming.cloud.error', 502, `Cloud ${this.cloudName} registered no image.`);
      p.amiId = out.ImageId;
      log.info({ cloud: this.cloudName, ami_id: out.ImageId, snapshot_id: snapshotId }, 'image registered');
      return out.ImageId;
    } catch (err) {
      throw awsFailure(err, 'Registering the image', this.cloudName);
    }
  }

  /** Takes away whatever the import made so far. Never throws: logs what it could not remove. */
  async cleanUp(p: PendingImport): Promise<void> {
    await p.bucket.remove(p.key);
    if (p.taskId) {
      const taskId = p.taskId;
      try {
        await this.ec2.send(
          new CancelImportTaskCommand({ ImportTaskId: taskId, CancelReason: 'cancelled by GIMinG' }),
        );
        log.info({ cloud: this.cloudName, import_task_id: taskId }, 'import task cancelled');
        // The snapshot a task made just before the cancel arrived is taken away too.
        const d = await waitFor(
          async () => {
            const detail = await this.describeTask(taskId);
            return detail.Status === 'active' ? undefined : detail;
          },
          {
            intervalMs: this.own.task_poll_interval,
            timeoutMs: 120_000,
            what: `Cancelling import task ${taskId}`,
          },
        );
        if (d.SnapshotId) p.snapshotId = d.SnapshotId;
      } catch (err) {
        log.warn(
          { cloud: this.cloudName, import_task_id: taskId, err: describeError(err) },
          'could not cancel the import task',
        );
      }
      p.taskId = undefined;
    }
    try {
      if (p.amiId) await this.amis.remove(p.amiId);
      else if (p.snapshotId) await this.amis.deleteSnapshot(p.snapshotId);
      p.amiId = undefined;
      p.snapshotId = undefined;
    } catch (err) {
      log.error(
        { cloud: this.cloudName, ami_id: p.amiId, snapshot_id: p.snapshotId, err: describeError(err) },
        'could not remove a half-made image',
      );
    }
  }
}
