// Original file: protos/gimming/agent/v2/agent.proto

import type {
  CloudRef as _gimming_agent_v2_CloudRef,
  CloudRef__Output as _gimming_agent_v2_CloudRef__Output,
} from '../../../gimming/agent/v2/CloudRef';
import type {
  ImageSpec as _gimming_agent_v2_ImageSpec,
  ImageSpec__Output as _gimming_agent_v2_ImageSpec__Output,
} from '../../../gimming/agent/v2/ImageSpec';
import type {
  ByteIdentity as _gimming_agent_v2_ByteIdentity,
  ByteIdentity__Output as _gimming_agent_v2_ByteIdentity__Output,
} from '../../../gimming/agent/v2/ByteIdentity';
import type {
  ReadShare as _gimming_agent_v2_ReadShare,
  ReadShare__Output as _gimming_agent_v2_ReadShare__Output,
} from '../../../gimming/agent/v2/ReadShare';
import type {
  IncrementalBase as _gimming_agent_v2_IncrementalBase,
  IncrementalBase__Output as _gimming_agent_v2_IncrementalBase__Output,
} from '../../../gimming/agent/v2/IncrementalBase';
import type { Long } from '@grpc/proto-loader';

export interface CopyImageRequest {
  task_id?: string;
  target?: _gimming_agent_v2_CloudRef | null;
  source?: _gimming_agent_v2_CloudRef | null;
  source_agent_address?: string;
  source_image_id?: string;
  image?: _gimming_agent_v2_ImageSpec | null;
  expect?: _gimming_agent_v2_ByteIdentity | null;
  source_is_staging?: boolean;
  convert_from?: string;
  learn_identity?: boolean;
  read_share?: _gimming_agent_v2_ReadShare | null;
  incremental_from?: _gimming_agent_v2_IncrementalBase | null;
  stream_through_agents?: boolean;
  max_bandwidth?: number | string | Long;
  live_staging?: boolean;
  source_zone?: string;
}

export interface CopyImageRequest__Output {
  task_id: string;
  target: _gimming_agent_v2_CloudRef__Output | null;
  source: _gimming_agent_v2_CloudRef__Output | null;
  source_agent_address: string;
  source_image_id: string;
  image: _gimming_agent_v2_ImageSpec__Output | null;
  expect: _gimming_agent_v2_ByteIdentity__Output | null;
  source_is_staging: boolean;
  convert_from: string;
  learn_identity: boolean;
  read_share: _gimming_agent_v2_ReadShare__Output | null;
  incremental_from: _gimming_agent_v2_IncrementalBase__Output | null;
  stream_through_agents: boolean;
  max_bandwidth: number;
  live_staging: boolean;
  source_zone: string;
}
