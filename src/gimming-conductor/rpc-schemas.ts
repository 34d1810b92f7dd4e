/**
 * The conductor's RPC contract: one schema per method (TypeBox gives both the TypeScript type and the
 * JSON Schema the manager validates with). The API imports it through rpcapi.ts; changing a schema means
 * a new API version (see RPC_API_VERSION) and the fingerprint test tells when one was forgotten.
 */
import { BROWSE_MARKER_MAX } from '../common/browse-marker';
import { type Static, Type as T } from '@sinclair/typebox';
import type { ImageSpecView } from './image-spec';
import { FAMILY_METHODS } from './family-schemas';
import type { CopyPlan, Plan } from './planner';
import { CapabilitiesArg, DriverInfoArg } from './rpc-capabilities';
import { OnConflictArg } from './name-conflicts';
import { WEBHOOK_METHODS } from './webhook-rpc-schemas';

// The family views (1.15) are part of this contract too.
export type * from './family-schemas';

export type { CopyPlan, Plan, TargetPlan } from './planner';
export { CapabilitiesArg } from './rpc-capabilities';
export type { WebhookDeliveryView, WebhookView } from './webhook-views';
export type { CloudImagePage, CloudImageView, MatrixView } from './rpc-cloud-image-views';

/** What sync_image and create_image answer with dry_run (1.12). */
export interface PlanView {
  plan: Plan;
}

/** The conductor API version. Bump the minor for additive changes, the major for breaking ones. */
export const RPC_API_VERSION = '1.25';

const Id = T.String({ minLength: 1, maxLength: 255 });
const UploadAt = { image_id: Id, offset: T.Integer({ minimum: 0 }) }; // an upload's data from a byte (1.20)
/** A bandwidth cap in bytes per second (1.18): at least 1 KiB/s (common/bandwidth.ts MIN_BANDWIDTH). */
const MaxBandwidth = T.Integer({ minimum: 1024, maximum: Number.MAX_SAFE_INTEGER });
const Name = T.String({ minLength: 1, maxLength: 255 });

const Visibility = T.Union([
  T.Literal('private'),
  T.Literal('shared'),
  T.Literal('community'),
  T.Literal('public'),
]);
const ProjectId = T.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });

export const CloudRefArg = T.String({ minLength: 1, maxLength: 255, description: 'A cloud name or ID.' });

/** Image attributes a list can be sorted by. */
export const IMAGE_SORT_KEYS = ['created_at', 'updated_at', 'name', 'status', 'visibility'] as const;

export const ListOptions = T.Object({
  limit: T.Integer({ minimum: 1, maximum: 10000 }),
  marker: T.Optional(Id),
  all_projects: T.Optional(T.Boolean()),
});

export const METHODS = {
  agent_heartbeat: T.Object({
    host: Name,
    zone: Name,
    address: Name,
    version: T.String({ maxLength: 32 }),
    // 1.5: the contracts the agent's code speaks. Agents still cast at 1.0: a conductor before 1.5 ignores
    // the fields (its schemas allow more properties), so a new agent registers with an old conductor.
    rpc_version: T.Optional(T.String({ pattern: '^[0-9]+\\.[0-9]+$', maxLength: 16 })),
    proto: T.Optional(T.String({ maxLength: 64 })),
    // 1.8: the agent's drivers and what each kind of cloud can do (GetInfo's DriverInfo)
    drivers: T.Optional(T.Array(DriverInfoArg, { maxItems: 32 })),
  }),
  create_cloud: T.Object({
    name: Name,
    // 1.9: aws (one AWS account in one region, with its S3 bucket)
    // 1.11: gcp (one Google Cloud project, with its Cloud Storage bucket)
    type: T.Union([T.Literal('openstack'), T.Literal('aws'), T.Literal('gcp')]),
    region_name: Name,
    zone: T.Optional(Name),
    // 1.5: clouds owned by the caller's project, with their own Keystone and credentials
    scope: T.Optional(T.Union([T.Literal('shared'), T.Literal('project')])),
    auth_url: T.Optional(T.String({ minLength: 1, maxLength: 1024 })),
    credentials_ref: T.Optional(T.String({ minLength: 1, maxLength: 1024 })),
    // 1.9: an aws cloud's S3 bucket for transfers
    bucket: T.Optional(T.String({ minLength: 1, maxLength: 255 })),
    // 1.11: a gcp cloud's project, and optionally where its images are stored and their default family
    project: T.Optional(T.String({ minLength: 1, maxLength: 255 })),
    storage_location: T.Optional(T.String({ minLength: 1, maxLength: 64 })),
    family: T.Optional(T.String({ minLength: 1, maxLength: 63 })),
    max_bandwidth: T.Optional(MaxBandwidth), // 1.18: the cap of every copy to or from it, bytes/s
  }),
  list_clouds: T.Object({}),
  get_cloud: T.Object({ cloud: CloudRefArg }),
  // 1.4
  delete_cloud: T.Object({ cloud: CloudRefArg }),
  create_image: T.Object({
    name: T.Optional(Name),
    visibility: T.Optional(Visibility),
    // 1.0: adopt `source`; 1.2: no source, an image to be uploaded, made with these; 1.4: import source.url
    source: T.Optional(
      T.Union([
        T.Object({ cloud: CloudRefArg, image_id: Id }),
        T.Object({ url: T.String({ minLength: 1, maxLength: 2048 }) }),
      ]),
    ),
    targets: T.Array(CloudRefArg, { maxItems: 64 }),
    disk_format: T.Optional(T.String({ maxLength: 16 })),
    container_format: T.Optional(T.String({ maxLength: 16 })),
    min_disk: T.Optional(T.Integer({ minimum: 0 })),
    min_ram: T.Optional(T.Integer({ minimum: 0 })),
    properties: T.Optional(T.Record(T.String({ maxLength: 255 }), T.String({ maxLength: 65535 }))),
    // 1.12: answer the plan of the copies ({plan}, planner.ts) and change nothing
    dry_run: T.Optional(T.Boolean()),
    max_bandwidth: T.Optional(MaxBandwidth), // 1.18: the cap of its copies, bytes/s
    // 1.21: what to do with another image of the name in a target (create-conflicts.ts); absent: nothing
    on_conflict: T.Optional(OnConflictArg),
  }),
  list_images: T.Intersect([
    ListOptions,
    // 1.3
    T.Object({
      name: T.Optional(Name),
      status: T.Optional(T.String({ maxLength: 16 })),
      visibility: T.Optional(T.String({ maxLength: 16 })),
      cloud: T.Optional(CloudRefArg),
      sort_key: T.Optional(T.Union(IMAGE_SORT_KEYS.map((k) => T.Literal(k)))),
      sort_dir: T.Optional(T.Union([T.Literal('asc'), T.Literal('desc')])),
      // 1.9: show each image's spec, reading none of its copies (a listing that needs no metadata).
      spec_only: T.Optional(T.Boolean()),
    }),
  ]),
  get_image: T.Object({ image_id: Id }),
  list_tasks: T.Intersect([
    ListOptions,
    T.Object({
      image_id: T.Optional(Id),
      status: T.Optional(T.String({ maxLength: 16 })),
      // 1.3
      cloud: T.Optional(CloudRefArg),
      // 1.6: newest first (a live feed)
      sort_dir: T.Optional(T.Union([T.Literal('asc'), T.Literal('desc')])),
    }),
  ]),
  get_task: T.Object({ task_id: Id }),
  // 1.1
  sync_image: T.Object({
    image_id: Id,
    targets: T.Array(CloudRefArg, { minItems: 1, maxItems: 64 }),
    // 1.12: answer the plan ({plan}, planner.ts) and change nothing
    dry_run: T.Optional(T.Boolean()),
    max_bandwidth: T.Optional(MaxBandwidth), // 1.18: the cap of its copies, bytes/s
    // 1.17: what to do with another image of the name in a target (name-conflicts.ts); absent: nothing
    on_conflict: T.Optional(OnConflictArg),
    // 1.16: an earlier version of the image: where a target holds a copy of it, only the blocks that
    // differ cross between the agents (incremental-plan.ts)
    incremental_from: T.Optional(Id),
  }),
  add_location: T.Object({
    image_id: Id,
    cloud: CloudRefArg,
    remote_id: Id,
    // 1.8: link a copy whose bytes nothing can prove (it shows as unverified)
    accept_unverified: T.Optional(T.Boolean()),
  }),
  delete_location: T.Object({ image_id: Id, cloud: CloudRefArg, delete_remote: T.Boolean() }),
  // 1.4: delete_remote
  delete_image: T.Object({ image_id: Id, delete_remote: T.Optional(T.Boolean()) }),
  cancel_task: T.Object({ task_id: Id }),
  cancel_copy: T.Object({ task_id: Id }),
  // 1.2
  begin_upload: T.Object({
    image_id: Id,
    size: T.Optional(T.Integer({ minimum: 0 })),
    // 1.7: the caller renews the upload's lease (renew_upload) while the data arrives
    renews: T.Optional(T.Boolean()),
  }),
  finish_upload: T.Object({
    image_id: Id,
    size: T.Integer({ minimum: 0 }),
    checksum: T.String({ pattern: '^[0-9a-f]{32}$' }),
    os_hash_value: T.String({ pattern: '^[0-9a-f]{128}$' }),
  }),
  abort_upload: T.Object({ image_id: Id }),
  // 1.7: the upload's lease, renewed by the API server that receives its data
  renew_upload: T.Object({ image_id: Id }),
  // 1.20: uploads that survive the network (upload-resume.ts): a cut-short upload kept `keep_s` seconds
  suspend_upload: T.Object({ ...UploadAt, keep_s: T.Integer({ minimum: 1, maximum: 604800 }) }),
  resume_upload: T.Object({ ...UploadAt, size: T.Integer({ minimum: 1 }) }),
  upload_offset: T.Object({ image_id: Id }),
  dedup_candidates: T.Object({ image_id: Id, size: T.Integer({ minimum: 0 }) }),
  finish_dedup: T.Object({
    image_id: Id,
    source_image_id: Id,
    agent_address: T.String({ minLength: 1, maxLength: 255 }),
  }),
  // 1.3
  list_cloud_images: T.Object({
    cloud: CloudRefArg,
    limit: T.Integer({ minimum: 1, maximum: 1000 }),
    // 1.19: one page (CloudImagePage) after marker (a previous page's next_marker, or an image ID)
    paged: T.Optional(T.Literal(true)),
    marker: T.Optional(T.String({ minLength: 1, maxLength: BROWSE_MARKER_MAX })),
  }),
  refresh_image: T.Object({ image_id: Id }),
  get_matrix: T.Object({
    all_projects: T.Optional(T.Boolean()),
    name: T.Optional(Name),
    clouds: T.Optional(T.Array(CloudRefArg, { maxItems: 64 })),
    limit: T.Integer({ minimum: 1, maximum: 10000 }),
  }),
  // 1.4
  update_image: T.Object({
    image_id: Id,
    name: T.Optional(Name),
    visibility: T.Optional(Visibility),
  }),
  list_members: T.Object({ image_id: Id }),
  add_member: T.Object({ image_id: Id, member_id: ProjectId }),
  delete_member: T.Object({ image_id: Id, member_id: ProjectId }),
  // 1.5 (with create_cloud's project clouds): answered at once, without the database (/healthcheck)
  ping: T.Object({}),
  // 1.6: an image's desired clouds (copies made to the new ones, copies deleted from the others)
  set_targets: T.Object({
    image_id: Id,
    clouds: T.Array(CloudRefArg, { maxItems: 64 }),
    dry_run: T.Optional(T.Boolean()),
  }),
  // 1.13: the RPC versions of the live conductors (recorded in `conductors`), for the senders' caps
  service_versions: T.Object({}),
  // 1.17: a project's webhooks, their deliveries and the test ping (webhooks.ts)
  ...WEBHOOK_METHODS,
  // 1.15: image families, their versions, channels and lifecycle (family-schemas.ts, issue 19)
  ...FAMILY_METHODS,
} as const;

export type MethodName = keyof typeof METHODS;
export type MethodArgs<M extends MethodName> = Static<(typeof METHODS)[M]>;

/**
 * What `service_versions` answers (1.13): the conductor RPC versions of the conductors alive now (their
 * presence recorded within [conductor] agent_down_time, on the database's clock), oldest and newest,
 * from which a sender with `[upgrade_levels] conductor = auto` caps what it sends.
 */
export interface ServiceVersionsView {
  conductor: { oldest: string; newest: string; hosts: string[] };
}

/** What `ping` answers: who answered, at which versions. */
export interface PingView {
  host: string;
  rpc_version: string;
  version: string;
}

export interface CloudView {
  id: string;
  name: string;
  type: string;
  region_name: string;
  zone: string;
  scope: string;
  owner: string | null;
  /** A project cloud's own Keystone (null: reached with the user's token). */
  auth_url: string | null;
  /** The key-manager secret with the cloud's credentials (auth_url's, or an aws cloud's access key). */
  credentials_ref: string | null;
  /** An aws cloud's S3 bucket, or a gcp cloud's Cloud Storage bucket, for transfers. */
  bucket?: string;
  /** A gcp cloud's Google Cloud project, storage location ('' = GCE's default) and default family. */
  project?: string;
  storage_location?: string;
  family?: string;
  agents_up: number;
  /** What this kind of cloud can do, as a live agent of its zone says (null: no agent alive says). */
  capabilities: Static<typeof CapabilitiesArg> | null;
  created_at: string;
  updated_at: string;
  /** The bandwidth cap of every copy to or from the cloud, bytes/s (1.18; absent: none). */
  max_bandwidth?: number;
}

export interface LocationView {
  cloud: string;
  cloud_id: string;
  image_id: string | null;
  status: string;
  task_id: string | null;
  last_verified_at: string | null;
  /** How the copy was proven to hold the image's bytes: cloud, agent, provenance or unverified. */
  proof: string | null;
  /** The copy as its cloud describes it now (only when one image is shown; never stored). */
  remote?: RemoteView | null;
  /**
   * For a copy that holds the image converted to another disk format, the conversion it records in its
   * cloud (read with `remote`): the source format, the source's identity, the converted bytes'. Since 1.10.
   */
  conversion?: ConversionView;
  /** Why `remote` could not be read. */
  remote_error?: { code: string; message: string };
}

/** A size and the hashes known of some bytes (md5, sha512), hex. */
export interface BytesView {
  size: number;
  md5?: string;
  sha512?: string;
}

/** What a converted copy records of its conversion (common/converted-copy.ts). */
export interface ConversionView {
  /** The disk format the image's bytes were converted from (the copy's is `remote.disk_format`'s). */
  from: string;
  /** The image's bytes the conversion was made from, verified before it. */
  source: BytesView;
  /** The converted bytes, as the agent hashed them before it wrote the copy. */
  converted: BytesView;
}

/** A cloud's live metadata of a copy. */
export interface RemoteView {
  name: string;
  status: string;
  size: number;
  checksum: string | null;
  os_hash_algo: string | null;
  os_hash_value: string | null;
  disk_format: string;
  container_format: string;
  visibility: string;
  owner: string;
  min_disk: number;
  min_ram: number;
  properties: Record<string, string>;
}

export interface ImageView {
  id: string;
  name: string;
  owner: string;
  visibility: string;
  status: string;
  size: number | null;
  checksum: string | null;
  os_hash_algo: string | null;
  os_hash_value: string | null;
  /**
   * Formats, minimums and user properties: live, as the cloud `metadata_from` describes its copy now; the
   * data spec's when no copy could be read (metadata_from null).
   */
  disk_format: string | null;
  container_format: string | null;
  min_disk: number;
  min_ram: number;
  properties: Record<string, string>;
  /** The cloud whose copy the metadata above was read from, or null (the spec's). */
  metadata_from: string | null;
  /** What GIMinG applies to the copies it has yet to make (image-spec.ts). */
  spec: ImageSpecView;
  locations: LocationView[];
  /** Clouds where the image can be used now (only when one image is shown). */
  available_in?: string[];
  created_at: string;
  updated_at: string;
}

export interface TaskView {
  id: string;
  type: string;
  image_id: string;
  cloud: string;
  cloud_id: string;
  source_cloud: string | null;
  status: string;
  bytes_done: number;
  bytes_total: number | null;
  progress: number | null;
  /** Average bytes per second so far. */
  rate: number | null;
  /** Seconds left at that rate, while running. */
  eta_seconds: number | null;
  /**
   * The stage of the work after the bytes, as the agent last reported it (the cloud's: import, register,
   * export, copy, upload; the agent's: convert), null while only bytes move; since 1.10.
   */
  stage: string | null;
  /** That stage's percentage, as the cloud gives it (null: none given). */
  stage_percent: number | null;
  /** The cloud's own word for where in the stage it is (EC2: pending, validating, converting...). */
  stage_detail: string | null;
  /** The plan a copy follows (planner.ts CopyPlan); null for other tasks and older copies; since 1.12. */
  plan: CopyPlan | null;
  /** The task's own cap (its request's max_bandwidth, bytes/s; since 1.18); absent: none. */
  max_bandwidth?: number;
  attempts: number;
  error: { code: string; message: string } | null;
  agent: string | null;
  request_id: string | null;
  project_id: string;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  finished_at: string | null;
}

/** A project an image is shared with, and its answer in each cloud that holds a copy. */
export interface MemberView {
  member_id: string;
  image_id: string;
  created_at: string;
  copies: Array<{
    cloud: string;
    /** pending, accepted or rejected; null when the cloud could not tell (see error) or has no such member. */
    status: string | null;
    error?: { code: string; message: string };
  }>;
}

/** Why one copy may not be removed (code as the error it would be). */
export interface TargetsRefusal {
  cloud: string;
  code: string;
  message: string;
}

/** What setting an image's clouds does (or, in a dry run, would do). */
export interface TargetsView {
  image_id: string;
  dry_run: boolean;
  /** Clouds that have (or are getting) a copy and keep it. */
  keep: string[];
  /** Clouds a copy is made to. */
  add: string[];
  /** Clouds whose copy is deleted. */
  remove: string[];
  /** Removals that are not allowed; when any, nothing is done. */
  refused: TargetsRefusal[];
  /** Removals the user should know about before (another project's copy). */
  warnings: TargetsRefusal[];
  /** The copy task of each added cloud. */
  tasks: Array<{ cloud: string; task_id: string }>;
}

export interface Page<T> {
  items: T[];
  next_marker: string | null;
}
