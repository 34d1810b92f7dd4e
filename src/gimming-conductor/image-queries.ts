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
import { LiveMetadata, referenceCopies, showReference } from './image-metadata';
import type { RemoteMetadata } from './remote-metadata';
import type { ImageView, MethodArgs, Page } from './rpc-schemas';
import { conversionView, imageView, locationView } from './views';

export function canSeeImage(ctx: RequestContext, image: ImageRow): boolean {
  return ctx.isAdmin || image.owner === ctx.projectId;
}

export class ImageQueries {
  private readonly live: LiveMetadata;

  constructor(
    private readonly db: DataSource,
    private readonly clouds: CloudService,
    private readonly remotes: RemoteMetadata,
  ) {
    this.live = new LiveMetadata(remotes);
  }

  async find(ctx: RequestContext, id: string): Promise<ImageRow> {
    const image = await this.db.getRepository(ImageRow).findOneBy({ id });
    if (!image || image.status === 'deleted' || !canSeeImage(ctx, image))
      throw notFound('gimming.image.not_found', `Image ${id} was not found.`);
    return image;
  }

  /** An image as GIMinG keeps it (its metadata the spec's: see get and list for the live one). */
  async view(image: ImageRow): Promise<ImageView> {
    return (await this.views([image])).views[0] as ImageView;
  }

  /**
   * The images' views, their copies' clouds named from `clouds` when the caller has read them already
   * (one read of the clouds per request: under load every query is a round trip and a syscall).
   */
  private async views(
    images: ImageRow[],
    clouds?: Map<string, CloudRow>,
  ): Promise<{ views: ImageView[]; references: Map<string, LocationRow[]> }> {
    const references = new Map<string, LocationRow[]>();
    if (images.length === 0) return { views: [], references };
    // One query after the other: side by side they took two pooled connections a request and gained
    // nothing measurable (bench:load), while the conductor's memory grew with the concurrency.
    const locations = await this.db
      .getRepository(LocationRow)
      .createQueryBuilder('l')
      .where('l.image_id IN (:...ids)', { ids: images.map((i) => i.id) })
      .getMany();
    const names = clouds
      ? new Map([...clouds].map(([id, c]) => [id, c.name]))
      : await this.clouds.namesById();
    const views = images.map((image) => {
      const own = locations.filter((l) => l.imageId === image.id);
      references.set(image.id, referenceCopies(own));
      return imageView(
        image,
        own
          .map((l) => locationView(l, names.get(l.cloudId) ?? l.cloudId))
          .sort((a, b) => a.cloud.localeCompare(b.cloud)),
      );
    });
    return { views, references };
  }

  private async cloudsById(): Promise<Map<string, CloudRow>> {
    return new Map((await this.db.getRepository(CloudRow).find()).map((c) => [c.id, c]));
  }

  /**
   * One image, with each copy's live metadata read from its cloud (as the user, briefly cached), and the
   * image's metadata its reference copy's.
   */
  async get(ctx: RequestContext, id: string): Promise<ImageView> {
    const image = await this.find(ctx, id);
    const clouds = await this.cloudsById();
    const {
      views: [found],
      references,
    } = await this.views([image], clouds);
    const view = found as ImageView;
    await Promise.all(
      view.locations.map(async (location) => {
        const cloud = clouds.get(location.cloud_id);
        if (!location.image_id || !cloud) return;
        try {
          location.remote = await this.remotes.describe(ctx, cloud, location.image_id);
          const conversion = conversionView(location.remote.properties);
          if (conversion) location.conversion = conversion;
        } catch (err) {
          const gerr = asGimmingError(err);
          location.remote = null;
          location.remote_error = { code: gerr.code, message: gerr.message };
        }
      }),
    );
    showReference(view, references.get(view.id) ?? []);
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
    if (args.name) qb.andWhere('i.spec_name = :name', { name: args.name });
    if (args.status) qb.andWhere('i.status = :status', { status: args.status });
    if (args.visibility) qb.andWhere('i.spec_visibility = :visibility', { visibility: args.visibility });
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
    // The name and visibility listed and sorted on are the spec's (those every copy gets).
    const column = key === 'name' || key === 'visibility' ? `spec_${key}` : key;
    const sort = {
      column,
      property: column.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()),
      dir: args.sort_dir ?? 'asc',
    } as const;
    const page = await pageAfter(qb, 'i', marker, args.limit, sort);
    const clouds = await this.cloudsById();
    const { views, references } = await this.views(page.rows, clouds);
    if (!args.spec_only) await this.live.showPage(ctx, views, references, clouds);
    return { items: views, next_marker: page.nextMarker };
  }
}
