/**
 * How an image's properties (OpenStack's names, as Glance and Nova read them) become the fields of
 * GCE's images.insert, and back when GCE describes an image. The table is in doc/source/admin/gcp.rst.
 *
 *   hw_architecture (or architecture)  x86_64, amd64 -> X86_64; aarch64, arm64 -> ARM64
 *   hw_firmware_type=uefi              guestOsFeatures UEFI_COMPATIBLE (bios: none)
 *   hw_vif_model=gve                   guestOsFeatures GVNIC
 *   hw_scsi_model=virtio-scsi          guestOsFeatures VIRTIO_SCSI_MULTIQUEUE
 *   os_type=windows                    guestOsFeatures WINDOWS
 *   gce_guest_os_features              further guestOsFeatures, comma-separated (GCE's names)
 *   gce_image_family                   family (none: the cloud's family option, if it has one)
 *
 * The cloud's storage_location option, when it has one, is the image's storageLocations (where GCE
 * keeps the image); without one GCE picks the multi-region nearest the bucket.
 */
import { GimmingError } from '../../../common/errors';
import { IMAGE_NAME } from './names';

export interface InsertPlan {
  architecture: 'X86_64' | 'ARM64';
  guestOsFeatures: string[];
  family?: string;
  storageLocations?: string[];
}

/** What a gcp cloud's registration set for the images made in it (its options). */
export interface CloudDefaults {
  /** The family of an image whose properties name none (gce_image_family). */
  family?: string;
  /** The Cloud Storage location GCE keeps the image in (images.insert storageLocations). */
  storageLocation?: string;
}

/** guestOsFeatures GCE knows (compute v1, December 2026). */
export const GUEST_OS_FEATURES = new Set([
  'UEFI_COMPATIBLE',
  'VIRTIO_SCSI_MULTIQUEUE',
  'GVNIC',
  'WINDOWS',
  'MULTI_IP_SUBNET',
  'SECURE_BOOT',
  'SEV_CAPABLE',
  'SEV_SNP_CAPABLE',
  'SEV_LIVE_MIGRATABLE',
  'SEV_LIVE_MIGRATABLE_V2',
  'TDX_CAPABLE',
  'IDPF',
  'SUSPEND_RESUME_COMPATIBLE',
]);

const ARCHITECTURES: Record<string, InsertPlan['architecture']> = {
  x86_64: 'X86_64',
  amd64: 'X86_64',
  aarch64: 'ARM64',
  arm64: 'ARM64',
};

function refuse(message: string): GimmingError {
  return new GimmingError('gimming.cloud.unsupported_property', 400, message);
}

/**
 * The images.insert fields an image's properties ask for, with the cloud's defaults where the
 * properties say nothing; refuses what GCE cannot run.
 */
export function insertPlan(props: Record<string, string>, defaults: CloudDefaults = {}): InsertPlan {
  const arch = props.hw_architecture || props.architecture || 'x86_64';
  const architecture = ARCHITECTURES[arch.toLowerCase()];
  if (!architecture) {
    throw refuse(`GCE runs no images of architecture ${arch.slice(0, 32)} (hw_architecture).`);
  }
  const features = new Set<string>();
  const firmware = props.hw_firmware_type?.toLowerCase();
  if (firmware === 'uefi') features.add('UEFI_COMPATIBLE');
  else if (firmware && firmware !== 'bios') {
    throw refuse(`GCE boots no firmware ${firmware.slice(0, 32)} (hw_firmware_type: uefi or bios).`);
  }
  // GCE's arm64 machines boot UEFI only.
  if (architecture === 'ARM64') {
    if (firmware === 'bios') throw refuse('GCE boots arm64 images with UEFI only (hw_firmware_type).');
    features.add('UEFI_COMPATIBLE');
  }
  if (props.hw_vif_model?.toLowerCase() === 'gve') features.add('GVNIC');
  if (props.hw_scsi_model?.toLowerCase() === 'virtio-scsi') features.add('VIRTIO_SCSI_MULTIQUEUE');
  if (props.os_type?.toLowerCase() === 'windows') features.add('WINDOWS');
  for (const f of (props.gce_guest_os_features ?? '').split(',')) {
    const name = f.trim().toUpperCase();
    if (!name) continue;
    if (!GUEST_OS_FEATURES.has(name)) {
      throw refuse(`GCE knows no guest OS feature ${name.slice(0, 40)} (gce_guest_os_features).`);
    }
    features.add(name);
  }
  const family = props.gce_image_family || defaults.family;
  if (family !== undefined && family !== '' && !IMAGE_NAME.test(family)) {
    throw refuse(
      'gce_image_family must be a GCE name: lowercase letters, digits and -, starting with a letter, ' +
        'at most 63 characters.',
    );
  }
  return {
    architecture,
    guestOsFeatures: [...features].sort(),
    ...(family ? { family } : {}),
    ...(defaults.storageLocation ? { storageLocations: [defaults.storageLocation] } : {}),
  };
}

/** The properties a GCE image's own fields stand for, in OpenStack's names (adopted images, drift). */
export function propertiesOf(image: {
  architecture?: string | null;
  family?: string | null;
  guestOsFeatures?: readonly { type?: string | null }[] | null;
}): Record<string, string> {
  const props: Record<string, string> = {};
  if (image.architecture === 'X86_64') props.hw_architecture = 'x86_64';
  else if (image.architecture === 'ARM64') props.hw_architecture = 'aarch64';
  const features = (image.guestOsFeatures ?? []).flatMap((f) => (f.type ? [f.type] : [])).sort();
  if (features.includes('UEFI_COMPATIBLE')) props.hw_firmware_type = 'uefi';
  if (features.length) props.gce_guest_os_features = features.join(',');
  if (image.family) props.gce_image_family = image.family;
  return props;
}
