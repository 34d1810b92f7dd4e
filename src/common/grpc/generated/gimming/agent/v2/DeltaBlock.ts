// Original file: protos/gimming/agent/v2/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface DeltaBlock {
  index?: number | string | Long;
  same?: number;
  data?: Buffer | Uint8Array | string;
}

export interface DeltaBlock__Output {
  index: number;
  same: number;
  data: Buffer;
}
