/**
 * The matrix (GLINT's view): the project's images against the clouds, each cell the state of that image's
 * copy in that cloud, from what GIMinG records (refresh an image to check it against the clouds).
 */
import type { DataSource } from 'typeorm';
import type { RequestContext } from '../common/context';
import type { CloudService } from './clouds';
import { ImageRow, LocationRow } from './db/entities';
import type { MatrixView, MethodArgs } from './rpc-schemas';

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
  const images = await qb
    .orderBy('i.spec_name', 'ASC')
    .addOrderBy('i.created_at', 'ASC')
    .limit(args.limit)
    .getMany();
  const locations =
    images.length === 0
      ? []
      : await db
          .getRepository(LocationRow)
          .createQueryBuilder('l')
          .where('l.image_id IN (:...ids)', { ids: images.map((i) => i.id) })
          .getMany();
  return {
    clouds: columns.map((c) => ({ id: c.id, name: c.name })),
    images: images.map((image) => ({
      id: image.id,
      name: image.specName,
      owner: image.owner,
      cells: Object.fromEntries(
        columns.map((c) => [
          c.name,
          locations.find((l) => l.imageId === image.id && l.cloudId === c.id)?.status ?? null,
        ]),
      ),
    })),
  };
}
