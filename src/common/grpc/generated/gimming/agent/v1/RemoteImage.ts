// Original file: protos/gimming/agent/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface RemoteImage {
  id?: string;
  name?: string;
  status?: string;
  size?: number | string | Long;
  checksum?: string;
  os_hash_algo?: string;
  os_hash_value?: string;
  disk_format?: string;
  container_format?: string;
  visibility?: string;
  owner?: string;
  min_disk?: number;
  min_ram?: number;
  properties?: { [key: string]: string };
  tags?: string[];
  protected?: boolean;
  created_at?: string;
  updated_at?: string;
}

export interface RemoteImage__Output {
  id: string;
  name: string;
  status: string;
  size: number;
  checksum: string;
  os_hash_algo: string;
  os_hash_value: string;
  disk_format: string;
  container_format: string;
  visibility: string;
  owner: string;
  min_disk: number;
  min_ram: number;
  properties: { [key: string]: string };
  tags: string[];
  protected: boolean;
  created_at: string;
  updated_at: string;
}
