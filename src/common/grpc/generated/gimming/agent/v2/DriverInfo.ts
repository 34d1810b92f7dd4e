// Original file: protos/gimming/agent/v2/agent.proto

import type {
  Capabilities as _gimming_agent_v2_Capabilities,
  Capabilities__Output as _gimming_agent_v2_Capabilities__Output,
} from '../../../gimming/agent/v2/Capabilities';

export interface DriverInfo {
  name?: string;
  capabilities?: _gimming_agent_v2_Capabilities | null;
}

export interface DriverInfo__Output {
  name: string;
  capabilities: _gimming_agent_v2_Capabilities__Output | null;
}
