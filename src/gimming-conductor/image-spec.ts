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
  return JSON.parse(image.spec) as DataSpec;
}

/** The spec column for a data spec (only the keys given). */
export function specColumn(spec: DataSpec): string {
  const kept = Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined && v !== null));
  return JSON.stringify(kept);
}

export function specView(image: ImageRow): ImageSpecView {
  return { name: image.specName, visibility: image.specVisibility, ...dataSpec(image) };
}
