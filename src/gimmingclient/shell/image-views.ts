/**
 * An image as the image commands print it: a row of a listing, the fields of `image show`.
 */
import type { ImageView } from '../client';
import type { Row } from './output';

export function locationsCell(image: ImageView): string {
  return image.locations.map((l) => `${l.cloud}=${l.status}`).join(', ');
}

export function imageRow(i: ImageView): Row {
  return {
    ID: i.id,
    Name: i.name,
    Status: i.status,
    Locations: locationsCell(i),
    Visibility: i.visibility,
    Size: i.size,
    'Disk Format': i.disk_format,
    Owner: i.owner,
    Checksum: i.checksum,
    'Created At': i.created_at,
    Properties: i.properties,
  };
}

export const IMAGE_COLUMNS = ['ID', 'Name', 'Status', 'Locations'];
export const IMAGE_LONG = [
  'Visibility',
  'Size',
  'Disk Format',
  'Owner',
  'Checksum',
  'Created At',
  'Properties',
];

export function imageFields(i: ImageView): Row {
  return {
    id: i.id,
    name: i.name,
    status: i.status,
    visibility: i.visibility,
    owner: i.owner,
    size: i.size,
    checksum: i.checksum,
    os_hash_algo: i.os_hash_algo,
    os_hash_value: i.os_hash_value,
    disk_format: i.disk_format,
    container_format: i.container_format,
    min_disk: i.min_disk,
    min_ram: i.min_ram,
    properties: i.properties,
    locations: i.locations.map(
      (l) =>
        `${l.cloud}: ${l.status}${l.image_id ? ` (${l.image_id})` : ''}${l.proof === 'unverified' ? ' [unverified]' : l.proof === 'converted' ? ' [converted]' : ''}${l.remote_error ? ` [${l.remote_error.code}]` : ''}`,
    ),
    ...(i.available_in ? { available_in: i.available_in.join(', ') } : {}),
    created_at: i.created_at,
    updated_at: i.updated_at,
  };
}
