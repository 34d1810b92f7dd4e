// Original file: protos/gimming/agent/v2/agent.proto

export interface DeleteStagingRequest {
  image_id?: string;
}

export interface DeleteStagingRequest__Output {
  image_id: string;
}
