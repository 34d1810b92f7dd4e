/**
 * EC2's AMI records as the cloud-neutral CloudImage. An AMI's data is its snapshots; the agent reads
 * it out as [aws] export_format (describe reports that format), and its proof tag gives its digests.
 */
import type { Image as Ami, ImageState } from './ec2-sdk';
import type { CloudImage } from '../image';
import { propertiesOf } from './register-spec';
import { LIFECYCLE_TAG, NAME_TAG, PROOF_TAG, decodeProof, tagProperties, tagValue } from './tags';

const GIB = 1024 ** 3;

const STATUS: Partial<Record<ImageState, string>> = {
  available: 'active',
  pending: 'saving',
  failed: 'killed',
  error: 'killed',
  invalid: 'killed',
  deregistered: 'deleted',
  transient: 'saving',
  disabled: 'deactivated',
};

/** The snapshots an AMI is made of (its EBS block device mappings). */
export function snapshotsOf(ami: Ami): string[] {
  return (ami.BlockDeviceMappings ?? []).flatMap((m) => (m.Ebs?.SnapshotId ? [m.Ebs.SnapshotId] : []));
}

/** What an AMI's own fields say of its lifecycle, GIMinG's tag first (obsolete and revoked look alike). */
function amiLifecycle(ami: Ami): string {
  const recorded = tagValue(ami.Tags, LIFECYCLE_TAG);
  if (recorded) return recorded;
  if (ami.State === 'disabled') return 'obsolete';
  return ami.DeprecationTime && Date.parse(ami.DeprecationTime) <= Date.now() ? 'deprecated' : 'active';
}

export function toCloudImage(ami: Ami, exportFormat: string): CloudImage {
  const proof = decodeProof(tagValue(ami.Tags, PROOF_TAG));
  const volumeGib = (ami.BlockDeviceMappings ?? []).reduce((sum, m) => sum + (m.Ebs?.VolumeSize ?? 0), 0);
  const created = ami.CreationDate ?? '';
  return {
    id: ami.ImageId ?? '',
    name: tagValue(ami.Tags, NAME_TAG) ?? ami.Name ?? '',
    status: (ami.State && STATUS[ami.State]) ?? ami.State ?? 'unknown',
    size: proof?.size ?? volumeGib * GIB,
    digests: proof?.digests ?? {},
    disk_format: exportFormat,
    container_format: 'bare',
    visibility: ami.Public ? 'public' : 'private',
    owner: ami.OwnerId ?? '',
    min_disk: volumeGib,
    min_ram: 0,
    // What the AMI's own fields say, then its tags (a tag of the same name wins).
    properties: { ...propertiesOf(ami), ...tagProperties(ami.Tags) },
    tags: [],
    protected: false,
    created_at: created,
    updated_at: created,
    lifecycle: amiLifecycle(ami),
  };
}
