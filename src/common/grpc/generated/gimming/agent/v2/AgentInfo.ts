// Original file: protos/gimming/agent/v2/agent.proto

import type {
  DriverInfo as _gimming_agent_v2_DriverInfo,
  DriverInfo__Output as _gimming_agent_v2_DriverInfo__Output,
} from '../../../gimming/agent/v2/DriverInfo';

export interface AgentInfo {
  host?: string;
  zone?: string;
  version?: string;
  address?: string;
  drivers?: _gimming_agent_v2_DriverInfo[];
}

export interface AgentInfo__Output {
  host: string;
  zone: string;
  version: string;
  address: string;
  drivers: _gimming_agent_v2_DriverInfo__Output[];
}
