/** The matrix's unsaved ticks: for each changed image, every cloud (ID) it should be in. */
import type { ImageInfo } from '../types';

export type Changes = Map<string, { name: string; want: Set<string> }>;

/** Copies that are there or on their way: a ticked cell. */
const PRESENT = ['active', 'queued', 'copying'];

export function currentClouds(image: ImageInfo): Set<string> {
  return new Set(image.locations.filter((l) => PRESENT.includes(l.status)).map((l) => l.cloud_id));
}

export function wanted(changes: Changes, image: ImageInfo): Set<string> {
  return changes.get(image.id)?.want ?? currentClouds(image);
}

function same(a: Set<string>, b: Set<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

/** Ticks or unticks one cell; a change that brings an image back to what it is is no change. */
export function toggle(changes: Changes, image: ImageInfo, cloudId: string): Changes {
  const want = new Set(wanted(changes, image));
  if (want.has(cloudId)) want.delete(cloudId);
  else want.add(cloudId);
  const next = new Map(changes);
  if (same(want, currentClouds(image))) next.delete(image.id);
  else next.set(image.id, { name: image.name, want });
  return next;
}
