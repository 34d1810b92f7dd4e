// Original file: protos/gimming/agent/v2/agent.proto

import type {
  Digest as _gimming_agent_v2_Digest,
  Digest__Output as _gimming_agent_v2_Digest__Output,
} from '../../../gimming/agent/v2/Digest';

export interface Proof {
  kind?: string;
  compared?: _gimming_agent_v2_Digest[];
}

export interface Proof__Output {
  kind: string;
  compared: _gimming_agent_v2_Digest__Output[];
}
