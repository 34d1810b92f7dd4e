// Original file: protos/gimming/agent/v2/agent.proto

import type {
  Digest as _gimming_agent_v2_Digest,
  Digest__Output as _gimming_agent_v2_Digest__Output,
} from '../../../gimming/agent/v2/Digest';
import type { Long } from '@grpc/proto-loader';

export interface Image {
  id?: string;
  name?: string;
  status?: string;
  size?: number | string | Long;
  digests?: _gimming_agent_v2_Digest[];
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
  lifecycle?: string;
}

export interface Image__Output {
  id: string;
  name: string;
  status: string;
  size: number;
  digests: _gimming_agent_v2_Digest__Output[];
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
  lifecycle: string;
}
