/**
 * The cloud-neutral image record as the agent protocol's Image (gimming.agent.v2): the only place that
 * knows the protocol's shape of an image and of a proof.
 */
import { digestList } from '../common/digests';
import type { ImageMember } from '../common/grpc/generated/gimming/agent/v2/ImageMember';
import type { Image as RemoteImage } from '../common/grpc/generated/gimming/agent/v2/Image';
import type { Capabilities__Output } from '../common/grpc/generated/gimming/agent/v2/Capabilities';
import type { DriverInfo } from '../common/grpc/generated/gimming/agent/v2/DriverInfo';
import type { Proof } from '../common/grpc/generated/gimming/agent/v2/Proof';
import type { CloudDriver } from './drivers/driver';
import type { CloudImage, CloudMember } from './drivers/image';
import type { CopyProof } from './transfer/proof';

export function toRemoteImage(image: CloudImage): RemoteImage {
  return {
    id: image.id,
    name: image.name,
    status: image.status,
    size: image.size,
    digests: digestList(image.digests),
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
    lifecycle: image.lifecycle ?? 'active',
  };
}

export function toProof(proof: CopyProof, compared: readonly string[]): Proof {
  return {
    kind: proof.by,
    compared: digestList(Object.fromEntries(compared.map((algo) => [algo, proof.digests[algo]]))),
  };
}

export function toImageMember(m: CloudMember): ImageMember {
  return { member_id: m.member_id, status: m.status, created_at: m.created_at, updated_at: m.updated_at };
}

/** A driver and what its kind of cloud can do (DriverInfo, every field set). */
export interface DriverDescription extends DriverInfo {
  name: string;
  capabilities: Capabilities__Output;
}

/**
 * A driver and what its kind of cloud can do, as GetInfo and the heartbeats tell the conductor, with the
 * formats this agent converts between for it (none for a cloud it cannot write to).
 */
export function driverInfo(
  driver: CloudDriver,
  convertible: readonly string[] = [],
  limits?: { image_bytes: number; image_bytes_from: string; scratch_bytes: number },
  sharedReads = false,
  /** The kinds it copies from itself as learnt now (CloudDriver.nativeCopyNow); absent: capabilities'. */
  nativeCopy?: readonly string[],
  /**
   * The limit a native copy is held to (CloudDriver.nativeCopyLimit; absent: the image limit of
   * `limits`) and why it copies from a kind not itself now (nativeCopyUnavailable; absent: nothing said).
   */
  native?: { limit?: { bytes: number; from: string }; unavailable?: Readonly<Record<string, string>> },
): DriverDescription {
  const c = driver.capabilities;
  return {
    name: driver.name,
    capabilities: {
      can_export: c.canExport,
      can_import: c.canImport,
      disk_formats: [...c.diskFormats],
      container_formats: [...c.containerFormats],
      reported_hashes: [...c.reportedHashes],
      native_copy: [...(nativeCopy ?? c.nativeCopy)],
      sharing: c.sharing,
      visibilities: [...c.visibilities],
      reserved_property_prefixes: [...c.reservedPropertyPrefixes],
      owners_are_projects: c.ownersAreProjects ?? true,
      convertible_formats: c.canImport ? [...convertible] : [],
      fixed_names: c.fixedNames ?? false,
      records_proof: c.recordsProof ?? false,
      size_limits: limits ?? { image_bytes: 0, image_bytes_from: '', scratch_bytes: 0 },
      native_copy_limit: native?.limit
        ? { image_bytes: native.limit.bytes, image_bytes_from: native.limit.from }
        : { image_bytes: limits?.image_bytes ?? 0, image_bytes_from: limits?.image_bytes_from ?? '' },
      native_copy_unavailable: { ...(native?.unavailable ?? {}) },
      shared_reads: sharedReads && c.canExport,
      // Reading the base out of its own cloud and writing the rebuilt image into it (delta.ts).
      incremental: c.canExport && c.canImport,
      // Converting its cloud's image in its own scratch space before comparing blocks (delta.ts).
      incremental_conversion: c.canExport && convertible.length > 0,
      lifecycle_states: [...(c.lifecycleStates ?? [])],
      // Every driver: reading a growing upload is the staging area's, writing from it the copy's (live.ts).
      live_staging_reads: true,
    },
  };
}
