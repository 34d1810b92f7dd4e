// Original file: protos/gimming/agent/v2/agent.proto

import type {
  CloudRef as _gimming_agent_v2_CloudRef,
  CloudRef__Output as _gimming_agent_v2_CloudRef__Output,
} from '../../../gimming/agent/v2/CloudRef';

export interface ReadDeltaRequest {
  cloud?: _gimming_agent_v2_CloudRef | null;
  image_id?: string;
  from_staging?: boolean;
  block_bytes?: number;
  base_hashes?: Buffer | Uint8Array | string;
}

export interface ReadDeltaRequest__Output {
  cloud: _gimming_agent_v2_CloudRef__Output | null;
  image_id: string;
  from_staging: boolean;
  block_bytes: number;
  base_hashes: Buffer;
}
