// Original file: protos/gimming/agent/v1/agent.proto

import type {
  RemoteImage as _gimming_agent_v1_RemoteImage,
  RemoteImage__Output as _gimming_agent_v1_RemoteImage__Output,
} from '../../../gimming/agent/v1/RemoteImage';

export interface Done {
  image?: _gimming_agent_v1_RemoteImage | null;
}

export interface Done__Output {
  image: _gimming_agent_v1_RemoteImage__Output | null;
}
