/**
 * What the REST API v1 answers, as JSON Schema (TypeBox): one definition gives the SDK its types and the
 * API the shape it answers with (controllers/v1/respond.ts keeps only the fields named here). These are
 * the API's contract with its users, apart from the conductor's RPC views it is made from: both can
 * change on their own, and respond.ts fails to compile when an RPC view has a field this file has not
 * decided on. The API reference (api-ref/source/) describes each field; a unit test checks it does.
 *
 * This file imports nothing of the daemons (lint keeps it so): the SDK imports its types.
 */
import { type Static, type TSchema, Type as T } from '@sinclair/typebox';

const Nullable = <S extends TSchema>(schema: S) => T.Union([schema, T.Null()]);
/** An ISO 8601 time, in UTC. */
const Time = T.String();
const StringMap = T.Record(T.String(), T.String());
/** Why something could not be done or read: a stable code and a human message. */
const Problem = T.Object({ code: T.String(), message: T.String() });

/** A place images live. */
export const Cloud = T.Object({
  id: T.String(),
  name: T.String(),
  type: T.String(),
  region_name: T.String(),
  zone: T.String(),
  /** shared (the operator's) or project (a project's own). */
  scope: T.String(),
  /** The project that owns a project cloud (null for a shared cloud). */
  owner: Nullable(T.String()),
  /** A project cloud's own identity service (null: reached with the user's token). */
  auth_url: Nullable(T.String()),
  /** The key-manager secret with the cloud's credentials (auth_url's, or an aws cloud's access key). */
  credentials_ref: Nullable(T.String()),
  /** An aws cloud's S3 bucket, or a gcp cloud's Cloud Storage bucket, for transfers. */
  bucket: T.Optional(T.String()),
  /** A gcp cloud's Google Cloud project, storage location ('' = GCE's default) and default family. */
  project: T.Optional(T.String()),
  storage_location: T.Optional(T.String()),
  family: T.Optional(T.String()),
  agents_up: T.Integer(),
  /** 1.4: the bandwidth cap of every copy to or from the cloud, bytes/s (absent: none). */
  max_bandwidth: T.Optional(T.Integer()),
  /** What this kind of cloud can do, as a live agent of its zone says (null: none alive says). */
  capabilities: T.Optional(
    Nullable(
      T.Object({
        can_export: T.Boolean(),
        can_import: T.Boolean(),
        disk_formats: T.Array(T.String()),
        container_formats: T.Array(T.String()),
        reported_hashes: T.Array(T.String()),
        native_copy: T.Array(T.String()),
        sharing: T.String(),
        visibilities: T.Array(T.String()),
        /** Disk formats this cloud's agents convert copies between (qemu-img); absent or empty: none. */
        convertible_formats: T.Optional(T.Array(T.String())),
        /** Whether an image's owner there is a project (false: an AWS account ID); absent: true. */
        owners_are_projects: T.Optional(T.Boolean()),
        /** Whether an image's name is fixed once it exists (EC2: a rename is refused); absent: false. */
        fixed_names: T.Optional(T.Boolean()),
        /** Whether the agents record their proof of a copy on it (EC2: a tag); absent: false. */
        records_proof: T.Optional(T.Boolean()),
        /**
         * The largest image the cloud takes (with where the number comes from) and the scratch space a
         * converted copy has on its agents, in bytes; 0: none known. A copy over them is refused by its plan.
         */
        size_limits: T.Optional(
          T.Object({ image_bytes: T.Integer(), image_bytes_from: T.String(), scratch_bytes: T.Integer() }),
        ),
        /** Whether the agents make incremental copies (only the blocks that differ cross); absent: false. */
        incremental: T.Optional(T.Boolean()),
        /**
         * 1.8: the largest image a copy the cloud makes itself (native_copy) takes, with where the number
         * comes from; 0: none known. Absent: agents of an older release (their kind's rule holds).
         */
        native_copy_limit: T.Optional(T.Object({ image_bytes: T.Integer(), image_bytes_from: T.String() })),
        /** 1.8: why the cloud makes no native copy from a kind of cloud now, by that kind (absent: none said). */
        native_copy_unavailable: T.Optional(T.Record(T.String(), T.String())),
        /** 1.8: whether the agents make incremental copies of an image converted on the way; absent: false. */
        incremental_conversion: T.Optional(T.Boolean()),
      }),
    ),
  ),
  created_at: Time,
  updated_at: Time,
});

/** A copy as its cloud describes it now (never stored by GIMinG). */
export const Remote = T.Object({
  name: T.String(),
  status: T.String(),
  size: T.Integer(),
  checksum: Nullable(T.String()),
  os_hash_algo: Nullable(T.String()),
  os_hash_value: Nullable(T.String()),
  disk_format: T.String(),
  container_format: T.String(),
  visibility: T.String(),
  owner: T.String(),
  min_disk: T.Integer(),
  min_ram: T.Integer(),
  properties: StringMap,
});

/** A size and the hashes known of some bytes (hex). */
const Bytes = T.Object({
  size: T.Integer(),
  md5: T.Optional(T.String()),
  sha512: T.Optional(T.String()),
});

/** One copy of an image, in one cloud. */
export const Location = T.Object({
  cloud: T.String(),
  cloud_id: T.String(),
  image_id: Nullable(T.String()),
  status: T.String(),
  task_id: Nullable(T.String()),
  last_verified_at: Nullable(Time),
  /**
   * How the copy was proven to hold the image's bytes: cloud, agent, provenance, converted (it holds them
   * converted to another disk format), unverified, or unproven (an adopted source whose identity is not
   * learned yet).
   */
  proof: T.Optional(Nullable(T.String())),
  /** Only when one image is shown (or changed): the copy as its cloud describes it, null if unread. */
  remote: T.Optional(Nullable(Remote)),
  /**
   * With `remote`, for a copy that holds the image converted to another disk format: the conversion it
   * records in its cloud (the source format, the source's size and hashes, the converted bytes').
   */
  conversion: T.Optional(
    T.Object({
      from: T.String(),
      source: Bytes,
      converted: Bytes,
    }),
  ),
  /** Why `remote` could not be read. */
  remote_error: T.Optional(Problem),
});

/** One logical image across clouds. */
export const Image = T.Object({
  id: T.String(),
  name: T.String(),
  owner: T.String(),
  visibility: T.String(),
  status: T.String(),
  size: Nullable(T.Integer()),
  checksum: Nullable(T.String()),
  os_hash_algo: Nullable(T.String()),
  os_hash_value: Nullable(T.String()),
  /**
   * Formats, minimums and user properties: live, as the cloud named by `metadata_from` describes its copy
   * now; the spec's when no copy could be read (`metadata_from` null). GIMinG does not store them.
   */
  disk_format: Nullable(T.String()),
  container_format: Nullable(T.String()),
  min_disk: T.Integer(),
  min_ram: T.Integer(),
  properties: StringMap,
  /** The cloud whose copy the metadata above was read from, or null. */
  metadata_from: T.Optional(Nullable(T.String())),
  /**
   * What GIMinG applies to the copies it has yet to make: the name and visibility every copy gets and,
   * for an image made from uploaded or imported data, the formats, minimums and properties of copies of
   * that data.
   */
  spec: T.Optional(
    T.Object({
      name: T.String(),
      visibility: T.String(),
      disk_format: T.Optional(T.String()),
      container_format: T.Optional(T.String()),
      min_disk: T.Optional(T.Integer()),
      min_ram: T.Optional(T.Integer()),
      properties: T.Optional(StringMap),
    }),
  ),
  locations: T.Array(Location),
  /** Only when one image is shown: the clouds where it can be used now. */
  available_in: T.Optional(T.Array(T.String())),
  created_at: Time,
  updated_at: Time,
});

/** Asynchronous work on an image's copy: its progress and outcome. */
const CopyPath = T.Union(
  ['native', 'agent', 'agent+convert', 'incremental', 'present', 'tagged', 'skipped'].map((p) =>
    T.Literal(p),
  ),
);
const Conversion = Nullable(T.Object({ from: T.String(), to: T.String() }));
/**
 * A sync with incremental_from: the base, its copy in the target, the block size, the bytes expected to
 * cross between the agents (at least / at most: which blocks differ is known only as the copy runs), or
 * why the copy is made in full (`fallback`).
 */
const IncrementalPlan = T.Optional(
  T.Object({
    from: T.String(),
    base_remote_id: Nullable(T.String()),
    block_bytes: Nullable(T.Integer()),
    wire_bytes_min: Nullable(T.Integer()),
    wire_bytes_max: Nullable(T.Integer()),
    fallback: Nullable(T.String()),
  }),
);

/** The plan a copy task follows (the conductor's planner): where it reads from, how, the bytes moved. */
export const CopyPlan = T.Object({
  source_cloud: Nullable(T.String()),
  path: CopyPath,
  conversion: Conversion,
  /** Bytes read from the source through the agents (0: the cloud copies itself); null: size unknown. */
  bytes: Nullable(T.Integer()),
  /** The image of the same name deleted once this copy is active (on_conflict replace). */
  replaces: T.Optional(T.String()),
  incremental: IncrementalPlan,
  /** Why this path: native or why not, why converted (absent in plans recorded before it). */
  reason: T.Optional(T.String()),
});

export const Task = T.Object({
  id: T.String(),
  type: T.String(),
  image_id: T.String(),
  cloud: T.String(),
  cloud_id: T.String(),
  source_cloud: Nullable(T.String()),
  status: T.String(),
  bytes_done: T.Integer(),
  bytes_total: Nullable(T.Integer()),
  /** Percent done, to a tenth. */
  progress: Nullable(T.Number()),
  /** Average bytes per second so far. */
  rate: Nullable(T.Number()),
  /** Seconds left at that rate, while running. */
  eta_seconds: Nullable(T.Number()),
  /**
   * The stage of the work after the bytes, as the agent last reported it: the cloud's (upload, import,
   * register, export, copy) or the agent's (convert); null while only bytes move.
   */
  stage: Nullable(T.String()),
  /** That stage's percentage (0-100), as the cloud gives it; null when it gives none. */
  stage_percent: Nullable(T.Integer()),
  /** The cloud's own word for where in the stage it is (EC2's import: pending, validating, converting). */
  stage_detail: Nullable(T.String()),
  /** The plan the copy follows; null for other tasks and copies queued before the planner. */
  plan: Nullable(CopyPlan),
  /** 1.4: the task's own cap, its request's max_bandwidth, bytes/s (absent: none). */
  max_bandwidth: T.Optional(T.Integer()),
  attempts: T.Integer(),
  error: Nullable(Problem),
  agent: Nullable(T.String()),
  request_id: Nullable(T.String()),
  project_id: T.String(),
  created_at: Time,
  updated_at: Time,
  started_at: Nullable(Time),
  finished_at: Nullable(Time),
});

/** An image as a cloud holds it, live, and the GIMinG image tracking it (or null). */
export const CloudImage = T.Object({
  id: T.String(),
  created_at: Time,
  tracked_by: Nullable(T.String()),
  ...Remote.properties,
});

/** Images x clouds, each cell the state of the image's copy in that cloud (or null). */
export const Matrix = T.Object({
  clouds: T.Array(T.Object({ id: T.String(), name: T.String() })),
  images: T.Array(
    T.Object({
      id: T.String(),
      name: T.String(),
      owner: T.String(),
      cells: T.Record(T.String(), Nullable(T.String())),
    }),
  ),
});

/** A project an image is shared with, and its answer in each cloud that holds a copy. */
export const Member = T.Object({
  member_id: T.String(),
  image_id: T.String(),
  created_at: Time,
  copies: T.Array(
    T.Object({
      cloud: T.String(),
      /** pending, accepted or rejected; null when the cloud could not tell (see error). */
      status: Nullable(T.String()),
      error: T.Optional(Problem),
    }),
  ),
});

/** Why one copy may not be removed (the code of the error it would be). */
export const TargetsRefusal = T.Object({ cloud: T.String(), code: T.String(), message: T.String() });

/** What setting an image's clouds does (or, in a dry run, would do). */
export const Targets = T.Object({
  image_id: T.String(),
  dry_run: T.Boolean(),
  keep: T.Array(T.String()),
  add: T.Array(T.String()),
  remove: T.Array(T.String()),
  /** Removals that are not allowed; when any, nothing is done. */
  refused: T.Array(TargetsRefusal),
  /** Removals to know about before (another project's copy). */
  warnings: T.Array(TargetsRefusal),
  /** The copy task of each added cloud. */
  tasks: T.Array(T.Object({ cloud: T.String(), task_id: T.String() })),
});

/** One target of a plan: how its copy would be made, or why it cannot be (`refused`, `path` null). */
export const TargetPlan = T.Object({
  cloud: T.String(),
  cloud_id: T.String(),
  source_cloud: Nullable(T.String()),
  source_cloud_id: Nullable(T.String()),
  path: Nullable(CopyPath),
  conversion: Conversion,
  bytes: Nullable(T.Integer()),
  refused: Nullable(T.Object({ code: T.String(), message: T.String() })),
  /** Another image of the name in the target, and what on_conflict does with it (from 1.3). */
  conflict: T.Optional(
    T.Object({
      remote_id: T.String(),
      name: T.String(),
      bytes: T.String(),
      policy: T.String(),
      renamed_to: T.Optional(T.String()),
    }),
  ),
  incremental: IncrementalPlan,
  /** Why this path: native or why not, why converted, why a better copy is not read from. */
  reason: T.Optional(T.String()),
});

/** ?dry_run=true of a sync, an upload or an adoption: the plan, with nothing changed. */
export const PlanResponse = T.Object({ plan: T.Object({ targets: T.Array(TargetPlan) }) });

/** A version of an image family (1.2). */
export const FamilyVersion = T.Object({
  id: T.String(),
  /** Its place in the family, given in the order versions are added (the newest is the highest). */
  sequence: T.Integer(),
  label: Nullable(T.String()),
  image_id: T.String(),
  image_name: Nullable(T.String()),
  /** The sequence of the version it was built from. */
  parent: Nullable(T.Integer()),
  /** active, deprecated, obsolete or revoked. */
  lifecycle: T.String(),
  scheduled: Nullable(T.Object({ state: T.String(), at: Time, cascade: T.Boolean() })),
  propagated: T.Boolean(),
  propagation_error: Nullable(T.String()),
  channels: T.Array(T.String()),
  created_at: Time,
  updated_at: Time,
});

export const Channel = T.Object({
  name: T.String(),
  version: Nullable(T.Integer()),
  version_id: Nullable(T.String()),
  /** latest: moved by GIMinG to the newest version that is not revoked. */
  managed: T.Boolean(),
  updated_at: Time,
});

export const Family = T.Object({
  id: T.String(),
  name: T.String(),
  owner: T.String(),
  description: T.String(),
  versions: T.Array(FamilyVersion),
  channels: T.Array(Channel),
  created_at: Time,
  updated_at: Time,
});

export const ChannelHistoryEntry = T.Object({
  /** promote, rollback, follow (latest), clear (its version was revoked). */
  action: T.String(),
  version: Nullable(T.Integer()),
  previous_version: Nullable(T.Integer()),
  user_id: Nullable(T.String()),
  request_id: Nullable(T.String()),
  created_at: Time,
});

/** GET /v1/families/{family}/channels/{channel}/resolve: each cloud's own ID of the channel's version. */
export const ResolvedChannel = T.Object({
  family: T.String(),
  family_id: T.String(),
  channel: T.String(),
  version: T.Integer(),
  label: Nullable(T.String()),
  image_id: T.String(),
  lifecycle: T.String(),
  clouds: T.Array(
    T.Object({
      cloud: T.String(),
      cloud_id: T.String(),
      type: T.String(),
      region_name: T.String(),
      remote_id: T.String(),
    }),
  ),
});

/** POST /v1/families/{family}/versions/{version}/lifecycle: what changed (or was scheduled). */
export const LifecycleChange = T.Object({
  scheduled: T.Boolean(),
  versions: T.Array(FamilyVersion),
  copies: T.Array(
    T.Object({
      version: T.Integer(),
      cloud: T.String(),
      remote_id: T.String(),
      lifecycle: Nullable(T.String()),
      error: T.Optional(Problem),
    }),
  ),
});

/** The link to the next page of a list, when there is one. */
const Next = T.Optional(T.String());

export const CloudList = T.Object({ clouds: T.Array(Cloud) });
/** GET /v1/clouds/{cloud}/images; `next` from 1.1. */
export const CloudImageList = T.Object({ images: T.Array(CloudImage), next: Next });
export const ImageList = T.Object({ images: T.Array(Image), next: Next });
export const TaskList = T.Object({ tasks: T.Array(Task), next: Next });
export const MemberList = T.Object({ members: T.Array(Member) });
/** DELETE /v1/images/{id}?delete_remote=true: the image being deleted and the task of each copy. */
export const ImageDeletion = T.Object({ image: Image, tasks: T.Array(Task) });

/** A project's webhook; `secret` only in the answer to its creation. */
export const Webhook = T.Object({
  id: T.String(),
  name: T.String(),
  url: T.String(),
  event_types: T.Array(T.String()),
  project_id: T.String(),
  created_at: T.String(),
  updated_at: T.String(),
  secret: T.Optional(T.String()),
});
export const WebhookList = T.Object({ webhooks: T.Array(Webhook) });

/** One notification's delivery to one webhook. */
export const WebhookDelivery = T.Object({
  id: T.String(),
  webhook_id: T.String(),
  event_type: T.String(),
  message_id: T.String(),
  status: T.String(),
  attempts: T.Integer(),
  response_status: Nullable(T.Integer()),
  last_error: Nullable(T.String()),
  next_attempt_at: Nullable(T.String()),
  created_at: T.String(),
  updated_at: T.String(),
  delivered_at: Nullable(T.String()),
});
export const WebhookDeliveryList = T.Object({ deliveries: T.Array(WebhookDelivery) });

export type CloudView = Static<typeof Cloud>;
export type RemoteView = Static<typeof Remote>;
export type LocationView = Static<typeof Location>;
export type ImageView = Static<typeof Image>;
export type TaskView = Static<typeof Task>;
export type CloudImageView = Static<typeof CloudImage>;
export type MatrixView = Static<typeof Matrix>;
export type MemberView = Static<typeof Member>;
export type TargetsView = Static<typeof Targets>;
export type PlanView = Static<typeof PlanResponse>;
export type ImageDeletionView = Static<typeof ImageDeletion>;
export type WebhookView = Static<typeof Webhook>;
export type WebhookDeliveryView = Static<typeof WebhookDelivery>;
export const FamilyList = T.Object({ families: T.Array(Family) });
export const FamilyVersionList = T.Object({ versions: T.Array(FamilyVersion) });
export const ChannelList = T.Object({ channels: T.Array(Channel) });
export const ChannelHistory = T.Object({ history: T.Array(ChannelHistoryEntry) });
export type FamilyView = Static<typeof Family>;
export type FamilyVersionView = Static<typeof FamilyVersion>;
export type ChannelView = Static<typeof Channel>;
export type ChannelHistoryEntryView = Static<typeof ChannelHistoryEntry>;
export type ResolvedChannelView = Static<typeof ResolvedChannel>;
export type LifecycleChangeView = Static<typeof LifecycleChange>;
