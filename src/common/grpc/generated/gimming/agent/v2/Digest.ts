// Original file: protos/gimming/agent/v2/agent.proto

export interface Digest {
  algo?: string;
  value?: string;
}

export interface Digest__Output {
  algo: string;
  value: string;
}
