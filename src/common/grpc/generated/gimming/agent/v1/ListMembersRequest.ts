// Original file: protos/gimming/agent/v1/agent.proto

import type {
  CloudRef as _gimming_agent_v1_CloudRef,
  CloudRef__Output as _gimming_agent_v1_CloudRef__Output,
} from '../../../gimming/agent/v1/CloudRef';

export interface ListMembersRequest {
  cloud?: _gimming_agent_v1_CloudRef | null;
  image_id?: string;
}

export interface ListMembersRequest__Output {
  cloud: _gimming_agent_v1_CloudRef__Output | null;
  image_id: string;
}
