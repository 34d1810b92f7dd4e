/**
 * Glance v2's records as the API returns them, and which of their fields are user properties.
 */

/** An image as Glance v2 returns it. */
export type GlanceImage = Record<string, unknown> & {
  id: string;
  status: string;
  name?: string | null;
  size?: number | null;
  checksum?: string | null;
  os_hash_algo?: string | null;
  os_hash_value?: string | null;
  disk_format?: string | null;
  container_format?: string | null;
  visibility?: string;
  owner?: string | null;
  min_disk?: number;
  min_ram?: number;
  tags?: string[];
  protected?: boolean;
};

/** A project an image is shared with, as Glance v2 returns it. */
export interface GlanceMember {
  member_id: string;
  image_id: string;
  status: string;
  created_at: string;
  updated_at: string;
}

/** Glance's fields that are not user properties. */
export const BASE_FIELDS = new Set([
  'id',
  'name',
  'status',
  'size',
  'virtual_size',
  'checksum',
  'os_hash_algo',
  'os_hash_value',
  'disk_format',
  'container_format',
  'visibility',
  'owner',
  'min_disk',
  'min_ram',
  'tags',
  'protected',
  'created_at',
  'updated_at',
  'file',
  'schema',
  'self',
  'direct_url',
  'locations',
  'os_hidden',
  'stores',
]);

export function isUserProperty(key: string): boolean {
  return !BASE_FIELDS.has(key) && !key.startsWith('os_glance_');
}

/** An image's import task, as GET /v2/images/{id}/tasks returns it. */
export interface GlanceTask {
  id: string;
  status: string;
  message?: string | null;
  created_at?: string;
  updated_at?: string;
}
