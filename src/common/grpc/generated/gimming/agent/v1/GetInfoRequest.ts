// Original file: protos/gimming/agent/v1/agent.proto

export interface GetInfoRequest {}

export interface GetInfoRequest__Output {}
