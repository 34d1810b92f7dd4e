/**
 * Glance's wire format on the driver's side: image records mapped to the cloud-neutral CloudImage, the
 * JSON patches that change them, and the body an image is created with.
 */
import type { CloudImage, CloudMember, ImageDigests } from '../image';
import type { ImageSpec } from '../driver';
import { type GlanceImage, type GlanceMember, isUserProperty } from './wire-types';

export type PatchOp = { op: string; path: string; value?: string };

export function toCloudImage(image: GlanceImage): CloudImage {
  const properties: Record<string, string> = {};
  for (const [key, value] of Object.entries(image)) {
    if (!isUserProperty(key) || value === null || value === undefined) continue;
    properties[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  const digests: ImageDigests = {};
  if (image.checksum) digests.md5 = image.checksum;
  if (image.os_hash_value) digests[image.os_hash_algo || 'sha512'] = image.os_hash_value;
  return {
    id: image.id,
    name: image.name ?? '',
    status: image.status,
    size: image.size ?? 0,
    digests,
    disk_format: image.disk_format ?? '',
    container_format: image.container_format ?? '',
    visibility: image.visibility ?? '',
    owner: image.owner ?? '',
    min_disk: image.min_disk ?? 0,
    min_ram: image.min_ram ?? 0,
    properties,
    tags: image.tags ?? [],
    protected: image.protected ?? false,
    created_at: typeof image.created_at === 'string' ? image.created_at : '',
    updated_at: typeof image.updated_at === 'string' ? image.updated_at : '',
    lifecycle: glanceLifecycle(image),
  };
}

/**
 * The property that tells obsolete from revoked (both are hidden and deactivated in Glance): written by
 * setLifecycle, read back here. Without it, a hidden image is deprecated and a deactivated one obsolete.
 */
export const LIFECYCLE_PROPERTY = 'gimming_lifecycle';

function glanceLifecycle(image: GlanceImage): string {
  const recorded = (image as Record<string, unknown>)[LIFECYCLE_PROPERTY];
  if (typeof recorded === 'string' && recorded) return recorded;
  if (image.status === 'deactivated') return 'obsolete';
  return (image as Record<string, unknown>).os_hidden === true ? 'deprecated' : 'active';
}

export function toCloudMember(m: GlanceMember): CloudMember {
  return { member_id: m.member_id, status: m.status, created_at: m.created_at, updated_at: m.updated_at };
}

/** Glance rejects property values that are not strings; GIMinG's are all strings, removal is an empty value. */
export function propertyPatch(current: Record<string, unknown>, wanted: Record<string, string>): PatchOp[] {
  const ops: PatchOp[] = [];
  for (const [key, value] of Object.entries(wanted)) {
    const path = `/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (value === '') {
      if (key in current) ops.push({ op: 'remove', path });
    } else if (key in current) {
      if (current[key] !== value) ops.push({ op: 'replace', path, value });
    } else {
      ops.push({ op: 'add', path, value });
    }
  }
  return ops;
}

/** The patch that renames an image or changes its visibility (empty fields are left alone). */
export function updatePatch(
  current: GlanceImage,
  changes: { name?: string; visibility?: string },
): PatchOp[] {
  const ops: PatchOp[] = [];
  if (changes.name && changes.name !== current.name) {
    ops.push({ op: 'replace', path: '/name', value: changes.name });
  }
  if (changes.visibility && changes.visibility !== current.visibility) {
    ops.push({ op: 'replace', path: '/visibility', value: changes.visibility });
  }
  return ops;
}

/** The body of POST /v2/images: user properties are top-level fields in Glance. */
export function createBody(spec: ImageSpec): Record<string, unknown> {
  return {
    ...spec.properties,
    name: spec.name,
    disk_format: spec.disk_format,
    container_format: spec.container_format,
    visibility: spec.visibility || 'private',
    min_disk: spec.min_disk,
    min_ram: spec.min_ram,
    tags: spec.tags,
  };
}
