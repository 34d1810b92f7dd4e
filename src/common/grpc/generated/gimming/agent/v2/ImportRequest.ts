// Original file: protos/gimming/agent/v2/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface ImportRequest {
  image_id?: string;
  url?: string;
  limit_bytes?: number | string | Long;
}

export interface ImportRequest__Output {
  image_id: string;
  url: string;
  limit_bytes: number;
}
