// Original file: protos/gimming/agent/v2/agent.proto

import type {
  CloudRef as _gimming_agent_v2_CloudRef,
  CloudRef__Output as _gimming_agent_v2_CloudRef__Output,
} from '../../../gimming/agent/v2/CloudRef';
import type {
  ByteIdentity as _gimming_agent_v2_ByteIdentity,
  ByteIdentity__Output as _gimming_agent_v2_ByteIdentity__Output,
} from '../../../gimming/agent/v2/ByteIdentity';

export interface ReadDeltaRequest {
  cloud?: _gimming_agent_v2_CloudRef | null;
  image_id?: string;
  from_staging?: boolean;
  block_bytes?: number;
  base_hashes?: Buffer | Uint8Array | string;
  convert_from?: string;
  convert_to?: string;
  expect?: _gimming_agent_v2_ByteIdentity | null;
}

export interface ReadDeltaRequest__Output {
  cloud: _gimming_agent_v2_CloudRef__Output | null;
  image_id: string;
  from_staging: boolean;
  block_bytes: number;
  base_hashes: Buffer;
  convert_from: string;
  convert_to: string;
  expect: _gimming_agent_v2_ByteIdentity__Output | null;
}
