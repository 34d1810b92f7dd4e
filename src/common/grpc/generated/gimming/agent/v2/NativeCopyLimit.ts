// Original file: protos/gimming/agent/v2/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface NativeCopyLimit {
  image_bytes?: number | string | Long;
  image_bytes_from?: string;
}

export interface NativeCopyLimit__Output {
  image_bytes: number;
  image_bytes_from: string;
}
