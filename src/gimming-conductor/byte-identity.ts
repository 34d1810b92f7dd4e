/**
 * How GIMinG knows two images hold the same bytes, and how its copies are found again in a cloud: the
 * one rule that adopt, link, the settling of leftovers and drift checks share.
 */
import type { RemoteImage__Output } from '../common/grpc/generated/gimming/agent/v1/RemoteImage';
import type { ImageRow } from './db/entities';

/** The property (tag) every copy carries in its cloud: the GIMinG image ID. */
export const IMAGE_ID_PROPERTY = 'gimming_image_id';

/**
 * True when a remote image holds the image's bytes: the same size and every hash both sides know equal,
 * with at least one hash compared.
 */
export function sameBytes(
  image: ImageRow,
  remote: Pick<RemoteImage__Output, 'size' | 'checksum' | 'os_hash_algo' | 'os_hash_value'>,
): boolean {
  if (image.size !== null && remote.size !== image.size) return false;
  let compared = 0;
  if (image.checksum && remote.checksum) {
    if (image.checksum !== remote.checksum) return false;
    compared += 1;
  }
  const sameAlgo = !image.osHashAlgo || image.osHashAlgo === remote.os_hash_algo;
  if (image.osHashValue && remote.os_hash_value && sameAlgo) {
    if (image.osHashValue !== remote.os_hash_value) return false;
    compared += 1;
  }
  return compared > 0;
}
