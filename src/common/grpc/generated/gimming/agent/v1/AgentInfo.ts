// Original file: protos/gimming/agent/v1/agent.proto

export interface AgentInfo {
  host?: string;
  zone?: string;
  version?: string;
  address?: string;
}

export interface AgentInfo__Output {
  host: string;
  zone: string;
  version: string;
  address: string;
}
