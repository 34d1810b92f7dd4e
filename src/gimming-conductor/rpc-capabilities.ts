/**
 * What a kind of cloud can do, as the agents' heartbeats carry it in the conductor's RPC contract
 * (rpc-schemas.ts; the fingerprint test covers it there): written once, used by the heartbeat's schema
 * and by capabilities.ts.
 */
import { Type as T } from '@sinclair/typebox';

const Names = T.Array(T.String({ maxLength: 64 }), { maxItems: 64 });

/** What a kind of cloud can do, as its agents' driver says (protos/gimming/agent/v2 Capabilities). */
export const CapabilitiesArg = T.Object({
  can_export: T.Boolean(),
  can_import: T.Boolean(),
  disk_formats: Names,
  container_formats: Names,
  reported_hashes: Names,
  native_copy: Names,
  sharing: T.String({ maxLength: 32 }),
  visibilities: Names,
  // 1.9: property name prefixes the cloud keeps for itself; create_image refuses them for its targets
  reserved_property_prefixes: T.Optional(Names),
  // 1.9: disk formats the zone's agents convert copies between (absent: an agent that converts none)
  convertible_formats: T.Optional(Names),
  // 1.9: whether an image's owner in the cloud is a project (false: an EC2 account ID; absent: true)
  owners_are_projects: T.Optional(T.Boolean()),
  // 1.9: an image's name is fixed once it exists (EC2's AMIs: a rename is refused; absent: false)
  fixed_names: T.Optional(T.Boolean()),
  // 1.9: the agent records its proof of a copy on the image itself (EC2: a tag; absent: false)
  records_proof: T.Optional(T.Boolean()),
  // 1.14: the largest image the cloud takes and the scratch space a conversion has (0: none known)
  size_limits: T.Optional(
    T.Object({
      image_bytes: T.Integer({ minimum: 0 }),
      image_bytes_from: T.String({ maxLength: 255 }),
      scratch_bytes: T.Integer({ minimum: 0 }),
    }),
  ),
  // 1.16: the zone's agents make incremental copies (ReadImageDelta; absent: false)
  incremental: T.Optional(T.Boolean()),
  // 1.22: the limit a copy the cloud makes itself is held to (0: none); absent: an older agent, whose
  // kind's rule the planner keeps (cloud-kinds.ts nativeCopyHeldToImageLimit)
  native_copy_limit: T.Optional(
    T.Object({ image_bytes: T.Integer({ minimum: 0 }), image_bytes_from: T.String({ maxLength: 255 }) }),
  ),
  // 1.22: why the cloud does not copy from a kind of cloud itself now, by that kind, for the plan's reason
  native_copy_unavailable: T.Optional(
    T.Record(T.String({ maxLength: 64 }), T.String({ maxLength: 255 }), { maxProperties: 32 }),
  ),
  // 1.24: they serve incremental copies of an image converted on the way (absent: false)
  incremental_conversion: T.Optional(T.Boolean()),
  // 1.25: the agent reads an upload while it arrives and copies from such a read (absent: false)
  live_staging_reads: T.Optional(T.Boolean()),
});

export const DriverInfoArg = T.Object({ name: T.String({ maxLength: 64 }), capabilities: CapabilitiesArg });
