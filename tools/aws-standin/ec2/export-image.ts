/**
 * ExportImage to the stand-in's S3 (RAW, VMDK streamOptimized or VHD, made with qemu-img from the root
 * snapshot's bytes), DescribeExportImageTasks and CancelExportTask. The object is
 * `<S3Prefix><task id>.<raw|vmdk|vhd>` in the bucket, as EC2 names it.
 */
import { existsSync, rmSync, statSync } from 'node:fs';
import type {
  CancelExportTaskRequest,
  DescribeExportImageTasksRequest,
  ExportImageRequest,
} from '@aws-sdk/client-ec2';
import { convert } from '../disk-formats';
import { AwsError } from '../errors';
import { applyFilters, tagFields, tagList } from '../filters';
import { newId } from '../ids';
import type { ExportTaskRec } from '../state';
import { fractionDone } from '../tasks';
import {
  addTags,
  bucketIn,
  ownImage,
  paginate,
  tagsFromSpecs,
  type Ec2Handler,
  type Ec2Services,
} from './context';
import { scratchFile } from './import-snapshot';

function exportView(t: ExportTaskRec): Record<string, unknown> {
  return {
    Description: t.description,
    ExportImageTaskId: t.id,
    ImageId: t.imageId,
    Progress: t.status === 'active' ? String(t.progress) : undefined,
    S3ExportLocation: { S3Bucket: t.bucket, S3Prefix: t.prefix },
    Status: t.status,
    StatusMessage: t.statusMessage || undefined,
    Tags: Object.keys(t.tags).length ? tagList(t.tags) : undefined,
  };
}

export const exportImage: Ec2Handler = (call) => {
  const i = call.input as ExportImageRequest;
  const img = ownImage(call, i.ImageId as string);
  if (img.state !== 'available')
    throw new AwsError('IncorrectState', `The image ${img.id} is ${img.state}, not available.`);
  const loc = i.S3ExportLocation as { S3Bucket: string; S3Prefix?: string };
  bucketIn(call, loc.S3Bucket);
  const root = img.blockDeviceMappings.find((b) => b.deviceName === img.rootDeviceName);
  const snap = root?.snapshotId ? call.svc.store.snapshots.get(root.snapshotId) : undefined;
  if (!snap) throw new AwsError('InvalidSnapshot.NotFound', `The root snapshot of ${img.id} does not exist.`);
  const tags = tagsFromSpecs(i.TagSpecifications, ['export-image-task']);
  const format = i.DiskImageFormat as string;
  const id = newId('export-ami');
  const prefix = loc.S3Prefix ?? '';
  const task: ExportTaskRec = {
    id,
    account: call.account,
    region: call.region,
    tags: {},
    description: i.Description,
    imageId: img.id,
    format,
    bucket: loc.S3Bucket,
    prefix,
    status: 'active',
    statusMessage: 'validating',
    progress: 0,
    sizeBytes: snap.sizeBytes,
    startedAt: Date.now(),
    dataReady: false,
    objectKey: `${prefix}${id}.${format.toLowerCase()}`,
  };
  addTags(task.tags, tags['export-image-task'] ?? {});
  call.svc.store.exportTasks.set(id, task);
  call.svc.store.changed();
  const view = exportView(task);
  return { ...view, DiskImageFormat: format, RoleName: i.RoleName ?? 'vmimport' };
};

export const describeExportImageTasks: Ec2Handler = (call) => {
  const i = call.input as DescribeExportImageTasksRequest;
  const ids = i.ExportImageTaskIds;
  let tasks = [...call.svc.store.exportTasks.values()].filter(
    (t) => t.account === call.account && t.region === call.region,
  );
  if (ids?.length) {
    const missing = ids.find((id) => !tasks.some((t) => t.id === id));
    if (missing)
      throw new AwsError(
        'InvalidExportImageTaskId.NotFound',
        `The export image task ID '${missing}' does not exist.`,
      );
    tasks = tasks.filter((t) => ids.includes(t.id));
  }
  tasks = applyFilters(tasks, i.Filters, (t, name) => tagFields(t.tags, name), []);
  const { page, next } = paginate(tasks, i.MaxResults, i.NextToken);
  return { ExportImageTasks: page.map(exportView), NextToken: next };
};

export const cancelExportTask: Ec2Handler = async (call) => {
  const id = (call.input as CancelExportTaskRequest).ExportTaskId!;
  const t = call.svc.store.exportTasks.get(id);
  if (!t || t.account !== call.account || t.region !== call.region) {
    throw new AwsError('InvalidExportTaskID.NotFound', `The export task ID '${id}' does not exist.`);
  }
  if (t.status !== 'active')
    throw new AwsError('IncorrectState', `The export task ${id} is ${t.status} and cannot be cancelled.`);
  call.svc.jobs.abort(t.id);
  rmSync(scratchFile(call.svc, t.id, 'out'), { force: true });
  await call.svc.objects.remove(t.bucket, t.objectKey);
  t.status = 'deleted';
  t.statusMessage = 'User initiated task cancelation';
  call.svc.store.changed();
  return {};
};

function exportWork(svc: Ec2Services, t: ExportTaskRec, snapshotFile: string) {
  return async (signal: AbortSignal) => {
    const out = scratchFile(svc, t.id, 'out');
    const fmt = t.format.toLowerCase();
    try {
      if (fmt === 'raw') {
        await svc.objects.upload(t.bucket, t.objectKey, snapshotFile, signal);
      } else {
        await convert(snapshotFile, 'raw', out, fmt, signal);
        t.sizeBytes = statSync(out).size;
        await svc.objects.upload(t.bucket, t.objectKey, out, signal);
      }
    } finally {
      rmSync(out, { force: true });
    }
    t.dataReady = true;
    svc.store.changed();
  };
}

export function advanceExports(svc: Ec2Services): void {
  for (const t of svc.store.exportTasks.values()) {
    if (t.status !== 'active') continue;
    const img = svc.store.images.get(t.imageId);
    const root = img?.blockDeviceMappings.find((b) => b.deviceName === img.rootDeviceName);
    const file = root?.snapshotId ? svc.store.snapshotFile(root.snapshotId) : '';
    if (!t.dataReady && !svc.jobs.has(t.id)) {
      if (!file || !existsSync(file)) {
        t.status = 'deleted';
        t.statusMessage = `ClientError: The image ${t.imageId} or its snapshot no longer exists`;
        svc.store.changed();
        continue;
      }
      const fault = svc.faults.takeTask('export', t.region);
      if (fault) {
        t.status = 'deleted';
        t.statusMessage = fault;
        svc.store.changed();
        continue;
      }
      svc.jobs.start(t.id, exportWork(svc, t, file), (e) => {
        t.status = 'deleted';
        t.statusMessage = `ServerError: ${e.message}`;
      });
    }
    const frac = fractionDone(svc.config, t.startedAt, t.sizeBytes);
    if (frac >= 1 && t.dataReady) {
      t.status = 'completed';
      t.statusMessage = '';
      t.progress = 100;
    } else {
      t.progress = Math.min(99, Math.floor(frac * 100));
      t.statusMessage = frac < 0.2 ? 'validating' : 'converting';
    }
    svc.store.changed();
  }
}
