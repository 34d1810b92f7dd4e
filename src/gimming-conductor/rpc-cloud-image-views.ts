/**
 * What the conductor answers about the images the clouds hold: a browse of one cloud (list_cloud_images)
 * and GLINT's matrix of images x clouds. Part of the conductor's RPC contract (rpc-schemas.ts).
 */
import type { RemoteView } from './rpc-schemas';

/** An image as a cloud holds it, live, and which GIMinG image (if any) tracks it. */
export interface CloudImageView extends RemoteView {
  id: string;
  created_at: string;
  tracked_by: string | null;
}

/**
 * list_cloud_images with paged (1.19): a page and the next one's marker (null exactly when none). `paged`
 * false: the agent is older than paging, `images` are its first by count (the caller falls back).
 */
export interface CloudImagePage {
  images: CloudImageView[];
  next_marker: string | null;
  paged: boolean;
}

/** GLINT's view: images x clouds, each cell the state of the image's copy in that cloud (or null). */
export interface MatrixView {
  clouds: Array<{ id: string; name: string }>;
  images: Array<{ id: string; name: string; owner: string; cells: Record<string, string | null> }>;
}
