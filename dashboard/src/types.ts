/** The REST API's objects, as the dashboard reads them (see doc/source/api). */
export interface Session {
  token: string;
  expires_at: string;
  user: { id: string; name: string };
  project: { id: string; name: string };
  roles: string[];
}

export interface CloudInfo {
  id: string;
  name: string;
  type: string;
  region_name: string;
  zone: string;
  scope: string;
  owner: string | null;
  auth_url: string | null;
  credentials_ref: string | null;
  agents_up: number;
}

export type CloudAuth = Record<string, string>;

export interface LocationInfo {
  cloud: string;
  cloud_id: string;
  image_id: string | null;
  status: string;
  task_id: string | null;
  last_verified_at: string | null;
}

export interface ImageInfo {
  id: string;
  name: string;
  owner: string;
  visibility: string;
  status: string;
  size: number | null;
  disk_format: string | null;
  container_format: string | null;
  locations: LocationInfo[];
  created_at: string;
  updated_at: string;
}

export interface TaskInfo {
  id: string;
  type: string;
  image_id: string;
  cloud: string;
  source_cloud: string | null;
  status: string;
  bytes_done: number;
  bytes_total: number | null;
  progress: number | null;
  rate: number | null;
  eta_seconds: number | null;
  error: { code: string; message: string } | null;
  created_at: string;
  updated_at: string;
}

export interface TargetsPlan {
  image_id: string;
  dry_run: boolean;
  keep: string[];
  add: string[];
  remove: string[];
  refused: Array<{ cloud: string; code: string; message: string }>;
  warnings: Array<{ cloud: string; code: string; message: string }>;
  tasks: Array<{ cloud: string; task_id: string }>;
}

export interface CloudImage {
  id: string;
  name: string;
  status: string;
  size: number;
  visibility: string;
  owner: string;
  created_at: string;
  tracked_by: string | null;
}

export interface Member {
  member_id: string;
  image_id: string;
  created_at: string;
  copies: Array<{ cloud: string; status: string | null }>;
}
