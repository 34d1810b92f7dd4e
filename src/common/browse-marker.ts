/**
 * The longest marker of a cloud browse (GET /v1/clouds/{cloud}/images, RPC list_cloud_images 1.19): an
 * agent's marker holds the cloud's own page token (EC2's NextToken, GCE's pageToken), longer than an ID.
 */
export const BROWSE_MARKER_MAX = 2048;
