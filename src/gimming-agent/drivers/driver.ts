/**
 * The one interface every kind of cloud is reached through (issue 12).
 *
 * A driver lives in its own folder, drivers/<name>/, whose index exports `driver`: what the cloud can do
 * (capabilities), its configuration options and their check, and `open`, which gives a session on one
 * cloud with the caller's credentials. Nothing outside the driver's folder knows the cloud's wire format:
 * the gRPC service and transfer/ speak only CloudDriver, CloudSession and CloudImage.
 */
import type { Readable } from 'node:stream';
import type { GimmingConfig, SchemaFragment } from '../../common/config/schema';
import type { RequestContext } from '../../common/context';
import type { CloudRef__Output } from '../../common/grpc/generated/gimming/agent/v2/CloudRef';
import type { CloudImage, CloudMember, ImageDigests } from './image';
import type { CloudSessions } from '../cloud-sessions';

/** A hash algorithm the agent can compute in flight (node:crypto names). */
export type DigestAlgo = 'md5' | 'sha256' | 'sha512';

export interface DriverCapabilities {
  /** Image data can be read out of the cloud (openRead). */
  canExport: boolean;
  /** Images can be created in the cloud from a stream (create + upload). */
  canImport: boolean;
  diskFormats: readonly string[];
  containerFormats: readonly string[];
  /**
   * Hashes the cloud computes itself over the data it stored, and reports on the image record. When
   * empty, the agent hashes the data in flight while writing it and proves the copy with its own hashes.
   */
  reportedHashes: readonly DigestAlgo[];
  /** Copies the cloud can make itself between two of its regions or accounts (see nativeCopyNow). */
  nativeCopy: readonly string[];
  /** How an image is shared: with member projects or accounts, or not at all. */
  sharing: 'members' | 'none';
  /** The visibilities an image may have. */
  visibilities: readonly string[];
  /**
   * Prefixes of property names the cloud keeps for itself: the conductor refuses an image that would
   * carry one to the cloud, before anything is made.
   */
  reservedPropertyPrefixes: readonly string[];
  /**
   * Whether an image's owner is a project of the identity service GIMinG's users log in to (Glance:
   * true); false where it is an account of the cloud's own (EC2). Default true.
   */
  ownersAreProjects?: boolean;
  /** An image's name is fixed once it exists (an AMI's): update refuses a new name. Default false. */
  fixedNames?: boolean;
  /**
   * The driver records the agent's proof of a copy on the image (recordProof) and reports it back as the
   * image's digests, so a later link or drift check can prove the bytes. Default false.
   */
  recordsProof?: boolean;
  /**
   * The lifecycle states setLifecycle puts an image in, in the cloud's own terms (issue 19); empty or
   * absent: the driver has none.
   */
  lifecycleStates?: readonly LifecycleState[];
}

/** A version's lifecycle (image families): what setLifecycle applies to a copy. */
export type LifecycleState = 'active' | 'deprecated' | 'obsolete' | 'revoked';

/** Options a driver owns, composed into the configuration schema (see composeSchema). */
export type ConfigFragment = SchemaFragment;

/** Everything a driver may need from the agent that opens sessions with it. */
export interface DriverContext {
  config: GimmingConfig;
  /** Sessions with project clouds that have their own Keystone. */
  sessions: CloudSessions;
}

/** What an image is created with, in cloud-neutral terms. */
export interface ImageSpec {
  name: string;
  disk_format: string;
  container_format: string;
  visibility: string;
  min_disk: number;
  min_ram: number;
  properties: Record<string, string>;
  tags: string[];
}

/** An image's data being read: the stream, and the length the cloud announced for it, if any. */
export interface ImageData {
  stream: Readable;
  announcedLength?: number;
}

/**
 * How far a transfer's cloud-side work is: a stage the cloud runs, its own percentage if it gives one, and
 * its own word for where in the stage it is (EC2's task status message) if it gives one.
 */
export interface TransferProgress {
  /** upload, import, register, export, copy. */
  stage: string;
  percent?: number;
  detail?: string;
}

/** What a long transfer inside a cloud listens to: the caller's cancel, and where its progress goes. */
export interface TransferOptions {
  /** Aborted when the caller cancels: the driver stops the cloud's work and cleans up. */
  signal?: AbortSignal;
  progress?: (p: TransferProgress) => void;
  /**
   * How many bytes the data holds, when the caller knows it (the source's announced size, or the
   * converted file's): a cloud that must know it before the data (GCE's tar header) needs it.
   */
  size?: number;
}

/** What proves a copy written by the agent: the bytes it wrote and the hashes it computed. */
export interface WrittenProof {
  size: number;
  digests: ImageDigests;
}

/** What a finished upload proves: the record as the cloud now has it. */
export interface UploadResult {
  image: CloudImage;
}

export interface CloudSession {
  /** The cloud's name, for messages. */
  readonly cloudName: string;
  describe(id: string): Promise<CloudImage>;
  /** Images whose properties have the given values, at most `limit`, given up at `deadline` (epoch ms). */
  list(filters: Record<string, string>, limit: number, deadline: number): Promise<CloudImage[]>;
  /**
   * One page of a browse, in the cloud's own order: at most `limit` images after `marker` (a previous
   * page's `next`, or a plain image ID; empty: the first page), and `next`, present exactly when a further
   * page exists. Paged natively (Glance's marker, EC2's NextToken, GCE's pageToken). A session without it
   * answers ListImages unpaged (the conductor then falls back to the first images by count).
   */
  listPage?(
    limit: number,
    marker: string,
    deadline: number,
  ): Promise<{ images: CloudImage[]; next?: string }>;
  /** Sets properties; an empty value removes the property. */
  setProperties(id: string, props: Record<string, string>): Promise<CloudImage>;
  /** Renames or changes the visibility; empty fields are left as they are. */
  update(id: string, changes: { name?: string; visibility?: string }): Promise<CloudImage>;
  addMember(id: string, member: string): Promise<CloudMember>;
  /** False when the project was not a member. */
  removeMember(id: string, member: string): Promise<boolean>;
  listMembers(id: string): Promise<CloudMember[]>;
  /** False when the image was already gone. */
  delete(id: string): Promise<boolean>;
  openRead(id: string, opts?: TransferOptions): Promise<ImageData>;
  /**
   * Creates an image without data; the caller uploads to it, and deletes it if the upload fails. A cloud
   * that makes its image only from the data (EC2) answers a placeholder ID that delete understands, and
   * upload answers the real one.
   */
  create(spec: ImageSpec): Promise<string>;
  /**
   * Streams `data` into the image made by create. Resolves once the cloud has stored all of it, with the
   * image record as the cloud has it then (whose ID may differ from create's placeholder). Stops and
   * cleans up when `opts.signal` aborts.
   */
  upload(id: string, data: Readable, opts?: TransferOptions): Promise<UploadResult>;
  /**
   * The disk formats this cloud takes, as the cloud itself says (a Glance zone's configured
   * disk_formats), when they can differ from the driver's capabilities; the copy converts to one of them.
   */
  diskFormats?(): Promise<readonly string[]>;
  /**
   * Puts the image in a lifecycle state in the cloud's own terms, or back to active (undoing them), and
   * answers the image as the cloud shows it then (drivers whose capabilities list lifecycleStates).
   * `replacementId`: the cloud's image that replaces this one, where the cloud records it.
   */
  setLifecycle?(id: string, state: LifecycleState, replacementId?: string): Promise<CloudImage>;
  /** Records the agent's proof on a copy (drivers whose capabilities say recordsProof). */
  recordProof?(id: string, proof: WrittenProof): Promise<void>;
  /**
   * Makes the copy inside the cloud itself, from an image of another cloud of a type in
   * capabilities.nativeCopy (EC2's CopyImage between regions): no bytes pass through the agents.
   */
  /**
   * Whether the cloud copies from `source` itself right now (copyNative), where that depends on more than
   * the source's kind (Glance: the import methods it advertises, the regions of the two clouds). Absent:
   * wherever capabilities.nativeCopy names the source's kind.
   */
  nativeCopyFrom?(source: CloudRef__Output): Promise<boolean>;
  copyNative?(
    source: CloudRef__Output,
    sourceImageId: string,
    spec: ImageSpec,
    opts: TransferOptions,
  ): Promise<UploadResult>;
}

export interface CloudDriver {
  /** The cloud type this driver serves (CloudRef.type), and its name in [agent] enabled_drivers. */
  readonly name: string;
  readonly capabilities: DriverCapabilities;
  /** The driver's options, composed into the configuration schema. */
  readonly config?: ConfigFragment;
  /** Checks the driver's configuration at start-up; throws a message naming the driver. */
  validateConfig(config: GimmingConfig): void;
  /** Readies the driver in this agent (its TLS settings, timeouts): done once, at start-up. */
  start(dctx: DriverContext): CloudOpener;
  /**
   * The most bytes an image written into this kind of cloud may hold, by this configuration and the
   * cloud's documented limits, and where the number comes from (for the plan's reason); absent: none.
   */
  imageSizeLimit?(config: GimmingConfig): { bytes: number; from: string };
  /**
   * The kinds of cloud this driver's clouds copy from themselves as this agent knows now, where that is
   * learnt from the clouds rather than fixed (Glance: once its Glance was seen to advertise
   * glance-download); absent: capabilities.nativeCopy. The heartbeats report it.
   */
  nativeCopyNow?(config: GimmingConfig): readonly string[];
  /**
   * The most bytes an image the cloud copies itself (nativeCopy) may hold, and where the number comes
   * from; bytes 0: none (EC2's CopyImage is held to none of its import path's limits). Absent: the one
   * imageSizeLimit says, as every image the cloud stores (Glance's glance-download). The heartbeats
   * report it (Capabilities.native_copy_limit) and the planner holds a native copy to it.
   */
  nativeCopyLimit?(config: GimmingConfig): { bytes: number; from: string };
  /**
   * Why the cloud does not copy from a kind of cloud itself now, by that kind, in the operator's terms
   * (Glance: [glance] native_import = never, or its Glance does not advertise glance-download), for the
   * plan's reason; absent or no entry: nothing to say (it does, or its kind never does).
   */
  nativeCopyUnavailable?(config: GimmingConfig): Readonly<Record<string, string>>;
}

export interface CloudOpener {
  /** How long the driver waits on a peer that sends nothing (its request timeout), in milliseconds. */
  readonly idleTimeoutMs: number;
  /** A session on one cloud with the caller's credentials (the context's token, or the cloud's own). */
  open(ctx: RequestContext, cloud: CloudRef__Output): Promise<CloudSession>;
}

export type { CloudImage, CloudMember, ImageDigests };
