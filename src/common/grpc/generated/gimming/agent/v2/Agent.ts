// Original file: protos/gimming/agent/v2/agent.proto

import type * as grpc from '@grpc/grpc-js';
import type { MethodDefinition } from '@grpc/proto-loader';
import type {
  AgentInfo as _gimming_agent_v2_AgentInfo,
  AgentInfo__Output as _gimming_agent_v2_AgentInfo__Output,
} from '../../../gimming/agent/v2/AgentInfo';
import type {
  CopyEvent as _gimming_agent_v2_CopyEvent,
  CopyEvent__Output as _gimming_agent_v2_CopyEvent__Output,
} from '../../../gimming/agent/v2/CopyEvent';
import type {
  CopyImageRequest as _gimming_agent_v2_CopyImageRequest,
  CopyImageRequest__Output as _gimming_agent_v2_CopyImageRequest__Output,
} from '../../../gimming/agent/v2/CopyImageRequest';
import type {
  DeleteImageRequest as _gimming_agent_v2_DeleteImageRequest,
  DeleteImageRequest__Output as _gimming_agent_v2_DeleteImageRequest__Output,
} from '../../../gimming/agent/v2/DeleteImageRequest';
import type {
  DeleteImageResponse as _gimming_agent_v2_DeleteImageResponse,
  DeleteImageResponse__Output as _gimming_agent_v2_DeleteImageResponse__Output,
} from '../../../gimming/agent/v2/DeleteImageResponse';
import type {
  DeleteStagingRequest as _gimming_agent_v2_DeleteStagingRequest,
  DeleteStagingRequest__Output as _gimming_agent_v2_DeleteStagingRequest__Output,
} from '../../../gimming/agent/v2/DeleteStagingRequest';
import type {
  DeltaBlock as _gimming_agent_v2_DeltaBlock,
  DeltaBlock__Output as _gimming_agent_v2_DeltaBlock__Output,
} from '../../../gimming/agent/v2/DeltaBlock';
import type {
  DescribeImageRequest as _gimming_agent_v2_DescribeImageRequest,
  DescribeImageRequest__Output as _gimming_agent_v2_DescribeImageRequest__Output,
} from '../../../gimming/agent/v2/DescribeImageRequest';
import type {
  GetInfoRequest as _gimming_agent_v2_GetInfoRequest,
  GetInfoRequest__Output as _gimming_agent_v2_GetInfoRequest__Output,
} from '../../../gimming/agent/v2/GetInfoRequest';
import type {
  Image as _gimming_agent_v2_Image,
  Image__Output as _gimming_agent_v2_Image__Output,
} from '../../../gimming/agent/v2/Image';
import type {
  ImageChunk as _gimming_agent_v2_ImageChunk,
  ImageChunk__Output as _gimming_agent_v2_ImageChunk__Output,
} from '../../../gimming/agent/v2/ImageChunk';
import type {
  ImageMember as _gimming_agent_v2_ImageMember,
  ImageMember__Output as _gimming_agent_v2_ImageMember__Output,
} from '../../../gimming/agent/v2/ImageMember';
import type {
  ImportEvent as _gimming_agent_v2_ImportEvent,
  ImportEvent__Output as _gimming_agent_v2_ImportEvent__Output,
} from '../../../gimming/agent/v2/ImportEvent';
import type {
  ImportRequest as _gimming_agent_v2_ImportRequest,
  ImportRequest__Output as _gimming_agent_v2_ImportRequest__Output,
} from '../../../gimming/agent/v2/ImportRequest';
import type {
  LinkStagingRequest as _gimming_agent_v2_LinkStagingRequest,
  LinkStagingRequest__Output as _gimming_agent_v2_LinkStagingRequest__Output,
} from '../../../gimming/agent/v2/LinkStagingRequest';
import type {
  LinkStagingResponse as _gimming_agent_v2_LinkStagingResponse,
  LinkStagingResponse__Output as _gimming_agent_v2_LinkStagingResponse__Output,
} from '../../../gimming/agent/v2/LinkStagingResponse';
import type {
  ListImagesRequest as _gimming_agent_v2_ListImagesRequest,
  ListImagesRequest__Output as _gimming_agent_v2_ListImagesRequest__Output,
} from '../../../gimming/agent/v2/ListImagesRequest';
import type {
  ListImagesResponse as _gimming_agent_v2_ListImagesResponse,
  ListImagesResponse__Output as _gimming_agent_v2_ListImagesResponse__Output,
} from '../../../gimming/agent/v2/ListImagesResponse';
import type {
  ListMembersRequest as _gimming_agent_v2_ListMembersRequest,
  ListMembersRequest__Output as _gimming_agent_v2_ListMembersRequest__Output,
} from '../../../gimming/agent/v2/ListMembersRequest';
import type {
  ListMembersResponse as _gimming_agent_v2_ListMembersResponse,
  ListMembersResponse__Output as _gimming_agent_v2_ListMembersResponse__Output,
} from '../../../gimming/agent/v2/ListMembersResponse';
import type {
  MemberRequest as _gimming_agent_v2_MemberRequest,
  MemberRequest__Output as _gimming_agent_v2_MemberRequest__Output,
} from '../../../gimming/agent/v2/MemberRequest';
import type {
  ReadDeltaRequest as _gimming_agent_v2_ReadDeltaRequest,
  ReadDeltaRequest__Output as _gimming_agent_v2_ReadDeltaRequest__Output,
} from '../../../gimming/agent/v2/ReadDeltaRequest';
import type {
  ReadImageRequest as _gimming_agent_v2_ReadImageRequest,
  ReadImageRequest__Output as _gimming_agent_v2_ReadImageRequest__Output,
} from '../../../gimming/agent/v2/ReadImageRequest';
import type {
  SetImagePropertiesRequest as _gimming_agent_v2_SetImagePropertiesRequest,
  SetImagePropertiesRequest__Output as _gimming_agent_v2_SetImagePropertiesRequest__Output,
} from '../../../gimming/agent/v2/SetImagePropertiesRequest';
import type {
  SetLifecycleRequest as _gimming_agent_v2_SetLifecycleRequest,
  SetLifecycleRequest__Output as _gimming_agent_v2_SetLifecycleRequest__Output,
} from '../../../gimming/agent/v2/SetLifecycleRequest';
import type {
  StagedImage as _gimming_agent_v2_StagedImage,
  StagedImage__Output as _gimming_agent_v2_StagedImage__Output,
} from '../../../gimming/agent/v2/StagedImage';
import type {
  StagingOffsetResponse as _gimming_agent_v2_StagingOffsetResponse,
  StagingOffsetResponse__Output as _gimming_agent_v2_StagingOffsetResponse__Output,
} from '../../../gimming/agent/v2/StagingOffsetResponse';
import type {
  UpdateImageRequest as _gimming_agent_v2_UpdateImageRequest,
  UpdateImageRequest__Output as _gimming_agent_v2_UpdateImageRequest__Output,
} from '../../../gimming/agent/v2/UpdateImageRequest';

export interface AgentClient extends grpc.Client {
  AddMember(
    argument: _gimming_agent_v2_MemberRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_ImageMember__Output>,
  ): grpc.ClientUnaryCall;
  AddMember(
    argument: _gimming_agent_v2_MemberRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v2_ImageMember__Output>,
  ): grpc.ClientUnaryCall;
  AddMember(
    argument: _gimming_agent_v2_MemberRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_ImageMember__Output>,
  ): grpc.ClientUnaryCall;
  AddMember(
    argument: _gimming_agent_v2_MemberRequest,
    callback: grpc.requestCallback<_gimming_agent_v2_ImageMember__Output>,
  ): grpc.ClientUnaryCall;
  addMember(
    argument: _gimming_agent_v2_MemberRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_ImageMember__Output>,
  ): grpc.ClientUnaryCall;
  addMember(
    argument: _gimming_agent_v2_MemberRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v2_ImageMember__Output>,
  ): grpc.ClientUnaryCall;
  addMember(
    argument: _gimming_agent_v2_MemberRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_ImageMember__Output>,
  ): grpc.ClientUnaryCall;
  addMember(
    argument: _gimming_agent_v2_MemberRequest,
    callback: grpc.requestCallback<_gimming_agent_v2_ImageMember__Output>,
  ): grpc.ClientUnaryCall;

  CopyImage(
    argument: _gimming_agent_v2_CopyImageRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_gimming_agent_v2_CopyEvent__Output>;
  CopyImage(
    argument: _gimming_agent_v2_CopyImageRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_gimming_agent_v2_CopyEvent__Output>;
  copyImage(
    argument: _gimming_agent_v2_CopyImageRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_gimming_agent_v2_CopyEvent__Output>;
  copyImage(
    argument: _gimming_agent_v2_CopyImageRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_gimming_agent_v2_CopyEvent__Output>;

  DeleteImage(
    argument: _gimming_agent_v2_DeleteImageRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;
  DeleteImage(
    argument: _gimming_agent_v2_DeleteImageRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v2_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;
  DeleteImage(
    argument: _gimming_agent_v2_DeleteImageRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;
  DeleteImage(
    argument: _gimming_agent_v2_DeleteImageRequest,
    callback: grpc.requestCallback<_gimming_agent_v2_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;
  deleteImage(
    argument: _gimming_agent_v2_DeleteImageRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;
  deleteImage(
    argument: _gimming_agent_v2_DeleteImageRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v2_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;
  deleteImage(
    argument: _gimming_agent_v2_DeleteImageRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;
  deleteImage(
    argument: _gimming_agent_v2_DeleteImageRequest,
    callback: grpc.requestCallback<_gimming_agent_v2_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;

  DeleteStaging(
    argument: _gimming_agent_v2_DeleteStagingRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;
  DeleteStaging(
    argument: _gimming_agent_v2_DeleteStagingRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v2_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;
  DeleteStaging(
    argument: _gimming_agent_v2_DeleteStagingRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;
  DeleteStaging(
    argument: _gimming_agent_v2_DeleteStagingRequest,
    callback: grpc.requestCallback<_gimming_agent_v2_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;
  deleteStaging(
    argument: _gimming_agent_v2_DeleteStagingRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;
  deleteStaging(
    argument: _gimming_agent_v2_DeleteStagingRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v2_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;
  deleteStaging(
    argument: _gimming_agent_v2_DeleteStagingRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;
  deleteStaging(
    argument: _gimming_agent_v2_DeleteStagingRequest,
    callback: grpc.requestCallback<_gimming_agent_v2_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;

  DescribeImage(
    argument: _gimming_agent_v2_DescribeImageRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_Image__Output>,
  ): grpc.ClientUnaryCall;
  DescribeImage(
    argument: _gimming_agent_v2_DescribeImageRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v2_Image__Output>,
  ): grpc.ClientUnaryCall;
  DescribeImage(
    argument: _gimming_agent_v2_DescribeImageRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_Image__Output>,
  ): grpc.ClientUnaryCall;
  DescribeImage(
    argument: _gimming_agent_v2_DescribeImageRequest,
    callback: grpc.requestCallback<_gimming_agent_v2_Image__Output>,
  ): grpc.ClientUnaryCall;
  describeImage(
    argument: _gimming_agent_v2_DescribeImageRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_Image__Output>,
  ): grpc.ClientUnaryCall;
  describeImage(
    argument: _gimming_agent_v2_DescribeImageRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v2_Image__Output>,
  ): grpc.ClientUnaryCall;
  describeImage(
    argument: _gimming_agent_v2_DescribeImageRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_Image__Output>,
  ): grpc.ClientUnaryCall;
  describeImage(
    argument: _gimming_agent_v2_DescribeImageRequest,
    callback: grpc.requestCallback<_gimming_agent_v2_Image__Output>,
  ): grpc.ClientUnaryCall;

  GetInfo(
    argument: _gimming_agent_v2_GetInfoRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_AgentInfo__Output>,
  ): grpc.ClientUnaryCall;
  GetInfo(
    argument: _gimming_agent_v2_GetInfoRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v2_AgentInfo__Output>,
  ): grpc.ClientUnaryCall;
  GetInfo(
    argument: _gimming_agent_v2_GetInfoRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_AgentInfo__Output>,
  ): grpc.ClientUnaryCall;
  GetInfo(
    argument: _gimming_agent_v2_GetInfoRequest,
    callback: grpc.requestCallback<_gimming_agent_v2_AgentInfo__Output>,
  ): grpc.ClientUnaryCall;
  getInfo(
    argument: _gimming_agent_v2_GetInfoRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_AgentInfo__Output>,
  ): grpc.ClientUnaryCall;
  getInfo(
    argument: _gimming_agent_v2_GetInfoRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v2_AgentInfo__Output>,
  ): grpc.ClientUnaryCall;
  getInfo(
    argument: _gimming_agent_v2_GetInfoRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_AgentInfo__Output>,
  ): grpc.ClientUnaryCall;
  getInfo(
    argument: _gimming_agent_v2_GetInfoRequest,
    callback: grpc.requestCallback<_gimming_agent_v2_AgentInfo__Output>,
  ): grpc.ClientUnaryCall;

  ImportToStaging(
    argument: _gimming_agent_v2_ImportRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_gimming_agent_v2_ImportEvent__Output>;
  ImportToStaging(
    argument: _gimming_agent_v2_ImportRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_gimming_agent_v2_ImportEvent__Output>;
  importToStaging(
    argument: _gimming_agent_v2_ImportRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_gimming_agent_v2_ImportEvent__Output>;
  importToStaging(
    argument: _gimming_agent_v2_ImportRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_gimming_agent_v2_ImportEvent__Output>;

  LinkStaging(
    argument: _gimming_agent_v2_LinkStagingRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_LinkStagingResponse__Output>,
  ): grpc.ClientUnaryCall;
  LinkStaging(
    argument: _gimming_agent_v2_LinkStagingRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v2_LinkStagingResponse__Output>,
  ): grpc.ClientUnaryCall;
  LinkStaging(
    argument: _gimming_agent_v2_LinkStagingRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_LinkStagingResponse__Output>,
  ): grpc.ClientUnaryCall;
  LinkStaging(
    argument: _gimming_agent_v2_LinkStagingRequest,
    callback: grpc.requestCallback<_gimming_agent_v2_LinkStagingResponse__Output>,
  ): grpc.ClientUnaryCall;
  linkStaging(
    argument: _gimming_agent_v2_LinkStagingRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_LinkStagingResponse__Output>,
  ): grpc.ClientUnaryCall;
  linkStaging(
    argument: _gimming_agent_v2_LinkStagingRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v2_LinkStagingResponse__Output>,
  ): grpc.ClientUnaryCall;
  linkStaging(
    argument: _gimming_agent_v2_LinkStagingRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_LinkStagingResponse__Output>,
  ): grpc.ClientUnaryCall;
  linkStaging(
    argument: _gimming_agent_v2_LinkStagingRequest,
    callback: grpc.requestCallback<_gimming_agent_v2_LinkStagingResponse__Output>,
  ): grpc.ClientUnaryCall;

  ListImages(
    argument: _gimming_agent_v2_ListImagesRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_ListImagesResponse__Output>,
  ): grpc.ClientUnaryCall;
  ListImages(
    argument: _gimming_agent_v2_ListImagesRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v2_ListImagesResponse__Output>,
  ): grpc.ClientUnaryCall;
  ListImages(
    argument: _gimming_agent_v2_ListImagesRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_ListImagesResponse__Output>,
  ): grpc.ClientUnaryCall;
  ListImages(
    argument: _gimming_agent_v2_ListImagesRequest,
    callback: grpc.requestCallback<_gimming_agent_v2_ListImagesResponse__Output>,
  ): grpc.ClientUnaryCall;
  listImages(
    argument: _gimming_agent_v2_ListImagesRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_ListImagesResponse__Output>,
  ): grpc.ClientUnaryCall;
  listImages(
    argument: _gimming_agent_v2_ListImagesRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v2_ListImagesResponse__Output>,
  ): grpc.ClientUnaryCall;
  listImages(
    argument: _gimming_agent_v2_ListImagesRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_ListImagesResponse__Output>,
  ): grpc.ClientUnaryCall;
  listImages(
    argument: _gimming_agent_v2_ListImagesRequest,
    callback: grpc.requestCallback<_gimming_agent_v2_ListImagesResponse__Output>,
  ): grpc.ClientUnaryCall;

  ListMembers(
    argument: _gimming_agent_v2_ListMembersRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_ListMembersResponse__Output>,
  ): grpc.ClientUnaryCall;
  ListMembers(
    argument: _gimming_agent_v2_ListMembersRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v2_ListMembersResponse__Output>,
  ): grpc.ClientUnaryCall;
  ListMembers(
    argument: _gimming_agent_v2_ListMembersRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_ListMembersResponse__Output>,
  ): grpc.ClientUnaryCall;
  ListMembers(
    argument: _gimming_agent_v2_ListMembersRequest,
    callback: grpc.requestCallback<_gimming_agent_v2_ListMembersResponse__Output>,
  ): grpc.ClientUnaryCall;
  listMembers(
    argument: _gimming_agent_v2_ListMembersRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_ListMembersResponse__Output>,
  ): grpc.ClientUnaryCall;
  listMembers(
    argument: _gimming_agent_v2_ListMembersRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v2_ListMembersResponse__Output>,
  ): grpc.ClientUnaryCall;
  listMembers(
    argument: _gimming_agent_v2_ListMembersRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_ListMembersResponse__Output>,
  ): grpc.ClientUnaryCall;
  listMembers(
    argument: _gimming_agent_v2_ListMembersRequest,
    callback: grpc.requestCallback<_gimming_agent_v2_ListMembersResponse__Output>,
  ): grpc.ClientUnaryCall;

  ReadImage(
    argument: _gimming_agent_v2_ReadImageRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_gimming_agent_v2_ImageChunk__Output>;
  ReadImage(
    argument: _gimming_agent_v2_ReadImageRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_gimming_agent_v2_ImageChunk__Output>;
  readImage(
    argument: _gimming_agent_v2_ReadImageRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_gimming_agent_v2_ImageChunk__Output>;
  readImage(
    argument: _gimming_agent_v2_ReadImageRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_gimming_agent_v2_ImageChunk__Output>;

  ReadImageDelta(
    argument: _gimming_agent_v2_ReadDeltaRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_gimming_agent_v2_DeltaBlock__Output>;
  ReadImageDelta(
    argument: _gimming_agent_v2_ReadDeltaRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_gimming_agent_v2_DeltaBlock__Output>;
  readImageDelta(
    argument: _gimming_agent_v2_ReadDeltaRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_gimming_agent_v2_DeltaBlock__Output>;
  readImageDelta(
    argument: _gimming_agent_v2_ReadDeltaRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_gimming_agent_v2_DeltaBlock__Output>;

  RemoveMember(
    argument: _gimming_agent_v2_MemberRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;
  RemoveMember(
    argument: _gimming_agent_v2_MemberRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v2_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;
  RemoveMember(
    argument: _gimming_agent_v2_MemberRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;
  RemoveMember(
    argument: _gimming_agent_v2_MemberRequest,
    callback: grpc.requestCallback<_gimming_agent_v2_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;
  removeMember(
    argument: _gimming_agent_v2_MemberRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;
  removeMember(
    argument: _gimming_agent_v2_MemberRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v2_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;
  removeMember(
    argument: _gimming_agent_v2_MemberRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;
  removeMember(
    argument: _gimming_agent_v2_MemberRequest,
    callback: grpc.requestCallback<_gimming_agent_v2_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;

  SetImageProperties(
    argument: _gimming_agent_v2_SetImagePropertiesRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_Image__Output>,
  ): grpc.ClientUnaryCall;
  SetImageProperties(
    argument: _gimming_agent_v2_SetImagePropertiesRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v2_Image__Output>,
  ): grpc.ClientUnaryCall;
  SetImageProperties(
    argument: _gimming_agent_v2_SetImagePropertiesRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_Image__Output>,
  ): grpc.ClientUnaryCall;
  SetImageProperties(
    argument: _gimming_agent_v2_SetImagePropertiesRequest,
    callback: grpc.requestCallback<_gimming_agent_v2_Image__Output>,
  ): grpc.ClientUnaryCall;
  setImageProperties(
    argument: _gimming_agent_v2_SetImagePropertiesRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_Image__Output>,
  ): grpc.ClientUnaryCall;
  setImageProperties(
    argument: _gimming_agent_v2_SetImagePropertiesRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v2_Image__Output>,
  ): grpc.ClientUnaryCall;
  setImageProperties(
    argument: _gimming_agent_v2_SetImagePropertiesRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_Image__Output>,
  ): grpc.ClientUnaryCall;
  setImageProperties(
    argument: _gimming_agent_v2_SetImagePropertiesRequest,
    callback: grpc.requestCallback<_gimming_agent_v2_Image__Output>,
  ): grpc.ClientUnaryCall;

  SetLifecycle(
    argument: _gimming_agent_v2_SetLifecycleRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_Image__Output>,
  ): grpc.ClientUnaryCall;
  SetLifecycle(
    argument: _gimming_agent_v2_SetLifecycleRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v2_Image__Output>,
  ): grpc.ClientUnaryCall;
  SetLifecycle(
    argument: _gimming_agent_v2_SetLifecycleRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_Image__Output>,
  ): grpc.ClientUnaryCall;
  SetLifecycle(
    argument: _gimming_agent_v2_SetLifecycleRequest,
    callback: grpc.requestCallback<_gimming_agent_v2_Image__Output>,
  ): grpc.ClientUnaryCall;
  setLifecycle(
    argument: _gimming_agent_v2_SetLifecycleRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_Image__Output>,
  ): grpc.ClientUnaryCall;
  setLifecycle(
    argument: _gimming_agent_v2_SetLifecycleRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v2_Image__Output>,
  ): grpc.ClientUnaryCall;
  setLifecycle(
    argument: _gimming_agent_v2_SetLifecycleRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_Image__Output>,
  ): grpc.ClientUnaryCall;
  setLifecycle(
    argument: _gimming_agent_v2_SetLifecycleRequest,
    callback: grpc.requestCallback<_gimming_agent_v2_Image__Output>,
  ): grpc.ClientUnaryCall;

  StagingOffset(
    argument: _gimming_agent_v2_DeleteStagingRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_StagingOffsetResponse__Output>,
  ): grpc.ClientUnaryCall;
  StagingOffset(
    argument: _gimming_agent_v2_DeleteStagingRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v2_StagingOffsetResponse__Output>,
  ): grpc.ClientUnaryCall;
  StagingOffset(
    argument: _gimming_agent_v2_DeleteStagingRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_StagingOffsetResponse__Output>,
  ): grpc.ClientUnaryCall;
  StagingOffset(
    argument: _gimming_agent_v2_DeleteStagingRequest,
    callback: grpc.requestCallback<_gimming_agent_v2_StagingOffsetResponse__Output>,
  ): grpc.ClientUnaryCall;
  stagingOffset(
    argument: _gimming_agent_v2_DeleteStagingRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_StagingOffsetResponse__Output>,
  ): grpc.ClientUnaryCall;
  stagingOffset(
    argument: _gimming_agent_v2_DeleteStagingRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v2_StagingOffsetResponse__Output>,
  ): grpc.ClientUnaryCall;
  stagingOffset(
    argument: _gimming_agent_v2_DeleteStagingRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_StagingOffsetResponse__Output>,
  ): grpc.ClientUnaryCall;
  stagingOffset(
    argument: _gimming_agent_v2_DeleteStagingRequest,
    callback: grpc.requestCallback<_gimming_agent_v2_StagingOffsetResponse__Output>,
  ): grpc.ClientUnaryCall;

  UpdateImage(
    argument: _gimming_agent_v2_UpdateImageRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_Image__Output>,
  ): grpc.ClientUnaryCall;
  UpdateImage(
    argument: _gimming_agent_v2_UpdateImageRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v2_Image__Output>,
  ): grpc.ClientUnaryCall;
  UpdateImage(
    argument: _gimming_agent_v2_UpdateImageRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_Image__Output>,
  ): grpc.ClientUnaryCall;
  UpdateImage(
    argument: _gimming_agent_v2_UpdateImageRequest,
    callback: grpc.requestCallback<_gimming_agent_v2_Image__Output>,
  ): grpc.ClientUnaryCall;
  updateImage(
    argument: _gimming_agent_v2_UpdateImageRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_Image__Output>,
  ): grpc.ClientUnaryCall;
  updateImage(
    argument: _gimming_agent_v2_UpdateImageRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v2_Image__Output>,
  ): grpc.ClientUnaryCall;
  updateImage(
    argument: _gimming_agent_v2_UpdateImageRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_Image__Output>,
  ): grpc.ClientUnaryCall;
  updateImage(
    argument: _gimming_agent_v2_UpdateImageRequest,
    callback: grpc.requestCallback<_gimming_agent_v2_Image__Output>,
  ): grpc.ClientUnaryCall;

  WriteStaging(
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_StagedImage__Output>,
  ): grpc.ClientWritableStream<_gimming_agent_v2_ImageChunk>;
  WriteStaging(
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v2_StagedImage__Output>,
  ): grpc.ClientWritableStream<_gimming_agent_v2_ImageChunk>;
  WriteStaging(
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_StagedImage__Output>,
  ): grpc.ClientWritableStream<_gimming_agent_v2_ImageChunk>;
  WriteStaging(
    callback: grpc.requestCallback<_gimming_agent_v2_StagedImage__Output>,
  ): grpc.ClientWritableStream<_gimming_agent_v2_ImageChunk>;
  writeStaging(
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_StagedImage__Output>,
  ): grpc.ClientWritableStream<_gimming_agent_v2_ImageChunk>;
  writeStaging(
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v2_StagedImage__Output>,
  ): grpc.ClientWritableStream<_gimming_agent_v2_ImageChunk>;
  writeStaging(
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v2_StagedImage__Output>,
  ): grpc.ClientWritableStream<_gimming_agent_v2_ImageChunk>;
  writeStaging(
    callback: grpc.requestCallback<_gimming_agent_v2_StagedImage__Output>,
  ): grpc.ClientWritableStream<_gimming_agent_v2_ImageChunk>;
}

export interface AgentHandlers extends grpc.UntypedServiceImplementation {
  AddMember: grpc.handleUnaryCall<_gimming_agent_v2_MemberRequest__Output, _gimming_agent_v2_ImageMember>;

  CopyImage: grpc.handleServerStreamingCall<
    _gimming_agent_v2_CopyImageRequest__Output,
    _gimming_agent_v2_CopyEvent
  >;

  DeleteImage: grpc.handleUnaryCall<
    _gimming_agent_v2_DeleteImageRequest__Output,
    _gimming_agent_v2_DeleteImageResponse
  >;

  DeleteStaging: grpc.handleUnaryCall<
    _gimming_agent_v2_DeleteStagingRequest__Output,
    _gimming_agent_v2_DeleteImageResponse
  >;

  DescribeImage: grpc.handleUnaryCall<
    _gimming_agent_v2_DescribeImageRequest__Output,
    _gimming_agent_v2_Image
  >;

  GetInfo: grpc.handleUnaryCall<_gimming_agent_v2_GetInfoRequest__Output, _gimming_agent_v2_AgentInfo>;

  ImportToStaging: grpc.handleServerStreamingCall<
    _gimming_agent_v2_ImportRequest__Output,
    _gimming_agent_v2_ImportEvent
  >;

  LinkStaging: grpc.handleUnaryCall<
    _gimming_agent_v2_LinkStagingRequest__Output,
    _gimming_agent_v2_LinkStagingResponse
  >;

  ListImages: grpc.handleUnaryCall<
    _gimming_agent_v2_ListImagesRequest__Output,
    _gimming_agent_v2_ListImagesResponse
  >;

  ListMembers: grpc.handleUnaryCall<
    _gimming_agent_v2_ListMembersRequest__Output,
    _gimming_agent_v2_ListMembersResponse
  >;

  ReadImage: grpc.handleServerStreamingCall<
    _gimming_agent_v2_ReadImageRequest__Output,
    _gimming_agent_v2_ImageChunk
  >;

  ReadImageDelta: grpc.handleServerStreamingCall<
    _gimming_agent_v2_ReadDeltaRequest__Output,
    _gimming_agent_v2_DeltaBlock
  >;

  RemoveMember: grpc.handleUnaryCall<
    _gimming_agent_v2_MemberRequest__Output,
    _gimming_agent_v2_DeleteImageResponse
  >;

  SetImageProperties: grpc.handleUnaryCall<
    _gimming_agent_v2_SetImagePropertiesRequest__Output,
    _gimming_agent_v2_Image
  >;

  SetLifecycle: grpc.handleUnaryCall<_gimming_agent_v2_SetLifecycleRequest__Output, _gimming_agent_v2_Image>;

  StagingOffset: grpc.handleUnaryCall<
    _gimming_agent_v2_DeleteStagingRequest__Output,
    _gimming_agent_v2_StagingOffsetResponse
  >;

  UpdateImage: grpc.handleUnaryCall<_gimming_agent_v2_UpdateImageRequest__Output, _gimming_agent_v2_Image>;

  WriteStaging: grpc.handleClientStreamingCall<
    _gimming_agent_v2_ImageChunk__Output,
    _gimming_agent_v2_StagedImage
  >;
}

export interface AgentDefinition extends grpc.ServiceDefinition {
  AddMember: MethodDefinition<
    _gimming_agent_v2_MemberRequest,
    _gimming_agent_v2_ImageMember,
    _gimming_agent_v2_MemberRequest__Output,
    _gimming_agent_v2_ImageMember__Output
  >;
  CopyImage: MethodDefinition<
    _gimming_agent_v2_CopyImageRequest,
    _gimming_agent_v2_CopyEvent,
    _gimming_agent_v2_CopyImageRequest__Output,
    _gimming_agent_v2_CopyEvent__Output
  >;
  DeleteImage: MethodDefinition<
    _gimming_agent_v2_DeleteImageRequest,
    _gimming_agent_v2_DeleteImageResponse,
    _gimming_agent_v2_DeleteImageRequest__Output,
    _gimming_agent_v2_DeleteImageResponse__Output
  >;
  DeleteStaging: MethodDefinition<
    _gimming_agent_v2_DeleteStagingRequest,
    _gimming_agent_v2_DeleteImageResponse,
    _gimming_agent_v2_DeleteStagingRequest__Output,
    _gimming_agent_v2_DeleteImageResponse__Output
  >;
  DescribeImage: MethodDefinition<
    _gimming_agent_v2_DescribeImageRequest,
    _gimming_agent_v2_Image,
    _gimming_agent_v2_DescribeImageRequest__Output,
    _gimming_agent_v2_Image__Output
  >;
  GetInfo: MethodDefinition<
    _gimming_agent_v2_GetInfoRequest,
    _gimming_agent_v2_AgentInfo,
    _gimming_agent_v2_GetInfoRequest__Output,
    _gimming_agent_v2_AgentInfo__Output
  >;
  ImportToStaging: MethodDefinition<
    _gimming_agent_v2_ImportRequest,
    _gimming_agent_v2_ImportEvent,
    _gimming_agent_v2_ImportRequest__Output,
    _gimming_agent_v2_ImportEvent__Output
  >;
  LinkStaging: MethodDefinition<
    _gimming_agent_v2_LinkStagingRequest,
    _gimming_agent_v2_LinkStagingResponse,
    _gimming_agent_v2_LinkStagingRequest__Output,
    _gimming_agent_v2_LinkStagingResponse__Output
  >;
  ListImages: MethodDefinition<
    _gimming_agent_v2_ListImagesRequest,
    _gimming_agent_v2_ListImagesResponse,
    _gimming_agent_v2_ListImagesRequest__Output,
    _gimming_agent_v2_ListImagesResponse__Output
  >;
  ListMembers: MethodDefinition<
    _gimming_agent_v2_ListMembersRequest,
    _gimming_agent_v2_ListMembersResponse,
    _gimming_agent_v2_ListMembersRequest__Output,
    _gimming_agent_v2_ListMembersResponse__Output
  >;
  ReadImage: MethodDefinition<
    _gimming_agent_v2_ReadImageRequest,
    _gimming_agent_v2_ImageChunk,
    _gimming_agent_v2_ReadImageRequest__Output,
    _gimming_agent_v2_ImageChunk__Output
  >;
  ReadImageDelta: MethodDefinition<
    _gimming_agent_v2_ReadDeltaRequest,
    _gimming_agent_v2_DeltaBlock,
    _gimming_agent_v2_ReadDeltaRequest__Output,
    _gimming_agent_v2_DeltaBlock__Output
  >;
  RemoveMember: MethodDefinition<
    _gimming_agent_v2_MemberRequest,
    _gimming_agent_v2_DeleteImageResponse,
    _gimming_agent_v2_MemberRequest__Output,
    _gimming_agent_v2_DeleteImageResponse__Output
  >;
  SetImageProperties: MethodDefinition<
    _gimming_agent_v2_SetImagePropertiesRequest,
    _gimming_agent_v2_Image,
    _gimming_agent_v2_SetImagePropertiesRequest__Output,
    _gimming_agent_v2_Image__Output
  >;
  SetLifecycle: MethodDefinition<
    _gimming_agent_v2_SetLifecycleRequest,
    _gimming_agent_v2_Image,
    _gimming_agent_v2_SetLifecycleRequest__Output,
    _gimming_agent_v2_Image__Output
  >;
  StagingOffset: MethodDefinition<
    _gimming_agent_v2_DeleteStagingRequest,
    _gimming_agent_v2_StagingOffsetResponse,
    _gimming_agent_v2_DeleteStagingRequest__Output,
    _gimming_agent_v2_StagingOffsetResponse__Output
  >;
  UpdateImage: MethodDefinition<
    _gimming_agent_v2_UpdateImageRequest,
    _gimming_agent_v2_Image,
    _gimming_agent_v2_UpdateImageRequest__Output,
    _gimming_agent_v2_Image__Output
  >;
  WriteStaging: MethodDefinition<
    _gimming_agent_v2_ImageChunk,
    _gimming_agent_v2_StagedImage,
    _gimming_agent_v2_ImageChunk__Output,
    _gimming_agent_v2_StagedImage__Output
  >;
}
