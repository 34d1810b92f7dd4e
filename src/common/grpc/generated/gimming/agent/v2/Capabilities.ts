// Original file: protos/gimming/agent/v2/agent.proto

export interface Capabilities {
  can_export?: boolean;
  can_import?: boolean;
  disk_formats?: string[];
  container_formats?: string[];
  reported_hashes?: string[];
  native_copy?: string[];
  sharing?: string;
  visibilities?: string[];
  fixed_names?: boolean;
  records_proof?: boolean;
}

export interface Capabilities__Output {
  can_export: boolean;
  can_import: boolean;
  disk_formats: string[];
  container_formats: string[];
  reported_hashes: string[];
  native_copy: string[];
  sharing: string;
  visibilities: string[];
  fixed_names: boolean;
  records_proof: boolean;
}
