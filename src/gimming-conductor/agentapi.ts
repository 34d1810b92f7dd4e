/**
 * The conductor's client of the agents' gRPC API (protos/gimming/agent/v2/agent.proto).
 */
import type * as grpc from '@grpc/grpc-js';
import type { RequestContext } from '../common/context';
import { agentClient, unary } from '../common/grpc/agent-client';
import { contextToMetadata } from '../common/grpc/context-metadata';
import { fromServiceError } from '../common/grpc/errors';
import type { AgentClient } from '../common/grpc/generated/gimming/agent/v2/Agent';
import type { CloudRef } from '../common/grpc/generated/gimming/agent/v2/CloudRef';
import type { CopyEvent__Output } from '../common/grpc/generated/gimming/agent/v2/CopyEvent';
import type { DeleteImageResponse__Output } from '../common/grpc/generated/gimming/agent/v2/DeleteImageResponse';
import type { Digest__Output } from '../common/grpc/generated/gimming/agent/v2/Digest';
import type { ListImagesResponse__Output } from '../common/grpc/generated/gimming/agent/v2/ListImagesResponse';
import type { CopyImageRequest } from '../common/grpc/generated/gimming/agent/v2/CopyImageRequest';
import type { Image__Output as RemoteImage__Output } from '../common/grpc/generated/gimming/agent/v2/Image';
import type { ImageMember__Output } from '../common/grpc/generated/gimming/agent/v2/ImageMember';
import type { ImportEvent__Output } from '../common/grpc/generated/gimming/agent/v2/ImportEvent';
import type { ListMembersResponse__Output } from '../common/grpc/generated/gimming/agent/v2/ListMembersResponse';
import type { StagedImport__Output } from '../common/grpc/generated/gimming/agent/v2/StagedImport';
import { parseCloudOptions } from './cloud-kinds';
import type { CloudRow } from './db/entities';

const CONTROL_TIMEOUT_MS = 60_000;
const CLIENT_OPTIONS = { flowControlWindow: 1024 * 1024, maxMessageBytes: 16 * 1024 * 1024 };

export function cloudRef(cloud: CloudRow): CloudRef {
  return {
    id: cloud.id,
    name: cloud.name,
    type: cloud.type,
    region_name: cloud.regionName,
    auth_url: cloud.authUrl ?? '',
    credentials_ref: cloud.credentialsRef ?? '',
    options: parseCloudOptions(cloud.options),
  };
}

function client(address: string): AgentClient {
  return agentClient(address, CLIENT_OPTIONS);
}

export function describeImage(
  ctx: RequestContext,
  address: string,
  cloud: CloudRow,
  imageId: string,
): Promise<RemoteImage__Output> {
  const request = { cloud: cloudRef(cloud), image_id: imageId };
  return unary<RemoteImage__Output>(
    address,
    (md, opts, cb) => client(address).DescribeImage(request, md, opts, cb),
    ctx,
    CONTROL_TIMEOUT_MS,
  );
}

export function setImageProperties(
  ctx: RequestContext,
  address: string,
  cloud: CloudRow,
  imageId: string,
  properties: Record<string, string>,
): Promise<RemoteImage__Output> {
  const request = { cloud: cloudRef(cloud), image_id: imageId, properties };
  return unary<RemoteImage__Output>(
    address,
    (md, opts, cb) => client(address).SetImageProperties(request, md, opts, cb),
    ctx,
    CONTROL_TIMEOUT_MS,
  );
}

export function deleteImage(
  ctx: RequestContext,
  address: string,
  cloud: CloudRow,
  imageId: string,
): Promise<DeleteImageResponse__Output> {
  const request = { cloud: cloudRef(cloud), image_id: imageId };
  return unary<DeleteImageResponse__Output>(
    address,
    (md, opts, cb) => client(address).DeleteImage(request, md, opts, cb),
    ctx,
    CONTROL_TIMEOUT_MS,
  );
}

export function listImages(
  ctx: RequestContext,
  address: string,
  cloud: CloudRow,
  filters: Record<string, string>,
  limit = 0,
): Promise<RemoteImage__Output[]> {
  const request = { cloud: cloudRef(cloud), filters, limit };
  return unary<ListImagesResponse__Output>(
    address,
    (md, opts, cb) => client(address).ListImages(request, md, opts, cb),
    ctx,
    CONTROL_TIMEOUT_MS,
  ).then((res) => res.images);
}

/**
 * One page of a browse (ListImages paged): at most `limit` images after `marker`. `paged` false: the agent
 * is older than paging and listed its first `limit` images.
 */
export function listImagesPage(
  ctx: RequestContext,
  address: string,
  cloud: CloudRow,
  limit: number,
  marker: string,
): Promise<{ images: RemoteImage__Output[]; next: string; paged: boolean }> {
  const request = { cloud: cloudRef(cloud), filters: {}, limit, marker, paged: true };
  return unary<ListImagesResponse__Output>(
    address,
    (md, opts, cb) => client(address).ListImages(request, md, opts, cb),
    ctx,
    CONTROL_TIMEOUT_MS,
  ).then((res) => ({ images: res.images, next: res.next_marker, paged: res.paged }));
}

export function deleteStaging(
  ctx: RequestContext,
  address: string,
  imageId: string,
): Promise<DeleteImageResponse__Output> {
  const request = { image_id: imageId };
  return unary<DeleteImageResponse__Output>(
    address,
    (md, opts, cb) => client(address).DeleteStaging(request, md, opts, cb),
    ctx,
    CONTROL_TIMEOUT_MS,
  );
}

/** A finished copy, and how the agent proved it equal to its source (byte-identity.ts Proof). */
export interface CopyOutcome {
  image: RemoteImage__Output;
  proof: string;
  /** The hashes the proof compared; for a copy made with learn_identity, every hash of its bytes. */
  learned: Digest__Output[];
}

export interface RunningCopy {
  /** Resolves with the copy once the agent proved it equal to the source. */
  result: Promise<CopyOutcome>;
  cancel(): void;
}

/** Starts a copy on the target agent; `onEvent` sees `created` and `progress` events as they come. */
export function copyImage(
  ctx: RequestContext,
  address: string,
  request: CopyImageRequest,
  onEvent: (event: CopyEvent__Output) => void,
): RunningCopy {
  const call: grpc.ClientReadableStream<CopyEvent__Output> = client(address).CopyImage(
    request,
    contextToMetadata(ctx),
  );
  const result = new Promise<CopyOutcome>((resolve, reject) => {
    let done: CopyOutcome | undefined;
    call.on('data', (event: CopyEvent__Output) => {
      if (event.done?.image) {
        // A copy converted on the way is proven to hold the converted bytes, made from the source's.
        const proof = event.done.proof?.converted_from ? 'converted' : event.done.proof?.kind || 'cloud';
        done = { image: event.done.image, proof, learned: event.done.proof?.compared ?? [] };
      } else onEvent(event);
    });
    call.on('error', (err) => reject(fromServiceError(err, address)));
    call.on('end', () => {
      if (done) resolve(done);
      else reject(fromServiceError(new Error('the copy stream ended without a result'), address));
    });
  });
  return { result, cancel: () => call.cancel() };
}

export function updateImage(
  ctx: RequestContext,
  address: string,
  cloud: CloudRow,
  imageId: string,
  changes: { name?: string; visibility?: string },
): Promise<RemoteImage__Output> {
  const request = { cloud: cloudRef(cloud), image_id: imageId, ...changes };
  return unary<RemoteImage__Output>(
    address,
    (md, opts, cb) => client(address).UpdateImage(request, md, opts, cb),
    ctx,
    CONTROL_TIMEOUT_MS,
  );
}

export function setLifecycle(
  ctx: RequestContext,
  address: string,
  cloud: CloudRow,
  imageId: string,
  state: string,
  replacementId?: string,
): Promise<RemoteImage__Output> {
  const request = {
    cloud: cloudRef(cloud),
    image_id: imageId,
    state,
    replacement_id: replacementId ?? '',
  };
  return unary<RemoteImage__Output>(
    address,
    (md, opts, cb) => client(address).SetLifecycle(request, md, opts, cb),
    ctx,
    CONTROL_TIMEOUT_MS,
  );
}

export function addMember(
  ctx: RequestContext,
  address: string,
  cloud: CloudRow,
  imageId: string,
  memberId: string,
): Promise<ImageMember__Output> {
  const request = { cloud: cloudRef(cloud), image_id: imageId, member_id: memberId };
  return unary<ImageMember__Output>(
    address,
    (md, opts, cb) => client(address).AddMember(request, md, opts, cb),
    ctx,
    CONTROL_TIMEOUT_MS,
  );
}

export function removeMember(
  ctx: RequestContext,
  address: string,
  cloud: CloudRow,
  imageId: string,
  memberId: string,
): Promise<DeleteImageResponse__Output> {
  const request = { cloud: cloudRef(cloud), image_id: imageId, member_id: memberId };
  return unary<DeleteImageResponse__Output>(
    address,
    (md, opts, cb) => client(address).RemoveMember(request, md, opts, cb),
    ctx,
    CONTROL_TIMEOUT_MS,
  );
}

export function listMembers(
  ctx: RequestContext,
  address: string,
  cloud: CloudRow,
  imageId: string,
): Promise<ImageMember__Output[]> {
  const request = { cloud: cloudRef(cloud), image_id: imageId };
  return unary<ListMembersResponse__Output>(
    address,
    (md, opts, cb) => client(address).ListMembers(request, md, opts, cb),
    ctx,
    CONTROL_TIMEOUT_MS,
  ).then((res) => res.members);
}

export interface RunningImport {
  /** Resolves with the staged data's size and hashes. */
  result: Promise<StagedImport__Output>;
  cancel(): void;
}

/** Starts an import from a URL into the agent's staging area; `onProgress` sees the bytes so far. */
export function importToStaging(
  ctx: RequestContext,
  address: string,
  request: { image_id: string; url: string; limit_bytes?: number },
  onProgress: (done: number, total: number) => void,
): RunningImport {
  const call: grpc.ClientReadableStream<ImportEvent__Output> = client(address).ImportToStaging(
    request,
    contextToMetadata(ctx),
  );
  const result = new Promise<StagedImport__Output>((resolve, reject) => {
    let staged: StagedImport__Output | undefined;
    call.on('data', (event: ImportEvent__Output) => {
      if (event.staged) staged = event.staged;
      else if (event.progress) onProgress(event.progress.bytes_done, event.progress.bytes_total);
    });
    call.on('error', (err) => reject(fromServiceError(err, address)));
    call.on('end', () => {
      if (staged) resolve(staged);
      else reject(fromServiceError(new Error('the import stream ended without a result'), address));
    });
  });
  return { result, cancel: () => call.cancel() };
}
