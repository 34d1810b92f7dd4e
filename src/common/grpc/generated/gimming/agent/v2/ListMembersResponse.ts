// Original file: protos/gimming/agent/v2/agent.proto

import type {
  ImageMember as _gimming_agent_v2_ImageMember,
  ImageMember__Output as _gimming_agent_v2_ImageMember__Output,
} from '../../../gimming/agent/v2/ImageMember';

export interface ListMembersResponse {
  members?: _gimming_agent_v2_ImageMember[];
}

export interface ListMembersResponse__Output {
  members: _gimming_agent_v2_ImageMember__Output[];
}
