/**
 * CopyImage, issued in the destination region: the new AMI is pending (with snapshots pending) while the
 * snapshots' bytes are copied, then available; CopyImageTags copies the source AMI's tags. Deregistering
 * a pending copy stops it and removes its unfinished snapshots.
 */
import { copyFile, rm } from 'node:fs/promises';
import type { CopyImageRequest } from '@aws-sdk/client-ec2';
import { AwsError } from '../errors';
import { newId } from '../ids';
import type { BlockDeviceRec, ImageRec, SnapshotRec } from '../state';
import { fractionDone } from '../tasks';
import { visibleImage, type Ec2Handler, type Ec2Services } from './context';
import { checkImageName } from './image-names';

export const copyImage: Ec2Handler = (call) => {
  const i = call.input as CopyImageRequest;
  const sourceRegion = i.SourceRegion as string;
  if (!call.svc.config.regions.includes(sourceRegion))
    throw new AwsError('InvalidParameterValue', `Invalid source region: ${sourceRegion}`);
  if (i.Encrypted === true)
    throw new AwsError('UnsupportedOperation', 'The stand-in has no encrypted snapshots.');
  const src = visibleImage(call, i.SourceImageId as string, sourceRegion);
  if (src.state !== 'available')
    throw new AwsError('IncorrectState', `The image ${src.id} is ${src.state}, not available.`);
  checkImageName(call, i.Name as string);
  const id = newId('ami');
  let size = 0;
  const mappings: (BlockDeviceRec & { copiedFrom?: string })[] = src.blockDeviceMappings.map((b) => {
    if (!b.snapshotId) return { ...b };
    const from = call.svc.store.snapshots.get(b.snapshotId);
    if (!from)
      throw new AwsError('InvalidSnapshot.NotFound', `The snapshot '${b.snapshotId}' does not exist.`);
    size += from.sizeBytes;
    const snap: SnapshotRec = {
      id: newId('snap'),
      account: call.account,
      region: call.region,
      tags: {},
      state: 'pending',
      sizeBytes: from.sizeBytes,
      volumeSize: from.volumeSize,
      description: `Copied for DestinationAmi ${id} from SourceAmi ${src.id} for SourceSnapshot ${from.id}. Task created on ${new Date().toISOString()}.`,
      startTime: new Date().toISOString(),
    };
    call.svc.store.snapshots.set(snap.id, snap);
    return { ...b, snapshotId: snap.id, copiedFrom: from.id };
  });
  const img: ImageRec = {
    ...src,
    id,
    account: call.account,
    region: call.region,
    name: i.Name as string,
    description: i.Description ?? src.description,
    state: 'pending',
    tags: i.CopyImageTags === true ? { ...src.tags } : {},
    blockDeviceMappings: mappings.map(({ copiedFrom: _c, ...b }) => b),
    creationDate: new Date().toISOString(),
    launchUsers: [],
    launchPublic: false,
    copy: { sourceRegion, sourceImageId: src.id, startedAt: Date.now(), sizeBytes: size, done: false },
    stateReason: undefined,
  };
  copySources.set(
    id,
    mappings.flatMap((m) =>
      m.snapshotId && m.copiedFrom ? [[m.copiedFrom, m.snapshotId] as [string, string]] : [],
    ),
  );
  call.svc.store.images.set(id, img);
  call.svc.store.changed();
  return { ImageId: id };
};

/** For each pending copy: [source snapshot, destination snapshot] pairs (rebuilt from the state after a restart). */
const copySources = new Map<string, [string, string][]>();

function pairsOf(svc: Ec2Services, img: ImageRec): [string, string][] {
  let pairs = copySources.get(img.id);
  if (!pairs) {
    const src = svc.store.images.get(img.copy!.sourceImageId);
    pairs = img.blockDeviceMappings.flatMap((b, n) => {
      const from = src?.blockDeviceMappings[n]?.snapshotId;
      return b.snapshotId && from ? [[from, b.snapshotId] as [string, string]] : [];
    });
    copySources.set(img.id, pairs);
  }
  return pairs;
}

function failCopy(svc: Ec2Services, img: ImageRec, message: string): void {
  img.state = 'failed';
  img.stateReason = { code: 'Client.CopyImageError', message };
  for (const b of img.blockDeviceMappings) {
    const s = b.snapshotId ? svc.store.snapshots.get(b.snapshotId) : undefined;
    if (s?.state === 'pending') s.state = 'error';
  }
}

/** Stops a pending copy and removes its unfinished snapshots (DeregisterImage of a pending AMI). */
export async function dropCopy(svc: Ec2Services, img: ImageRec): Promise<void> {
  svc.jobs.abort(img.id);
  for (const b of img.blockDeviceMappings) {
    const s = b.snapshotId ? svc.store.snapshots.get(b.snapshotId) : undefined;
    if (s && s.state !== 'completed') {
      svc.store.snapshots.delete(s.id);
      await rm(svc.store.snapshotFile(s.id), { force: true });
    }
  }
}

export function advanceCopies(svc: Ec2Services): void {
  for (const img of svc.store.images.values()) {
    if (img.state !== 'pending' || !img.copy) continue;
    const copy = img.copy;
    if (!copy.done && !svc.jobs.has(img.id)) {
      const fault = svc.faults.takeTask('copy', img.region);
      if (fault) {
        failCopy(svc, img, fault);
        svc.store.changed();
        continue;
      }
      const pairs = pairsOf(svc, img);
      svc.jobs.start(
        img.id,
        async () => {
          for (const [from, to] of pairs)
            await copyFile(svc.store.snapshotFile(from), svc.store.snapshotFile(to));
          copy.done = true;
          svc.store.changed();
        },
        (e) => failCopy(svc, img, e.message),
      );
    }
    if (copy.done && fractionDone(svc.config, copy.startedAt, copy.sizeBytes) >= 1) {
      img.state = 'available';
      delete img.copy;
      copySources.delete(img.id);
      for (const b of img.blockDeviceMappings) {
        const s = b.snapshotId ? svc.store.snapshots.get(b.snapshotId) : undefined;
        if (s) s.state = 'completed';
      }
      svc.store.changed();
    }
  }
}
