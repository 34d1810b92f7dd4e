// Original file: protos/gimming/agent/v2/agent.proto

import type {
  CloudRef as _gimming_agent_v2_CloudRef,
  CloudRef__Output as _gimming_agent_v2_CloudRef__Output,
} from '../../../gimming/agent/v2/CloudRef';
import type {
  ReadShare as _gimming_agent_v2_ReadShare,
  ReadShare__Output as _gimming_agent_v2_ReadShare__Output,
} from '../../../gimming/agent/v2/ReadShare';
import type { Long } from '@grpc/proto-loader';

export interface ReadImageRequest {
  cloud?: _gimming_agent_v2_CloudRef | null;
  image_id?: string;
  from_staging?: boolean;
  share?: _gimming_agent_v2_ReadShare | null;
  max_bandwidth?: number | string | Long;
  live_staging?: boolean;
}

export interface ReadImageRequest__Output {
  cloud: _gimming_agent_v2_CloudRef__Output | null;
  image_id: string;
  from_staging: boolean;
  share: _gimming_agent_v2_ReadShare__Output | null;
  max_bandwidth: number;
  live_staging: boolean;
}
