// Original file: protos/gimming/agent/v2/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface Progress {
  bytes_done?: number | string | Long;
  bytes_total?: number | string | Long;
  stage?: string;
  stage_percent?: number;
  stage_detail?: string;
}

export interface Progress__Output {
  bytes_done: number;
  bytes_total: number;
  stage: string;
  stage_percent: number;
  stage_detail: string;
}
