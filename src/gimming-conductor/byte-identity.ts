/**
 * How GIMinG knows two images hold the same bytes, and how its copies are found again in a cloud: the
 * one rule that adopt, link, the settling of leftovers and drift checks share, whatever the kind of cloud.
 *
 * An image's identity is its size and the hashes known of its data (md5 and an os_hash, sha512 by
 * default). A copy is proven to hold those bytes by whatever both sides can show: hashes its cloud reports
 * (Glance computes md5 and sha512 on upload), hashes the agent computed while it wrote the copy (for clouds
 * that report none; the agent records them on the copy), or provenance (the cloud copied the image
 * itself). A copy whose bytes nothing proves is `unproven`: linking one needs the user's explicit consent,
 * and the copy then shows as unverified. A copy converted to another disk format on the way (the target
 * took not the source's) holds other bytes by design: it is `converted` when the conversion it records
 * names the image's own identity as its source and its cloud's hashes (if any) are the converted bytes'.
 */
import { type Digest, type Digests, compareDigests, digestMap } from '../common/digests';
import { conversionOf } from '../common/converted-copy';
import type { ImageRow } from './db/entities';

export { type Digest, digestList, digestMap } from '../common/digests';

/** The property (tag) every copy carries in its cloud: the GIMinG image ID. */
export const IMAGE_ID_PROPERTY = 'gimming_image_id';

/**
 * How a copy was proven to hold its image's bytes (the `proof` of a location); `unproven`: the source of
 * an image adopted from a cloud that reports no hashes, until its identity is learned (learned-identity.ts).
 */
export type Proof = 'cloud' | 'agent' | 'provenance' | 'converted' | 'unverified' | 'unproven';

/** What is known of some data: its size (null: unknown) and its hashes by algorithm (lower-case hex). */
export interface ByteIdentity {
  size: number | null;
  digests: Digests;
}

export type Verdict = 'same' | 'different' | 'unproven';

export interface Comparison {
  verdict: Verdict;
  /** The algorithms compared (equal when the verdict is `same`). */
  compared: string[];
  /** What differs, for error messages (empty unless `different`). */
  problems: string[];
}

/** The identity GIMinG keeps for an image: its size, md5 and os_hash. */
export function identityOf(
  image: Pick<ImageRow, 'size' | 'checksum' | 'osHashAlgo' | 'osHashValue'>,
): ByteIdentity {
  const digests: Record<string, string> = {};
  if (image.checksum) digests.md5 = image.checksum.toLowerCase();
  if (image.osHashValue)
    digests[(image.osHashAlgo || 'sha512').toLowerCase()] = image.osHashValue.toLowerCase();
  return { size: image.size, digests };
}

/** The columns an identity is kept in: md5 as `checksum`, the strongest other hash as the os_hash. */
export function identityColumns(identity: ByteIdentity): {
  size: number | null;
  checksum: string | null;
  osHashAlgo: string | null;
  osHashValue: string | null;
} {
  const algo = ['sha512', 'sha384', 'sha256'].find((a) => identity.digests[a]);
  return {
    size: identity.size,
    checksum: identity.digests.md5 ?? null,
    osHashAlgo: algo ?? null,
    osHashValue: algo ? identity.digests[algo]! : null,
  };
}

/**
 * Compares what is expected with what a copy shows: `different` when the sizes or any hash known to
 * both differ, `same` when at least one hash is known to both and all of them are equal, else `unproven`.
 */
export function compareBytes(expected: ByteIdentity, actual: ByteIdentity): Comparison {
  const problems: string[] = [];
  if (expected.size !== null && actual.size !== null && expected.size !== actual.size) {
    problems.push(`size ${String(actual.size)} != ${String(expected.size)}`);
  }
  const { compared, problems: differ } = compareDigests(expected.digests, actual.digests);
  problems.push(...differ);
  if (problems.length > 0) return { verdict: 'different', compared, problems };
  return { verdict: compared.length > 0 ? 'same' : 'unproven', compared, problems };
}

/** True when a remote image is proven to hold the image's bytes. */
export function sameBytes(
  image: Pick<ImageRow, 'size' | 'checksum' | 'osHashAlgo' | 'osHashValue'>,
  remote: { size: number; digests: readonly Digest[] },
): boolean {
  return compareBytes(identityOf(image), remoteIdentity(remote)).verdict === 'same';
}

export function remoteIdentity(remote: { size: number; digests: readonly Digest[] }): ByteIdentity {
  // A cloud reports size 0 for an image it does not know the size of (no data yet).
  return { size: remote.size > 0 ? remote.size : null, digests: digestMap(remote.digests) };
}

type IdentityColumns = Pick<ImageRow, 'size' | 'checksum' | 'osHashAlgo' | 'osHashValue'>;

/**
 * What a copy holds, for the image: its bytes (`same`, `different`, `unproven` as compareBytes), or
 * (`converted`) the image's bytes converted to another format, as the conversion recorded on the copy
 * says: its source is the image's identity (size, md5, sha512), and what the copy's cloud reports of its
 * bytes, if anything, is the converted bytes' identity. A recorded conversion whose hashes the copy
 * contradicts is `different`.
 */
export function copyVerdict(
  image: IdentityColumns,
  remote: { size: number; digests: readonly Digest[]; properties?: Readonly<Record<string, string>> },
): Verdict | 'converted' {
  const direct = compareBytes(identityOf(image), remoteIdentity(remote)).verdict;
  if (direct === 'same') return direct;
  const conversion = conversionOf(remote.properties ?? {});
  if (!conversion) return direct;
  // The recorded source must be the image: the same size, every hash both know equal, one at least.
  const source = compareBytes(identityOf(image), {
    size: conversion.source.size,
    digests: conversion.source.digests,
  });
  if (source.verdict !== 'same') return direct;
  const converted = compareBytes(
    { size: conversion.converted.size, digests: conversion.converted.digests },
    remoteIdentity(remote),
  );
  return converted.verdict === 'different' ? 'different' : 'converted';
}
