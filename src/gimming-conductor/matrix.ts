/**
 * The matrix (GLINT's view): the project's images against the clouds, each cell the state of that image's
 * copy in that cloud, from what GIMinG records (refresh an image to check it against the clouds).
 */
import type { DataSource } from 'typeorm';
import type { RequestContext } from '../common/context';
import type { CloudService } from './clouds';
import { ImageRow, LocationRow } from './db/entities';
import type { MatrixView, MethodArgs } from './rpc-schemas';

/** Image IDs per query of their copies. */
const IN_CHUNK = 2000;

export async function matrix(
  db: DataSource,
  clouds: CloudService,
  ctx: RequestContext,
  args: MethodArgs<'get_matrix'>,
): Promise<MatrixView> {
  const named = args.clouds
    ? await Promise.all(args.clouds.map((ref) => clouds.resolve(ctx, ref)))
    : (await clouds.list(ctx)).map((c) => ({ id: c.id, name: c.name }));
  // A cloud named twice (by name and by ID, say) is one column.
  const columns = named.filter((c, i) => named.findIndex((o) => o.id === c.id) === i);
  const qb = db
    .getRepository(ImageRow)
    .createQueryBuilder('i')
    .where('i.status != :deleted', { deleted: 'deleted' });
  if (!(ctx.isAdmin && args.all_projects)) qb.andWhere('i.owner = :owner', { owner: ctx.projectId ?? '' });
  if (args.name) qb.andWhere('i.spec_name = :name', { name: args.name });
  // Raw rows of the few columns shown: making 10,000 image and 25,000 location entities cost the
  // conductor most of a second (npm run bench:load).
  const images = await qb
    .select(['i.id AS id', 'i.spec_name AS name', 'i.owner AS owner'])
    .orderBy('i.spec_name', 'ASC')
    .addOrderBy('i.created_at', 'ASC')
    .limit(args.limit)
    .getRawMany<{ id: string; name: string; owner: string }>();
  const locations: Array<{ image_id: string; cloud_id: string; status: string }> = [];
  for (let start = 0; start < images.length; start += IN_CHUNK) {
    const ids = images.slice(start, start + IN_CHUNK).map((i) => i.id);
    locations.push(
      ...(await db
        .getRepository(LocationRow)
        .createQueryBuilder('l')
        .select(['l.image_id AS image_id', 'l.cloud_id AS cloud_id', 'l.status AS status'])
        .where('l.image_id IN (:...ids)', { ids })
        .getRawMany<{ image_id: string; cloud_id: string; status: string }>()),
    );
  }
  // One pass over the copies: finding each cell in the list was images x clouds x copies (10,000 images
  // in 4 clouds: seconds of CPU per matrix).
  const cell = new Map(locations.map((l) => [`${l.image_id}|${l.cloud_id}`, l.status]));
  return {
    clouds: columns.map((c) => ({ id: c.id, name: c.name })),
    images: images.map((image) => ({
      id: image.id,
      name: image.name,
      owner: image.owner,
      cells: Object.fromEntries(columns.map((c) => [c.name, cell.get(`${image.id}|${c.id}`) ?? null])),
    })),
  };
}
