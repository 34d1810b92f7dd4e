// Original file: protos/gimming/agent/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface ByteIdentity {
  size?: number | string | Long;
  checksum?: string;
  os_hash_algo?: string;
  os_hash_value?: string;
}

export interface ByteIdentity__Output {
  size: number;
  checksum: string;
  os_hash_algo: string;
  os_hash_value: string;
}
