// Original file: protos/gimming/agent/v2/agent.proto

export interface GetInfoRequest {}

export interface GetInfoRequest__Output {}
