/** Snapshots (DescribeSnapshots, DeleteSnapshot) and DescribeRegions. */
import { rmSync } from 'node:fs';
import type {
  DeleteSnapshotRequest,
  DescribeRegionsRequest,
  DescribeSnapshotsRequest,
} from '@aws-sdk/client-ec2';
import { AwsError } from '../errors';
import { applyFilters, tagFields, tagList } from '../filters';
import type { SnapshotRec } from '../state';
import { ownSnapshot, paginate, type Ec2Handler } from './context';

export function snapshotView(s: SnapshotRec): Record<string, unknown> {
  return {
    Description: s.description,
    Encrypted: false,
    OwnerId: s.account,
    Progress: s.state === 'completed' ? '100%' : '0%',
    SnapshotId: s.id,
    StartTime: new Date(s.startTime),
    State: s.state,
    VolumeId: 'vol-ffffffff',
    VolumeSize: s.volumeSize,
    Tags: Object.keys(s.tags).length ? tagList(s.tags) : undefined,
    StorageTier: 'standard',
  };
}

const SNAPSHOT_FILTERS = [
  'snapshot-id',
  'status',
  'owner-id',
  'volume-size',
  'description',
  'volume-id',
  'encrypted',
  'progress',
];

export const describeSnapshots: Ec2Handler = (call) => {
  const i = call.input as DescribeSnapshotsRequest;
  const ids = i.SnapshotIds;
  let snaps = [...call.svc.store.snapshots.values()].filter(
    (s) => s.region === call.region && s.account === call.account,
  );
  if (ids?.length) {
    for (const id of ids)
      if (!/^snap-[0-9a-f]{8,17}$/.test(id))
        throw new AwsError('InvalidSnapshotID.Malformed', `Invalid id: "${id}" (expecting "snap-...")`);
    const missing = ids.filter((id) => !snaps.some((s) => s.id === id));
    if (missing.length)
      throw new AwsError('InvalidSnapshot.NotFound', `The snapshot '${missing.join(', ')}' does not exist.`);
    snaps = snaps.filter((s) => ids.includes(s.id));
  }
  const owners = i.OwnerIds;
  if (owners?.length) snaps = snaps.filter((s) => owners.some((o) => o === 'self' || o === s.account));
  snaps = applyFilters(
    snaps,
    i.Filters,
    (s, name) => {
      switch (name) {
        case 'snapshot-id':
          return [s.id];
        case 'status':
          return [s.state];
        case 'owner-id':
          return [s.account];
        case 'volume-size':
          return [String(s.volumeSize)];
        case 'description':
          return [s.description];
        case 'volume-id':
          return ['vol-ffffffff'];
        case 'encrypted':
          return ['false'];
        case 'progress':
          return [s.state === 'completed' ? '100%' : '0%'];
        default:
          return tagFields(s.tags, name);
      }
    },
    SNAPSHOT_FILTERS,
  );
  if (i.MaxResults !== undefined && ids?.length)
    throw new AwsError(
      'InvalidParameterCombination',
      'The parameter SnapshotIds cannot be used with the parameter maxResults',
    );
  const { page, next } = paginate(snaps, i.MaxResults, i.NextToken);
  return { Snapshots: page.map(snapshotView), NextToken: next };
};

export const deleteSnapshot: Ec2Handler = (call) => {
  const snap = ownSnapshot(call, (call.input as DeleteSnapshotRequest).SnapshotId!);
  for (const img of call.svc.store.images.values()) {
    if (img.blockDeviceMappings.some((b) => b.snapshotId === snap.id)) {
      throw new AwsError('InvalidSnapshot.InUse', `The snapshot ${snap.id} is currently in use by ${img.id}`);
    }
  }
  call.svc.store.snapshots.delete(snap.id);
  rmSync(call.svc.store.snapshotFile(snap.id), { force: true });
  call.svc.store.changed();
  return {};
};

export const describeRegions: Ec2Handler = (call) => {
  const i = call.input as DescribeRegionsRequest;
  let regions = call.svc.config.regions;
  const names = i.RegionNames;
  if (names?.length) {
    const unknown = names.find((n) => !regions.includes(n));
    if (unknown) throw new AwsError('InvalidParameterValue', `Invalid region: ${unknown}`);
    regions = regions.filter((r) => names.includes(r));
  }
  regions = applyFilters(
    regions,
    i.Filters,
    (r, name) =>
      name === 'region-name'
        ? [r]
        : name === 'opt-in-status'
          ? ['opt-in-not-required']
          : name === 'endpoint'
            ? [call.svc.endpoint()]
            : undefined,
    ['region-name', 'opt-in-status', 'endpoint'],
  );
  return {
    Regions: regions.map((r) => ({
      Endpoint: call.svc.endpoint().replace(/^https?:\/\//, ''),
      RegionName: r,
      OptInStatus: 'opt-in-not-required',
    })),
  };
};
