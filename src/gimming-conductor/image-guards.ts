/**
 * The rules every change to an image checks first: who may track a remote image, whose a copy is, and
 * that an image being deleted takes no other change.
 */
import type { RequestContext } from '../common/context';
import { GimmingError, conflict } from '../common/errors';
import { allowed } from '../common/policy/rules';
import { IMAGE_ID_PROPERTY } from './byte-identity';
import type { Capabilities } from './capabilities';
import { needsOwnCredentials } from './cloud-kinds';
import type { CloudRow, ImageRow } from './db/entities';

/** The parts of a cloud that say who it belongs to and how it is reached. */
type CloudOwnership = Pick<CloudRow, 'type' | 'scope' | 'owner' | 'authUrl'>;

/**
 * Whether a cloud is one project's own, reached with credentials of its own (a cloud with its own
 * Keystone, a project's aws cloud), and that project is `projectId`. Such a cloud's images are the
 * project's: what its credentials reach is what the project may track there. The owners its cloud
 * reports (that Keystone's projects, an AWS account ID) are never GIMinG's projects.
 */
export function isOwnCloudOf(cloud: CloudOwnership, projectId: string | null | undefined): boolean {
  return cloud.scope === 'project' && !!projectId && cloud.owner === projectId && needsOwnCredentials(cloud);
}

/**
 * A project adopts or links only images it owns in the cloud, unless the policy lets it adopt others'
 * (gimming:image:adopt_unowned). In a cloud reached with the caller's own Keystone the owner is the
 * caller's project; a cloud of the caller's project reached with credentials of its own (its own
 * Keystone, or a project aws cloud's access key) is the project's already, and those credentials say
 * what it may reach. A shared aws cloud's owners are accounts, never a project: adopting there stays the
 * policy's. The refusal says only that the caller does not own the image: never whether anyone tracks it.
 */
export function assertMayTrack(
  ctx: RequestContext,
  cloud: CloudOwnership & Pick<CloudRow, 'name'>,
  remote: { id: string; owner: string },
): void {
  if (isOwnCloudOf(cloud, ctx.projectId) || (remote.owner !== '' && remote.owner === ctx.projectId)) return;
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
 * owners are not GIMinG's projects (an EC2 account: `owners_are_projects` false; a cloud reached with
 * credentials of its own, whose owners are its own Keystone's projects or its account), it carries this
 * image's GIMinG tag, which only GIMinG puts there, on the copies it made, adopted or linked for the image.
 */
export function copyBelongsToImage(
  remote: { owner: string; properties: Record<string, string> },
  image: ImageRow,
  capabilities: Capabilities | null,
  cloud: CloudOwnership,
): boolean {
  if (!remote.owner || remote.owner === image.owner) return true;
  if (capabilities?.owners_are_projects === false || needsOwnCredentials(cloud))
    return remote.properties[IMAGE_ID_PROPERTY] === image.id;
  return false;
}
