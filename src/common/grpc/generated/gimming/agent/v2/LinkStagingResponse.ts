// Original file: protos/gimming/agent/v2/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface LinkStagingResponse {
  linked?: boolean;
  size?: number | string | Long;
}

export interface LinkStagingResponse__Output {
  linked: boolean;
  size: number;
}
