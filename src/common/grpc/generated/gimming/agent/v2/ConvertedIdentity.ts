// Original file: protos/gimming/agent/v2/agent.proto

import type {
  ByteIdentity as _gimming_agent_v2_ByteIdentity,
  ByteIdentity__Output as _gimming_agent_v2_ByteIdentity__Output,
} from '../../../gimming/agent/v2/ByteIdentity';

export interface ConvertedIdentity {
  converted?: _gimming_agent_v2_ByteIdentity | null;
  source?: _gimming_agent_v2_ByteIdentity | null;
}

export interface ConvertedIdentity__Output {
  converted: _gimming_agent_v2_ByteIdentity__Output | null;
  source: _gimming_agent_v2_ByteIdentity__Output | null;
}
