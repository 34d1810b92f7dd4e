/**
 * The conductor's RPC contract for image families (1.15, issue 19): the methods' argument schemas, which
 * rpc-schemas.ts adds to METHODS (so the fingerprint test covers them), and the views they answer.
 */
import { Type as T } from '@sinclair/typebox';

const Id = T.String({ minLength: 1, maxLength: 255 });
const CloudRefArg = T.String({ minLength: 1, maxLength: 255, description: 'A cloud name or ID.' });
/** A family: its ID or its name in the caller's project. */
const FamilyRef = T.String({ minLength: 1, maxLength: 255 });
const FamilyName = T.String({ minLength: 1, maxLength: 255, pattern: '^[A-Za-z0-9][A-Za-z0-9._:+-]*$' });
/** A version of a family: its sequence number, its label, or its ID. */
const VersionRef = T.String({ minLength: 1, maxLength: 64 });
const VersionLabel = T.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^(?![0-9]+$)[A-Za-z0-9][A-Za-z0-9._:+-]*$',
});
const ChannelName = T.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9._-]*$' });
export const LIFECYCLE_STATES = ['active', 'deprecated', 'obsolete', 'revoked'] as const;
const LifecycleStateArg = T.Union(LIFECYCLE_STATES.map((s) => T.Literal(s)));

export const FAMILY_METHODS = {
  create_family: T.Object({ name: FamilyName, description: T.Optional(T.String({ maxLength: 1024 })) }),
  list_families: T.Object({ all_projects: T.Optional(T.Boolean()) }),
  get_family: T.Object({ family: FamilyRef }),
  delete_family: T.Object({ family: FamilyRef }),
  add_family_version: T.Object({
    family: FamilyRef,
    image_id: Id,
    label: T.Optional(VersionLabel),
    parent: T.Optional(VersionRef),
  }),
  promote_channel: T.Object({ family: FamilyRef, channel: ChannelName, version: VersionRef }),
  rollback_channel: T.Object({ family: FamilyRef, channel: ChannelName }),
  channel_history: T.Object({ family: FamilyRef, channel: ChannelName }),
  resolve_channel: T.Object({ family: FamilyRef, channel: ChannelName, cloud: T.Optional(CloudRefArg) }),
  set_version_lifecycle: T.Object({
    family: FamilyRef,
    version: VersionRef,
    state: LifecycleStateArg,
    // An ISO 8601 time: the change waits until then (on the database's clock); absent: now.
    at: T.Optional(
      T.String({
        maxLength: 64,
        pattern:
          '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2})$',
      }),
    ),
    // revoked only: the versions built from this one (their parent chain) are revoked too.
    cascade: T.Optional(T.Boolean()),
  }),
} as const;

/** A version of an image family (1.15). */
export interface FamilyVersionView {
  id: string;
  /** Its place in the family: 1, 2, 3..., in the order versions were added (newest is highest). */
  sequence: number;
  label: string | null;
  image_id: string;
  image_name: string | null;
  /** The version it was built from (its sequence), or null. */
  parent: number | null;
  /** active, deprecated, obsolete or revoked. */
  lifecycle: string;
  /** A change waiting for its time. */
  scheduled: { state: string; at: string; cascade: boolean } | null;
  /** Whether every copy shows the lifecycle in its cloud; when not, why (the conductor tries again). */
  propagated: boolean;
  propagation_error: string | null;
  /** The channels pointing at it. */
  channels: string[];
  created_at: string;
  updated_at: string;
}

export interface ChannelView {
  name: string;
  /** The version it points at (its sequence), or null. */
  version: number | null;
  version_id: string | null;
  /** Whether GIMinG moves it (latest: the newest version not revoked). */
  managed: boolean;
  updated_at: string;
}

export interface FamilyView {
  id: string;
  name: string;
  owner: string;
  description: string;
  versions: FamilyVersionView[];
  channels: ChannelView[];
  created_at: string;
  updated_at: string;
}

export interface ChannelHistoryEntry {
  action: string;
  version: number | null;
  previous_version: number | null;
  user_id: string | null;
  request_id: string | null;
  created_at: string;
}

/** A channel resolved to the native ID of its version's copy in each cloud. */
export interface ResolvedChannelView {
  family: string;
  family_id: string;
  channel: string;
  version: number;
  label: string | null;
  image_id: string;
  lifecycle: string;
  /** Each cloud holding an active copy: its cloud's own image ID. */
  clouds: Array<{ cloud: string; cloud_id: string; type: string; region_name: string; remote_id: string }>;
}

/** What a lifecycle change did (or scheduled): the versions it changed, with their copies' outcome. */
export interface LifecycleChangeView {
  scheduled: boolean;
  versions: FamilyVersionView[];
  copies: Array<{
    version: number;
    cloud: string;
    remote_id: string;
    lifecycle: string | null;
    error?: { code: string; message: string };
  }>;
}
