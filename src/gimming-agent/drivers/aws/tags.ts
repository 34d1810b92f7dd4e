/**
 * What GIMinG keeps in an AMI's tags (and its snapshots'): the image's properties, its name (the Name
 * tag), and the proof of its bytes. EC2 reports no hash of an image, so the agent records the size and
 * the hashes it computed while writing the copy in one tag, `gimming_proof`, read back as the image's
 * digests so that a later link or drift check can prove the bytes again.
 */
import { GimmingError } from '../../../common/errors';
import { type RecordedProof, decodeProof, encodeProof as encodeRecorded } from '../recorded-proof';

export { type RecordedProof, decodeProof };

export const PROOF_TAG = 'gimming_proof';
/** On a snapshot: the AMI it was registered for, so a snapshot whose AMI is gone can still be found. */
export const AMI_TAG = 'gimming_ami_id';
export const NAME_TAG = 'Name';
/** Tags GIMinG manages itself: not user properties. */
/** The lifecycle GIMinG set (tells obsolete from revoked: both are a deprecated, disabled AMI). */
export const LIFECYCLE_TAG = 'gimming_lifecycle';
export const OWN_TAGS = new Set([PROOF_TAG, AMI_TAG, NAME_TAG, LIFECYCLE_TAG]);
/** EC2 holds at most 50 tags a resource; GIMinG keeps two for itself (Name, gimming_proof). */
export const MAX_USER_TAGS = 48;

/** The proof as a tag value: at most 256 characters, EC2's limit. */
export function encodeProof(proof: RecordedProof): string {
  return encodeRecorded(proof, 256);
}

export interface Tag {
  Key: string;
  Value: string;
}

/** An image's properties as tags, checked against EC2's limits before any work starts. */
export function propertyTags(props: Record<string, string>): Tag[] {
  const tags: Tag[] = [];
  for (const [key, value] of Object.entries(props)) {
    if (OWN_TAGS.has(key)) continue;
    if (key.length > 128 || /^aws:/i.test(key)) {
      throw new GimmingError(
        'gimming.cloud.bad_property',
        400,
        `EC2 takes no tag named ${key.slice(0, 64)} (at most 128 characters, not aws:).`,
      );
    }
    if (value.length > 256) {
      throw new GimmingError(
        'gimming.cloud.bad_property',
        400,
        `Property ${key} is longer than the 256 characters an EC2 tag holds.`,
      );
    }
    tags.push({ Key: key, Value: value });
  }
  if (tags.length > MAX_USER_TAGS) {
    throw new GimmingError(
      'gimming.cloud.bad_property',
      400,
      `EC2 holds at most ${MAX_USER_TAGS} properties (tags) on an image, not ${tags.length}.`,
    );
  }
  return tags;
}

/** Tags as properties: all but GIMinG's own and AWS's. */
export function tagProperties(
  tags: readonly { Key?: string; Value?: string }[] | undefined,
): Record<string, string> {
  const props: Record<string, string> = {};
  for (const tag of tags ?? []) {
    if (!tag.Key || OWN_TAGS.has(tag.Key) || tag.Key.startsWith('aws:')) continue;
    props[tag.Key] = tag.Value ?? '';
  }
  return props;
}

export function tagValue(
  tags: readonly { Key?: string; Value?: string }[] | undefined,
  key: string,
): string | undefined {
  return tags?.find((t) => t.Key === key)?.Value;
}

/** An AMI name: 3-128 characters of EC2's set, unique in the account and region (the GIMinG ID makes it so). */
export function amiName(name: string, imageId: string | undefined): string {
  const clean = name.replace(/[^A-Za-z0-9()[\]./\-'@_ ]/g, '_').trim() || 'image';
  const suffix = imageId ? ` ${imageId}` : ` ${Date.now().toString(36)}`;
  return `${clean.slice(0, 128 - suffix.length)}${suffix}`.padEnd(3, '_');
}
