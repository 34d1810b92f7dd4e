/**
 * Reading images: finding one the caller may see, and showing one or a page of them, with each copy's live
 * metadata read from its cloud.
 */
import type { DataSource } from 'typeorm';
import type { RequestContext } from '../common/context';
import { asGimmingError, badRequest, notFound } from '../common/errors';
import type { CloudService } from './clouds';
import { CloudRow, ImageRow, LocationRow } from './db/entities';
import { pageAfter } from './pagination';
import type { RemoteMetadata } from './remote-metadata';
import type { ImageView, MethodArgs, Page } from './rpc-schemas';
import { imageView, locationView } from './views';

export function canSeeImage(ctx: RequestContext, image: ImageRow): boolean {
  return ctx.isAdmin || image.owner === ctx.projectId;
}

export class ImageQueries {
  constructor(
    private readonly db: DataSource,
    private readonly clouds: CloudService,
    private readonly remotes: RemoteMetadata,
  ) {}

  async find(ctx: RequestContext, id: string): Promise<ImageRow> {
    const image = await this.db.getRepository(ImageRow).findOneBy({ id });
    if (!image || image.status === 'deleted' || !canSeeImage(ctx, image))
      throw notFound('gimming.image.not_found', `Image ${id} was not found.`);
    return image;
  }

  async view(image: ImageRow): Promise<ImageView> {
    return (await this.views([image]))[0] as ImageView;
  }

  private async views(images: ImageRow[]): Promise<ImageView[]> {
    if (images.length === 0) return [];
    const locations = await this.db
      .getRepository(LocationRow)
      .createQueryBuilder('l')
      .where('l.image_id IN (:...ids)', { ids: images.map((i) => i.id) })
      .getMany();
    const names = await this.clouds.namesById();
    return images.map((image) =>
      imageView(
        image,
        locations
          .filter((l) => l.imageId === image.id)
          .map((l) => locationView(l, names.get(l.cloudId) ?? l.cloudId))
          .sort((a, b) => a.cloud.localeCompare(b.cloud)),
      ),
    );
  }

  /** One image, with each copy's live metadata read from its cloud (as the user, briefly cached). */
  async get(ctx: RequestContext, id: string): Promise<ImageView> {
    const view = await this.view(await this.find(ctx, id));
    const clouds = new Map((await this.db.getRepository(CloudRow).find()).map((c) => [c.id, c]));
    await Promise.all(
      view.locations.map(async (location) => {
        const cloud = clouds.get(location.cloud_id);
        if (!location.image_id || !cloud) return;
        try {
          location.remote = await this.remotes.describe(ctx, cloud, location.image_id);
        } catch (err) {
          const gerr = asGimmingError(err);
          location.remote = null;
          location.remote_error = { code: gerr.code, message: gerr.message };
        }
      }),
    );
    view.available_in = view.locations
      .filter((l) => l.status === 'active' && l.remote?.status === 'active')
      .map((l) => l.cloud);
    return view;
  }

  async list(ctx: RequestContext, args: MethodArgs<'list_images'>): Promise<Page<ImageView>> {
    const qb = this.db
      .getRepository(ImageRow)
      .createQueryBuilder('i')
      .where('i.status != :deleted', { deleted: 'deleted' });
    if (!(ctx.isAdmin && args.all_projects)) qb.andWhere('i.owner = :owner', { owner: ctx.projectId ?? '' });
    if (args.name) qb.andWhere('i.name = :name', { name: args.name });
    if (args.status) qb.andWhere('i.status = :status', { status: args.status });
    if (args.visibility) qb.andWhere('i.visibility = :visibility', { visibility: args.visibility });
    if (args.cloud) {
      const cloud = await this.clouds.resolve(ctx, args.cloud);
      qb.andWhere('EXISTS (SELECT 1 FROM locations l WHERE l.image_id = i.id AND l.cloud_id = :cloud)', {
        cloud: cloud.id,
      });
    }
    const marker = args.marker
      ? await this.find(ctx, args.marker).catch(() => {
          throw badRequest(
            'gimming.list.bad_marker',
            `Marker ${args.marker} is not an image in this listing.`,
          );
        })
      : undefined;
    const key = args.sort_key ?? 'created_at';
    const sort = {
      column: key,
      property: key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()),
      dir: args.sort_dir ?? 'asc',
    } as const;
    const page = await pageAfter(qb, 'i', marker, args.limit, sort);
    return { items: await this.views(page.rows), next_marker: page.nextMarker };
  }
}
