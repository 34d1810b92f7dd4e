/**
 * The conductor's tables. What GIMinG keeps is who owns an image, which clouds hold a copy under which
 * remote ID and in which state, the identity of the bytes, and the tasks that do the work. Image metadata
 * is not kept: it is read live from the clouds.
 */
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { WebhookDeliveryRow, WebhookRow } from './webhook-entities';

const timestamp = { type: 'datetime', precision: 3 } as const;
const bigint = {
  type: 'bigint',
  transformer: {
    to: (v: number | null | undefined) => v,
    from: (v: string | number | null) => (v === null ? null : Number(v)),
  },
} as const;

@Entity({ name: 'clouds' })
export class CloudRow {
  @PrimaryColumn({ type: 'char', length: 36 }) id!: string;
  /** Unique per owner (shared clouds are one owner): see migration 0006. */
  @Index('idx_clouds_name')
  @Column({ type: 'varchar', length: 255 })
  name!: string;
  @Column({ type: 'varchar', length: 32 }) type!: string;
  @Column({ name: 'region_name', type: 'varchar', length: 255 }) regionName!: string;
  @Column({ type: 'varchar', length: 255 }) zone!: string;
  /** shared (registered by the operator for everyone) or project (owned by `owner`). */
  @Column({ type: 'varchar', length: 16 }) scope!: string;
  @Column({ type: 'varchar', length: 64, nullable: true }) owner!: string | null;
  /** A project cloud's own Keystone; null when the cloud is reached with the user's own token. */
  @Column({ name: 'auth_url', type: 'varchar', length: 1024, nullable: true }) authUrl!: string | null;
  /** The key-manager secret with the credentials for auth_url (its href; never the credentials). */
  @Column({ name: 'credentials_ref', type: 'varchar', length: 1024, nullable: true })
  credentialsRef!: string | null;
  /** Its driver's settings (cloud-kinds.ts), JSON: aws {"bucket": ...}; null: none. Never credentials. */
  @Column({ type: 'text', nullable: true }) options!: string | null;
  @Column({ name: 'created_at', ...timestamp }) createdAt!: Date;
  @Column({ name: 'updated_at', ...timestamp }) updatedAt!: Date;
}

@Entity({ name: 'agents' })
export class AgentRow {
  @PrimaryColumn({ type: 'char', length: 36 }) id!: string;
  @Column({ type: 'varchar', length: 255 }) host!: string;
  @Index('idx_agents_zone')
  @Column({ type: 'varchar', length: 255 })
  zone!: string;
  @Index('uniq_agents_address', { unique: true })
  @Column({ type: 'varchar', length: 255 })
  address!: string;
  @Column({ type: 'varchar', length: 32 }) version!: string;
  @Column({ name: 'last_heartbeat_at', ...timestamp }) lastHeartbeatAt!: Date;
  @Column({ name: 'created_at', ...timestamp }) createdAt!: Date;
  /** The conductor RPC version the agent's code speaks (null: an agent older than 0005). */
  @Column({ name: 'rpc_version', type: 'varchar', length: 16, nullable: true }) rpcVersion!: string | null;
  /** The agent gRPC package it serves, for example gimming.agent.v2. */
  @Column({ name: 'proto_version', type: 'varchar', length: 64, nullable: true }) protoVersion!:
    string | null;
  /** Its drivers and their capabilities, JSON (capabilities.ts; null: an agent older than 0009). */
  @Column({ type: 'text', nullable: true }) drivers!: string | null;
}

/** Each conductor, as it last reported itself (every third of [conductor] agent_down_time). */
@Entity({ name: 'conductors' })
export class ConductorRow {
  @PrimaryColumn({ type: 'varchar', length: 255 }) host!: string;
  @Column({ type: 'varchar', length: 32 }) version!: string;
  @Column({ name: 'rpc_version', type: 'varchar', length: 16 }) rpcVersion!: string;
  @Column({ name: 'started_at', ...timestamp }) startedAt!: Date;
  @Column({ name: 'last_seen_at', ...timestamp }) lastSeenAt!: Date;
}

/**
 * One logical image. GIMinG keeps only what it needs to find and prove the image in every cloud: its
 * owner, its state, the identity of its bytes (size and hashes) and its spec, what the user asked GIMinG to
 * apply to the copies it has yet to make. Everything else (formats, minimums, properties) is each copy's
 * own metadata, read live from its cloud (image-metadata.ts).
 */
@Entity({ name: 'images' })
/** A project's images in listing order and in the matrix's (migration 0019). */
@Index('idx_images_owner_created', ['owner', 'createdAt', 'id'])
@Index('idx_images_owner_name', ['owner', 'specName', 'createdAt'])
export class ImageRow {
  @PrimaryColumn({ type: 'char', length: 36 }) id!: string;
  /** Spec: the name every copy gets (a rename is applied to every copy). */
  @Column({ name: 'spec_name', type: 'varchar', length: 255 }) specName!: string;
  @Index('idx_images_owner')
  @Column({ type: 'varchar', length: 64 })
  owner!: string;
  /** Spec: the visibility every copy gets. */
  @Column({ name: 'spec_visibility', type: 'varchar', length: 16 }) specVisibility!: string;
  @Column({ type: 'varchar', length: 16 }) status!: string;
  @Column({ ...bigint, nullable: true }) size!: number | null;
  @Column({ type: 'varchar', length: 32, nullable: true }) checksum!: string | null;
  @Column({ name: 'os_hash_algo', type: 'varchar', length: 64, nullable: true }) osHashAlgo!: string | null;
  @Column({ name: 'os_hash_value', type: 'varchar', length: 128, nullable: true }) osHashValue!:
    string | null;
  /**
   * Spec (JSON, image-spec.ts): for an image made from uploaded or imported data, what the copies made
   * from that data get (disk and container format, minimums, properties). Empty for an adopted image:
   * its copies get their source copy's live metadata.
   */
  @Column({ type: 'text', nullable: true }) spec!: string | null;
  /** The agent whose staging area holds the uploaded data, until every target has its copy. */
  @Column({ name: 'staging_agent', type: 'varchar', length: 255, nullable: true }) stagingAgent!:
    string | null;
  /** What an upload or import still arriving reserved of the staging area (its size is not known yet). */
  @Column({ name: 'staging_reserved', ...bigint, nullable: true }) stagingReserved!: number | null;
  /** The bandwidth cap (bytes/s) its request gave the copies queued once its data is staged (0018). */
  @Column({ name: 'max_bandwidth', ...bigint, nullable: true }) maxBandwidth!: number | null;
  @Column({ name: 'created_at', ...timestamp }) createdAt!: Date;
  @Column({ name: 'updated_at', ...timestamp }) updatedAt!: Date;
}

@Entity({ name: 'locations' })
@Index('uniq_locations_image_cloud', ['imageId', 'cloudId'], { unique: true })
/** A copy is tracked once per project (see migration 0008): `owner` is its image's owner. */
@Index('uniq_locations_cloud_remote_owner', ['cloudId', 'remoteId', 'owner'], { unique: true })
export class LocationRow {
  @PrimaryColumn({ type: 'char', length: 36 }) id!: string;
  @Column({ name: 'image_id', type: 'char', length: 36 }) imageId!: string;
  @Column({ type: 'varchar', length: 64, default: '' }) owner!: string;
  @Column({ name: 'cloud_id', type: 'char', length: 36 }) cloudId!: string;
  @Column({ name: 'remote_id', type: 'varchar', length: 255, nullable: true }) remoteId!: string | null;
  @Column({ type: 'varchar', length: 16 }) status!: string;
  @Column({ name: 'task_id', type: 'char', length: 36, nullable: true }) taskId!: string | null;
  @Column({ name: 'last_verified_at', ...timestamp, nullable: true }) lastVerifiedAt!: Date | null;
  /** How the copy was proven to hold the image's bytes (byte-identity.ts Proof; migration 0009). */
  @Column({ type: 'varchar', length: 16, nullable: true }) proof!: string | null;
  @Column({ name: 'created_at', ...timestamp }) createdAt!: Date;
  @Column({ name: 'updated_at', ...timestamp }) updatedAt!: Date;
}

@Entity({ name: 'tasks' })
/** A project's tasks in listing order (migration 0019). */
@Index('idx_tasks_project_created', ['projectId', 'createdAt', 'id'])
export class TaskRow {
  @PrimaryColumn({ type: 'char', length: 36 }) id!: string;
  @Index('idx_tasks_image')
  @Column({ name: 'image_id', type: 'char', length: 36 })
  imageId!: string;
  @Column({ type: 'varchar', length: 16 }) type!: string;
  @Column({ name: 'cloud_id', type: 'char', length: 36 }) cloudId!: string;
  @Column({ name: 'source_cloud_id', type: 'char', length: 36, nullable: true }) sourceCloudId!:
    string | null;
  @Index('idx_tasks_status')
  @Column({ type: 'varchar', length: 16 })
  status!: string;
  @Column({ name: 'bytes_done', ...bigint }) bytesDone!: number;
  @Column({ name: 'bytes_total', ...bigint, nullable: true }) bytesTotal!: number | null;
  /**
   * The stage of the cloud's (or the agent's) work after the bytes, as the agent last reported it (migration
   * 0012): import, register, copy, convert...; its percentage (null: none given) and the cloud's own word
   * for where in it it is (EC2's task status message).
   */
  @Column({ type: 'varchar', length: 32, nullable: true }) stage!: string | null;
  @Column({ name: 'stage_percent', type: 'int', nullable: true }) stagePercent!: number | null;
  @Column({ name: 'stage_detail', type: 'varchar', length: 255, nullable: true }) stageDetail!: string | null;
  /** The plan a copy follows (planner.ts CopyPlan as JSON; migration 0014); null for other tasks. */
  @Column({ type: 'text', nullable: true }) plan!: string | null;
  /** The copy's bandwidth cap in bytes/s from its request (migration 0018); null: none of its own. */
  @Column({ name: 'max_bandwidth', ...bigint, nullable: true }) maxBandwidth!: number | null;
  @Column({ type: 'int' }) attempts!: number;
  @Column({ name: 'error_code', type: 'varchar', length: 64, nullable: true }) errorCode!: string | null;
  @Column({ name: 'error_message', type: 'text', nullable: true }) errorMessage!: string | null;
  @Column({ type: 'varchar', length: 255, nullable: true }) conductor!: string | null;
  @Column({ type: 'varchar', length: 255, nullable: true }) agent!: string | null;
  @Column({ name: 'project_id', type: 'varchar', length: 64 }) projectId!: string;
  @Column({ name: 'user_id', type: 'varchar', length: 64, nullable: true }) userId!: string | null;
  @Column({ name: 'request_id', type: 'varchar', length: 64, nullable: true }) requestId!: string | null;
  @Column({ name: 'created_at', ...timestamp }) createdAt!: Date;
  @Column({ name: 'updated_at', ...timestamp }) updatedAt!: Date;
  @Column({ name: 'started_at', ...timestamp, nullable: true }) startedAt!: Date | null;
  @Column({ name: 'finished_at', ...timestamp, nullable: true }) finishedAt!: Date | null;
  /** Until when `conductor` holds the task; after that any conductor may take it over. */
  @Column({ name: 'lease_expires_at', ...timestamp, nullable: true }) leaseExpiresAt!: Date | null;
  /** A pending task waiting for a retry runs from then. */
  @Column({ name: 'next_attempt_at', ...timestamp, nullable: true }) nextAttemptAt!: Date | null;
  /** The Keystone trust the work runs with (the user's delegation to GIMinG's service user). */
  @Column({ name: 'trust_id', type: 'varchar', length: 64, nullable: true }) trustId!: string | null;
}

@Entity({ name: 'image_members' })
export class ImageMemberRow {
  @PrimaryColumn({ name: 'image_id', type: 'char', length: 36 }) imageId!: string;
  @PrimaryColumn({ name: 'member_id', type: 'varchar', length: 64 }) memberId!: string;
  @Column({ name: 'created_at', ...timestamp }) createdAt!: Date;
}

export { WebhookDeliveryRow, WebhookRow };
/** A project's named line of images (migration 0015). */
@Entity({ name: 'families' })
@Index('uniq_families_owner_name', ['owner', 'name'], { unique: true })
export class FamilyRow {
  @PrimaryColumn({ type: 'char', length: 36 }) id!: string;
  @Column({ type: 'varchar', length: 64 }) owner!: string;
  @Column({ type: 'varchar', length: 255 }) name!: string;
  @Column({ type: 'varchar', length: 1024, default: '' }) description!: string;
  @Column({ name: 'created_at', ...timestamp }) createdAt!: Date;
  @Column({ name: 'updated_at', ...timestamp }) updatedAt!: Date;
}

/**
 * One version of a family: a GIMinG image, its place in the line (`sequence`, given by GIMinG in the order
 * versions are added: what "newest" means), an optional label, the version it was built from, and its
 * lifecycle, with at most one change waiting for its time (scheduled_*, on the database's clock).
 */
@Entity({ name: 'family_versions' })
export class FamilyVersionRow {
  @PrimaryColumn({ type: 'char', length: 36 }) id!: string;
  @Column({ name: 'family_id', type: 'char', length: 36 }) familyId!: string;
  @Column({ name: 'image_id', type: 'char', length: 36 }) imageId!: string;
  @Column({ type: 'int' }) sequence!: number;
  @Column({ type: 'varchar', length: 64, nullable: true }) label!: string | null;
  @Column({ name: 'parent_id', type: 'char', length: 36, nullable: true }) parentId!: string | null;
  /** active, deprecated, obsolete or revoked. */
  @Column({ type: 'varchar', length: 16 }) lifecycle!: string;
  @Column({ name: 'scheduled_state', type: 'varchar', length: 16, nullable: true }) scheduledState!:
    string | null;
  @Column({ name: 'scheduled_at', ...timestamp, nullable: true }) scheduledAt!: Date | null;
  @Column({ name: 'scheduled_cascade', type: 'boolean', default: false }) scheduledCascade!: boolean;
  /** Whether every copy shows `lifecycle` in its cloud (false: the periodic task tries again). */
  @Column({ type: 'boolean', default: true }) propagated!: boolean;
  @Column({ name: 'propagation_error', type: 'text', nullable: true }) propagationError!: string | null;
  @Column({ name: 'created_at', ...timestamp }) createdAt!: Date;
  @Column({ name: 'updated_at', ...timestamp }) updatedAt!: Date;
}

/** Where a channel of a family points now (`latest` is kept here too, moved by GIMinG). */
@Entity({ name: 'family_channels' })
export class FamilyChannelRow {
  @PrimaryColumn({ name: 'family_id', type: 'char', length: 36 }) familyId!: string;
  @PrimaryColumn({ type: 'varchar', length: 64 }) name!: string;
  @Column({ name: 'version_id', type: 'char', length: 36, nullable: true }) versionId!: string | null;
  @Column({ name: 'updated_at', ...timestamp }) updatedAt!: Date;
}

/** Every move of a channel: promote, rollback, follow (latest), clear. */
@Entity({ name: 'channel_history' })
export class ChannelHistoryRow {
  @PrimaryColumn({ type: 'char', length: 36 }) id!: string;
  @Column({ name: 'family_id', type: 'char', length: 36 }) familyId!: string;
  @Column({ type: 'varchar', length: 64 }) channel!: string;
  @Column({ type: 'varchar', length: 16 }) action!: string;
  @Column({ name: 'version_id', type: 'char', length: 36, nullable: true }) versionId!: string | null;
  @Column({ name: 'previous_version_id', type: 'char', length: 36, nullable: true }) previousVersionId!:
    string | null;
  @Column({ name: 'user_id', type: 'varchar', length: 64, nullable: true }) userId!: string | null;
  @Column({ name: 'request_id', type: 'varchar', length: 64, nullable: true }) requestId!: string | null;
  @Column({ name: 'created_at', ...timestamp }) createdAt!: Date;
}

export const ENTITIES = [
  CloudRow,
  AgentRow,
  ConductorRow,
  ImageRow,
  LocationRow,
  TaskRow,
  ImageMemberRow,
  WebhookRow,
  WebhookDeliveryRow,
  FamilyRow,
  FamilyVersionRow,
  FamilyChannelRow,
  ChannelHistoryRow,
];
