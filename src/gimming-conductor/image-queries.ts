/**
 * Reading images: finding one the caller may see, and showing one or a page of them, with each copy's live
 * metadata read from its cloud.
 */
import type { DataSource } from 'typeorm';
import type { RequestContext } from '../common/context';
import { asGimmingError, badRequest, notFound } from '../common/errors';
import type { CloudService } from './clouds';
import { ImageRow, LocationRow } from './db/entities';
import { type ImageWithCopies, readImage, readImageRow, readPage } from './image-rows';
import { afterMarker } from './pagination';
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
    const locations = await this.db
      .getRepository(LocationRow)
      .createQueryBuilder('l')
      .where('l.image_id = :id', { id: image.id })
      .getMany();
    const names = await this.clouds.namesById();
    return viewsOf([{ image, locations }], (id) => names.get(id)).views[0] as ImageView;
  }

  /**
   * One image, with each copy's live metadata read from its cloud (as the user, briefly cached), and the
   * image's metadata its reference copy's.
   */
  async get(ctx: RequestContext, id: string): Promise<ImageView> {
    // One query: the image, its copies and their clouds (image-rows.ts).
    const { images, clouds } = await readImage(this.db, id);
    const image = images[0]?.image;
    if (!image || !visible(ctx, image))
      throw notFound('gimming.image.not_found', `Image ${id} was not found.`);
    const {
      views: [found],
      references,
    } = viewsOf(images, (cloudId) => clouds.get(cloudId)?.name);
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
    const where = ['i.status != ?'];
    const params: unknown[] = ['deleted'];
    const and = (sql: string, value: unknown) => {
      where.push(sql);
      params.push(value);
    };
    if (!(ctx.isAdmin && args.all_projects)) and('i.owner = ?', ctx.projectId ?? '');
    if (args.name) and('i.spec_name = ?', args.name);
    if (args.status) and('i.status = ?', args.status);
    if (args.visibility) and('i.spec_visibility = ?', args.visibility);
    if (args.cloud) {
      const cloud = await this.clouds.resolve(ctx, args.cloud);
      and('EXISTS (SELECT 1 FROM locations l WHERE l.image_id = i.id AND l.cloud_id = ?)', cloud.id);
    }
    const key = args.sort_key ?? 'created_at';
    // The name and visibility listed and sorted on are the spec's (those every copy gets).
    const column = key === 'name' || key === 'visibility' ? `spec_${key}` : key;
    const sort = {
      column,
      property: column.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()),
      dir: args.sort_dir ?? 'asc',
    } as const;
    if (args.marker) {
      const marker = await readImageRow(this.db, args.marker);
      if (!marker || !visible(ctx, marker)) {
        throw badRequest('gimming.list.bad_marker', `Marker ${args.marker} is not an image in this listing.`);
      }
      const after = afterMarker('i', marker, sort);
      where.push(after.sql);
      params.push(...after.params);
    }
    // One query for the page and its copies' rows (image-rows.ts); one more row says a next page exists.
    const { images, clouds } = await readPage(this.db, {
      where,
      params,
      column: sort.column,
      dir: sort.dir === 'asc' ? 'ASC' : 'DESC',
      rows: args.limit + 1,
    });
    const rows = images.slice(0, args.limit);
    const nextMarker = images.length > args.limit ? (rows[rows.length - 1]?.image.id ?? null) : null;
    const { views, references } = viewsOf(rows, (cloudId) => clouds.get(cloudId)?.name);
    if (!args.spec_only) await this.live.showPage(ctx, views, references, clouds);
    return { items: views, next_marker: nextMarker };
  }
}

/** Whether the caller may see an image (a deleted one is never seen). */
function visible(ctx: RequestContext, image: ImageRow): boolean {
  return image.status !== 'deleted' && canSeeImage(ctx, image);
}

/** Cloud names in the order views list copies (as String#localeCompare orders them). */
const byCloudName = new Intl.Collator().compare;

/**
 * The images' views, each copy named by its cloud (by the cloud's ID when it has none), copies in the
 * order of their clouds' names; and each image's reference copies (image-metadata.ts).
 */
function viewsOf(
  entries: ImageWithCopies[],
  nameOf: (cloudId: string) => string | undefined,
): { views: ImageView[]; references: Map<string, LocationRow[]> } {
  const references = new Map<string, LocationRow[]>();
  const views = entries.map(({ image, locations }) => {
    references.set(image.id, referenceCopies(locations));
    return imageView(
      image,
      locations
        .map((l) => locationView(l, nameOf(l.cloudId) ?? l.cloudId))
        .sort((a, b) => byCloudName(a.cloud, b.cloud)),
    );
  });
  return { views, references };
}
