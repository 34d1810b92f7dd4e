// Original file: protos/gimming/agent/v2/agent.proto

export interface ReadShare {
  key?: string;
  readers?: number;
}

export interface ReadShare__Output {
  key: string;
  readers: number;
}
