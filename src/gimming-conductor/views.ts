/**
 * Rows as wire objects (snake_case, ISO times): what the conductor answers over RPC.
 */
import { identityColumns, remoteIdentity } from './byte-identity';
import type { Capabilities } from './capabilities';
import type { CloudRow, ImageRow, LocationRow, TaskRow } from './db/entities';
import { specView } from './image-spec';
import type { Image__Output as RemoteImage__Output } from '../common/grpc/generated/gimming/agent/v2/Image';
import type {
  BytesView,
  CloudView,
  ConversionView,
  ImageView,
  LocationView,
  RemoteView,
  TaskView,
} from './rpc-schemas';
import { conversionOf } from '../common/converted-copy';
import type { Digests } from '../common/digests';
import type { CopyPlan } from './planner';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function cloudView(
  row: CloudRow,
  agentsUp: number,
  capabilities: Capabilities | null = null,
): CloudView {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    region_name: row.regionName,
    zone: row.zone,
    scope: row.scope,
    owner: row.owner,
    auth_url: row.authUrl,
    credentials_ref: row.credentialsRef,
    agents_up: agentsUp,
    capabilities,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

export function locationView(row: LocationRow, cloudName: string): LocationView {
  return {
    cloud: cloudName,
    cloud_id: row.cloudId,
    image_id: row.remoteId,
    status: row.status,
    task_id: row.taskId,
    last_verified_at: iso(row.lastVerifiedAt),
    proof: row.proof,
  };
}

/**
 * An image as GIMinG keeps it: its formats, minimums and properties are its data spec's until
 * image-metadata.ts puts a copy's live ones in their place.
 */
export function imageView(row: ImageRow, locations: LocationView[]): ImageView {
  const spec = specView(row);
  return {
    id: row.id,
    name: row.specName,
    owner: row.owner,
    visibility: row.specVisibility,
    status: row.status,
    size: row.size,
    checksum: row.checksum,
    os_hash_algo: row.osHashAlgo,
    os_hash_value: row.osHashValue,
    disk_format: spec.disk_format ?? null,
    container_format: spec.container_format ?? null,
    min_disk: spec.min_disk ?? 0,
    min_ram: spec.min_ram ?? 0,
    properties: spec.properties ?? {},
    metadata_from: null,
    spec,
    locations,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

export function taskView(row: TaskRow, cloudNames: Map<string, string>): TaskView {
  return {
    id: row.id,
    type: row.type,
    image_id: row.imageId,
    cloud: cloudNames.get(row.cloudId) ?? row.cloudId,
    cloud_id: row.cloudId,
    source_cloud: row.sourceCloudId ? (cloudNames.get(row.sourceCloudId) ?? row.sourceCloudId) : null,
    status: row.status,
    bytes_done: row.bytesDone,
    bytes_total: row.bytesTotal,
    progress: row.bytesTotal ? Math.min(100, Math.floor((row.bytesDone / row.bytesTotal) * 1000) / 10) : null,
    ...rateAndEta(row),
    stage: row.stage,
    stage_percent: row.stagePercent,
    stage_detail: row.stageDetail,
    plan: row.plan ? (JSON.parse(row.plan) as CopyPlan) : null,
    ...(row.maxBandwidth ? { max_bandwidth: row.maxBandwidth } : {}),
    attempts: row.attempts,
    error: row.errorCode ? { code: row.errorCode, message: row.errorMessage ?? '' } : null,
    agent: row.agent,
    request_id: row.requestId,
    project_id: row.projectId,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
    started_at: iso(row.startedAt),
    finished_at: iso(row.finishedAt),
  };
}

/**
 * The average rate of a task so far (bytes per second, from its start to its last progress record or its
 * end) and, while it runs, the seconds left at that rate.
 */
export function rateAndEta(
  row: TaskRow,
  now: Date = new Date(),
): { rate: number | null; eta_seconds: number | null } {
  if (!row.startedAt || row.bytesDone <= 0) return { rate: null, eta_seconds: null };
  const until = row.finishedAt ?? (row.status === 'running' ? row.updatedAt : now);
  const seconds = (until.getTime() - row.startedAt.getTime()) / 1000;
  if (seconds <= 0) return { rate: null, eta_seconds: null };
  const rate = Math.round(row.bytesDone / seconds);
  const running = row.status === 'running' && row.bytesTotal !== null;
  const left = running ? Math.max(0, (row.bytesTotal as number) - row.bytesDone) : 0;
  return { rate, eta_seconds: running && rate > 0 ? Math.ceil(left / rate) : null };
}

function bytesView(b: { size: number; digests: Digests }): BytesView {
  return {
    size: b.size,
    ...(b.digests.md5 ? { md5: b.digests.md5 } : {}),
    ...(b.digests.sha512 ? { sha512: b.digests.sha512 } : {}),
  };
}

/** The conversion a copy's properties record, as GIMinG shows it; undefined when they record none. */
export function conversionView(properties: Readonly<Record<string, string>>): ConversionView | undefined {
  const record = conversionOf(properties);
  return record
    ? { from: record.from, source: bytesView(record.source), converted: bytesView(record.converted) }
    : undefined;
}

/** A cloud's description of an image, as GIMinG shows it (empty hashes as null). */
export function remoteView(remote: RemoteImage__Output): RemoteView {
  const identity = identityColumns(remoteIdentity(remote));
  return {
    name: remote.name,
    status: remote.status,
    size: remote.size,
    checksum: identity.checksum,
    os_hash_algo: identity.osHashAlgo,
    os_hash_value: identity.osHashValue,
    disk_format: remote.disk_format,
    container_format: remote.container_format,
    visibility: remote.visibility,
    owner: remote.owner,
    min_disk: remote.min_disk,
    min_ram: remote.min_ram,
    properties: remote.properties,
  };
}
