/**
 * A Glance image as the agent protocol's RemoteImage.
 */
import type { RemoteImage } from '../common/grpc/generated/gimming/agent/v1/RemoteImage';
import { type GlanceImage, isUserProperty } from './drivers/glance/client';

export function toRemoteImage(image: GlanceImage): RemoteImage {
  const properties: Record<string, string> = {};
  for (const [key, value] of Object.entries(image)) {
    if (!isUserProperty(key) || value === null || value === undefined) continue;
    properties[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return {
    id: image.id,
    name: image.name ?? '',
    status: image.status,
    size: image.size ?? 0,
    checksum: image.checksum ?? '',
    os_hash_algo: image.os_hash_algo ?? '',
    os_hash_value: image.os_hash_value ?? '',
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
  };
}
