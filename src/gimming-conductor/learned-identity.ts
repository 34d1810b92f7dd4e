/**
 * An image adopted from a cloud that reports no hashes (EC2: an AMI made outside GIMinG carries no proof)
 * has no identity yet: its size and digests are learned from the first copy out of it. That copy is made
 * with learn_identity (the target agent accepts it on the digests of the bytes it moved, and returns them
 * all); the first copy that succeeds fills in the image's size, md5 and os_hash under a row lock, and every
 * later copy is held to them like any other. The source's location is `unproven` until then, and `agent`
 * after (its bytes' identity is what GIMinG read out of it; its agent records it on it where it can).
 */
import type { EntityManager } from 'typeorm';
import { type Digest, compareBytes, digestMap, identityColumns, identityOf } from './byte-identity';
import type { Capabilities } from './capabilities';
import { ImageRow, LocationRow } from './db/entities';

/** The proof of a source whose bytes' identity is not known yet. */
export const UNPROVEN = 'unproven';

/** A cloud whose kind reports no hash, but whose agents record their own: its images' identity is learned. */
export function learnsIdentity(capabilities: Capabilities | null): boolean {
  return (
    capabilities !== null && capabilities.reported_hashes.length === 0 && capabilities.records_proof === true
  );
}

/** True while nothing is known of an image's bytes (adopted from a cloud that reports no hashes). */
export function identityUnknown(image: Pick<ImageRow, 'checksum' | 'osHashValue'>): boolean {
  return !image.checksum && !image.osHashValue;
}

export type Learned = { outcome: 'learned' | 'same' } | { outcome: 'different'; problems: string[] };

/**
 * Records what a finished learning copy holds as the image's identity, unless another copy did first: the
 * copy must then match it. Run in the transaction that records the copy: the image row stays locked until
 * it ends, so two copies that finish together cannot both learn.
 */
export async function learnIdentity(
  m: EntityManager,
  imageId: string,
  sourceCloudId: string | null,
  copy: { size: number; digests: readonly Digest[] },
  now: Date,
): Promise<Learned> {
  const image = await m
    .getRepository(ImageRow)
    .createQueryBuilder('i')
    .setLock('pessimistic_write')
    .where('i.id = :id', { id: imageId })
    .getOneOrFail();
  const learned = { size: copy.size > 0 ? copy.size : null, digests: digestMap(copy.digests) };
  if (!identityUnknown(image)) {
    const { verdict, problems } = compareBytes(identityOf(image), learned);
    if (verdict === 'same') return { outcome: 'same' };
    return {
      outcome: 'different',
      problems: problems.length ? problems : ['no hash of the image to compare'],
    };
  }
  const columns = identityColumns(learned);
  if (!columns.checksum && !columns.osHashValue) {
    return { outcome: 'different', problems: ['the copy shows no hash to learn the image identity from'] };
  }
  await m.update(ImageRow, { id: imageId }, { ...columns, updatedAt: now });
  if (sourceCloudId) {
    await m.update(
      LocationRow,
      { imageId, cloudId: sourceCloudId, proof: UNPROVEN },
      { proof: 'agent', lastVerifiedAt: now, updatedAt: now },
    );
  }
  return { outcome: 'learned' };
}
