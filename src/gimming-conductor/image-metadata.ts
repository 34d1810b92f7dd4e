/**
 * An image's metadata (formats, minimums, user properties), shown live from its clouds: GIMinG's database
 * keeps only identities and the spec (image-spec.ts). An image shows the metadata of its reference copy,
 * the oldest active one (for an adopted image, the copy it was adopted from); when no copy can be read,
 * the spec's, with `metadata_from` null.
 *
 * One image shown reads every copy (the caller does, for `remote`) and takes the first readable one in
 * reference order. A page of images reads one copy per image, a few at a time and all within a short
 * deadline, so that a slow or unreachable cloud costs a listing seconds, not minutes: once a cloud has
 * failed or not answered, the rest of the page does not ask it again.
 */
import type { RequestContext } from '../common/context';
import { asGimmingError } from '../common/errors';
import { IMAGE_ID_PROPERTY } from './byte-identity';
import type { CloudRow, LocationRow } from './db/entities';
import type { RemoteMetadata } from './remote-metadata';
import type { ImageView, RemoteView } from './rpc-schemas';

/** At most this many copies are read at once for a page of images. */
const LIST_CONCURRENCY = 8;
/** A page of images spends at most this long reading copies; the images not read by then show the spec. */
const LIST_READ_MS = 5000;

/**
 * The copies whose metadata an image may show, best first: active ones, oldest first, and of copies
 * recorded together (an adopted image's source and its first copies) the one no task made: the source.
 */
export function referenceCopies(locations: LocationRow[]): LocationRow[] {
  const madeByTask = (l: LocationRow) => (l.taskId ? 1 : 0);
  return locations
    .filter((l) => l.status === 'active' && l.remoteId)
    .sort(
      (a, b) =>
        a.createdAt.getTime() - b.createdAt.getTime() ||
        madeByTask(a) - madeByTask(b) ||
        a.id.localeCompare(b.id),
    );
}

/** Shows a copy's live metadata as the image's (GIMinG's own tag left out). */
export function showLive(view: ImageView, cloudName: string, remote: RemoteView): void {
  view.disk_format = remote.disk_format || null;
  view.container_format = remote.container_format || null;
  view.min_disk = remote.min_disk;
  view.min_ram = remote.min_ram;
  view.properties = Object.fromEntries(
    Object.entries(remote.properties).filter(([key]) => key !== IMAGE_ID_PROPERTY),
  );
  view.metadata_from = cloudName;
}

/** For one image whose copies were all read: the first readable reference copy's metadata. */
export function showReference(view: ImageView, references: LocationRow[]): void {
  for (const copy of references) {
    const location = view.locations.find((l) => l.cloud_id === copy.cloudId);
    if (location?.remote) return showLive(view, location.cloud, location.remote);
  }
}

export class LiveMetadata {
  constructor(
    private readonly remotes: RemoteMetadata,
    private readonly readMs = LIST_READ_MS,
  ) {}

  /** For a page of images: each image's reference copy is read (or the spec stays). */
  async showPage(
    ctx: RequestContext,
    views: ImageView[],
    references: Map<string, LocationRow[]>,
    clouds: Map<string, CloudRow>,
  ): Promise<void> {
    const unreachable = new Set<string>();
    const work = views.flatMap((view) => {
      const copy = references.get(view.id)?.[0];
      const cloud = copy && clouds.get(copy.cloudId);
      return copy && cloud ? [{ view, copy, cloud }] : [];
    });
    let next = 0;
    const deadline = Date.now() + this.readMs;
    const worker = async (): Promise<void> => {
      while (next < work.length && Date.now() < deadline) {
        const { view, copy, cloud } = work[next++] as (typeof work)[number];
        if (unreachable.has(cloud.id)) continue;
        const read = await this.read(ctx, cloud, copy.remoteId ?? '', deadline - Date.now());
        if ('remote' in read) showLive(view, cloud.name, read.remote);
        else if (read.cloudDown) unreachable.add(cloud.id);
      }
    };
    await Promise.all(Array.from({ length: Math.min(LIST_CONCURRENCY, work.length) }, worker));
  }

  /**
   * A copy's live metadata; or, when it could not be read, whether its cloud looks down (no answer in
   * time, or a server-side error) rather than the copy alone unreadable (gone, say).
   */
  private async read(
    ctx: RequestContext,
    cloud: CloudRow,
    remoteId: string,
    withinMs: number,
  ): Promise<{ remote: RemoteView } | { cloudDown: boolean }> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<{ cloudDown: boolean }>((resolve) => {
      timer = setTimeout(() => resolve({ cloudDown: true }), Math.max(0, withinMs));
    });
    const answer = this.remotes.describe(ctx, cloud, remoteId).then(
      (remote) => ({ remote }),
      (err: unknown) => ({ cloudDown: asGimmingError(err).status >= 500 }),
    );
    try {
      return await Promise.race([answer, late]);
    } finally {
      clearTimeout(timer);
    }
  }
}
