/**
 * GCE's names for what GIMinG makes: an image name must match `[a-z]([-a-z0-9]{0,61}[a-z0-9])?` (1 to
 * 63 characters) and be unique in the project; a label key or value is at most 63 lowercase letters,
 * digits, `_` and `-` (a key starts with a letter).
 *
 * An image's GCE name is its GIMinG name lowercased, every run of other characters made one `-`,
 * prefixed with `img-` when it does not start with a letter, cut to 46 characters, then `-` and the first
 * 16 hex digits of its GIMinG image ID (or, for an image without one, of a random UUID) so that two
 * images of one name never collide. The GIMinG name itself is kept in the image's record (description).
 */
import { randomUUID } from 'node:crypto';
import { GCE_NAME_RE } from '../../../common/cloud-names';

/** An image name (and an image family): GCE's resource-name rule. */
export const IMAGE_NAME = GCE_NAME_RE;
export const LABEL_KEY = /^[a-z][-_a-z0-9]{0,62}$/;
export const LABEL_VALUE = /^[-_a-z0-9]{0,63}$/;
const BASE_MAX = 46;

/** The GCE name of an image named `name` whose GIMinG image ID is `imageId`. */
export function gceImageName(name: string, imageId: string | undefined): string {
  // After the first replace, dashes come one at a time: trimming one at each end is enough.
  let base = trimDash(name.toLowerCase().replace(/[^a-z0-9]+/g, '-'));
  if (!/^[a-z]/.test(base)) base = trimDash(`img-${base}`);
  base = trimDash(base.slice(0, BASE_MAX));
  const unique = (imageId ?? randomUUID())
    .toLowerCase()
    .replace(/[^a-f0-9]/g, '')
    .slice(0, 16);
  return `${base}-${unique || randomUUID().replace(/-/g, '').slice(0, 16)}`;
}

function trimDash(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && s[start] === '-') start += 1;
  while (end > start && s[end - 1] === '-') end -= 1;
  return s.slice(start, end);
}

/** Whether a string is a valid GCE image name (an image ID the agent is given, before asking GCE). */
export function isImageName(value: string): boolean {
  return IMAGE_NAME.test(value);
}

/** A GIMinG image ID as a label value (UUIDs are lowercase hex and dashes: they fit as they are). */
export function labelValue(value: string): string | undefined {
  const v = value.toLowerCase();
  return LABEL_VALUE.test(v) ? v : undefined;
}
