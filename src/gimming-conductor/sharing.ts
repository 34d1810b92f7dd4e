/**
 * Who may use an image: its name and visibility, and the projects it is shared with (members), applied
 * to every copy in every cloud. GIMinG keeps the image's visibility and its member list, so that copies
 * made later get them too; whether a member accepted is the member's answer to each cloud, read live.
 */
import type { DataSource } from 'typeorm';
import type { RequestContext } from '../common/context';
import { GimmingError, asGimmingError, conflict, describeError, notFound } from '../common/errors';
import { getLogger } from '../common/log';
import type { AgentGateway } from './agent-gateway';
import type { AgentRegistry } from './agents';
import { CloudRow, ImageMemberRow, ImageRow, LocationRow } from './db/entities';
import { assertNotDeleting } from './image-guards';
import type { ImageQueries } from './image-queries';
import type { ImageView, MemberView, MethodArgs } from './rpc-schemas';
import type { RemoteMetadata } from './remote-metadata';
import { remoteView } from './views';

const log = getLogger('conductor.sharing');

/** Copies that exist in their cloud (as far as GIMinG knows). */
const HELD = ['active', 'missing', 'mismatch'];

interface Copy {
  cloud: CloudRow;
  remoteId: string;
}

export class SharingService {
  constructor(
    private readonly db: DataSource,
    private readonly agents: AgentRegistry,
    private readonly gateway: AgentGateway,
    private readonly images: ImageQueries,
    private readonly remotes: RemoteMetadata,
  ) {}

  private async copies(imageId: string): Promise<Copy[]> {
    const locations = await this.db.getRepository(LocationRow).findBy({ imageId });
    const clouds = new Map((await this.db.getRepository(CloudRow).find()).map((c) => [c.id, c]));
    return locations
      .filter((l) => l.remoteId && HELD.includes(l.status) && clouds.has(l.cloudId))
      .map((l) => ({ cloud: clouds.get(l.cloudId) as CloudRow, remoteId: l.remoteId as string }))
      .sort((a, b) => a.cloud.name.localeCompare(b.cloud.name));
  }

  /** Runs `fn` on every copy through an agent of its zone; each copy's own result or error. */
  private async eachCopy<T>(
    ctx: RequestContext,
    copies: Copy[],
    fn: (address: string, copy: Copy) => Promise<T>,
  ): Promise<Array<{ copy: Copy; value?: T; error?: GimmingError }>> {
    return Promise.all(
      copies.map(async (copy) => {
        try {
          const agent = await this.agents.pick(copy.cloud.zone);
          return { copy, value: await fn(agent.address, copy) };
        } catch (err) {
          return { copy, error: asGimmingError(err) };
        }
      }),
    );
  }

  /** Renames an image or changes its visibility, in GIMinG and in every copy. */
  async update(ctx: RequestContext, args: MethodArgs<'update_image'>): Promise<ImageView> {
    const image = await this.images.find(ctx, args.image_id);
    assertNotDeleting(image);
    const changes = {
      ...(args.name !== undefined ? { name: args.name } : {}),
      ...(args.visibility !== undefined ? { visibility: args.visibility } : {}),
    };
    await this.db.getRepository(ImageRow).update(
      { id: image.id },
      {
        ...(args.name !== undefined ? { specName: args.name } : {}),
        ...(args.visibility !== undefined ? { specVisibility: args.visibility } : {}),
        updatedAt: new Date(),
      },
    );
    const results = await this.eachCopy(ctx, await this.copies(image.id), (address, copy) =>
      this.gateway.updateImage(ctx, address, copy.cloud, copy.remoteId, changes),
    );
    const view = await this.images.view(await this.images.find(ctx, image.id));
    for (const result of results) {
      const location = view.locations.find((l) => l.cloud_id === result.copy.cloud.id);
      if (!location) continue;
      // Every user's cached view of a changed copy is stale now.
      this.remotes.forget(result.copy.cloud, result.copy.remoteId);
      if (result.value) {
        location.remote = remoteView(result.value);
        this.remotes.remember(ctx, result.copy.cloud, result.copy.remoteId, location.remote);
      } else if (result.error) {
        location.remote = null;
        location.remote_error = { code: result.error.code, message: result.error.message };
        log.warn(
          { image_id: image.id, cloud: result.copy.cloud.name, reason: result.error.message },
          'copy not updated',
        );
      }
    }
    log.info({ image_id: image.id, ...changes, copies: results.length }, 'image updated');
    return view;
  }

  private async sharedImage(ctx: RequestContext, imageId: string): Promise<ImageRow> {
    const image = await this.images.find(ctx, imageId);
    assertNotDeleting(image);
    if (image.specVisibility !== 'shared') {
      throw conflict(
        'gimming.image.not_shared',
        `Image ${image.id} is ${image.specVisibility}; only a shared image has members (set visibility to shared).`,
      );
    }
    return image;
  }

  async listMembers(ctx: RequestContext, imageId: string): Promise<MemberView[]> {
    const image = await this.images.find(ctx, imageId);
    const rows = await this.db
      .getRepository(ImageMemberRow)
      .find({ where: { imageId: image.id }, order: { createdAt: 'ASC' } });
    const perCopy = await this.eachCopy(ctx, await this.copies(image.id), (address, copy) =>
      this.gateway.listMembers(ctx, address, copy.cloud, copy.remoteId),
    );
    return rows.map((row) => ({
      member_id: row.memberId,
      image_id: image.id,
      created_at: row.createdAt.toISOString(),
      copies: perCopy.map(({ copy, value, error }) => ({
        cloud: copy.cloud.name,
        status: value ? (value.find((m) => m.member_id === row.memberId)?.status ?? null) : null,
        ...(error ? { error: { code: error.code, message: error.message } } : {}),
      })),
    }));
  }

  /** Shares the image with a project in every copy; the project accepts it in each cloud. */
  async addMember(ctx: RequestContext, args: MethodArgs<'add_member'>): Promise<MemberView> {
    const image = await this.sharedImage(ctx, args.image_id);
    const now = new Date();
    try {
      await this.db
        .getRepository(ImageMemberRow)
        .insert({ imageId: image.id, memberId: args.member_id, createdAt: now });
    } catch (err) {
      if ((err as { code?: string }).code === 'ER_DUP_ENTRY') {
        throw conflict(
          'gimming.member.exists',
          `Project ${args.member_id} is already a member of image ${image.id}.`,
        );
      }
      throw err;
    }
    const results = await this.eachCopy(ctx, await this.copies(image.id), (address, copy) =>
      this.gateway.addMember(ctx, address, copy.cloud, copy.remoteId, args.member_id),
    );
    log.info({ image_id: image.id, member: args.member_id, copies: results.length }, 'image shared');
    return {
      member_id: args.member_id,
      image_id: image.id,
      created_at: now.toISOString(),
      copies: results.map(({ copy, value, error }) => ({
        cloud: copy.cloud.name,
        status: value?.status ?? null,
        ...(error ? { error: { code: error.code, message: error.message } } : {}),
      })),
    };
  }

  /** Stops sharing the image with a project, in every copy. */
  async removeMember(ctx: RequestContext, args: MethodArgs<'delete_member'>): Promise<void> {
    const image = await this.images.find(ctx, args.image_id);
    assertNotDeleting(image);
    const removed = await this.db
      .getRepository(ImageMemberRow)
      .delete({ imageId: image.id, memberId: args.member_id });
    if (!removed.affected) {
      throw notFound(
        'gimming.member.not_found',
        `Project ${args.member_id} is not a member of image ${image.id}.`,
      );
    }
    const results = await this.eachCopy(ctx, await this.copies(image.id), (address, copy) =>
      this.gateway.removeMember(ctx, address, copy.cloud, copy.remoteId, args.member_id),
    );
    for (const { copy, error } of results.filter((r) => r.error)) {
      log.warn(
        { image_id: image.id, cloud: copy.cloud.name, member: args.member_id, reason: error?.message },
        'member not removed from a copy',
      );
    }
    log.info({ image_id: image.id, member: args.member_id }, 'image unshared');
  }

  /**
   * A copy was just made: it gets the image's current visibility (which may have changed while it was
   * being copied) and members. Best effort: a failure is logged, the copy stays.
   */
  async applyToNewCopy(
    ctx: RequestContext,
    imageId: string,
    cloud: CloudRow,
    remoteId: string,
  ): Promise<void> {
    try {
      const image = await this.db.getRepository(ImageRow).findOneBy({ id: imageId });
      if (!image) return;
      const agent = await this.agents.pick(cloud.zone);
      const copy = await this.gateway.describeImage(ctx, agent.address, cloud, remoteId);
      const publicByUser = image.specVisibility === 'public' && !ctx.isAdmin;
      if (copy.visibility !== image.specVisibility && !publicByUser) {
        await this.gateway.updateImage(ctx, agent.address, cloud, remoteId, {
          visibility: image.specVisibility,
        });
      }
      if (image.specVisibility !== 'shared') return;
      const members = await this.db.getRepository(ImageMemberRow).findBy({ imageId });
      for (const member of members) {
        await this.gateway.addMember(ctx, agent.address, cloud, remoteId, member.memberId);
      }
    } catch (err) {
      log.warn(
        { image_id: imageId, cloud: cloud.name, remote_id: remoteId, reason: describeError(err) },
        'could not share the new copy like the image',
      );
    }
  }
}
