// Original file: protos/gimming/agent/v2/agent.proto

import type {
  Digest as _gimming_agent_v2_Digest,
  Digest__Output as _gimming_agent_v2_Digest__Output,
} from '../../../gimming/agent/v2/Digest';
import type { Long } from '@grpc/proto-loader';

export interface ByteIdentity {
  size?: number | string | Long;
  digests?: _gimming_agent_v2_Digest[];
}

export interface ByteIdentity__Output {
  size: number;
  digests: _gimming_agent_v2_Digest__Output[];
}
