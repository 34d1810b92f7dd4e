// Original file: protos/gimming/agent/v2/agent.proto

export interface DeleteImageResponse {
  deleted?: boolean;
}

export interface DeleteImageResponse__Output {
  deleted: boolean;
}
