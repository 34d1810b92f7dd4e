/**
 * Images: adopting an image that lives in one cloud and spreading it to others, listing and showing them.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { RequestContext } from '../common/context';
import {
  GimmingError,
  asGimmingError,
  badRequest,
  conflict,
  describeError,
  notFound,
} from '../common/errors';
import { getLogger } from '../common/log';
import { allowed } from '../common/policy/rules';
import * as agentapi from './agentapi';
import type { AgentRegistry } from './agents';
import type { CloudService } from './clouds';
import { ConductorNotifier } from './notify';
import type { RemoteMetadata } from './remote-metadata';
import type { Trusts } from './trusts';
import { CloudRow, ImageRow, LocationRow, TaskRow } from './db/entities';
import type { ImageView, MethodArgs, Page, TaskView } from './rpc-schemas';
import { pageAfter } from './pagination';
import { ProjectQuotas, stagedBytesExceeded } from './quotas';
import { IMAGE_ID_PROPERTY, sameBytes } from './byte-identity';
import type { TaskEngine, TaskType } from './tasks/engine';
import { pendingImportUrls } from './tasks/import-urls';
import { imageView, locationView, taskView } from './views';

const log = getLogger('conductor.images');

/** Task states in which a task still works on its image. */
export const WORKING_STATES = ['pending', 'running', 'cancelling'];

export function canSeeImage(ctx: RequestContext, image: ImageRow): boolean {
  return ctx.isAdmin || image.owner === ctx.projectId;
}

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

export class ImageService {
  constructor(
    private readonly db: DataSource,
    private readonly clouds: CloudService,
    private readonly agents: AgentRegistry,
    private readonly engine: TaskEngine,
    /** This conductor: the owner of the tasks it queues. */
    private readonly host: string,
    private readonly remotes: RemoteMetadata,
    private readonly tasking: { trusts: Trusts; leaseS: number },
    private readonly notify: ConductorNotifier = ConductorNotifier.noop(),
    private readonly quotas: ProjectQuotas = new ProjectQuotas(),
    /** What an import reserves of the staging area at most ([agent] staging_max_upload_bytes). */
    private readonly maxImportBytes = 2147483648,
  ) {}

  async find(ctx: RequestContext, id: string): Promise<ImageRow> {
    const image = await this.db.getRepository(ImageRow).findOneBy({ id });
    if (!image || image.status === 'deleted' || !canSeeImage(ctx, image))
      throw notFound('gimming.image.not_found', `Image ${id} was not found.`);
    return image;
  }

  async view(image: ImageRow): Promise<ImageView> {
    return (await this.views([image]))[0] as ImageView;
  }

  private async views(images: ImageRow[]): Promise<ImageView[]> {
    if (images.length === 0) return [];
    const locations = await this.db
      .getRepository(LocationRow)
      .createQueryBuilder('l')
      .where('l.image_id IN (:...ids)', { ids: images.map((i) => i.id) })
      .getMany();
    const names = await this.clouds.namesById();
    return images.map((image) =>
      imageView(
        image,
        locations
          .filter((l) => l.imageId === image.id)
          .map((l) => locationView(l, names.get(l.cloudId) ?? l.cloudId))
          .sort((a, b) => a.cloud.localeCompare(b.cloud)),
      ),
    );
  }

  /** Adopts `source` and queues a copy to each target; without a source, records an image to upload. */
  async create(ctx: RequestContext, args: MethodArgs<'create_image'>): Promise<ImageView> {
    return this.withTrustCleanup(ctx, () => this.createImage(ctx, args));
  }

  /**
   * Runs a request that may start making a trust early; if the request fails, a trust no task ended up
   * with is deleted rather than left to expire.
   */
  private async withTrustCleanup<T>(ctx: RequestContext, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const trustId = this.tasking.trusts.startedFor(ctx) ? await this.tasking.trusts.forRequest(ctx) : null;
      if (trustId) await this.tasking.trusts.releaseIfDone(trustId);
      throw err;
    }
  }

  private async createImage(ctx: RequestContext, args: MethodArgs<'create_image'>): Promise<ImageView> {
    if (!ctx.projectId)
      throw new GimmingError('gimming.auth.no_project', 403, 'A project-scoped token is needed.');
    if (!args.source) return this.createForUpload(ctx, args);
    if ('url' in args.source) return this.createForUpload(ctx, args, args.source.url);
    if (args.targets.length > 0) void this.tasking.trusts.forRequest(ctx); // made while the source is read
    const adopt = args.source;
    const source = await this.clouds.resolveForWork(ctx, adopt.cloud);
    const targets: CloudRow[] = [];
    for (const ref of args.targets) {
      const target = await this.clouds.resolveForWork(ctx, ref);
      if (target.id === source.id) {
        throw badRequest(
          'gimming.image.target_is_source',
          `Cloud ${target.name} is the source; it cannot be a target too.`,
        );
      }
      if (!targets.some((t) => t.id === target.id)) targets.push(target);
    }
    const sourceAgent = await this.agents.pick(source.zone);
    for (const target of targets) await this.agents.pick(target.zone);

    const remote = await agentapi.describeImage(ctx, sourceAgent.address, source, adopt.image_id);
    assertMayTrack(ctx, source, remote);
    if (remote.status !== 'active') {
      throw conflict(
        'gimming.remote_image.not_active',
        `Image ${remote.id} in cloud ${source.name} is ${remote.status}, not active.`,
      );
    }
    if (!remote.checksum && !remote.os_hash_value) {
      throw conflict(
        'gimming.remote_image.no_hash',
        `Image ${remote.id} in cloud ${source.name} exposes no checksum to verify copies with.`,
      );
    }

    const now = new Date();
    const image = Object.assign(new ImageRow(), {
      id: randomUUID(),
      name: args.name ?? (remote.name || remote.id),
      owner: ctx.projectId,
      visibility: args.visibility ?? 'private',
      status: 'active',
      size: remote.size,
      checksum: remote.checksum || null,
      osHashAlgo: remote.os_hash_algo || null,
      osHashValue: remote.os_hash_value || null,
      diskFormat: remote.disk_format || null,
      containerFormat: remote.container_format || null,
      minDisk: remote.min_disk,
      minRam: remote.min_ram,
      properties: JSON.stringify(
        Object.fromEntries(Object.entries(remote.properties).filter(([k]) => k !== IMAGE_ID_PROPERTY)),
      ),
      stagingAgent: null,
      createdAt: now,
      updatedAt: now,
    });
    const taskIds: string[] = [];
    try {
      await this.db.transaction(async (m) => {
        await this.quotas.checkTasks(m, image.owner, targets.length);
        await m.insert(ImageRow, image);
        await m.insert(LocationRow, {
          id: randomUUID(),
          imageId: image.id,
          owner: image.owner,
          cloudId: source.id,
          remoteId: remote.id,
          status: 'active',
          taskId: null,
          lastVerifiedAt: now,
          createdAt: now,
          updatedAt: now,
        });
        for (const target of targets) taskIds.push(await this.queueCopy(m, ctx, image, source, target, now));
      });
    } catch (err) {
      if ((err as { code?: string }).code === 'ER_DUP_ENTRY') {
        throw conflict(
          'gimming.location.already_tracked',
          `Image ${remote.id} in cloud ${source.name} is already tracked by GIMinG.`,
        );
      }
      throw err;
    }
    log.info(
      { image_id: image.id, source: source.name, targets: targets.map((t) => t.name) },
      'image adopted',
    );
    this.notify.imageCreated(ctx, image, { source, sourceImageId: remote.id, targets, taskIds });
    const view = await this.view(image); // as committed: the copies are queued
    await this.submit(ctx, taskIds, 'copy');
    await this.tag(ctx, sourceAgent.address, source, remote.id, image.id);
    return view;
  }

  /**
   * Hands new tasks to this conductor's engine, to run as the user through the request's trust (so that
   * they outlive the request's token), or with the request's own context when there is no trust.
   */
  async submit(ctx: RequestContext, taskIds: string[], type: TaskType): Promise<void> {
    if (taskIds.length === 0) return;
    // The first attempt starts at once with the request's own token. The request is answered once the
    // trust (made meanwhile) is recorded on the tasks: from then on, a retry or another conductor can
    // finish them, also after that token expired.
    for (const taskId of taskIds) this.engine.submit(taskId, ctx, type);
    // (Tasks inserted before the trust was made have none yet: they get it here.)
    const trustId = this.tasking.trusts.knownTrust(ctx) ?? (await this.tasking.trusts.forRequest(ctx));
    if (!trustId) return;
    await this.db
      .createQueryBuilder()
      .update(TaskRow)
      .set({ trustId })
      .where('id IN (:...ids) AND trust_id IS NULL', { ids: taskIds })
      .execute();
    // The work may be over already (a small copy).
    await this.tasking.trusts.releaseIfDone(trustId);
  }

  /**
   * A new task's record: held by this conductor (a lease it renews while the task runs), and run with the
   * trust made for this request (when trusts are on), so that any conductor can finish it.
   */
  private async newTask(
    ctx: RequestContext,
    image: ImageRow,
    now: Date,
    fields: Pick<TaskRow, 'id' | 'type' | 'cloudId' | 'sourceCloudId' | 'bytesTotal'>,
  ): Promise<TaskRow> {
    return Object.assign(new TaskRow(), {
      ...fields,
      imageId: image.id,
      status: 'pending',
      bytesDone: 0,
      attempts: 0,
      errorCode: null,
      errorMessage: null,
      conductor: this.host,
      agent: null,
      projectId: image.owner,
      userId: ctx.userId ?? null,
      requestId: ctx.requestId,
      createdAt: now,
      updatedAt: now,
      startedAt: null,
      finishedAt: null,
      leaseExpiresAt: new Date(now.getTime() + this.tasking.leaseS * 1000),
      nextAttemptAt: null,
      // A context already acting through a trust (a task queuing more work) passes it on at once; a
      // request's own trust is attached when Keystone has made it (see submit).
      trustId: this.tasking.trusts.knownTrust(ctx),
    });
  }

  /** Queues a copy of `image` to `target`, from `source` or, when it is null, from the staging area. */
  async queueCopy(
    m: EntityManager,
    ctx: RequestContext,
    image: ImageRow,
    source: CloudRow | null,
    target: CloudRow,
    now: Date,
    existing?: LocationRow,
  ): Promise<string> {
    const taskId = randomUUID();
    await m.insert(
      TaskRow,
      await this.newTask(ctx, image, now, {
        id: taskId,
        type: 'copy',
        cloudId: target.id,
        sourceCloudId: source?.id ?? null,
        bytesTotal: image.size,
      }),
    );
    if (existing) {
      await m.update(
        LocationRow,
        { id: existing.id },
        { remoteId: null, status: 'queued', taskId, updatedAt: now },
      );
    } else {
      await m.insert(LocationRow, {
        id: randomUUID(),
        imageId: image.id,
        owner: image.owner,
        cloudId: target.id,
        remoteId: null,
        status: 'queued',
        taskId,
        lastVerifiedAt: null,
        createdAt: now,
        updatedAt: now,
      });
    }
    return taskId;
  }

  /**
   * Records an image whose data will be uploaded (PUT /v1/images/{id}/file), with a location per target;
   * with `importUrl`, its data is imported from that URL by the staging agent instead, as a task.
   */
  private async createForUpload(
    ctx: RequestContext,
    args: MethodArgs<'create_image'>,
    importUrl?: string,
  ): Promise<ImageView> {
    if (!args.disk_format || !args.container_format) {
      throw badRequest(
        'gimming.image.formats_required',
        'An image to upload needs disk_format and container_format.',
      );
    }
    if (args.targets.length === 0)
      throw badRequest('gimming.image.no_target', 'Name at least one target cloud.');
    const targets: CloudRow[] = [];
    for (const ref of args.targets) {
      const target = await this.clouds.resolveForWork(ctx, ref);
      if (!targets.some((t) => t.id === target.id)) targets.push(target);
    }
    for (const target of targets) await this.agents.pick(target.zone);
    // An import is staged by an agent of the first target's zone, so that copy stays local.
    const stagingAgent = importUrl ? await this.agents.pick((targets[0] as CloudRow).zone) : undefined;
    const now = new Date();
    const image = Object.assign(new ImageRow(), {
      id: randomUUID(),
      name: args.name ?? 'unnamed',
      owner: ctx.projectId as string,
      visibility: args.visibility ?? 'private',
      status: 'queued',
      size: null,
      checksum: null,
      osHashAlgo: null,
      osHashValue: null,
      diskFormat: args.disk_format,
      containerFormat: args.container_format,
      minDisk: args.min_disk ?? 0,
      minRam: args.min_ram ?? 0,
      properties: JSON.stringify(args.properties ?? {}),
      stagingAgent: stagingAgent?.address ?? null,
      createdAt: now,
      updatedAt: now,
    });
    if (stagingAgent) image.status = 'importing';
    const importTaskId = stagingAgent ? randomUUID() : undefined;
    await this.db.transaction(async (m) => {
      if (importTaskId) {
        // An import counts as one task until its copies start, and reserves staging room for its data.
        await this.quotas.checkTasks(m, image.owner, 1);
        const room = await this.quotas.stagingRoom(m, image.owner, image.id);
        if (room !== undefined && room <= 0) {
          throw stagedBytesExceeded(image.owner, this.quotas.limits.stagedBytes, room);
        }
        image.stagingReserved = Math.min(this.maxImportBytes, room ?? Infinity);
      }
      await m.insert(ImageRow, image);
      if (importTaskId) {
        await m.insert(
          TaskRow,
          await this.newTask(ctx, image, now, {
            id: importTaskId,
            type: 'import',
            cloudId: (targets[0] as CloudRow).id,
            sourceCloudId: null,
            bytesTotal: null,
          }),
        );
      }
      for (const target of targets) {
        await m.insert(LocationRow, {
          id: randomUUID(),
          imageId: image.id,
          owner: image.owner,
          cloudId: target.id,
          remoteId: null,
          status: 'queued',
          taskId: null,
          lastVerifiedAt: null,
          createdAt: now,
          updatedAt: now,
        });
      }
    });
    this.notify.imageCreated(ctx, image, {
      source: null,
      targets,
      taskIds: importTaskId ? [importTaskId] : [],
    });
    if (importTaskId && importUrl) {
      log.info(
        { image_id: image.id, targets: targets.map((t) => t.name) },
        'image recorded, importing its data',
      );
      pendingImportUrls.set(importTaskId, importUrl);
      const view = await this.view(image);
      await this.submit(ctx, [importTaskId], 'import');
      return view;
    }
    log.info(
      { image_id: image.id, targets: targets.map((t) => t.name) },
      'image recorded, waiting for its data',
    );
    return this.view(image);
  }

  /**
   * Spreads an image to more clouds, or retries the ones that failed. Clouds that hold a good copy, or
   * are getting one, are left alone; a cloud that already holds an image tagged with this image's ID and
   * the same bytes gets that image as its location instead of a new copy (so re-runs are idempotent).
   */
  async sync(ctx: RequestContext, args: MethodArgs<'sync_image'>): Promise<ImageView> {
    return this.withTrustCleanup(ctx, () => this.syncImage(ctx, args));
  }

  private async syncImage(ctx: RequestContext, args: MethodArgs<'sync_image'>): Promise<ImageView> {
    const image = await this.find(ctx, args.image_id);
    assertNotDeleting(image);
    void this.tasking.trusts.forRequest(ctx); // made while the targets are looked at
    const targets: CloudRow[] = [];
    for (const ref of args.targets) {
      const target = await this.clouds.resolveForWork(ctx, ref);
      if (!targets.some((t) => t.id === target.id)) targets.push(target);
    }
    const locations = await this.db.getRepository(LocationRow).findBy({ imageId: image.id });
    const sourceLocation = locations.find((l) => l.status === 'active' && l.remoteId);
    if (!sourceLocation && !(image.stagingAgent && image.status === 'active')) {
      throw conflict('gimming.image.no_source', `Image ${image.id} has no active copy to sync from.`);
    }
    // A cloud's copy, or else the staged upload.
    const source = sourceLocation
      ? await this.db.getRepository(CloudRow).findOneByOrFail({ id: sourceLocation.cloudId })
      : null;
    const now = new Date();
    const plan: Array<{ target: CloudRow; existing: LocationRow | undefined; adopt?: string }> = [];
    for (const target of targets) {
      const existing = locations.find((l) => l.cloudId === target.id);
      if (existing && ['active', 'queued', 'copying'].includes(existing.status)) continue;
      const agent = await this.agents.pick(target.zone);
      const tagged = await agentapi.listImages(ctx, agent.address, target, { [IMAGE_ID_PROPERTY]: image.id });
      const same = tagged.find((t) => t.status === 'active' && sameBytes(image, t));
      plan.push(same ? { target, existing, adopt: same.id } : { target, existing });
    }
    const taskIds: string[] = [];
    await this.db.transaction(async (m) => {
      await this.quotas.checkTasks(m, image.owner, plan.filter((step) => !step.adopt).length);
      for (const step of plan) {
        if (step.adopt) {
          const fields = {
            remoteId: step.adopt,
            status: 'active',
            taskId: null,
            lastVerifiedAt: now,
            updatedAt: now,
          };
          if (step.existing) await m.update(LocationRow, { id: step.existing.id }, fields);
          else
            await m.insert(LocationRow, {
              id: randomUUID(),
              imageId: image.id,
              owner: image.owner,
              cloudId: step.target.id,
              createdAt: now,
              ...fields,
            });
          log.info(
            { image_id: image.id, cloud: step.target.name, remote_id: step.adopt },
            'tagged copy adopted',
          );
        } else {
          taskIds.push(await this.queueCopy(m, ctx, image, source, step.target, now, step.existing));
        }
      }
    });
    const view = await this.view(image);
    await this.submit(ctx, taskIds, 'copy');
    return view;
  }

  /** Refuses a change to an image while tasks work on it, or while it is being deleted. */
  private async assertIdle(image: ImageRow): Promise<void> {
    assertNotDeleting(image);
    const busy = await this.db
      .getRepository(TaskRow)
      .createQueryBuilder('t')
      .where('t.image_id = :id AND t.status IN (:...states)', { id: image.id, states: WORKING_STATES })
      .getCount();
    if (busy > 0) {
      throw conflict('gimming.image.busy', `Image ${image.id} has tasks in progress; cancel them first.`);
    }
  }

  /** Forgets an image: its copies stay in their clouds, untagged. Refused while a task works on it. */
  async forget(ctx: RequestContext, imageId: string): Promise<void> {
    const image = await this.find(ctx, imageId);
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
          if (agent) await this.untag(ctx, agent.address, cloud, l.remoteId as string, image.id);
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
    const image = await this.find(ctx, imageId);
    await this.assertIdle(image);
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
      for (const location of locations) {
        if (!location.remoteId) {
          await m.delete(LocationRow, { id: location.id });
          continue;
        }
        const taskId = randomUUID();
        await m.insert(
          TaskRow,
          await this.newTask(ctx, image, now, {
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
    image.status = 'deleting';
    log.info({ image_id: image.id, copies: taskIds.length }, 'deleting the image everywhere');
    const view = await this.view(image);
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
    await this.submit(ctx, taskIds, 'delete');
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
      .getCount();
    if (working > 0) return;
    const left = await this.db.getRepository(LocationRow).countBy({ imageId });
    if (left > 0) {
      await this.db
        .getRepository(ImageRow)
        .update(
          { id: imageId },
          { status: image.size === null ? 'queued' : 'active', updatedAt: new Date() },
        );
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
    await agentapi
      .deleteStaging(ctx, image.stagingAgent, image.id)
      .catch((err: unknown) =>
        log.error(
          { image_id: image.id, agent: image.stagingAgent, reason: describeError(err) },
          'could not delete staged data',
        ),
      );
  }

  /** Removes the GIMinG tag from a remote image, if it still carries this image's ID. Best effort. */
  async untag(
    ctx: RequestContext,
    address: string,
    cloud: CloudRow,
    remoteId: string,
    imageId: string,
  ): Promise<void> {
    try {
      const remote = await agentapi.describeImage(ctx, address, cloud, remoteId);
      if (remote.properties[IMAGE_ID_PROPERTY] === imageId) {
        await agentapi.setImageProperties(ctx, address, cloud, remoteId, { [IMAGE_ID_PROPERTY]: '' });
      }
    } catch (err) {
      log.warn(
        { image_id: imageId, cloud: cloud.name, remote_id: remoteId, reason: describeError(err) },
        'could not untag',
      );
    }
  }

  /**
   * Tags a remote image with the GIMinG image ID, so that copies can be found again. Best effort: an image
   * the user may read but not change (someone else's public image) stays untagged.
   */
  async tag(
    ctx: RequestContext,
    address: string,
    cloud: CloudRow,
    remoteId: string,
    imageId: string,
  ): Promise<void> {
    try {
      await agentapi.setImageProperties(ctx, address, cloud, remoteId, { [IMAGE_ID_PROPERTY]: imageId });
    } catch (err) {
      log.warn(
        { image_id: imageId, cloud: cloud.name, remote_id: remoteId, reason: describeError(err) },
        'could not tag the remote image',
      );
    }
  }

  /**
   * Checks every copy against its cloud now: a copy deleted behind GIMinG's back becomes `missing`, one
   * whose bytes changed `mismatch`, a good one `active` again; each checked copy records when. A cloud
   * that cannot be reached leaves its copy as it was.
   */
  async refresh(ctx: RequestContext, id: string, periodic = false): Promise<ImageView> {
    const image = await this.find(ctx, id);
    const locations = await this.db.getRepository(LocationRow).findBy({ imageId: image.id });
    const clouds = new Map((await this.db.getRepository(CloudRow).find()).map((c) => [c.id, c]));
    await Promise.all(
      locations
        .filter((l) => l.remoteId && ['active', 'missing', 'mismatch'].includes(l.status))
        // The service user of the periodic refresh cannot read a project's credentials: copies in clouds
        // with their own identity service are checked when their users ask.
        .filter((l) => !(periodic && clouds.get(l.cloudId)?.authUrl))
        .map(async (location) => {
          const cloud = clouds.get(location.cloudId) as CloudRow;
          let status: string;
          let found: Parameters<ConductorNotifier['drift']>[5] = null;
          try {
            const remote = await this.remotes.describe(ctx, cloud, location.remoteId as string, true);
            const bytes = {
              size: remote.size,
              checksum: remote.checksum ?? '',
              os_hash_algo: remote.os_hash_algo ?? '',
              os_hash_value: remote.os_hash_value ?? '',
            };
            found = bytes;
            status = sameBytes(image, bytes) ? 'active' : 'mismatch';
          } catch (err) {
            const gerr = asGimmingError(err);
            if (gerr.status !== 404) {
              log.warn({ image_id: image.id, cloud: cloud.name, reason: gerr.message }, 'copy not checked');
              return;
            }
            status = 'missing';
          }
          if (status !== location.status) {
            log.warn(
              { image_id: image.id, cloud: cloud.name, from: location.status, to: status },
              'drift found',
            );
          }
          const now = new Date();
          // Only if nothing else changed the copy meanwhile (a delete or a copy task took it over).
          const changed = await this.db
            .getRepository(LocationRow)
            .update(
              { id: location.id, status: location.status, remoteId: location.remoteId as string },
              { status, lastVerifiedAt: now, updatedAt: now },
            );
          // Told once, when the copy becomes missing or mismatched (not at every later check).
          if (
            changed.affected &&
            status !== location.status &&
            (status === 'missing' || status === 'mismatch')
          ) {
            this.notify.drift(ctx, image, cloud, location, status, found, periodic);
          }
        }),
    );
    return this.get(ctx, image.id);
  }

  /** One image, with each copy's live metadata read from its cloud (as the user, briefly cached). */
  async get(ctx: RequestContext, id: string): Promise<ImageView> {
    const view = await this.view(await this.find(ctx, id));
    const clouds = new Map((await this.db.getRepository(CloudRow).find()).map((c) => [c.id, c]));
    await Promise.all(
      view.locations.map(async (location) => {
        const cloud = clouds.get(location.cloud_id);
        if (!location.image_id || !cloud) return;
        try {
          location.remote = await this.remotes.describe(ctx, cloud, location.image_id);
        } catch (err) {
          const gerr = asGimmingError(err);
          location.remote = null;
          location.remote_error = { code: gerr.code, message: gerr.message };
        }
      }),
    );
    view.available_in = view.locations
      .filter((l) => l.status === 'active' && l.remote?.status === 'active')
      .map((l) => l.cloud);
    return view;
  }

  async list(ctx: RequestContext, args: MethodArgs<'list_images'>): Promise<Page<ImageView>> {
    const qb = this.db
      .getRepository(ImageRow)
      .createQueryBuilder('i')
      .where('i.status != :deleted', { deleted: 'deleted' });
    if (!(ctx.isAdmin && args.all_projects)) qb.andWhere('i.owner = :owner', { owner: ctx.projectId ?? '' });
    if (args.name) qb.andWhere('i.name = :name', { name: args.name });
    if (args.status) qb.andWhere('i.status = :status', { status: args.status });
    if (args.visibility) qb.andWhere('i.visibility = :visibility', { visibility: args.visibility });
    if (args.cloud) {
      const cloud = await this.clouds.resolve(ctx, args.cloud);
      qb.andWhere('EXISTS (SELECT 1 FROM locations l WHERE l.image_id = i.id AND l.cloud_id = :cloud)', {
        cloud: cloud.id,
      });
    }
    const marker = args.marker
      ? await this.find(ctx, args.marker).catch(() => {
          throw badRequest(
            'gimming.list.bad_marker',
            `Marker ${args.marker} is not an image in this listing.`,
          );
        })
      : undefined;
    const key = args.sort_key ?? 'created_at';
    const sort = {
      column: key,
      property: key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()),
      dir: args.sort_dir ?? 'asc',
    } as const;
    const page = await pageAfter(qb, 'i', marker, args.limit, sort);
    return { items: await this.views(page.rows), next_marker: page.nextMarker };
  }
}
