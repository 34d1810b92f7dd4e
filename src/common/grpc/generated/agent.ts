import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type {
  AgentClient as _gimming_agent_v1_AgentClient,
  AgentDefinition as _gimming_agent_v1_AgentDefinition,
} from './gimming/agent/v1/Agent';
import type {
  AgentInfo as _gimming_agent_v1_AgentInfo,
  AgentInfo__Output as _gimming_agent_v1_AgentInfo__Output,
} from './gimming/agent/v1/AgentInfo';
import type {
  ByteIdentity as _gimming_agent_v1_ByteIdentity,
  ByteIdentity__Output as _gimming_agent_v1_ByteIdentity__Output,
} from './gimming/agent/v1/ByteIdentity';
import type {
  CloudRef as _gimming_agent_v1_CloudRef,
  CloudRef__Output as _gimming_agent_v1_CloudRef__Output,
} from './gimming/agent/v1/CloudRef';
import type {
  CopyEvent as _gimming_agent_v1_CopyEvent,
  CopyEvent__Output as _gimming_agent_v1_CopyEvent__Output,
} from './gimming/agent/v1/CopyEvent';
import type {
  CopyImageRequest as _gimming_agent_v1_CopyImageRequest,
  CopyImageRequest__Output as _gimming_agent_v1_CopyImageRequest__Output,
} from './gimming/agent/v1/CopyImageRequest';
import type {
  Created as _gimming_agent_v1_Created,
  Created__Output as _gimming_agent_v1_Created__Output,
} from './gimming/agent/v1/Created';
import type {
  DeleteImageRequest as _gimming_agent_v1_DeleteImageRequest,
  DeleteImageRequest__Output as _gimming_agent_v1_DeleteImageRequest__Output,
} from './gimming/agent/v1/DeleteImageRequest';
import type {
  DeleteImageResponse as _gimming_agent_v1_DeleteImageResponse,
  DeleteImageResponse__Output as _gimming_agent_v1_DeleteImageResponse__Output,
} from './gimming/agent/v1/DeleteImageResponse';
import type {
  DeleteStagingRequest as _gimming_agent_v1_DeleteStagingRequest,
  DeleteStagingRequest__Output as _gimming_agent_v1_DeleteStagingRequest__Output,
} from './gimming/agent/v1/DeleteStagingRequest';
import type {
  DescribeImageRequest as _gimming_agent_v1_DescribeImageRequest,
  DescribeImageRequest__Output as _gimming_agent_v1_DescribeImageRequest__Output,
} from './gimming/agent/v1/DescribeImageRequest';
import type {
  Done as _gimming_agent_v1_Done,
  Done__Output as _gimming_agent_v1_Done__Output,
} from './gimming/agent/v1/Done';
import type {
  GetInfoRequest as _gimming_agent_v1_GetInfoRequest,
  GetInfoRequest__Output as _gimming_agent_v1_GetInfoRequest__Output,
} from './gimming/agent/v1/GetInfoRequest';
import type {
  ImageChunk as _gimming_agent_v1_ImageChunk,
  ImageChunk__Output as _gimming_agent_v1_ImageChunk__Output,
} from './gimming/agent/v1/ImageChunk';
import type {
  ImageMember as _gimming_agent_v1_ImageMember,
  ImageMember__Output as _gimming_agent_v1_ImageMember__Output,
} from './gimming/agent/v1/ImageMember';
import type {
  ImageSpec as _gimming_agent_v1_ImageSpec,
  ImageSpec__Output as _gimming_agent_v1_ImageSpec__Output,
} from './gimming/agent/v1/ImageSpec';
import type {
  ImportEvent as _gimming_agent_v1_ImportEvent,
  ImportEvent__Output as _gimming_agent_v1_ImportEvent__Output,
} from './gimming/agent/v1/ImportEvent';
import type {
  ImportRequest as _gimming_agent_v1_ImportRequest,
  ImportRequest__Output as _gimming_agent_v1_ImportRequest__Output,
} from './gimming/agent/v1/ImportRequest';
import type {
  ListImagesRequest as _gimming_agent_v1_ListImagesRequest,
  ListImagesRequest__Output as _gimming_agent_v1_ListImagesRequest__Output,
} from './gimming/agent/v1/ListImagesRequest';
import type {
  ListImagesResponse as _gimming_agent_v1_ListImagesResponse,
  ListImagesResponse__Output as _gimming_agent_v1_ListImagesResponse__Output,
} from './gimming/agent/v1/ListImagesResponse';
import type {
  ListMembersRequest as _gimming_agent_v1_ListMembersRequest,
  ListMembersRequest__Output as _gimming_agent_v1_ListMembersRequest__Output,
} from './gimming/agent/v1/ListMembersRequest';
import type {
  ListMembersResponse as _gimming_agent_v1_ListMembersResponse,
  ListMembersResponse__Output as _gimming_agent_v1_ListMembersResponse__Output,
} from './gimming/agent/v1/ListMembersResponse';
import type {
  MemberRequest as _gimming_agent_v1_MemberRequest,
  MemberRequest__Output as _gimming_agent_v1_MemberRequest__Output,
} from './gimming/agent/v1/MemberRequest';
import type {
  Progress as _gimming_agent_v1_Progress,
  Progress__Output as _gimming_agent_v1_Progress__Output,
} from './gimming/agent/v1/Progress';
import type {
  ReadImageRequest as _gimming_agent_v1_ReadImageRequest,
  ReadImageRequest__Output as _gimming_agent_v1_ReadImageRequest__Output,
} from './gimming/agent/v1/ReadImageRequest';
import type {
  RemoteImage as _gimming_agent_v1_RemoteImage,
  RemoteImage__Output as _gimming_agent_v1_RemoteImage__Output,
} from './gimming/agent/v1/RemoteImage';
import type {
  SetImagePropertiesRequest as _gimming_agent_v1_SetImagePropertiesRequest,
  SetImagePropertiesRequest__Output as _gimming_agent_v1_SetImagePropertiesRequest__Output,
} from './gimming/agent/v1/SetImagePropertiesRequest';
import type {
  StagedImage as _gimming_agent_v1_StagedImage,
  StagedImage__Output as _gimming_agent_v1_StagedImage__Output,
} from './gimming/agent/v1/StagedImage';
import type {
  StagedImport as _gimming_agent_v1_StagedImport,
  StagedImport__Output as _gimming_agent_v1_StagedImport__Output,
} from './gimming/agent/v1/StagedImport';
import type {
  UpdateImageRequest as _gimming_agent_v1_UpdateImageRequest,
  UpdateImageRequest__Output as _gimming_agent_v1_UpdateImageRequest__Output,
} from './gimming/agent/v1/UpdateImageRequest';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new (...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  gimming: {
    agent: {
      v1: {
        Agent: SubtypeConstructor<typeof grpc.Client, _gimming_agent_v1_AgentClient> & {
          service: _gimming_agent_v1_AgentDefinition;
        };
        AgentInfo: MessageTypeDefinition<_gimming_agent_v1_AgentInfo, _gimming_agent_v1_AgentInfo__Output>;
        ByteIdentity: MessageTypeDefinition<
          _gimming_agent_v1_ByteIdentity,
          _gimming_agent_v1_ByteIdentity__Output
        >;
        CloudRef: MessageTypeDefinition<_gimming_agent_v1_CloudRef, _gimming_agent_v1_CloudRef__Output>;
        CopyEvent: MessageTypeDefinition<_gimming_agent_v1_CopyEvent, _gimming_agent_v1_CopyEvent__Output>;
        CopyImageRequest: MessageTypeDefinition<
          _gimming_agent_v1_CopyImageRequest,
          _gimming_agent_v1_CopyImageRequest__Output
        >;
        Created: MessageTypeDefinition<_gimming_agent_v1_Created, _gimming_agent_v1_Created__Output>;
        DeleteImageRequest: MessageTypeDefinition<
          _gimming_agent_v1_DeleteImageRequest,
          _gimming_agent_v1_DeleteImageRequest__Output
        >;
        DeleteImageResponse: MessageTypeDefinition<
          _gimming_agent_v1_DeleteImageResponse,
          _gimming_agent_v1_DeleteImageResponse__Output
        >;
        DeleteStagingRequest: MessageTypeDefinition<
          _gimming_agent_v1_DeleteStagingRequest,
          _gimming_agent_v1_DeleteStagingRequest__Output
        >;
        DescribeImageRequest: MessageTypeDefinition<
          _gimming_agent_v1_DescribeImageRequest,
          _gimming_agent_v1_DescribeImageRequest__Output
        >;
        Done: MessageTypeDefinition<_gimming_agent_v1_Done, _gimming_agent_v1_Done__Output>;
        GetInfoRequest: MessageTypeDefinition<
          _gimming_agent_v1_GetInfoRequest,
          _gimming_agent_v1_GetInfoRequest__Output
        >;
        ImageChunk: MessageTypeDefinition<_gimming_agent_v1_ImageChunk, _gimming_agent_v1_ImageChunk__Output>;
        ImageMember: MessageTypeDefinition<
          _gimming_agent_v1_ImageMember,
          _gimming_agent_v1_ImageMember__Output
        >;
        ImageSpec: MessageTypeDefinition<_gimming_agent_v1_ImageSpec, _gimming_agent_v1_ImageSpec__Output>;
        ImportEvent: MessageTypeDefinition<
          _gimming_agent_v1_ImportEvent,
          _gimming_agent_v1_ImportEvent__Output
        >;
        ImportRequest: MessageTypeDefinition<
          _gimming_agent_v1_ImportRequest,
          _gimming_agent_v1_ImportRequest__Output
        >;
        ListImagesRequest: MessageTypeDefinition<
          _gimming_agent_v1_ListImagesRequest,
          _gimming_agent_v1_ListImagesRequest__Output
        >;
        ListImagesResponse: MessageTypeDefinition<
          _gimming_agent_v1_ListImagesResponse,
          _gimming_agent_v1_ListImagesResponse__Output
        >;
        ListMembersRequest: MessageTypeDefinition<
          _gimming_agent_v1_ListMembersRequest,
          _gimming_agent_v1_ListMembersRequest__Output
        >;
        ListMembersResponse: MessageTypeDefinition<
          _gimming_agent_v1_ListMembersResponse,
          _gimming_agent_v1_ListMembersResponse__Output
        >;
        MemberRequest: MessageTypeDefinition<
          _gimming_agent_v1_MemberRequest,
          _gimming_agent_v1_MemberRequest__Output
        >;
        Progress: MessageTypeDefinition<_gimming_agent_v1_Progress, _gimming_agent_v1_Progress__Output>;
        ReadImageRequest: MessageTypeDefinition<
          _gimming_agent_v1_ReadImageRequest,
          _gimming_agent_v1_ReadImageRequest__Output
        >;
        RemoteImage: MessageTypeDefinition<
          _gimming_agent_v1_RemoteImage,
          _gimming_agent_v1_RemoteImage__Output
        >;
        SetImagePropertiesRequest: MessageTypeDefinition<
          _gimming_agent_v1_SetImagePropertiesRequest,
          _gimming_agent_v1_SetImagePropertiesRequest__Output
        >;
        StagedImage: MessageTypeDefinition<
          _gimming_agent_v1_StagedImage,
          _gimming_agent_v1_StagedImage__Output
        >;
        StagedImport: MessageTypeDefinition<
          _gimming_agent_v1_StagedImport,
          _gimming_agent_v1_StagedImport__Output
        >;
        UpdateImageRequest: MessageTypeDefinition<
          _gimming_agent_v1_UpdateImageRequest,
          _gimming_agent_v1_UpdateImageRequest__Output
        >;
      };
    };
  };
}
