/**
 * Whether the copy a task reads from still holds the image's bytes (or them converted), before any byte
 * moves.
 */
import { GimmingError } from '../../common/errors';
import type { Image__Output as RemoteImage__Output } from '../../common/grpc/generated/gimming/agent/v2/Image';
import { type ConversionRecord, conversionOf } from '../../common/converted-copy';
import { copyVerdict, remoteIdentity, sameBytes } from '../byte-identity';
import type { ImageRow } from '../db/entities';
import { UNPROVEN, identityUnknown } from '../learned-identity';

/**
 * Checks that the source still holds the image's bytes, as they are or converted to another disk format
 * (a copy GIMinG converted on the way, byte-identity.ts copyVerdict); answers the conversion in the
 * latter case. An image whose identity is not known yet (it is learned from this copy) has nothing to
 * hold its source to; a source GIMinG proved itself (`agent`: the identity was read out of it) in a cloud
 * that shows no hash of it (its recorded proof was not kept) is held to the image's identity by the copy
 * itself, which the target agent checks.
 */
export function sourceConversion(
  image: ImageRow,
  remote: RemoteImage__Output,
  proof?: string | null,
): ConversionRecord | undefined {
  if (remote.status !== 'active') {
    throw new GimmingError(
      'gimming.remote_image.not_active',
      409,
      `The source image is ${remote.status}, not active.`,
    );
  }
  if (identityUnknown(image) || sameBytes(image, remote)) return undefined;
  const shown = remoteIdentity(remote);
  if ((proof === 'agent' || proof === UNPROVEN) && Object.keys(shown.digests).length === 0) return undefined;
  const conversion = copyVerdict(image, remote) === 'converted' ? conversionOf(remote.properties) : null;
  if (!conversion) {
    throw new GimmingError(
      'gimming.image.source_changed',
      409,
      'The source image no longer holds the bytes it was adopted with.',
    );
  }
  return conversion;
}
