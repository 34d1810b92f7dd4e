// Original file: protos/gimming/agent/v1/agent.proto

import type {
  RemoteImage as _gimming_agent_v1_RemoteImage,
  RemoteImage__Output as _gimming_agent_v1_RemoteImage__Output,
} from '../../../gimming/agent/v1/RemoteImage';

export interface ListImagesResponse {
  images?: _gimming_agent_v1_RemoteImage[];
}

export interface ListImagesResponse__Output {
  images: _gimming_agent_v1_RemoteImage__Output[];
}
