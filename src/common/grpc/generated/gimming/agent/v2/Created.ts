// Original file: protos/gimming/agent/v2/agent.proto

export interface Created {
  image_id?: string;
}

export interface Created__Output {
  image_id: string;
}
