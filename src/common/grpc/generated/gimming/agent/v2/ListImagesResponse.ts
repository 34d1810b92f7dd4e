// Original file: protos/gimming/agent/v2/agent.proto

import type {
  Image as _gimming_agent_v2_Image,
  Image__Output as _gimming_agent_v2_Image__Output,
} from '../../../gimming/agent/v2/Image';

export interface ListImagesResponse {
  images?: _gimming_agent_v2_Image[];
  next_marker?: string;
  paged?: boolean;
}

export interface ListImagesResponse__Output {
  images: _gimming_agent_v2_Image__Output[];
  next_marker: string;
  paged: boolean;
}
