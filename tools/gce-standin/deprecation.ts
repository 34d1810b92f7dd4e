/**
 * images.deprecate as GCE documents it: the body is a DeprecationStatus (unknown fields refused); `state`
 * is one of DeprecationStatus.State (ACTIVE, DEPRECATED, OBSOLETE, DELETED); `deprecated`, `obsolete`
 * and `deleted` are RFC 3339 times, informational only (nothing changes by itself at them); `replacement`
 * is the URL of an image. It runs as a global operation, and when it ends the image's `deprecated`
 * field is the status given (ACTIVE with no time: no `deprecated` field). An OBSOLETE or DELETED image
 * is refused as the source of a new image ("New uses result in an error"); a DELETED one is still there
 * until images.delete removes it.
 */
import { GoogleApiError, badRequest, invalidField } from './errors';
import { checkMessage, enumNames, messageType } from './messages';
import { imageLink } from './operations';
import type { ImageRec } from './state';

// RFC 3339, as GCE writes its timestamps (2026-12-03T16:00:00.000-08:00 or ...Z).
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
// An image's URL: a full self link (any Compute host and API version) or a partial one.
const IMAGE_URL =
  /^(?:https:\/\/(?:www|compute)\.googleapis\.com\/compute\/(?:v1|beta|alpha)\/)?projects\/[a-z][-a-z0-9.:]{0,62}\/global\/images\/[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Checks a DeprecationStatus body; answers the `deprecated` field the image will show. */
export function checkDeprecation(body: unknown): Record<string, string> | undefined {
  checkMessage(messageType('DeprecationStatus'), body, 'deprecationStatusResource');
  const status = body as Record<string, string>;
  const states = enumNames('DeprecationStatus.State');
  if (status.state !== undefined && !states.includes(status.state))
    throw invalidField(
      'deprecationStatusResource.state',
      status.state,
      `Must be one of ${states.join(', ')}.`,
    );
  for (const k of ['deprecated', 'obsolete', 'deleted'] as const) {
    const v = status[k];
    if (v !== undefined && (!RFC3339.test(v) || Number.isNaN(Date.parse(v))))
      throw invalidField(`deprecationStatusResource.${k}`, v, 'Must be an RFC 3339 timestamp.');
  }
  if (status.replacement !== undefined && !IMAGE_URL.test(status.replacement))
    throw invalidField(
      'deprecationStatusResource.replacement',
      status.replacement,
      'Must be the URL of an image.',
    );
  const state = status.state ?? 'ACTIVE';
  const shown = { ...status, state };
  const timed = ['deprecated', 'obsolete', 'deleted', 'replacement'].some((k) => status[k] !== undefined);
  return state === 'ACTIVE' && !timed ? undefined : shown;
}

/** Refuses an image that is not ready for images.deprecate (being made or deleted). */
export function checkDeprecatable(img: ImageRec): void {
  if (img.image.status === 'PENDING' || img.image.status === 'DELETING')
    throw new GoogleApiError(
      400,
      `The image resource '${imageLink(img.project, img.image.name)}' is not ready`,
      'resourceNotReady',
    );
}

/** Refuses an OBSOLETE or DELETED image as the source of a new resource (GCE: a new use is an error). */
export function checkUsable(img: ImageRec, field: string): void {
  const state = (img.image.deprecated as { state?: string } | undefined)?.state;
  if (state === 'OBSOLETE' || state === 'DELETED')
    throw badRequest(
      `Invalid value for field '${field}': '${imageLink(img.project, img.image.name)}'. The resource is ${state === 'OBSOLETE' ? 'obsolete' : 'deleted'}.`,
      'invalid',
    );
}
