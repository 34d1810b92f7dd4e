/**
 * GCE's image records as the cloud-neutral CloudImage. An image's ID in GIMinG is its GCE name (what
 * every images.* call takes). GCE knows a disk's size in whole GB, not the bytes it was made from: the
 * proof in the description gives the size and digests of the bytes GIMinG wrote.
 */
import type { protos } from '@google-cloud/compute';
import type { CloudImage } from '../image';
import { decodeDescription } from './description';
import { propertiesOf } from './image-spec';
import { gceLifecycle } from './lifecycle';

type Image = protos.google.cloud.compute.v1.IImage;

const GIB = 1024 ** 3;
/** Labels GIMinG keeps for itself. */
export const ID_LABEL = 'gimming_image_id';
export const VISIBILITY_LABEL = 'gimming_visibility';

const STATUS: Record<string, string> = {
  READY: 'active',
  PENDING: 'saving',
  FAILED: 'killed',
  DELETING: 'deleted',
};

export function toCloudImage(image: Image, project: string): CloudImage {
  const record = decodeDescription(image.description);
  const gb = Number(image.diskSizeGb ?? 0);
  const labels = image.labels ?? {};
  const fromLabels: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (k !== VISIBILITY_LABEL) fromLabels[k] = v;
  const created = image.creationTimestamp ?? '';
  return {
    id: image.name ?? '',
    name: record.name ?? image.name ?? '',
    status: (image.status && STATUS[image.status]) ?? image.status?.toLowerCase() ?? 'unknown',
    size: record.proof?.size ?? gb * GIB,
    digests: record.proof?.digests ?? {},
    disk_format: 'raw',
    container_format: 'bare',
    visibility: labels[VISIBILITY_LABEL] === 'public' ? 'public' : 'private',
    owner: project,
    min_disk: gb,
    min_ram: 0,
    // What the image's own fields say, then its labels, then the record GIMinG wrote (which wins).
    properties: { ...propertiesOf(image), ...fromLabels, ...(record.properties ?? {}) },
    tags: [],
    protected: false,
    created_at: created,
    updated_at: created,
    // Its deprecation status (images.deprecate), in GIMinG's terms.
    lifecycle: gceLifecycle(image.deprecated),
  };
}
