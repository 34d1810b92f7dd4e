/**
 * ImportSnapshot from an object in the stand-in's S3, as EC2 does it: the call returns an active task at
 * once; DescribeImportSnapshotTasks shows it move (pending, validating, validated, converting, with a
 * Progress), and it ends completed with a SnapshotId, or deleted with a ClientError in StatusMessage.
 * The disk is checked by its magic bytes (a qcow2, VDI or VHDX fails whatever Format says, with EC2's own
 * message), converted to RAW with qemu-img and kept as the snapshot's bytes.
 */
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import type {
  CancelImportTaskRequest,
  DescribeImportSnapshotTasksRequest,
  ImportSnapshotRequest,
} from '@aws-sdk/client-ec2';
import { join } from 'node:path';
import { convert, detectFormat } from '../disk-formats';
import { AwsError } from '../errors';
import { applyFilters, tagFields, tagList } from '../filters';
import { newId } from '../ids';
import type { ImportTaskRec, SnapshotRec } from '../state';
import { fractionDone } from '../tasks';
import { addTags, bucketIn, paginate, tagsFromSpecs, type Ec2Handler, type Ec2Services } from './context';

export const UNSUPPORTED_FORMAT = 'ClientError: Disk validation failed [Unsupported specified file format]';
const FORMATS: Record<string, string> = { RAW: 'raw', VMDK: 'vmdk', VHD: 'vhd' };

function parseS3Url(url: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  if (!m)
    throw new AwsError(
      'InvalidParameterValue',
      `The URL ${url} is not an S3 URL (s3://bucket/key); the stand-in imports from its S3 only.`,
    );
  return { bucket: m[1]!, key: m[2]! };
}

export function importTaskView(t: ImportTaskRec): Record<string, unknown> {
  return {
    Description: t.description,
    ImportTaskId: t.id,
    SnapshotTaskDetail: {
      Description: t.snapshotDescription,
      DiskImageSize: t.status === 'completed' ? t.sizeBytes : undefined,
      Encrypted: false,
      Format: t.format,
      Progress: t.status === 'active' ? String(t.progress) : undefined,
      SnapshotId: t.snapshotId,
      Status: t.status,
      StatusMessage: t.statusMessage || undefined,
      UserBucket: { S3Bucket: t.bucket, S3Key: t.key },
    },
    Tags: Object.keys(t.tags).length ? tagList(t.tags) : undefined,
  };
}

export const importSnapshot: Ec2Handler = async (call) => {
  const i = call.input as ImportSnapshotRequest;
  const disk = i.DiskContainer;
  if (!disk) throw new AwsError('MissingParameter', 'The request must contain the parameter DiskContainer');
  const format = String(disk.Format ?? '').toUpperCase();
  if (!FORMATS[format]) {
    throw new AwsError(
      'InvalidParameterValue',
      `Value (${String(disk.Format ?? '')}) for parameter DiskContainer.Format is invalid. Valid values: VHD, VMDK, RAW.`,
    );
  }
  if (i.Encrypted === true)
    throw new AwsError('UnsupportedOperation', 'The stand-in has no encrypted snapshots.');
  let bucket: string;
  let key: string;
  if (disk.UserBucket && disk.Url)
    throw new AwsError(
      'InvalidParameterCombination',
      'DiskContainer takes either Url or UserBucket, not both.',
    );
  if (disk.UserBucket) {
    bucket = disk.UserBucket.S3Bucket ?? '';
    key = disk.UserBucket.S3Key ?? '';
    if (!bucket || !key)
      throw new AwsError(
        'MissingParameter',
        'The request must contain the parameter DiskContainer.UserBucket.S3Bucket and S3Key',
      );
  } else if (disk.Url) {
    ({ bucket, key } = parseS3Url(disk.Url));
  } else {
    throw new AwsError(
      'MissingParameter',
      'The request must contain the parameter DiskContainer.Url or DiskContainer.UserBucket',
    );
  }
  bucketIn(call, bucket);
  const size = await call.svc.objects.head(bucket, key);
  if (size === undefined)
    throw new AwsError('InvalidParameter', `The specified S3 object s3://${bucket}/${key} does not exist.`);
  const tags = tagsFromSpecs(i.TagSpecifications, ['import-snapshot-task']);
  const task: ImportTaskRec = {
    id: newId('import-snap'),
    account: call.account,
    region: call.region,
    tags: {},
    description: i.Description,
    snapshotDescription: disk.Description,
    format,
    bucket,
    key,
    status: 'active',
    statusMessage: 'pending',
    progress: 0,
    sizeBytes: size,
    startedAt: Date.now(),
    dataReady: false,
    failWith: call.svc.faults.takeTask('import', call.region),
  };
  addTags(task.tags, tags['import-snapshot-task'] ?? {});
  call.svc.store.importTasks.set(task.id, task);
  call.svc.store.changed();
  const view = importTaskView(task);
  delete view.ImportTaskId;
  return { ImportTaskId: task.id, ...view };
};

const IMPORT_FILTERS = ['task-state', 'import-task-id'];

export const describeImportSnapshotTasks: Ec2Handler = (call) => {
  const i = call.input as DescribeImportSnapshotTasksRequest;
  const ids = i.ImportTaskIds;
  let tasks = [...call.svc.store.importTasks.values()].filter(
    (t) => t.account === call.account && t.region === call.region,
  );
  if (ids?.length) {
    const missing = ids.find((id) => !tasks.some((t) => t.id === id));
    if (missing)
      throw new AwsError(
        'InvalidConversionTaskId.Malformed',
        `The import task ID '${missing}' does not exist.`,
      );
    tasks = tasks.filter((t) => ids.includes(t.id));
  }
  tasks = applyFilters(
    tasks,
    i.Filters,
    (t, name) =>
      name === 'task-state' ? [t.status] : name === 'import-task-id' ? [t.id] : tagFields(t.tags, name),
    IMPORT_FILTERS,
  );
  const { page, next } = paginate(tasks, i.MaxResults, i.NextToken);
  return { ImportSnapshotTasks: page.map(importTaskView), NextToken: next };
};

export function scratchFile(svc: Ec2Services, taskId: string, suffix: string): string {
  return join(svc.store.scratchDir, `${taskId}.${suffix}`);
}

function cleanScratch(svc: Ec2Services, id: string): void {
  for (const s of ['in', 'raw', 'out']) rmSync(scratchFile(svc, id, s), { force: true });
}

export const cancelImportTask: Ec2Handler = (call) => {
  const id = (call.input as CancelImportTaskRequest).ImportTaskId;
  if (!id) throw new AwsError('MissingParameter', 'The request must contain the parameter ImportTaskId');
  const t = call.svc.store.importTasks.get(id);
  if (!t || t.account !== call.account || t.region !== call.region) {
    throw new AwsError('InvalidConversionTaskId.Malformed', `The import task ID '${id}' does not exist.`);
  }
  if (t.status !== 'active')
    throw new AwsError('IncorrectState', `The import task ${id} is ${t.status} and cannot be cancelled.`);
  call.svc.jobs.abort(t.id);
  cleanScratch(call.svc, t.id);
  t.status = 'deleted';
  t.statusMessage = 'User initiated task cancelation';
  call.svc.store.changed();
  return { ImportTaskId: t.id, PreviousState: 'active', State: 'deleting' };
};

function importWork(svc: Ec2Services, t: ImportTaskRec) {
  return async (signal: AbortSignal) => {
    const input = scratchFile(svc, t.id, 'in');
    const raw = scratchFile(svc, t.id, 'raw');
    await svc.objects.download(t.bucket, t.key, input, signal);
    const found = detectFormat(input);
    const claimed = FORMATS[t.format]!;
    if (found.size === 0) throw new Error('ClientError: Disk validation failed [Invalid disk size: 0 bytes]');
    if (found.format !== claimed && !(claimed === 'raw' && found.format === 'raw')) {
      // EC2 names the disk it could not read, whatever it was claimed to be.
      throw new Error(UNSUPPORTED_FORMAT);
    }
    if (claimed === 'raw') {
      renameSync(input, raw);
    } else {
      try {
        await convert(input, claimed, raw, 'raw', signal);
      } catch {
        throw new Error(UNSUPPORTED_FORMAT);
      } finally {
        rmSync(input, { force: true });
      }
    }
    t.dataReady = true;
    svc.store.changed();
  };
}

/** One step of every active import task. */
export function advanceImports(svc: Ec2Services): void {
  const jobs = svc.jobs;
  for (const t of svc.store.importTasks.values()) {
    if (t.status !== 'active') continue;
    if (t.dataReady && !existsSync(scratchFile(svc, t.id, 'raw'))) t.dataReady = false;
    if (!t.dataReady && !t.failWith && !jobs.has(t.id)) {
      jobs.start(t.id, importWork(svc, t), (e) => {
        t.failWith = e.message.startsWith('ClientError:') ? e.message : `ClientError: ${e.message}`;
      });
    }
    const frac = fractionDone(svc.config, t.startedAt, t.sizeBytes);
    if (t.failWith && frac >= 0.3) {
      jobs.abort(t.id);
      cleanScratch(svc, t.id);
      t.status = 'deleted';
      t.statusMessage = t.failWith;
    } else if (frac >= 1 && t.dataReady && !t.failWith) {
      const rawFile = scratchFile(svc, t.id, 'raw');
      const rawSize = statSync(rawFile).size;
      const snap: SnapshotRec = {
        id: newId('snap'),
        account: t.account,
        region: t.region,
        tags: {},
        state: 'completed',
        sizeBytes: rawSize,
        volumeSize: Math.max(1, Math.ceil(rawSize / 2 ** 30)),
        description: `Created by AWS-VM-Import-Export service for ${t.id}`,
        startTime: new Date().toISOString(),
      };
      renameSync(rawFile, svc.store.snapshotFile(snap.id));
      svc.store.snapshots.set(snap.id, snap);
      t.snapshotId = snap.id;
      t.status = 'completed';
      t.statusMessage = '';
      t.progress = 100;
    } else {
      t.progress = Math.min(99, Math.floor(frac * 100));
      t.statusMessage =
        frac < 0.15 ? 'pending' : frac < 0.3 ? 'validating' : frac < 0.4 ? 'validated' : 'converting';
    }
    svc.store.changed();
  }
}
