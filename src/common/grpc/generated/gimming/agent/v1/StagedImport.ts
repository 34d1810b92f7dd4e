// Original file: protos/gimming/agent/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface StagedImport {
  size?: number | string | Long;
  checksum?: string;
  sha512?: string;
}

export interface StagedImport__Output {
  size: number;
  checksum: string;
  sha512: string;
}
