// Original file: protos/gimming/agent/v2/agent.proto

export interface LinkStagingRequest {
  source_image_id?: string;
  target_image_id?: string;
  sha256?: string;
}

export interface LinkStagingRequest__Output {
  source_image_id: string;
  target_image_id: string;
  sha256: string;
}
