// Original file: protos/gimming/agent/v2/agent.proto

import type {
  CloudRef as _gimming_agent_v2_CloudRef,
  CloudRef__Output as _gimming_agent_v2_CloudRef__Output,
} from '../../../gimming/agent/v2/CloudRef';

export interface SetLifecycleRequest {
  cloud?: _gimming_agent_v2_CloudRef | null;
  image_id?: string;
  state?: string;
  replacement_id?: string;
}

export interface SetLifecycleRequest__Output {
  cloud: _gimming_agent_v2_CloudRef__Output | null;
  image_id: string;
  state: string;
  replacement_id: string;
}
