/**
 * An image and a member as every driver gives them, in no cloud's wire format. The gRPC service maps them
 * to the agent protocol (remote-image.ts); nothing else needs to know the protocol's shape.
 */

import type { Digests } from '../../common/digests';

/** Hex digests of an image's data, by algorithm (md5, sha256, sha512): common/digests.ts. */
export type ImageDigests = Digests;

export interface CloudImage {
  id: string;
  name: string;
  /** active once the image has all its data; queued, saving, killed, deleted... otherwise. */
  status: string;
  size: number;
  /** The hashes the cloud reports for the data (empty for a cloud that reports none). */
  digests: ImageDigests;
  disk_format: string;
  container_format: string;
  visibility: string;
  owner: string;
  min_disk: number;
  min_ram: number;
  /** User properties, all strings. */
  properties: Record<string, string>;
  tags: string[];
  protected: boolean;
  created_at: string;
  updated_at: string;
  /** The lifecycle the cloud shows (active, deprecated, obsolete, revoked); absent: active. */
  lifecycle?: string;
}

/** A project an image is shared with. */
export interface CloudMember {
  member_id: string;
  status: string;
  created_at: string;
  updated_at: string;
}
