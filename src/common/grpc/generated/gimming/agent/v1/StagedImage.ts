// Original file: protos/gimming/agent/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface StagedImage {
  size?: number | string | Long;
  sha512?: string;
}

export interface StagedImage__Output {
  size: number;
  sha512: string;
}
