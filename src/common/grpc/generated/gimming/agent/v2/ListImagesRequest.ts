// Original file: protos/gimming/agent/v2/agent.proto

import type {
  CloudRef as _gimming_agent_v2_CloudRef,
  CloudRef__Output as _gimming_agent_v2_CloudRef__Output,
} from '../../../gimming/agent/v2/CloudRef';

export interface ListImagesRequest {
  cloud?: _gimming_agent_v2_CloudRef | null;
  filters?: { [key: string]: string };
  limit?: number;
  marker?: string;
  paged?: boolean;
}

export interface ListImagesRequest__Output {
  cloud: _gimming_agent_v2_CloudRef__Output | null;
  filters: { [key: string]: string };
  limit: number;
  marker: string;
  paged: boolean;
}
