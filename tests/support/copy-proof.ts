/**
 * The check every copy test makes of a Glance copy: the image's location in that cloud is active, and the
 * bytes Glance holds there hash to the source's (md5 and the multihash Glance computed on upload).
 */
import { strict as assert } from 'node:assert';
import { http } from './http';
import type { Glance } from './openstack';

export interface ProofContext {
  api: string;
  token: string;
  /** The Glance that holds the copy. */
  glance: Glance;
  /** Copies to delete after the tests: the proven copy is added. */
  made: Array<[Glance, string]>;
}

/** Asserts that `imageId` has an active, byte-identical copy in `cloud`, tagged with the image's ID. */
export async function assertGlanceCopyProven(
  ctx: ProofContext,
  imageId: string,
  cloud: string,
  source: { size: number; checksum: string; os_hash_value: string },
): Promise<void> {
  const image = (await http('GET', `${ctx.api}/v1/images/${imageId}`, { token: ctx.token })).body;
  const loc = image.locations.find((l: any) => l.cloud === cloud);
  assert.equal(loc?.status, 'active', JSON.stringify(image.locations));
  const copy = await ctx.glance.get(loc.image_id);
  ctx.made.push([ctx.glance, loc.image_id]);
  assert.equal(copy.status, 'active');
  assert.equal(copy.size, source.size);
  assert.equal(copy.checksum, source.checksum);
  assert.equal(copy.os_hash_value, source.os_hash_value);
  assert.equal(copy.gimming_image_id, imageId, 'the copy carries the image tag');
}
