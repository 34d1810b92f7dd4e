// Original file: protos/gimming/agent/v1/agent.proto

import type {
  ImageMember as _gimming_agent_v1_ImageMember,
  ImageMember__Output as _gimming_agent_v1_ImageMember__Output,
} from '../../../gimming/agent/v1/ImageMember';

export interface ListMembersResponse {
  members?: _gimming_agent_v1_ImageMember[];
}

export interface ListMembersResponse__Output {
  members: _gimming_agent_v1_ImageMember__Output[];
}
