// Original file: protos/gimming/agent/v2/agent.proto

export interface ImageChunk {
  data?: Buffer | Uint8Array | string;
}

export interface ImageChunk__Output {
  data: Buffer;
}
