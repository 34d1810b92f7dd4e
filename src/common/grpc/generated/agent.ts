import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type {
  AgentClient as _gimming_agent_v2_AgentClient,
  AgentDefinition as _gimming_agent_v2_AgentDefinition,
} from './gimming/agent/v2/Agent';
import type {
  AgentInfo as _gimming_agent_v2_AgentInfo,
  AgentInfo__Output as _gimming_agent_v2_AgentInfo__Output,
} from './gimming/agent/v2/AgentInfo';
import type {
  ByteIdentity as _gimming_agent_v2_ByteIdentity,
  ByteIdentity__Output as _gimming_agent_v2_ByteIdentity__Output,
} from './gimming/agent/v2/ByteIdentity';
import type {
  Capabilities as _gimming_agent_v2_Capabilities,
  Capabilities__Output as _gimming_agent_v2_Capabilities__Output,
} from './gimming/agent/v2/Capabilities';
import type {
  CloudRef as _gimming_agent_v2_CloudRef,
  CloudRef__Output as _gimming_agent_v2_CloudRef__Output,
} from './gimming/agent/v2/CloudRef';
import type {
  ConvertedIdentity as _gimming_agent_v2_ConvertedIdentity,
  ConvertedIdentity__Output as _gimming_agent_v2_ConvertedIdentity__Output,
} from './gimming/agent/v2/ConvertedIdentity';
import type {
  CopyEvent as _gimming_agent_v2_CopyEvent,
  CopyEvent__Output as _gimming_agent_v2_CopyEvent__Output,
} from './gimming/agent/v2/CopyEvent';
import type {
  CopyImageRequest as _gimming_agent_v2_CopyImageRequest,
  CopyImageRequest__Output as _gimming_agent_v2_CopyImageRequest__Output,
} from './gimming/agent/v2/CopyImageRequest';
import type {
  Created as _gimming_agent_v2_Created,
  Created__Output as _gimming_agent_v2_Created__Output,
} from './gimming/agent/v2/Created';
import type {
  DeleteImageRequest as _gimming_agent_v2_DeleteImageRequest,
  DeleteImageRequest__Output as _gimming_agent_v2_DeleteImageRequest__Output,
} from './gimming/agent/v2/DeleteImageRequest';
import type {
  DeleteImageResponse as _gimming_agent_v2_DeleteImageResponse,
  DeleteImageResponse__Output as _gimming_agent_v2_DeleteImageResponse__Output,
} from './gimming/agent/v2/DeleteImageResponse';
import type {
  DeleteStagingRequest as _gimming_agent_v2_DeleteStagingRequest,
  DeleteStagingRequest__Output as _gimming_agent_v2_DeleteStagingRequest__Output,
} from './gimming/agent/v2/DeleteStagingRequest';
import type {
  DeltaBlock as _gimming_agent_v2_DeltaBlock,
  DeltaBlock__Output as _gimming_agent_v2_DeltaBlock__Output,
} from './gimming/agent/v2/DeltaBlock';
import type {
  DescribeImageRequest as _gimming_agent_v2_DescribeImageRequest,
  DescribeImageRequest__Output as _gimming_agent_v2_DescribeImageRequest__Output,
} from './gimming/agent/v2/DescribeImageRequest';
import type {
  Digest as _gimming_agent_v2_Digest,
  Digest__Output as _gimming_agent_v2_Digest__Output,
} from './gimming/agent/v2/Digest';
import type {
  Done as _gimming_agent_v2_Done,
  Done__Output as _gimming_agent_v2_Done__Output,
} from './gimming/agent/v2/Done';
import type {
  DriverInfo as _gimming_agent_v2_DriverInfo,
  DriverInfo__Output as _gimming_agent_v2_DriverInfo__Output,
} from './gimming/agent/v2/DriverInfo';
import type {
  GetInfoRequest as _gimming_agent_v2_GetInfoRequest,
  GetInfoRequest__Output as _gimming_agent_v2_GetInfoRequest__Output,
} from './gimming/agent/v2/GetInfoRequest';
import type {
  Image as _gimming_agent_v2_Image,
  Image__Output as _gimming_agent_v2_Image__Output,
} from './gimming/agent/v2/Image';
import type {
  ImageChunk as _gimming_agent_v2_ImageChunk,
  ImageChunk__Output as _gimming_agent_v2_ImageChunk__Output,
} from './gimming/agent/v2/ImageChunk';
import type {
  ImageMember as _gimming_agent_v2_ImageMember,
  ImageMember__Output as _gimming_agent_v2_ImageMember__Output,
} from './gimming/agent/v2/ImageMember';
import type {
  ImageSpec as _gimming_agent_v2_ImageSpec,
  ImageSpec__Output as _gimming_agent_v2_ImageSpec__Output,
} from './gimming/agent/v2/ImageSpec';
import type {
  ImportEvent as _gimming_agent_v2_ImportEvent,
  ImportEvent__Output as _gimming_agent_v2_ImportEvent__Output,
} from './gimming/agent/v2/ImportEvent';
import type {
  ImportRequest as _gimming_agent_v2_ImportRequest,
  ImportRequest__Output as _gimming_agent_v2_ImportRequest__Output,
} from './gimming/agent/v2/ImportRequest';
import type {
  IncrementalBase as _gimming_agent_v2_IncrementalBase,
  IncrementalBase__Output as _gimming_agent_v2_IncrementalBase__Output,
} from './gimming/agent/v2/IncrementalBase';
import type {
  LinkStagingRequest as _gimming_agent_v2_LinkStagingRequest,
  LinkStagingRequest__Output as _gimming_agent_v2_LinkStagingRequest__Output,
} from './gimming/agent/v2/LinkStagingRequest';
import type {
  LinkStagingResponse as _gimming_agent_v2_LinkStagingResponse,
  LinkStagingResponse__Output as _gimming_agent_v2_LinkStagingResponse__Output,
} from './gimming/agent/v2/LinkStagingResponse';
import type {
  ListImagesRequest as _gimming_agent_v2_ListImagesRequest,
  ListImagesRequest__Output as _gimming_agent_v2_ListImagesRequest__Output,
} from './gimming/agent/v2/ListImagesRequest';
import type {
  ListImagesResponse as _gimming_agent_v2_ListImagesResponse,
  ListImagesResponse__Output as _gimming_agent_v2_ListImagesResponse__Output,
} from './gimming/agent/v2/ListImagesResponse';
import type {
  ListMembersRequest as _gimming_agent_v2_ListMembersRequest,
  ListMembersRequest__Output as _gimming_agent_v2_ListMembersRequest__Output,
} from './gimming/agent/v2/ListMembersRequest';
import type {
  ListMembersResponse as _gimming_agent_v2_ListMembersResponse,
  ListMembersResponse__Output as _gimming_agent_v2_ListMembersResponse__Output,
} from './gimming/agent/v2/ListMembersResponse';
import type {
  MemberRequest as _gimming_agent_v2_MemberRequest,
  MemberRequest__Output as _gimming_agent_v2_MemberRequest__Output,
} from './gimming/agent/v2/MemberRequest';
import type {
  NativeCopyLimit as _gimming_agent_v2_NativeCopyLimit,
  NativeCopyLimit__Output as _gimming_agent_v2_NativeCopyLimit__Output,
} from './gimming/agent/v2/NativeCopyLimit';
import type {
  Progress as _gimming_agent_v2_Progress,
  Progress__Output as _gimming_agent_v2_Progress__Output,
} from './gimming/agent/v2/Progress';
import type {
  Proof as _gimming_agent_v2_Proof,
  Proof__Output as _gimming_agent_v2_Proof__Output,
} from './gimming/agent/v2/Proof';
import type {
  ReadDeltaRequest as _gimming_agent_v2_ReadDeltaRequest,
  ReadDeltaRequest__Output as _gimming_agent_v2_ReadDeltaRequest__Output,
} from './gimming/agent/v2/ReadDeltaRequest';
import type {
  ReadImageRequest as _gimming_agent_v2_ReadImageRequest,
  ReadImageRequest__Output as _gimming_agent_v2_ReadImageRequest__Output,
} from './gimming/agent/v2/ReadImageRequest';
import type {
  ReadShare as _gimming_agent_v2_ReadShare,
  ReadShare__Output as _gimming_agent_v2_ReadShare__Output,
} from './gimming/agent/v2/ReadShare';
import type {
  SetImagePropertiesRequest as _gimming_agent_v2_SetImagePropertiesRequest,
  SetImagePropertiesRequest__Output as _gimming_agent_v2_SetImagePropertiesRequest__Output,
} from './gimming/agent/v2/SetImagePropertiesRequest';
import type {
  SetLifecycleRequest as _gimming_agent_v2_SetLifecycleRequest,
  SetLifecycleRequest__Output as _gimming_agent_v2_SetLifecycleRequest__Output,
} from './gimming/agent/v2/SetLifecycleRequest';
import type {
  SizeLimits as _gimming_agent_v2_SizeLimits,
  SizeLimits__Output as _gimming_agent_v2_SizeLimits__Output,
} from './gimming/agent/v2/SizeLimits';
import type {
  StagedImage as _gimming_agent_v2_StagedImage,
  StagedImage__Output as _gimming_agent_v2_StagedImage__Output,
} from './gimming/agent/v2/StagedImage';
import type {
  StagedImport as _gimming_agent_v2_StagedImport,
  StagedImport__Output as _gimming_agent_v2_StagedImport__Output,
} from './gimming/agent/v2/StagedImport';
import type {
  StagingOffsetResponse as _gimming_agent_v2_StagingOffsetResponse,
  StagingOffsetResponse__Output as _gimming_agent_v2_StagingOffsetResponse__Output,
} from './gimming/agent/v2/StagingOffsetResponse';
import type {
  UpdateImageRequest as _gimming_agent_v2_UpdateImageRequest,
  UpdateImageRequest__Output as _gimming_agent_v2_UpdateImageRequest__Output,
} from './gimming/agent/v2/UpdateImageRequest';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new (...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  gimming: {
    agent: {
      v2: {
        Agent: SubtypeConstructor<typeof grpc.Client, _gimming_agent_v2_AgentClient> & {
          service: _gimming_agent_v2_AgentDefinition;
        };
        AgentInfo: MessageTypeDefinition<_gimming_agent_v2_AgentInfo, _gimming_agent_v2_AgentInfo__Output>;
        ByteIdentity: MessageTypeDefinition<
          _gimming_agent_v2_ByteIdentity,
          _gimming_agent_v2_ByteIdentity__Output
        >;
        Capabilities: MessageTypeDefinition<
          _gimming_agent_v2_Capabilities,
          _gimming_agent_v2_Capabilities__Output
        >;
        CloudRef: MessageTypeDefinition<_gimming_agent_v2_CloudRef, _gimming_agent_v2_CloudRef__Output>;
        ConvertedIdentity: MessageTypeDefinition<
          _gimming_agent_v2_ConvertedIdentity,
          _gimming_agent_v2_ConvertedIdentity__Output
        >;
        CopyEvent: MessageTypeDefinition<_gimming_agent_v2_CopyEvent, _gimming_agent_v2_CopyEvent__Output>;
        CopyImageRequest: MessageTypeDefinition<
          _gimming_agent_v2_CopyImageRequest,
          _gimming_agent_v2_CopyImageRequest__Output
        >;
        Created: MessageTypeDefinition<_gimming_agent_v2_Created, _gimming_agent_v2_Created__Output>;
        DeleteImageRequest: MessageTypeDefinition<
          _gimming_agent_v2_DeleteImageRequest,
          _gimming_agent_v2_DeleteImageRequest__Output
        >;
        DeleteImageResponse: MessageTypeDefinition<
          _gimming_agent_v2_DeleteImageResponse,
          _gimming_agent_v2_DeleteImageResponse__Output
        >;
        DeleteStagingRequest: MessageTypeDefinition<
          _gimming_agent_v2_DeleteStagingRequest,
          _gimming_agent_v2_DeleteStagingRequest__Output
        >;
        DeltaBlock: MessageTypeDefinition<_gimming_agent_v2_DeltaBlock, _gimming_agent_v2_DeltaBlock__Output>;
        DescribeImageRequest: MessageTypeDefinition<
          _gimming_agent_v2_DescribeImageRequest,
          _gimming_agent_v2_DescribeImageRequest__Output
        >;
        Digest: MessageTypeDefinition<_gimming_agent_v2_Digest, _gimming_agent_v2_Digest__Output>;
        Done: MessageTypeDefinition<_gimming_agent_v2_Done, _gimming_agent_v2_Done__Output>;
        DriverInfo: MessageTypeDefinition<_gimming_agent_v2_DriverInfo, _gimming_agent_v2_DriverInfo__Output>;
        GetInfoRequest: MessageTypeDefinition<
          _gimming_agent_v2_GetInfoRequest,
          _gimming_agent_v2_GetInfoRequest__Output
        >;
        Image: MessageTypeDefinition<_gimming_agent_v2_Image, _gimming_agent_v2_Image__Output>;
        ImageChunk: MessageTypeDefinition<_gimming_agent_v2_ImageChunk, _gimming_agent_v2_ImageChunk__Output>;
        ImageMember: MessageTypeDefinition<
          _gimming_agent_v2_ImageMember,
          _gimming_agent_v2_ImageMember__Output
        >;
        ImageSpec: MessageTypeDefinition<_gimming_agent_v2_ImageSpec, _gimming_agent_v2_ImageSpec__Output>;
        ImportEvent: MessageTypeDefinition<
          _gimming_agent_v2_ImportEvent,
          _gimming_agent_v2_ImportEvent__Output
        >;
        ImportRequest: MessageTypeDefinition<
          _gimming_agent_v2_ImportRequest,
          _gimming_agent_v2_ImportRequest__Output
        >;
        IncrementalBase: MessageTypeDefinition<
          _gimming_agent_v2_IncrementalBase,
          _gimming_agent_v2_IncrementalBase__Output
        >;
        LinkStagingRequest: MessageTypeDefinition<
          _gimming_agent_v2_LinkStagingRequest,
          _gimming_agent_v2_LinkStagingRequest__Output
        >;
        LinkStagingResponse: MessageTypeDefinition<
          _gimming_agent_v2_LinkStagingResponse,
          _gimming_agent_v2_LinkStagingResponse__Output
        >;
        ListImagesRequest: MessageTypeDefinition<
          _gimming_agent_v2_ListImagesRequest,
          _gimming_agent_v2_ListImagesRequest__Output
        >;
        ListImagesResponse: MessageTypeDefinition<
          _gimming_agent_v2_ListImagesResponse,
          _gimming_agent_v2_ListImagesResponse__Output
        >;
        ListMembersRequest: MessageTypeDefinition<
          _gimming_agent_v2_ListMembersRequest,
          _gimming_agent_v2_ListMembersRequest__Output
        >;
        ListMembersResponse: MessageTypeDefinition<
          _gimming_agent_v2_ListMembersResponse,
          _gimming_agent_v2_ListMembersResponse__Output
        >;
        MemberRequest: MessageTypeDefinition<
          _gimming_agent_v2_MemberRequest,
          _gimming_agent_v2_MemberRequest__Output
        >;
        NativeCopyLimit: MessageTypeDefinition<
          _gimming_agent_v2_NativeCopyLimit,
          _gimming_agent_v2_NativeCopyLimit__Output
        >;
        Progress: MessageTypeDefinition<_gimming_agent_v2_Progress, _gimming_agent_v2_Progress__Output>;
        Proof: MessageTypeDefinition<_gimming_agent_v2_Proof, _gimming_agent_v2_Proof__Output>;
        ReadDeltaRequest: MessageTypeDefinition<
          _gimming_agent_v2_ReadDeltaRequest,
          _gimming_agent_v2_ReadDeltaRequest__Output
        >;
        ReadImageRequest: MessageTypeDefinition<
          _gimming_agent_v2_ReadImageRequest,
          _gimming_agent_v2_ReadImageRequest__Output
        >;
        ReadShare: MessageTypeDefinition<_gimming_agent_v2_ReadShare, _gimming_agent_v2_ReadShare__Output>;
        SetImagePropertiesRequest: MessageTypeDefinition<
          _gimming_agent_v2_SetImagePropertiesRequest,
          _gimming_agent_v2_SetImagePropertiesRequest__Output
        >;
        SetLifecycleRequest: MessageTypeDefinition<
          _gimming_agent_v2_SetLifecycleRequest,
          _gimming_agent_v2_SetLifecycleRequest__Output
        >;
        SizeLimits: MessageTypeDefinition<_gimming_agent_v2_SizeLimits, _gimming_agent_v2_SizeLimits__Output>;
        StagedImage: MessageTypeDefinition<
          _gimming_agent_v2_StagedImage,
          _gimming_agent_v2_StagedImage__Output
        >;
        StagedImport: MessageTypeDefinition<
          _gimming_agent_v2_StagedImport,
          _gimming_agent_v2_StagedImport__Output
        >;
        StagingOffsetResponse: MessageTypeDefinition<
          _gimming_agent_v2_StagingOffsetResponse,
          _gimming_agent_v2_StagingOffsetResponse__Output
        >;
        UpdateImageRequest: MessageTypeDefinition<
          _gimming_agent_v2_UpdateImageRequest,
          _gimming_agent_v2_UpdateImageRequest__Output
        >;
      };
    };
  };
}
