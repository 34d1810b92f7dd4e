// Original file: protos/gimming/agent/v2/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface StagingOffsetResponse {
  offset?: number | string | Long;
  partial?: boolean;
}

export interface StagingOffsetResponse__Output {
  offset: number;
  partial: boolean;
}
