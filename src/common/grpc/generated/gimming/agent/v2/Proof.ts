// Original file: protos/gimming/agent/v2/agent.proto

import type {
  Digest as _gimming_agent_v2_Digest,
  Digest__Output as _gimming_agent_v2_Digest__Output,
} from '../../../gimming/agent/v2/Digest';
import type {
  ByteIdentity as _gimming_agent_v2_ByteIdentity,
  ByteIdentity__Output as _gimming_agent_v2_ByteIdentity__Output,
} from '../../../gimming/agent/v2/ByteIdentity';

export interface Proof {
  kind?: string;
  compared?: _gimming_agent_v2_Digest[];
  converted_from?: string;
  source?: _gimming_agent_v2_ByteIdentity | null;
}

export interface Proof__Output {
  kind: string;
  compared: _gimming_agent_v2_Digest__Output[];
  converted_from: string;
  source: _gimming_agent_v2_ByteIdentity__Output | null;
}
