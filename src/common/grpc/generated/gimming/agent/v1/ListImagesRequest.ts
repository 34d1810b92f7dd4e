// Original file: protos/gimming/agent/v1/agent.proto

import type {
  CloudRef as _gimming_agent_v1_CloudRef,
  CloudRef__Output as _gimming_agent_v1_CloudRef__Output,
} from '../../../gimming/agent/v1/CloudRef';

export interface ListImagesRequest {
  cloud?: _gimming_agent_v1_CloudRef | null;
  filters?: { [key: string]: string };
  limit?: number;
}

export interface ListImagesRequest__Output {
  cloud: _gimming_agent_v1_CloudRef__Output | null;
  filters: { [key: string]: string };
  limit: number;
}
