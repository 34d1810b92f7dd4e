/**
 * The cloud-neutral image record as the agent protocol's v1 RemoteImage. The only place that knows the
 * v1 shape of an image (its md5 `checksum` and one `os_hash_algo`/`os_hash_value` pair).
 */
import type { ImageMember } from '../common/grpc/generated/gimming/agent/v1/ImageMember';
import type { RemoteImage } from '../common/grpc/generated/gimming/agent/v1/RemoteImage';
import type { CloudImage, CloudMember, ImageDigests } from './drivers/image';

/** The strongest hash first: the one v1 carries as os_hash_value. */
const HASH_PREFERENCE = ['sha512', 'sha384', 'sha256', 'sha1'];

function strongest(digests: ImageDigests): [string, string] | undefined {
  const algo =
    HASH_PREFERENCE.find((a) => digests[a]) ?? Object.keys(digests).find((a) => a !== 'md5' && digests[a]);
  return algo ? [algo, digests[algo] as string] : undefined;
}

export function toRemoteImage(image: CloudImage): RemoteImage {
  const hash = strongest(image.digests);
  return {
    id: image.id,
    name: image.name,
    status: image.status,
    size: image.size,
    checksum: image.digests.md5 ?? '',
    os_hash_algo: hash?.[0] ?? '',
    os_hash_value: hash?.[1] ?? '',
    disk_format: image.disk_format,
    container_format: image.container_format,
    visibility: image.visibility,
    owner: image.owner,
    min_disk: image.min_disk,
    min_ram: image.min_ram,
    properties: image.properties,
    tags: image.tags,
    protected: image.protected,
    created_at: image.created_at,
    updated_at: image.updated_at,
  };
}

export function toImageMember(m: CloudMember): ImageMember {
  return { member_id: m.member_id, status: m.status, created_at: m.created_at, updated_at: m.updated_at };
}

/** What a copy is expected to hold, as v1 says it, in cloud-neutral digests. */
export function expectedDigests(expect: {
  checksum?: string;
  os_hash_algo?: string;
  os_hash_value?: string;
}): ImageDigests {
  const digests: ImageDigests = {};
  if (expect.checksum) digests.md5 = expect.checksum;
  if (expect.os_hash_value) digests[expect.os_hash_algo || 'sha512'] = expect.os_hash_value;
  return digests;
}
