/**
 * A version's lifecycle in GCE's own terms (issue 19): an image's deprecation status (images.deprecate,
 * DeprecationStatus). deprecated is DEPRECATED (still usable, with a warning; an image family no longer
 * points at it), obsolete is OBSOLETE (a new use is an error), revoked is DELETED (a new use is an error;
 * the image itself is kept: only a delete removes it), active is ACTIVE (the times cleared).
 * `replacement` names the newer version's image where GIMinG knows one in the same project. The
 * `deprecated`, `obsolete` and `deleted` times (informational in GCE: nothing changes by itself at them)
 * record when each state was reached; GIMinG's conductor applies a scheduled change at its time.
 */
import type { protos } from '@google-cloud/compute';
import type { LifecycleState } from '../driver';
import { isImageName } from './names';

type DeprecationStatus = protos.google.cloud.compute.v1.IDeprecationStatus;

/** The DeprecationStatus.State of each lifecycle state. */
export const GCE_STATE: Record<LifecycleState, 'ACTIVE' | 'DEPRECATED' | 'OBSOLETE' | 'DELETED'> = {
  active: 'ACTIVE',
  deprecated: 'DEPRECATED',
  obsolete: 'OBSOLETE',
  revoked: 'DELETED',
};

const FROM_GCE: Record<string, LifecycleState> = {
  DEPRECATED: 'deprecated',
  OBSOLETE: 'obsolete',
  DELETED: 'revoked',
};

/** What an image's deprecation status says of its lifecycle (no status, or ACTIVE: active). */
export function gceLifecycle(status: DeprecationStatus | null | undefined): LifecycleState {
  return (status?.state && FROM_GCE[status.state]) || 'active';
}

/** The self link of image `name` of `project` (what `replacement` takes); a URL is kept as it is. */
export function imageUrl(project: string, name: string): string {
  if (!isImageName(name)) return name;
  return `https://www.googleapis.com/compute/v1/projects/${project}/global/images/${name}`;
}

/**
 * The DeprecationStatus that puts an image in `state`, given the one it has: the times of the states
 * already reached are kept (an image deprecated last week and obsoleted now keeps last week's
 * `deprecated`), those of the states reached now are `now`; ACTIVE carries no time.
 */
export function deprecationStatus(
  state: LifecycleState,
  current: DeprecationStatus | null | undefined,
  now: Date,
  replacement?: string,
): DeprecationStatus {
  const gce = GCE_STATE[state];
  if (gce === 'ACTIVE') return { state: 'ACTIVE' };
  const at = now.toISOString();
  const was = gceLifecycle(current);
  const rank = (s: LifecycleState) => ['active', 'deprecated', 'obsolete', 'revoked'].indexOf(s);
  // A time is kept only when the image had already reached that state (else it is now or none).
  const kept = (field: 'deprecated' | 'obsolete' | 'deleted', from: LifecycleState) =>
    rank(was) >= rank(from) && current?.[field] ? current[field] : at;
  const status: DeprecationStatus = { state: gce, deprecated: kept('deprecated', 'deprecated') };
  if (rank(state) >= rank('obsolete')) status.obsolete = kept('obsolete', 'obsolete');
  if (state === 'revoked') status.deleted = kept('deleted', 'revoked');
  if (replacement) status.replacement = replacement;
  return status;
}

/** Whether an image's status already is what deprecationStatus would set (no call needed). */
export function alreadySet(
  state: LifecycleState,
  current: DeprecationStatus | null | undefined,
  replacement?: string,
): boolean {
  if (gceLifecycle(current) !== state) return false;
  if (state === 'active') return true;
  return (current?.replacement ?? '') === (replacement ?? '');
}
