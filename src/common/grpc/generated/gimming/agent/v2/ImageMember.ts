// Original file: protos/gimming/agent/v2/agent.proto

export interface ImageMember {
  member_id?: string;
  status?: string;
  created_at?: string;
  updated_at?: string;
}

export interface ImageMember__Output {
  member_id: string;
  status: string;
  created_at: string;
  updated_at: string;
}
