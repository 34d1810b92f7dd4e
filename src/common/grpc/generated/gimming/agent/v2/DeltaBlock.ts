// Original file: protos/gimming/agent/v2/agent.proto

import type {
  ConvertedIdentity as _gimming_agent_v2_ConvertedIdentity,
  ConvertedIdentity__Output as _gimming_agent_v2_ConvertedIdentity__Output,
} from '../../../gimming/agent/v2/ConvertedIdentity';
import type { Long } from '@grpc/proto-loader';

export interface DeltaBlock {
  index?: number | string | Long;
  same?: number;
  data?: Buffer | Uint8Array | string;
  converted?: _gimming_agent_v2_ConvertedIdentity | null;
}

export interface DeltaBlock__Output {
  index: number;
  same: number;
  data: Buffer;
  converted: _gimming_agent_v2_ConvertedIdentity__Output | null;
}
