// Original file: protos/gimming/agent/v1/agent.proto

export interface ImportRequest {
  image_id?: string;
  url?: string;
}

export interface ImportRequest__Output {
  image_id: string;
  url: string;
}
