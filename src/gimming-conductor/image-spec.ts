/**
 * An image's spec: what the user asked GIMinG to apply to the copies it has yet to make. The name and
 * visibility apply to every copy; the data spec (formats, minimums, properties) only to copies made from
 * data GIMinG holds itself (an upload or a web import in staging). A copy made from another copy gets that
 * copy's live metadata instead, so nothing here goes stale when a cloud changes.
 */
import type { ImageRow } from './db/entities';

export interface DataSpec {
  disk_format?: string;
  container_format?: string;
  min_disk?: number;
  min_ram?: number;
  properties?: Record<string, string>;
}

export interface ImageSpecView extends DataSpec {
  name: string;
  visibility: string;
}

export function dataSpec(image: ImageRow): DataSpec {
  if (!image.spec) return {};
  const spec = JSON.parse(image.spec) as StoredSpec;
  delete spec.replaces;
  return spec;
}

/** What the spec column holds besides: the old images the copies replace (on_conflict replace, by cloud ID). */
interface StoredSpec extends DataSpec {
  replaces?: Record<string, string>;
}

/** The old image a copy to `cloudId` replaces once it is active (create_image on_conflict replace). */
export function replacedIn(image: ImageRow, cloudId: string): string | undefined {
  if (!image.spec) return undefined;
  return (JSON.parse(image.spec) as StoredSpec).replaces?.[cloudId];
}

/** The spec column for a data spec (only the keys given). */
export function specColumn(spec: StoredSpec): string {
  const kept = Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined && v !== null));
  return JSON.stringify(kept);
}

export function specView(image: ImageRow): ImageSpecView {
  return { name: image.specName, visibility: image.specVisibility, ...dataSpec(image) };
}
