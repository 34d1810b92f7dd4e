// Original file: protos/gimming/agent/v2/agent.proto

export interface CloudRef {
  id?: string;
  name?: string;
  type?: string;
  region_name?: string;
  auth_url?: string;
  credentials_ref?: string;
  options?: { [key: string]: string };
}

export interface CloudRef__Output {
  id: string;
  name: string;
  type: string;
  region_name: string;
  auth_url: string;
  credentials_ref: string;
  options: { [key: string]: string };
}
