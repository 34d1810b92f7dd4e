// Original file: protos/gimming/agent/v2/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface SizeLimits {
  image_bytes?: number | string | Long;
  image_bytes_from?: string;
  scratch_bytes?: number | string | Long;
}

export interface SizeLimits__Output {
  image_bytes: number;
  image_bytes_from: string;
  scratch_bytes: number;
}
