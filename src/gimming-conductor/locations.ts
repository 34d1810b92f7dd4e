/**
 * An image's copies in the clouds, linked or removed by hand.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { RequestContext } from '../common/context';
import { GimmingError, conflict, notFound } from '../common/errors';
import { getLogger } from '../common/log';
import type { AgentGateway } from './agent-gateway';
import type { AgentRegistry } from './agents';
import type { CloudService } from './clouds';
import { LocationRow } from './db/entities';
import { assertMayTrack, assertNotDeleting, isOwnCloudOf } from './image-guards';
import type { ImageQueries } from './image-queries';
import type { RemoteTags } from './remote-tags';
import type { LocationView, MethodArgs } from './rpc-schemas';
import { copyVerdict, identityColumns, remoteIdentity } from './byte-identity';
import { CONVERTED_FROM_PROPERTY } from '../common/converted-copy';
import { locationView } from './views';

const log = getLogger('conductor.locations');

const IN_PROGRESS = ['queued', 'copying'];

export class LocationService {
  constructor(
    private readonly db: DataSource,
    private readonly clouds: CloudService,
    private readonly agents: AgentRegistry,
    private readonly gateway: AgentGateway,
    private readonly images: ImageQueries,
    private readonly tags: RemoteTags,
  ) {}

  /**
   * Links a copy that already exists. The user's project must own it (or the policy let it link others'),
   * and it must hold the image's bytes; a remote image belongs to at most one GIMinG image of a project.
   */
  async add(ctx: RequestContext, args: MethodArgs<'add_location'>): Promise<LocationView> {
    const image = await this.images.find(ctx, args.image_id);
    assertNotDeleting(image);
    const cloud = await this.clouds.resolveForWork(ctx, args.cloud);
    const agent = await this.agents.pick(cloud.zone);
    const remote = await this.gateway.describeImage(ctx, agent.address, cloud, args.remote_id);
    assertMayTrack(ctx, cloud, remote);
    if (remote.status !== 'active') {
      throw conflict(
        'gimming.remote_image.not_active',
        `Image ${remote.id} in cloud ${cloud.name} is ${remote.status}, not active.`,
      );
    }
    // A copy GIMinG converted on the way holds other bytes by design (byte-identity.ts copyVerdict); only
    // its own record says what it was converted from, so linking it takes the user's consent.
    const verdict = copyVerdict(image, remote);
    if (verdict === 'converted' && !args.accept_unverified) {
      throw conflict(
        'gimming.location.unverifiable',
        `Image ${remote.id} in cloud ${cloud.name} records that it holds the bytes of image ${image.id} ` +
          `converted from ${remote.properties[CONVERTED_FROM_PROPERTY] ?? 'another format'}; only that record ` +
          'says so. Link it with accept_unverified to track it as a converted copy.',
      );
    }
    if (verdict === 'unproven' && !args.accept_unverified) {
      throw conflict(
        'gimming.location.unverifiable',
        `Nothing proves that image ${remote.id} in cloud ${cloud.name} holds the bytes of image ${image.id}: ` +
          'neither side reports a hash the other knows. Link it with accept_unverified to track it as unverified.',
      );
    }
    if (verdict === 'different') {
      const shown = identityColumns(remoteIdentity(remote));
      throw conflict(
        'gimming.location.bytes_mismatch',
        `Image ${remote.id} in cloud ${cloud.name} does not hold the bytes of image ${image.id}.`,
        {
          expected: { size: image.size, checksum: image.checksum, os_hash_value: image.osHashValue },
          actual: {
            size: remote.size,
            checksum: shown.checksum,
            os_hash_value: shown.osHashValue,
          },
        },
      );
    }
    const existing = await this.db
      .getRepository(LocationRow)
      .findOneBy({ imageId: image.id, cloudId: cloud.id });
    if (existing?.status === 'active') {
      throw conflict(
        'gimming.location.exists',
        `Image ${image.id} already has a copy in cloud ${cloud.name}; unlink it first.`,
      );
    }
    if (existing && IN_PROGRESS.includes(existing.status)) {
      throw conflict(
        'gimming.location.busy',
        `A copy of image ${image.id} to cloud ${cloud.name} is in progress.`,
      );
    }
    const now = new Date();
    const fields = {
      remoteId: remote.id,
      status: 'active',
      proof: verdict === 'same' ? 'cloud' : verdict === 'converted' ? 'converted' : 'unverified',
      taskId: null,
      lastVerifiedAt: now,
      updatedAt: now,
    };
    try {
      if (existing) await this.db.getRepository(LocationRow).update({ id: existing.id }, fields);
      else {
        await this.db.getRepository(LocationRow).insert({
          id: randomUUID(),
          imageId: image.id,
          owner: image.owner,
          cloudId: cloud.id,
          createdAt: now,
          ...fields,
        });
      }
    } catch (err) {
      if ((err as { code?: string }).code === 'ER_DUP_ENTRY') {
        throw conflict(
          'gimming.location.already_tracked',
          `Image ${remote.id} in cloud ${cloud.name} is already tracked by GIMinG.`,
        );
      }
      throw err;
    }
    log.info({ image_id: image.id, cloud: cloud.name, remote_id: remote.id }, 'copy linked');
    await this.tags.tag(ctx, agent.address, cloud, remote.id, image.id);
    const row = await this.db
      .getRepository(LocationRow)
      .findOneByOrFail({ imageId: image.id, cloudId: cloud.id });
    return locationView(row, cloud.name);
  }

  /**
   * Removes a copy from the image: forgets it (untagged, left in its cloud) or, with `delete_remote`, also
   * deletes it from its cloud. Never deletes the last copy of an image the user's project does not own,
   * nor a public copy unless the user is an administrator.
   */
  async delete(ctx: RequestContext, args: MethodArgs<'delete_location'>): Promise<void> {
    const image = await this.images.find(ctx, args.image_id);
    assertNotDeleting(image);
    const cloud = await this.clouds.resolve(ctx, args.cloud);
    const location = await this.db
      .getRepository(LocationRow)
      .findOneBy({ imageId: image.id, cloudId: cloud.id });
    if (!location)
      throw notFound('gimming.location.not_found', `Image ${image.id} has no copy in cloud ${cloud.name}.`);
    if (IN_PROGRESS.includes(location.status)) {
      throw conflict(
        'gimming.location.busy',
        `A copy of image ${image.id} to cloud ${cloud.name} is in progress; cancel its task first.`,
      );
    }
    const agent = location.remoteId ? await this.agents.pick(cloud.zone) : undefined;
    if (args.delete_remote && agent && location.remoteId) {
      const remote = await this.gateway
        .describeImage(ctx, agent.address, cloud, location.remoteId)
        .catch((err: unknown) => {
          if (err instanceof GimmingError && err.status === 404) return undefined; // already gone
          throw err;
        });
      if (remote) {
        if (remote.visibility === 'public' && !ctx.isAdmin) {
          throw new GimmingError(
            'gimming.location.public',
            403,
            `The copy in cloud ${cloud.name} is public; only an administrator may delete it.`,
          );
        }
        const others = await this.db
          .getRepository(LocationRow)
          .createQueryBuilder('l')
          .where('l.image_id = :image AND l.id != :id AND l.status = :active', {
            image: image.id,
            id: location.id,
            active: 'active',
          })
          .getCount();
        if (others === 0 && remote.owner !== ctx.projectId && !isOwnCloudOf(cloud, ctx.projectId)) {
          throw new GimmingError(
            'gimming.location.last_copy',
            403,
            `The copy in cloud ${cloud.name} is the last one and belongs to another project; it is not deleted.`,
          );
        }
        await this.gateway.deleteImage(ctx, agent.address, cloud, location.remoteId);
        log.info(
          { image_id: image.id, cloud: cloud.name, remote_id: location.remoteId },
          'copy deleted from its cloud',
        );
      }
    } else if (agent && location.remoteId) {
      await this.tags.untag(ctx, agent.address, cloud, location.remoteId, image.id);
    }
    await this.db.getRepository(LocationRow).delete({ id: location.id });
  }
}
