/**
 * The one way the conductor reaches its agents. The conductor makes one gateway at start-up and hands it
 * to every service and task that talks to an agent; nothing else calls the wire functions of agentapi.ts,
 * which keep the gRPC code (and will be the only place to change when the agent contract does).
 */
import type { RequestContext } from '../common/context';
import type { CopyEvent__Output } from '../common/grpc/generated/gimming/agent/v2/CopyEvent';
import type { CopyImageRequest } from '../common/grpc/generated/gimming/agent/v2/CopyImageRequest';
import type { DeleteImageResponse__Output } from '../common/grpc/generated/gimming/agent/v2/DeleteImageResponse';
import type { ImageMember__Output } from '../common/grpc/generated/gimming/agent/v2/ImageMember';
import type { Image__Output as RemoteImage__Output } from '../common/grpc/generated/gimming/agent/v2/Image';
import * as agentapi from './agentapi';
import type { RunningCopy, RunningImport } from './agentapi';
import type { CloudRow } from './db/entities';

export type { CopyOutcome, RunningCopy, RunningImport } from './agentapi';
export type RemoteImage = RemoteImage__Output;

/** What the conductor asks of an agent (at `address`), about images in `cloud` or in its staging area. */
export interface AgentGateway {
  describeImage(ctx: RequestContext, address: string, cloud: CloudRow, imageId: string): Promise<RemoteImage>;
  listImages(
    ctx: RequestContext,
    address: string,
    cloud: CloudRow,
    filters: Record<string, string>,
    limit?: number,
  ): Promise<RemoteImage[]>;
  /** One page of a browse (see agentapi.listImagesPage). */
  listImagesPage(
    ctx: RequestContext,
    address: string,
    cloud: CloudRow,
    limit: number,
    marker: string,
  ): Promise<{ images: RemoteImage[]; next: string; paged: boolean }>;
  setImageProperties(
    ctx: RequestContext,
    address: string,
    cloud: CloudRow,
    imageId: string,
    properties: Record<string, string>,
  ): Promise<RemoteImage>;
  updateImage(
    ctx: RequestContext,
    address: string,
    cloud: CloudRow,
    imageId: string,
    changes: { name?: string; visibility?: string },
  ): Promise<RemoteImage>;
  deleteImage(
    ctx: RequestContext,
    address: string,
    cloud: CloudRow,
    imageId: string,
  ): Promise<DeleteImageResponse__Output>;
  listMembers(
    ctx: RequestContext,
    address: string,
    cloud: CloudRow,
    imageId: string,
  ): Promise<ImageMember__Output[]>;
  addMember(
    ctx: RequestContext,
    address: string,
    cloud: CloudRow,
    imageId: string,
    memberId: string,
  ): Promise<ImageMember__Output>;
  removeMember(
    ctx: RequestContext,
    address: string,
    cloud: CloudRow,
    imageId: string,
    memberId: string,
  ): Promise<DeleteImageResponse__Output>;
  /** Starts a copy on the target agent; `onEvent` sees `created` and `progress` events as they come. */
  copyImage(
    ctx: RequestContext,
    address: string,
    request: CopyImageRequest,
    onEvent: (event: CopyEvent__Output) => void,
  ): RunningCopy;
  /** Starts an import from a URL into the agent's staging area; `onProgress` sees the bytes so far. */
  importToStaging(
    ctx: RequestContext,
    address: string,
    request: { image_id: string; url: string; limit_bytes?: number },
    onProgress: (done: number, total: number) => void,
  ): RunningImport;
  /** Deletes an image's staged data (nothing staged is no error). */
  deleteStaging(ctx: RequestContext, address: string, imageId: string): Promise<DeleteImageResponse__Output>;
  /** Puts a copy in a lifecycle state in its cloud's own terms (SetLifecycle), or back to active. */
  setLifecycle(
    ctx: RequestContext,
    address: string,
    cloud: CloudRow,
    imageId: string,
    state: string,
    replacementId?: string,
  ): Promise<RemoteImage>;
}

/** The gateway over the agents' gRPC API (protos/gimming/agent/v2/agent.proto). */
export class GrpcAgentGateway implements AgentGateway {
  describeImage = agentapi.describeImage;
  listImages = agentapi.listImages;
  listImagesPage = agentapi.listImagesPage;
  setImageProperties = agentapi.setImageProperties;
  updateImage = agentapi.updateImage;
  deleteImage = agentapi.deleteImage;
  listMembers = agentapi.listMembers;
  addMember = agentapi.addMember;
  removeMember = agentapi.removeMember;
  copyImage = agentapi.copyImage;
  importToStaging = agentapi.importToStaging;
  deleteStaging = agentapi.deleteStaging;
  setLifecycle = agentapi.setLifecycle;
}

/** A cloud as the agent contract names it (in a CopyImageRequest). */
export const cloudRef = agentapi.cloudRef;
