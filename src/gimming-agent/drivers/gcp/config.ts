/**
 * The options of the GCE driver: the [gcp] group. Endpoint overrides exist for a stand-in or a private
 * endpoint (Private Service Connect); empty means Google's own.
 */
import type { ConfigValues, GimmingConfig } from '../../../common/config/schema';
import type { ConfigFragment } from '../driver';
import { checkEndpointOptions } from '../endpoint-options';

const url = (doc: string) => ({ doc, format: 'oslo-string' as const, default: '' });
const int = (doc: string, def: number, min: number) => ({
  doc,
  format: 'oslo-int' as const,
  default: def,
  min,
});

const GCP_GROUP = {
  compute_endpoint: url(
    "URL of the Compute Engine API to use instead of Google's own (https://compute.googleapis.com): a " +
      "stand-in, or a Private Service Connect endpoint. Empty: Google's own.",
  ),
  storage_endpoint: url(
    "URL of the Cloud Storage JSON API to use instead of Google's own (https://storage.googleapis.com). " +
      "Empty: Google's own.",
  ),
  token_uri: url(
    "URL to which a project cloud's service-account key is exchanged for an access token (the OAuth 2.0 " +
      "JWT bearer grant), instead of the key's own token_uri. Empty: the key's token_uri, or Google's.",
  ),
  request_timeout: int(
    'Seconds without any answer after which a request to Compute Engine or Cloud Storage is abandoned.',
    300,
    1,
  ),
  operation_poll_interval: int(
    'Milliseconds between two looks at a global operation of Compute Engine (an image being made).',
    5000,
    10,
  ),
  operation_timeout: int(
    'Seconds an images.insert operation may take at most before the agent gives up on it, deletes what ' +
      'it made and fails the transfer.',
    21600,
    1,
  ),
  upload_chunk_mb: int(
    'MiB in each chunk of the resumable Cloud Storage upload of an image being imported (Cloud Storage ' +
      'takes chunks in multiples of 256 KiB). Two chunks are held in memory: one on its way, the next ' +
      'being filled.',
    16,
    1,
  ),
  archive_compression: {
    doc:
      'How the disk.raw archive GCE makes an image from is gzip-compressed on its way to Cloud Storage. ' +
      'fast: zlib level 1 with the run-length strategy (runs of equal bytes, such as the unused blocks ' +
      'and the zero padding of a disk, shrink to almost nothing; other data is only Huffman-coded): about ' +
      'twice the speed of small, for an archive about a third larger. small: zlib level 1 with full ' +
      'deflate, for an agent whose link to Cloud Storage is slower than about 20 MiB/s. none: stored ' +
      '(gzip framing only), the whole padded disk is sent.',
    format: ['fast', 'small', 'none'] as const,
    default: 'fast' as const,
  },
  allow_public_images: {
    doc:
      'Whether an image in a gcp cloud may be made public (readable by all authenticated Google users, ' +
      'an IAM binding of roles/compute.imageUser for allAuthenticatedUsers). Off: public is refused.',
    format: 'oslo-bool' as const,
    default: false,
  },
};

export const CONFIG: ConfigFragment = {
  groups: { gcp: { after: 'aws', options: GCP_GROUP } },
};

export type GcpConfig = ConfigValues<typeof GCP_GROUP>;

/** The driver's options in a loaded configuration (loaded with this fragment composed in). */
export function gcpConfig(config: GimmingConfig): GcpConfig {
  return (config as unknown as Record<string, GcpConfig>).gcp as GcpConfig;
}

/** Checks the options: an endpoint override is an http(s) URL without credentials or query. */
export function checkGcpConfig(own: GcpConfig): void {
  checkEndpointOptions('gcp', own, ['compute_endpoint', 'storage_endpoint', 'token_uri']);
  if (own.upload_chunk_mb > 1024) throw new Error('[gcp] upload_chunk_mb: at most 1024 MiB');
}
