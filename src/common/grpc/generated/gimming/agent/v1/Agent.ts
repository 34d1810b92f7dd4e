// Original file: protos/gimming/agent/v1/agent.proto

import type * as grpc from '@grpc/grpc-js';
import type { MethodDefinition } from '@grpc/proto-loader';
import type {
  AgentInfo as _gimming_agent_v1_AgentInfo,
  AgentInfo__Output as _gimming_agent_v1_AgentInfo__Output,
} from '../../../gimming/agent/v1/AgentInfo';
import type {
  CopyEvent as _gimming_agent_v1_CopyEvent,
  CopyEvent__Output as _gimming_agent_v1_CopyEvent__Output,
} from '../../../gimming/agent/v1/CopyEvent';
import type {
  CopyImageRequest as _gimming_agent_v1_CopyImageRequest,
  CopyImageRequest__Output as _gimming_agent_v1_CopyImageRequest__Output,
} from '../../../gimming/agent/v1/CopyImageRequest';
import type {
  DeleteImageRequest as _gimming_agent_v1_DeleteImageRequest,
  DeleteImageRequest__Output as _gimming_agent_v1_DeleteImageRequest__Output,
} from '../../../gimming/agent/v1/DeleteImageRequest';
import type {
  DeleteImageResponse as _gimming_agent_v1_DeleteImageResponse,
  DeleteImageResponse__Output as _gimming_agent_v1_DeleteImageResponse__Output,
} from '../../../gimming/agent/v1/DeleteImageResponse';
import type {
  DeleteStagingRequest as _gimming_agent_v1_DeleteStagingRequest,
  DeleteStagingRequest__Output as _gimming_agent_v1_DeleteStagingRequest__Output,
} from '../../../gimming/agent/v1/DeleteStagingRequest';
import type {
  DescribeImageRequest as _gimming_agent_v1_DescribeImageRequest,
  DescribeImageRequest__Output as _gimming_agent_v1_DescribeImageRequest__Output,
} from '../../../gimming/agent/v1/DescribeImageRequest';
import type {
  GetInfoRequest as _gimming_agent_v1_GetInfoRequest,
  GetInfoRequest__Output as _gimming_agent_v1_GetInfoRequest__Output,
} from '../../../gimming/agent/v1/GetInfoRequest';
import type {
  ImageChunk as _gimming_agent_v1_ImageChunk,
  ImageChunk__Output as _gimming_agent_v1_ImageChunk__Output,
} from '../../../gimming/agent/v1/ImageChunk';
import type {
  ImageMember as _gimming_agent_v1_ImageMember,
  ImageMember__Output as _gimming_agent_v1_ImageMember__Output,
} from '../../../gimming/agent/v1/ImageMember';
import type {
  ImportEvent as _gimming_agent_v1_ImportEvent,
  ImportEvent__Output as _gimming_agent_v1_ImportEvent__Output,
} from '../../../gimming/agent/v1/ImportEvent';
import type {
  ImportRequest as _gimming_agent_v1_ImportRequest,
  ImportRequest__Output as _gimming_agent_v1_ImportRequest__Output,
} from '../../../gimming/agent/v1/ImportRequest';
import type {
  ListImagesRequest as _gimming_agent_v1_ListImagesRequest,
  ListImagesRequest__Output as _gimming_agent_v1_ListImagesRequest__Output,
} from '../../../gimming/agent/v1/ListImagesRequest';
import type {
  ListImagesResponse as _gimming_agent_v1_ListImagesResponse,
  ListImagesResponse__Output as _gimming_agent_v1_ListImagesResponse__Output,
} from '../../../gimming/agent/v1/ListImagesResponse';
import type {
  ListMembersRequest as _gimming_agent_v1_ListMembersRequest,
  ListMembersRequest__Output as _gimming_agent_v1_ListMembersRequest__Output,
} from '../../../gimming/agent/v1/ListMembersRequest';
import type {
  ListMembersResponse as _gimming_agent_v1_ListMembersResponse,
  ListMembersResponse__Output as _gimming_agent_v1_ListMembersResponse__Output,
} from '../../../gimming/agent/v1/ListMembersResponse';
import type {
  MemberRequest as _gimming_agent_v1_MemberRequest,
  MemberRequest__Output as _gimming_agent_v1_MemberRequest__Output,
} from '../../../gimming/agent/v1/MemberRequest';
import type {
  ReadImageRequest as _gimming_agent_v1_ReadImageRequest,
  ReadImageRequest__Output as _gimming_agent_v1_ReadImageRequest__Output,
} from '../../../gimming/agent/v1/ReadImageRequest';
import type {
  RemoteImage as _gimming_agent_v1_RemoteImage,
  RemoteImage__Output as _gimming_agent_v1_RemoteImage__Output,
} from '../../../gimming/agent/v1/RemoteImage';
import type {
  SetImagePropertiesRequest as _gimming_agent_v1_SetImagePropertiesRequest,
  SetImagePropertiesRequest__Output as _gimming_agent_v1_SetImagePropertiesRequest__Output,
} from '../../../gimming/agent/v1/SetImagePropertiesRequest';
import type {
  StagedImage as _gimming_agent_v1_StagedImage,
  StagedImage__Output as _gimming_agent_v1_StagedImage__Output,
} from '../../../gimming/agent/v1/StagedImage';
import type {
  UpdateImageRequest as _gimming_agent_v1_UpdateImageRequest,
  UpdateImageRequest__Output as _gimming_agent_v1_UpdateImageRequest__Output,
} from '../../../gimming/agent/v1/UpdateImageRequest';

export interface AgentClient extends grpc.Client {
  AddMember(
    argument: _gimming_agent_v1_MemberRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v1_ImageMember__Output>,
  ): grpc.ClientUnaryCall;
  AddMember(
    argument: _gimming_agent_v1_MemberRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v1_ImageMember__Output>,
  ): grpc.ClientUnaryCall;
  AddMember(
    argument: _gimming_agent_v1_MemberRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v1_ImageMember__Output>,
  ): grpc.ClientUnaryCall;
  AddMember(
    argument: _gimming_agent_v1_MemberRequest,
    callback: grpc.requestCallback<_gimming_agent_v1_ImageMember__Output>,
  ): grpc.ClientUnaryCall;
  addMember(
    argument: _gimming_agent_v1_MemberRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v1_ImageMember__Output>,
  ): grpc.ClientUnaryCall;
  addMember(
    argument: _gimming_agent_v1_MemberRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v1_ImageMember__Output>,
  ): grpc.ClientUnaryCall;
  addMember(
    argument: _gimming_agent_v1_MemberRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v1_ImageMember__Output>,
  ): grpc.ClientUnaryCall;
  addMember(
    argument: _gimming_agent_v1_MemberRequest,
    callback: grpc.requestCallback<_gimming_agent_v1_ImageMember__Output>,
  ): grpc.ClientUnaryCall;

  CopyImage(
    argument: _gimming_agent_v1_CopyImageRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_gimming_agent_v1_CopyEvent__Output>;
  CopyImage(
    argument: _gimming_agent_v1_CopyImageRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_gimming_agent_v1_CopyEvent__Output>;
  copyImage(
    argument: _gimming_agent_v1_CopyImageRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_gimming_agent_v1_CopyEvent__Output>;
  copyImage(
    argument: _gimming_agent_v1_CopyImageRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_gimming_agent_v1_CopyEvent__Output>;

  DeleteImage(
    argument: _gimming_agent_v1_DeleteImageRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v1_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;
  DeleteImage(
    argument: _gimming_agent_v1_DeleteImageRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v1_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;
  DeleteImage(
    argument: _gimming_agent_v1_DeleteImageRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v1_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;
  DeleteImage(
    argument: _gimming_agent_v1_DeleteImageRequest,
    callback: grpc.requestCallback<_gimming_agent_v1_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;
  deleteImage(
    argument: _gimming_agent_v1_DeleteImageRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v1_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;
  deleteImage(
    argument: _gimming_agent_v1_DeleteImageRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v1_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;
  deleteImage(
    argument: _gimming_agent_v1_DeleteImageRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v1_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;
  deleteImage(
    argument: _gimming_agent_v1_DeleteImageRequest,
    callback: grpc.requestCallback<_gimming_agent_v1_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;

  DeleteStaging(
    argument: _gimming_agent_v1_DeleteStagingRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v1_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;
  DeleteStaging(
    argument: _gimming_agent_v1_DeleteStagingRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v1_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;
  DeleteStaging(
    argument: _gimming_agent_v1_DeleteStagingRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v1_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;
  DeleteStaging(
    argument: _gimming_agent_v1_DeleteStagingRequest,
    callback: grpc.requestCallback<_gimming_agent_v1_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;
  deleteStaging(
    argument: _gimming_agent_v1_DeleteStagingRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v1_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;
  deleteStaging(
    argument: _gimming_agent_v1_DeleteStagingRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v1_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;
  deleteStaging(
    argument: _gimming_agent_v1_DeleteStagingRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v1_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;
  deleteStaging(
    argument: _gimming_agent_v1_DeleteStagingRequest,
    callback: grpc.requestCallback<_gimming_agent_v1_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;

  DescribeImage(
    argument: _gimming_agent_v1_DescribeImageRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v1_RemoteImage__Output>,
  ): grpc.ClientUnaryCall;
  DescribeImage(
    argument: _gimming_agent_v1_DescribeImageRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v1_RemoteImage__Output>,
  ): grpc.ClientUnaryCall;
  DescribeImage(
    argument: _gimming_agent_v1_DescribeImageRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v1_RemoteImage__Output>,
  ): grpc.ClientUnaryCall;
  DescribeImage(
    argument: _gimming_agent_v1_DescribeImageRequest,
    callback: grpc.requestCallback<_gimming_agent_v1_RemoteImage__Output>,
  ): grpc.ClientUnaryCall;
  describeImage(
    argument: _gimming_agent_v1_DescribeImageRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v1_RemoteImage__Output>,
  ): grpc.ClientUnaryCall;
  describeImage(
    argument: _gimming_agent_v1_DescribeImageRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v1_RemoteImage__Output>,
  ): grpc.ClientUnaryCall;
  describeImage(
    argument: _gimming_agent_v1_DescribeImageRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v1_RemoteImage__Output>,
  ): grpc.ClientUnaryCall;
  describeImage(
    argument: _gimming_agent_v1_DescribeImageRequest,
    callback: grpc.requestCallback<_gimming_agent_v1_RemoteImage__Output>,
  ): grpc.ClientUnaryCall;

  GetInfo(
    argument: _gimming_agent_v1_GetInfoRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v1_AgentInfo__Output>,
  ): grpc.ClientUnaryCall;
  GetInfo(
    argument: _gimming_agent_v1_GetInfoRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v1_AgentInfo__Output>,
  ): grpc.ClientUnaryCall;
  GetInfo(
    argument: _gimming_agent_v1_GetInfoRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v1_AgentInfo__Output>,
  ): grpc.ClientUnaryCall;
  GetInfo(
    argument: _gimming_agent_v1_GetInfoRequest,
    callback: grpc.requestCallback<_gimming_agent_v1_AgentInfo__Output>,
  ): grpc.ClientUnaryCall;
  getInfo(
    argument: _gimming_agent_v1_GetInfoRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v1_AgentInfo__Output>,
  ): grpc.ClientUnaryCall;
  getInfo(
    argument: _gimming_agent_v1_GetInfoRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v1_AgentInfo__Output>,
  ): grpc.ClientUnaryCall;
  getInfo(
    argument: _gimming_agent_v1_GetInfoRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v1_AgentInfo__Output>,
  ): grpc.ClientUnaryCall;
  getInfo(
    argument: _gimming_agent_v1_GetInfoRequest,
    callback: grpc.requestCallback<_gimming_agent_v1_AgentInfo__Output>,
  ): grpc.ClientUnaryCall;

  ImportToStaging(
    argument: _gimming_agent_v1_ImportRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_gimming_agent_v1_ImportEvent__Output>;
  ImportToStaging(
    argument: _gimming_agent_v1_ImportRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_gimming_agent_v1_ImportEvent__Output>;
  importToStaging(
    argument: _gimming_agent_v1_ImportRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_gimming_agent_v1_ImportEvent__Output>;
  importToStaging(
    argument: _gimming_agent_v1_ImportRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_gimming_agent_v1_ImportEvent__Output>;

  ListImages(
    argument: _gimming_agent_v1_ListImagesRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v1_ListImagesResponse__Output>,
  ): grpc.ClientUnaryCall;
  ListImages(
    argument: _gimming_agent_v1_ListImagesRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v1_ListImagesResponse__Output>,
  ): grpc.ClientUnaryCall;
  ListImages(
    argument: _gimming_agent_v1_ListImagesRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v1_ListImagesResponse__Output>,
  ): grpc.ClientUnaryCall;
  ListImages(
    argument: _gimming_agent_v1_ListImagesRequest,
    callback: grpc.requestCallback<_gimming_agent_v1_ListImagesResponse__Output>,
  ): grpc.ClientUnaryCall;
  listImages(
    argument: _gimming_agent_v1_ListImagesRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v1_ListImagesResponse__Output>,
  ): grpc.ClientUnaryCall;
  listImages(
    argument: _gimming_agent_v1_ListImagesRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v1_ListImagesResponse__Output>,
  ): grpc.ClientUnaryCall;
  listImages(
    argument: _gimming_agent_v1_ListImagesRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v1_ListImagesResponse__Output>,
  ): grpc.ClientUnaryCall;
  listImages(
    argument: _gimming_agent_v1_ListImagesRequest,
    callback: grpc.requestCallback<_gimming_agent_v1_ListImagesResponse__Output>,
  ): grpc.ClientUnaryCall;

  ListMembers(
    argument: _gimming_agent_v1_ListMembersRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v1_ListMembersResponse__Output>,
  ): grpc.ClientUnaryCall;
  ListMembers(
    argument: _gimming_agent_v1_ListMembersRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v1_ListMembersResponse__Output>,
  ): grpc.ClientUnaryCall;
  ListMembers(
    argument: _gimming_agent_v1_ListMembersRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v1_ListMembersResponse__Output>,
  ): grpc.ClientUnaryCall;
  ListMembers(
    argument: _gimming_agent_v1_ListMembersRequest,
    callback: grpc.requestCallback<_gimming_agent_v1_ListMembersResponse__Output>,
  ): grpc.ClientUnaryCall;
  listMembers(
    argument: _gimming_agent_v1_ListMembersRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v1_ListMembersResponse__Output>,
  ): grpc.ClientUnaryCall;
  listMembers(
    argument: _gimming_agent_v1_ListMembersRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v1_ListMembersResponse__Output>,
  ): grpc.ClientUnaryCall;
  listMembers(
    argument: _gimming_agent_v1_ListMembersRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v1_ListMembersResponse__Output>,
  ): grpc.ClientUnaryCall;
  listMembers(
    argument: _gimming_agent_v1_ListMembersRequest,
    callback: grpc.requestCallback<_gimming_agent_v1_ListMembersResponse__Output>,
  ): grpc.ClientUnaryCall;

  ReadImage(
    argument: _gimming_agent_v1_ReadImageRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_gimming_agent_v1_ImageChunk__Output>;
  ReadImage(
    argument: _gimming_agent_v1_ReadImageRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_gimming_agent_v1_ImageChunk__Output>;
  readImage(
    argument: _gimming_agent_v1_ReadImageRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_gimming_agent_v1_ImageChunk__Output>;
  readImage(
    argument: _gimming_agent_v1_ReadImageRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_gimming_agent_v1_ImageChunk__Output>;

  RemoveMember(
    argument: _gimming_agent_v1_MemberRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v1_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;
  RemoveMember(
    argument: _gimming_agent_v1_MemberRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v1_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;
  RemoveMember(
    argument: _gimming_agent_v1_MemberRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v1_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;
  RemoveMember(
    argument: _gimming_agent_v1_MemberRequest,
    callback: grpc.requestCallback<_gimming_agent_v1_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;
  removeMember(
    argument: _gimming_agent_v1_MemberRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v1_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;
  removeMember(
    argument: _gimming_agent_v1_MemberRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v1_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;
  removeMember(
    argument: _gimming_agent_v1_MemberRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v1_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;
  removeMember(
    argument: _gimming_agent_v1_MemberRequest,
    callback: grpc.requestCallback<_gimming_agent_v1_DeleteImageResponse__Output>,
  ): grpc.ClientUnaryCall;

  SetImageProperties(
    argument: _gimming_agent_v1_SetImagePropertiesRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v1_RemoteImage__Output>,
  ): grpc.ClientUnaryCall;
  SetImageProperties(
    argument: _gimming_agent_v1_SetImagePropertiesRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v1_RemoteImage__Output>,
  ): grpc.ClientUnaryCall;
  SetImageProperties(
    argument: _gimming_agent_v1_SetImagePropertiesRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v1_RemoteImage__Output>,
  ): grpc.ClientUnaryCall;
  SetImageProperties(
    argument: _gimming_agent_v1_SetImagePropertiesRequest,
    callback: grpc.requestCallback<_gimming_agent_v1_RemoteImage__Output>,
  ): grpc.ClientUnaryCall;
  setImageProperties(
    argument: _gimming_agent_v1_SetImagePropertiesRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v1_RemoteImage__Output>,
  ): grpc.ClientUnaryCall;
  setImageProperties(
    argument: _gimming_agent_v1_SetImagePropertiesRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v1_RemoteImage__Output>,
  ): grpc.ClientUnaryCall;
  setImageProperties(
    argument: _gimming_agent_v1_SetImagePropertiesRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v1_RemoteImage__Output>,
  ): grpc.ClientUnaryCall;
  setImageProperties(
    argument: _gimming_agent_v1_SetImagePropertiesRequest,
    callback: grpc.requestCallback<_gimming_agent_v1_RemoteImage__Output>,
  ): grpc.ClientUnaryCall;

  UpdateImage(
    argument: _gimming_agent_v1_UpdateImageRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v1_RemoteImage__Output>,
  ): grpc.ClientUnaryCall;
  UpdateImage(
    argument: _gimming_agent_v1_UpdateImageRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v1_RemoteImage__Output>,
  ): grpc.ClientUnaryCall;
  UpdateImage(
    argument: _gimming_agent_v1_UpdateImageRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v1_RemoteImage__Output>,
  ): grpc.ClientUnaryCall;
  UpdateImage(
    argument: _gimming_agent_v1_UpdateImageRequest,
    callback: grpc.requestCallback<_gimming_agent_v1_RemoteImage__Output>,
  ): grpc.ClientUnaryCall;
  updateImage(
    argument: _gimming_agent_v1_UpdateImageRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v1_RemoteImage__Output>,
  ): grpc.ClientUnaryCall;
  updateImage(
    argument: _gimming_agent_v1_UpdateImageRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v1_RemoteImage__Output>,
  ): grpc.ClientUnaryCall;
  updateImage(
    argument: _gimming_agent_v1_UpdateImageRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v1_RemoteImage__Output>,
  ): grpc.ClientUnaryCall;
  updateImage(
    argument: _gimming_agent_v1_UpdateImageRequest,
    callback: grpc.requestCallback<_gimming_agent_v1_RemoteImage__Output>,
  ): grpc.ClientUnaryCall;

  WriteStaging(
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v1_StagedImage__Output>,
  ): grpc.ClientWritableStream<_gimming_agent_v1_ImageChunk>;
  WriteStaging(
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v1_StagedImage__Output>,
  ): grpc.ClientWritableStream<_gimming_agent_v1_ImageChunk>;
  WriteStaging(
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v1_StagedImage__Output>,
  ): grpc.ClientWritableStream<_gimming_agent_v1_ImageChunk>;
  WriteStaging(
    callback: grpc.requestCallback<_gimming_agent_v1_StagedImage__Output>,
  ): grpc.ClientWritableStream<_gimming_agent_v1_ImageChunk>;
  writeStaging(
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v1_StagedImage__Output>,
  ): grpc.ClientWritableStream<_gimming_agent_v1_ImageChunk>;
  writeStaging(
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gimming_agent_v1_StagedImage__Output>,
  ): grpc.ClientWritableStream<_gimming_agent_v1_ImageChunk>;
  writeStaging(
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gimming_agent_v1_StagedImage__Output>,
  ): grpc.ClientWritableStream<_gimming_agent_v1_ImageChunk>;
  writeStaging(
    callback: grpc.requestCallback<_gimming_agent_v1_StagedImage__Output>,
  ): grpc.ClientWritableStream<_gimming_agent_v1_ImageChunk>;
}

export interface AgentHandlers extends grpc.UntypedServiceImplementation {
  AddMember: grpc.handleUnaryCall<_gimming_agent_v1_MemberRequest__Output, _gimming_agent_v1_ImageMember>;

  CopyImage: grpc.handleServerStreamingCall<
    _gimming_agent_v1_CopyImageRequest__Output,
    _gimming_agent_v1_CopyEvent
  >;

  DeleteImage: grpc.handleUnaryCall<
    _gimming_agent_v1_DeleteImageRequest__Output,
    _gimming_agent_v1_DeleteImageResponse
  >;

  DeleteStaging: grpc.handleUnaryCall<
    _gimming_agent_v1_DeleteStagingRequest__Output,
    _gimming_agent_v1_DeleteImageResponse
  >;

  DescribeImage: grpc.handleUnaryCall<
    _gimming_agent_v1_DescribeImageRequest__Output,
    _gimming_agent_v1_RemoteImage
  >;

  GetInfo: grpc.handleUnaryCall<_gimming_agent_v1_GetInfoRequest__Output, _gimming_agent_v1_AgentInfo>;

  ImportToStaging: grpc.handleServerStreamingCall<
    _gimming_agent_v1_ImportRequest__Output,
    _gimming_agent_v1_ImportEvent
  >;

  ListImages: grpc.handleUnaryCall<
    _gimming_agent_v1_ListImagesRequest__Output,
    _gimming_agent_v1_ListImagesResponse
  >;

  ListMembers: grpc.handleUnaryCall<
    _gimming_agent_v1_ListMembersRequest__Output,
    _gimming_agent_v1_ListMembersResponse
  >;

  ReadImage: grpc.handleServerStreamingCall<
    _gimming_agent_v1_ReadImageRequest__Output,
    _gimming_agent_v1_ImageChunk
  >;

  RemoveMember: grpc.handleUnaryCall<
    _gimming_agent_v1_MemberRequest__Output,
    _gimming_agent_v1_DeleteImageResponse
  >;

  SetImageProperties: grpc.handleUnaryCall<
    _gimming_agent_v1_SetImagePropertiesRequest__Output,
    _gimming_agent_v1_RemoteImage
  >;

  UpdateImage: grpc.handleUnaryCall<
    _gimming_agent_v1_UpdateImageRequest__Output,
    _gimming_agent_v1_RemoteImage
  >;

  WriteStaging: grpc.handleClientStreamingCall<
    _gimming_agent_v1_ImageChunk__Output,
    _gimming_agent_v1_StagedImage
  >;
}

export interface AgentDefinition extends grpc.ServiceDefinition {
  AddMember: MethodDefinition<
    _gimming_agent_v1_MemberRequest,
    _gimming_agent_v1_ImageMember,
    _gimming_agent_v1_MemberRequest__Output,
    _gimming_agent_v1_ImageMember__Output
  >;
  CopyImage: MethodDefinition<
    _gimming_agent_v1_CopyImageRequest,
    _gimming_agent_v1_CopyEvent,
    _gimming_agent_v1_CopyImageRequest__Output,
    _gimming_agent_v1_CopyEvent__Output
  >;
  DeleteImage: MethodDefinition<
    _gimming_agent_v1_DeleteImageRequest,
    _gimming_agent_v1_DeleteImageResponse,
    _gimming_agent_v1_DeleteImageRequest__Output,
    _gimming_agent_v1_DeleteImageResponse__Output
  >;
  DeleteStaging: MethodDefinition<
    _gimming_agent_v1_DeleteStagingRequest,
    _gimming_agent_v1_DeleteImageResponse,
    _gimming_agent_v1_DeleteStagingRequest__Output,
    _gimming_agent_v1_DeleteImageResponse__Output
  >;
  DescribeImage: MethodDefinition<
    _gimming_agent_v1_DescribeImageRequest,
    _gimming_agent_v1_RemoteImage,
    _gimming_agent_v1_DescribeImageRequest__Output,
    _gimming_agent_v1_RemoteImage__Output
  >;
  GetInfo: MethodDefinition<
    _gimming_agent_v1_GetInfoRequest,
    _gimming_agent_v1_AgentInfo,
    _gimming_agent_v1_GetInfoRequest__Output,
    _gimming_agent_v1_AgentInfo__Output
  >;
  ImportToStaging: MethodDefinition<
    _gimming_agent_v1_ImportRequest,
    _gimming_agent_v1_ImportEvent,
    _gimming_agent_v1_ImportRequest__Output,
    _gimming_agent_v1_ImportEvent__Output
  >;
  ListImages: MethodDefinition<
    _gimming_agent_v1_ListImagesRequest,
    _gimming_agent_v1_ListImagesResponse,
    _gimming_agent_v1_ListImagesRequest__Output,
    _gimming_agent_v1_ListImagesResponse__Output
  >;
  ListMembers: MethodDefinition<
    _gimming_agent_v1_ListMembersRequest,
    _gimming_agent_v1_ListMembersResponse,
    _gimming_agent_v1_ListMembersRequest__Output,
    _gimming_agent_v1_ListMembersResponse__Output
  >;
  ReadImage: MethodDefinition<
    _gimming_agent_v1_ReadImageRequest,
    _gimming_agent_v1_ImageChunk,
    _gimming_agent_v1_ReadImageRequest__Output,
    _gimming_agent_v1_ImageChunk__Output
  >;
  RemoveMember: MethodDefinition<
    _gimming_agent_v1_MemberRequest,
    _gimming_agent_v1_DeleteImageResponse,
    _gimming_agent_v1_MemberRequest__Output,
    _gimming_agent_v1_DeleteImageResponse__Output
  >;
  SetImageProperties: MethodDefinition<
    _gimming_agent_v1_SetImagePropertiesRequest,
    _gimming_agent_v1_RemoteImage,
    _gimming_agent_v1_SetImagePropertiesRequest__Output,
    _gimming_agent_v1_RemoteImage__Output
  >;
  UpdateImage: MethodDefinition<
    _gimming_agent_v1_UpdateImageRequest,
    _gimming_agent_v1_RemoteImage,
    _gimming_agent_v1_UpdateImageRequest__Output,
    _gimming_agent_v1_RemoteImage__Output
  >;
  WriteStaging: MethodDefinition<
    _gimming_agent_v1_ImageChunk,
    _gimming_agent_v1_StagedImage,
    _gimming_agent_v1_ImageChunk__Output,
    _gimming_agent_v1_StagedImage__Output
  >;
}
