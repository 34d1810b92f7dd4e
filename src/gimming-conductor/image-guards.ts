/**
 * The rules every change to an image checks first: who may track a remote image, whose a copy is, and
 * that an image being deleted takes no other change.
 */
import type { RequestContext } from '../common/context';
import { GimmingError, conflict } from '../common/errors';
import { allowed } from '../common/policy/rules';
import { IMAGE_ID_PROPERTY } from './byte-identity';
import type { Capabilities } from './capabilities';
import type { CloudRow, ImageRow } from './db/entities';

/**
 * A project adopts or links only images it owns in the cloud, unless the policy lets it adopt others'
 * (gimming:image:adopt_unowned). In a cloud reached with the caller's own Keystone the owner is the
 * caller's project; a cloud with its own Keystone belongs to one project already, whose credentials say
 * what it may reach. The refusal says only that the caller does not own the image: never whether anyone
 * tracks it.
 */
export function assertMayTrack(
  ctx: RequestContext,
  cloud: CloudRow,
  remote: { id: string; owner: string },
): void {
  if (cloud.authUrl || (remote.owner !== '' && remote.owner === ctx.projectId)) return;
  if (allowed(ctx, 'gimming:image:adopt_unowned')) return;
  throw new GimmingError(
    'gimming.remote_image.not_owned',
    403,
    `Image ${remote.id} in cloud ${cloud.name} is not owned by your project: a project adopts and links ` +
      'only its own images.',
  );
}

/** An image being deleted everywhere takes no other change. */
export function assertNotDeleting(image: ImageRow): void {
  if (image.status === 'deleting') {
    throw conflict('gimming.image.deleting', `Image ${image.id} is being deleted.`);
  }
}

/**
 * Whether a copy is the image's own to delete: its project owns it in the cloud; or, in a cloud whose
 * owners are not projects (an EC2 account: `owners_are_projects` false), it carries this image's GIMinG
 * tag, which only GIMinG puts there, on the copies it made or adopted for the image.
 */
export function copyBelongsToImage(
  remote: { owner: string; properties: Record<string, string> },
  image: ImageRow,
  capabilities: Capabilities | null,
): boolean {
  if (!remote.owner || remote.owner === image.owner) return true;
  if (capabilities?.owners_are_projects === false) return remote.properties[IMAGE_ID_PROPERTY] === image.id;
  return false;
}
