/**
 * Global operations: made by images.insert, delete, setLabels and deprecate, they run asynchronously
 * (PENDING, RUNNING with progress 0..100 over the configured duration, DONE), and do their work when
 * they end: an inserted image becomes READY (or FAILED when its raw disk was refused or a fault says
 * so), a deleted one goes, labels change, an image's deprecation status changes.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { StandinConfig } from './config';
import type { Faults } from './faults';
import type { Objects } from './objects';
import { inspectRawDisk, RawDiskError } from './raw-disk';
import { type ImageRec, type OperationRec, Store } from './state';

export const LINK_BASE = 'https://www.googleapis.com/compute/v1';
const GIB = 1024 ** 3;

export interface ComputeServices {
  config: StandinConfig;
  store: Store;
  objects: Objects;
  faults: Faults;
  log: (m: string) => void;
}

export function imageLink(project: string, name: string): string {
  return `${LINK_BASE}/projects/${project}/global/images/${name}`;
}

export function labelFingerprint(labels: Record<string, string> | undefined): string {
  const sorted = Object.keys(labels ?? {})
    .sort()
    .map((k) => [k, (labels ?? {})[k]]);
  return createHash('sha256').update(JSON.stringify(sorted)).digest().subarray(0, 8).toString('base64');
}

export function newOperation(
  svc: ComputeServices,
  project: string,
  type: OperationRec['work']['kind'],
  image: ImageRec,
  user: string,
  extra: Partial<OperationRec> = {},
): OperationRec {
  const now = new Date();
  const name = `operation-${now.getTime()}-${randomBytes(6).toString('hex')}-${randomBytes(4).toString('hex')}-${randomBytes(4).toString('hex')}`;
  const method = {
    insert: 'compute.images.insert',
    delete: 'compute.images.delete',
    setLabels: 'compute.images.setLabels',
    deprecate: 'compute.images.deprecate',
  }[type];
  const failure = svc.faults.takeOperation(method, project);
  const rec: OperationRec = {
    project,
    op: {
      kind: 'compute#operation',
      id: svc.store.newId(),
      name,
      operationType: type,
      targetLink: imageLink(project, image.image.name),
      targetId: image.image.id,
      status: 'PENDING',
      user,
      progress: 0,
      insertTime: now.toISOString(),
      selfLink: `${LINK_BASE}/projects/${project}/global/operations/${name}`,
    },
    durationMs: type === 'insert' ? svc.config.operations.insertMs : svc.config.operations.otherMs,
    startedAt: Date.now(),
    work: { kind: type, image: image.image.name },
    ...extra,
  };
  if (failure) rec.failure = failure;
  svc.store.operations.set(Store.imageKey(project, name), rec);
  svc.store.changed();
  if (type === 'insert') startRawDiskCheck(svc, rec);
  return rec;
}

/** Reads the raw disk of an insert in the background; the operation cannot end before this is over. */
export function startRawDiskCheck(svc: ComputeServices, rec: OperationRec): void {
  const img = svc.store.images.get(Store.imageKey(rec.project, rec.work.image));
  const raw = img?.rawDisk;
  const obj = raw ? svc.objects.get(raw.bucket, raw.object) : undefined;
  if (!img || !raw || !obj) {
    rec.failure ??= {
      code: 'RESOURCE_NOT_FOUND',
      message: `The resource '${raw ? `${raw.bucket}/${raw.object}` : 'rawDisk.source'}' was not found`,
    };
    rec.checked = true;
    return;
  }
  inspectRawDisk(svc.objects.open(obj))
    .then((info) => {
      if (svc.config.requireGibMultiple && info.rawSizeBytes % GIB !== 0)
        rec.failure ??= {
          code: 'INVALID_IMAGE_FILE',
          message: `The size of disk.raw (${info.rawSizeBytes} bytes) is not a multiple of 1 GiB.`,
        };
      else if (info.rawSizeBytes === 0)
        rec.failure ??= { code: 'INVALID_IMAGE_FILE', message: 'disk.raw is empty.' };
      raw.rawSizeBytes = info.rawSizeBytes;
      raw.sha512 = info.sha512;
      raw.archiveSizeBytes = obj.size;
    })
    .catch((e: Error) => {
      rec.failure ??= {
        code: 'INVALID_IMAGE_FILE',
        message: e instanceof RawDiskError ? e.message : `The image file could not be read: ${e.message}`,
      };
    })
    .finally(() => {
      rec.checked = true;
      svc.store.changed();
    });
}

function finish(svc: ComputeServices, rec: OperationRec): void {
  const key = Store.imageKey(rec.project, rec.work.image);
  const img = svc.store.images.get(key);
  const op = rec.op;
  op.status = 'DONE';
  op.progress = 100;
  op.endTime = new Date().toISOString();
  if (rec.failure) {
    op.error = { errors: [{ code: rec.failure.code, message: rec.failure.message }] };
    op.httpErrorStatusCode = rec.failure.status ?? 400;
    op.httpErrorMessage =
      rec.failure.status && rec.failure.status >= 500 ? 'INTERNAL SERVER ERROR' : 'BAD REQUEST';
    if (img && rec.work.kind === 'insert') img.image.status = 'FAILED';
    if (img && rec.work.kind === 'delete') img.image.status = 'READY';
    svc.log(
      `compute: ${op.name} (${rec.work.kind} ${rec.project}/${rec.work.image}) failed: ${rec.failure.message}`,
    );
  } else if (img) {
    if (rec.work.kind === 'insert') {
      const raw = img.rawDisk;
      img.image.status = 'READY';
      if (raw) {
        img.image.archiveSizeBytes = String(raw.archiveSizeBytes);
        img.image.diskSizeGb = String(Math.max(1, Math.ceil(raw.rawSizeBytes / GIB)));
      }
    } else if (rec.work.kind === 'delete') svc.store.images.delete(key);
    else if (rec.work.kind === 'setLabels') {
      img.image.labels = rec.work.labels ?? {};
      img.image.labelFingerprint = labelFingerprint(rec.work.labels);
    } else if (rec.work.kind === 'deprecate') {
      if (rec.work.deprecated) img.image.deprecated = rec.work.deprecated;
      else delete img.image.deprecated;
    }
    svc.log(`compute: ${op.name} (${rec.work.kind} ${rec.project}/${rec.work.image}) done`);
  }
  svc.store.changed();
}

/** Moves every running operation on (called on a timer). */
export function advanceOperations(svc: ComputeServices): void {
  const now = Date.now();
  for (const rec of svc.store.operations.values()) {
    if (rec.op.status === 'DONE') continue;
    const elapsed = now - rec.startedAt;
    if (rec.op.status === 'PENDING' && elapsed > 0) {
      rec.op.status = 'RUNNING';
      rec.op.startTime = new Date().toISOString();
      svc.store.changed();
    }
    const progress = Math.min(100, Math.floor((elapsed / Math.max(1, rec.durationMs)) * 100));
    const ready = rec.work.kind !== 'insert' || rec.checked === true;
    if (progress >= 100 && ready) finish(svc, rec);
    else if (rec.op.progress !== Math.min(progress, 99)) {
      rec.op.progress = Math.min(progress, 99);
      svc.store.changed();
    }
  }
}

/** After a restart: the checks of raw disks that were running start again. */
export function resumeOperations(svc: ComputeServices): void {
  for (const rec of svc.store.operations.values())
    if (rec.op.status !== 'DONE' && rec.work.kind === 'insert' && !rec.checked) startRawDiskCheck(svc, rec);
}
