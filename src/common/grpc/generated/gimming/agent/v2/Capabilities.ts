// Original file: protos/gimming/agent/v2/agent.proto

import type {
  SizeLimits as _gimming_agent_v2_SizeLimits,
  SizeLimits__Output as _gimming_agent_v2_SizeLimits__Output,
} from '../../../gimming/agent/v2/SizeLimits';
import type {
  NativeCopyLimit as _gimming_agent_v2_NativeCopyLimit,
  NativeCopyLimit__Output as _gimming_agent_v2_NativeCopyLimit__Output,
} from '../../../gimming/agent/v2/NativeCopyLimit';

export interface Capabilities {
  can_export?: boolean;
  can_import?: boolean;
  disk_formats?: string[];
  container_formats?: string[];
  reported_hashes?: string[];
  native_copy?: string[];
  sharing?: string;
  visibilities?: string[];
  convertible_formats?: string[];
  fixed_names?: boolean;
  records_proof?: boolean;
  reserved_property_prefixes?: string[];
  owners_are_projects?: boolean;
  size_limits?: _gimming_agent_v2_SizeLimits | null;
  native_copy_limit?: _gimming_agent_v2_NativeCopyLimit | null;
  shared_reads?: boolean;
  native_copy_unavailable?: { [key: string]: string };
  lifecycle_states?: string[];
  incremental?: boolean;
  incremental_conversion?: boolean;
  live_staging_reads?: boolean;
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
  convertible_formats: string[];
  fixed_names: boolean;
  records_proof: boolean;
  reserved_property_prefixes: string[];
  owners_are_projects: boolean;
  size_limits: _gimming_agent_v2_SizeLimits__Output | null;
  native_copy_limit: _gimming_agent_v2_NativeCopyLimit__Output | null;
  shared_reads: boolean;
  native_copy_unavailable: { [key: string]: string };
  lifecycle_states: string[];
  incremental: boolean;
  incremental_conversion: boolean;
  live_staging_reads: boolean;
}
