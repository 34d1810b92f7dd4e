/**
 * Deleting images: forgetting one (its copies stay, untagged), or deleting it everywhere, one delete task
 * per copy, and settling the image once those tasks are over.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { RequestContext } from '../common/context';
import { conflict, describeError } from '../common/errors';
import { getLogger } from '../common/log';
import type { AgentGateway } from './agent-gateway';
import type { AgentRegistry } from './agents';
import type { CloudService } from './clouds';
import { CloudRow, ImageRow, LocationRow, TaskRow } from './db/entities';
import { assertNotDeleting } from './image-guards';
import { UNPROVEN } from './learned-identity';
import { isLivePlan, removePendingLiveCopies } from './live-copies';
import type { ImageQueries } from './image-queries';
import { ConductorNotifier } from './notify';
import type { RemoteTags } from './remote-tags';
import type { ImageView, TaskView } from './rpc-schemas';
import { type TaskQueue, WORKING_STATES } from './task-queue';
import { taskView } from './views';

const log = getLogger('conductor.images');

export class ImageDeletion {
  constructor(
    private readonly db: DataSource,
    private readonly clouds: CloudService,
    private readonly agents: AgentRegistry,
    private readonly gateway: AgentGateway,
    private readonly queries: ImageQueries,
    private readonly queue: TaskQueue,
    private readonly tags: RemoteTags,
    private readonly notify: ConductorNotifier = ConductorNotifier.noop(),
  ) {}

  /**
   * Refuses a change to an image while tasks work on it, or while it is being deleted. An upload still
   * arriving does not hold its image (its end finds the image gone: finish_upload), nor do the copies that
   * started with it (live-copies.ts): deleting the image stops the upload, which ends them (they delete
   * what they made). Answers those copies.
   */
  private async assertIdle(image: ImageRow): Promise<TaskRow[]> {
    assertNotDeleting(image);
    const working = await this.db
      .getRepository(TaskRow)
      .createQueryBuilder('t')
      .where('t.image_id = :id AND t.status IN (:...states)', { id: image.id, states: WORKING_STATES })
      .andWhere("t.type <> 'upload'")
      .getMany();
    const live = image.status === 'saving' ? working.filter((t) => isLivePlan(t.plan)) : [];
    if (working.length > live.length) {
      throw conflict('gimming.image.busy', `Image ${image.id} has tasks in progress; cancel them first.`);
    }
    return live;
  }

  /** Forgets an image: its copies stay in their clouds, untagged. Refused while a task works on it. */
  async forget(ctx: RequestContext, imageId: string): Promise<void> {
    const image = await this.queries.find(ctx, imageId);
    await this.assertIdle(image);
    const locations = await this.db.getRepository(LocationRow).findBy({ imageId: image.id });
    await this.db.getRepository(ImageRow).delete({ id: image.id });
    await this.dropStaging(ctx, image);
    log.info({ image_id: image.id }, 'image forgotten');
    this.notify.imageDeleted(ctx, image, false, locations.filter((l) => l.remoteId).length);
    await Promise.all(
      locations
        .filter((l) => l.remoteId)
        .map(async (l) => {
          const cloud = await this.db.getRepository(CloudRow).findOneBy({ id: l.cloudId });
          if (!cloud) return;
          const agent = await this.agents.pick(cloud.zone).catch(() => undefined);
          if (agent) await this.tags.untag(ctx, agent.address, cloud, l.remoteId as string, image.id);
        }),
    );
  }

  /**
   * Deletes an image everywhere: one delete task per copy, each with its own result. The image is
   * `deleting` meanwhile and goes away once every copy is gone; if a copy had to be kept (public, owned by
   * another project, or its cloud failed), the image stays, `active`, with the copies that are left.
   */
  async deleteEverywhere(
    ctx: RequestContext,
    imageId: string,
  ): Promise<{ image: ImageView; tasks: TaskView[] }> {
    const image = await this.queries.find(ctx, imageId);
    const live = new Set((await this.assertIdle(image)).map((t) => t.id));
    const locations = await this.db.getRepository(LocationRow).findBy({ imageId: image.id });
    const now = new Date();
    const taskIds: string[] = [];
    await this.db.transaction(async (m) => {
      const claimed = await m
        .createQueryBuilder()
        .update(ImageRow)
        .set({ status: 'deleting', updatedAt: now })
        .where('id = :id AND status = :status', { id: image.id, status: image.status })
        .execute();
      if (!claimed.affected) throw conflict('gimming.image.busy', `Image ${image.id} changed; try again.`);
      // The copies that started with the upload end with it and delete what they made: no delete task
      // (their end settles the deletion).
      if (live.size > 0) await removePendingLiveCopies(m, image.id);
      for (const location of locations) {
        if (!location.remoteId || (location.taskId && live.has(location.taskId))) {
          await m.delete(LocationRow, { id: location.id });
          continue;
        }
        const taskId = randomUUID();
        await m.insert(
          TaskRow,
          await this.queue.newTask(ctx, image, now, {
            id: taskId,
            type: 'delete',
            cloudId: location.cloudId,
            sourceCloudId: null,
            bytesTotal: null,
          }),
        );
        await m.update(LocationRow, { id: location.id }, { taskId, updatedAt: now });
        taskIds.push(taskId);
      }
    });
    // An upload still arriving stops (its staged data goes), and with it the copies reading it.
    if (live.size > 0) await this.dropStaging(ctx, image);
    image.status = 'deleting';
    log.info({ image_id: image.id, copies: taskIds.length }, 'deleting the image everywhere');
    const view = await this.queries.view(image);
    const names = await this.clouds.namesById();
    const tasks =
      taskIds.length === 0
        ? []
        : (
            await this.db
              .getRepository(TaskRow)
              .createQueryBuilder('t')
              .where('t.id IN (:...ids)', { ids: taskIds })
              .orderBy('t.created_at', 'ASC')
              .getMany()
          ).map((t) => taskView(t, names));
    await this.queue.submit(ctx, taskIds, 'delete');
    if (taskIds.length === 0) await this.settleDeletion(ctx, image.id);
    return { image: view, tasks };
  }

  /**
   * Ends a delete-everywhere once none of its tasks is left working: the image goes when it has no copy
   * left, and is `active` again with the copies that had to be kept otherwise.
   */
  async settleDeletion(ctx: RequestContext, imageId: string): Promise<void> {
    const image = await this.db.getRepository(ImageRow).findOneBy({ id: imageId });
    if (image?.status !== 'deleting') return;
    const working = await this.db
      .getRepository(TaskRow)
      .createQueryBuilder('t')
      .where('t.image_id = :id AND t.status IN (:...states)', { id: imageId, states: WORKING_STATES })
      .andWhere("t.type <> 'upload'")
      .getCount();
    if (working > 0) return;
    const kept = await this.db.getRepository(LocationRow).findBy({ imageId });
    const left = kept.length;
    if (left > 0) {
      // An image still waiting for its data is queued again; one adopted whose size is not learned yet
      // (its source is unproven) is active, as it was.
      const waiting = image.size === null && !kept.some((l) => l.proof === UNPROVEN);
      await this.db
        .getRepository(ImageRow)
        .update({ id: imageId }, { status: waiting ? 'queued' : 'active', updatedAt: new Date() });
      log.warn({ image_id: imageId, copies_kept: left }, 'image not deleted: some copies were kept');
      return;
    }
    // The row stays, `deleted`, so that the delete tasks keep their results (and the image answers 404).
    // Two delete tasks ending at once both get here: only the one that makes the change goes on.
    const done = await this.db
      .getRepository(ImageRow)
      .update(
        { id: imageId, status: 'deleting' },
        { status: 'deleted', stagingAgent: null, updatedAt: new Date() },
      );
    if (!done.affected) return;
    await this.dropStaging(ctx, image);
    log.info({ image_id: imageId }, 'image deleted everywhere');
    this.notify.imageDeleted(ctx, image, true, 0);
  }

  /** Deletes the image's staged upload, if an agent still holds one. Best effort. */
  private async dropStaging(ctx: RequestContext, image: ImageRow): Promise<void> {
    if (!image.stagingAgent) return;
    await this.gateway
      .deleteStaging(ctx, image.stagingAgent, image.id)
      .catch((err: unknown) =>
        log.error(
          { image_id: image.id, agent: image.stagingAgent, reason: describeError(err) },
          'could not delete staged data',
        ),
      );
  }
}
