/**
 * The image that replaces a version that is no longer active, in each cloud (issue 19): the copy, in that
 * cloud, of the newest active version of the same family made after it. A cloud that records a
 * replacement (GCE's deprecated.replacement) is told it; the others ignore it.
 */
import { In, MoreThan, type DataSource } from 'typeorm';
import { FamilyVersionRow, LocationRow } from './db/entities';

/** By cloud ID, the remote ID of the copy that replaces `version` there (none for an active version). */
export async function replacementsOf(
  db: DataSource,
  version: FamilyVersionRow,
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  if (version.lifecycle === 'active') return found;
  const newer = await db.getRepository(FamilyVersionRow).find({
    where: { familyId: version.familyId, sequence: MoreThan(version.sequence), lifecycle: 'active' },
    order: { sequence: 'DESC' },
  });
  if (newer.length === 0) return found;
  const copies = await db
    .getRepository(LocationRow)
    .findBy({ imageId: In(newer.map((v) => v.imageId)), status: 'active' });
  for (const v of newer) {
    for (const c of copies) {
      if (c.imageId === v.imageId && c.remoteId && !found.has(c.cloudId)) found.set(c.cloudId, c.remoteId);
    }
  }
  return found;
}
