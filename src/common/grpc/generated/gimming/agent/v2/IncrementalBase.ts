// Original file: protos/gimming/agent/v2/agent.proto

export interface IncrementalBase {
  image_id?: string;
}

export interface IncrementalBase__Output {
  image_id: string;
}
