/**
 * Images created from uploaded data. The API streams the data straight into the staging area of an agent
 * (never through RabbitMQ or the conductor); the conductor only chooses that agent, records the byte
 * identity computed on the way (md5 by the API, sha512 by the agent), copies from staging to every target,
 * and has the staged data deleted once every target is finished.
 *
 * An upload is a task of its own (type `upload`), leased like every other: the API server holds its lease
 * while the data arrives and renews it (renew_upload). If that server dies mid-upload, the lease lapses
 * and a conductor ends the task failed (tasks/upload-task.ts): the staging is freed and the image waits
 * for its data again.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { RequestContext } from '../common/context';
import { conflict, describeError } from '../common/errors';
import { getLogger } from '../common/log';
import type { AgentGateway } from './agent-gateway';
import type { AgentRegistry } from './agents';
import { DB_NOW, dbTimeIn } from './db/clock';
import { CloudRow, ImageRow, LocationRow, TaskRow } from './db/entities';
import type { ImageQueries } from './image-queries';
import type { TaskQueue } from './task-queue';
import type { ImageView, MethodArgs } from './rpc-schemas';
import { UPLOADING_STATES } from './tasks/upload-task';
import { ProjectQuotas, stagedBytesExceeded } from './quotas';
import { dataSpec, replacedIn } from './image-spec';
import { CopyPlanner, planCloud, stagedSource } from './plan-inputs';
import { copyPlanOf, planTarget } from './planner';
import { UploadResume } from './upload-resume';
import { LiveCopies, removePendingLiveCopies } from './live-copies';

const log = getLogger('conductor.uploads');

export class UploadService {
  constructor(
    private readonly db: DataSource,
    private readonly agents: AgentRegistry,
    private readonly gateway: AgentGateway,
    private readonly images: ImageQueries,
    private readonly queue: TaskQueue,
    private readonly quotas: ProjectQuotas = new ProjectQuotas(),
    /** What an upload of undeclared size reserves at most ([agent] staging_max_upload_bytes). */
    private readonly maxUploadBytes = 2147483648,
    /**
     * Seconds an upload's lease lasts unrenewed ([conductor] task_lease_time); an API server before RPC 1.7
     * does not renew it, and gets `legacyLeaseS`.
     */
    private readonly lease: { leaseS: number; legacyLeaseS: number } = { leaseS: 30, legacyLeaseS: 86400 },
  ) {
    this.planner = new CopyPlanner(agents, gateway);
    this.resume = new UploadResume(db, images, this, quotas, lease.leaseS);
    this.live = new LiveCopies(db, agents, this.planner, queue);
  }

  /** The copies that start while the upload arrives (issue 16). */
  private readonly live: LiveCopies;

  private readonly planner: CopyPlanner;
  /** Suspended uploads, resumed; uploads linked to staged data with the same bytes (RPC 1.20). */
  readonly resume: UploadResume;

  /**
   * Chooses the agent that stages the upload: one of the first target's zone, so that copy stays local.
   * The project's limits are checked before any byte: room for the copies ([quota] running_tasks) and for
   * the data ([quota] staged_bytes); what the upload reserves is recorded, and the room left answered
   * (`limit_bytes`) so that the agent stops an upload of undeclared size there.
   */
  async begin(
    ctx: RequestContext,
    args: MethodArgs<'begin_upload'>,
  ): Promise<{ agent_address: string; limit_bytes: number | null; lease_s: number }> {
    const image = await this.images.find(ctx, args.image_id);
    const locations = await this.db
      .getRepository(LocationRow)
      .createQueryBuilder('l')
      .where('l.image_id = :id', { id: image.id })
      .orderBy('l.created_at', 'ASC')
      .getMany();
    const first = locations[0];
    const cloud = first ? await this.db.getRepository(CloudRow).findOneBy({ id: first.cloudId }) : null;
    if (!cloud) throw conflict('gimming.image.no_target', `Image ${image.id} has no target cloud.`);
    const agent = await this.agents.pick(cloud.zone);
    const uploadId = randomUUID();
    const room = await this.db.transaction(async (m) => {
      await this.quotas.checkTasks(m, image.owner, locations.length);
      const left = await this.quotas.stagingRoom(m, image.owner, image.id);
      if (left !== undefined && (left <= 0 || (args.size !== undefined && args.size > left))) {
        throw stagedBytesExceeded(image.owner, this.quotas.limits.stagedBytes, left, args.size);
      }
      const reserved = args.size ?? Math.min(this.maxUploadBytes, left ?? Infinity);
      const claimed = await m
        .createQueryBuilder()
        .update(ImageRow)
        .set({
          status: 'saving',
          stagingAgent: agent.address,
          stagingReserved: reserved,
          updatedAt: new Date(),
        })
        .where('id = :id AND status = :queued', { id: image.id, queued: 'queued' })
        .execute();
      if (!claimed.affected) {
        throw conflict(
          'gimming.image.not_queued',
          `Image ${image.id} is ${image.status}: its data was already uploaded or is being uploaded.`,
        );
      }
      const now = new Date();
      const leaseS = args.renews ? this.lease.leaseS : this.lease.legacyLeaseS;
      const task = await this.queue.newTask(ctx, image, now, {
        id: uploadId,
        type: 'upload',
        cloudId: cloud.id,
        sourceCloudId: null,
        bytesTotal: args.size ?? null,
      });
      await m.insert(TaskRow, {
        ...task,
        status: 'running',
        attempts: 1,
        agent: agent.address,
        startedAt: now,
        leaseExpiresAt: dbTimeIn(leaseS),
        // The API server receiving the data holds the lease, no conductor; and nobody goes on with an
        // upload once that server is gone: it needs no trust.
        conductor: null,
        trustId: null,
      });
      return left;
    });
    log.info({ image_id: image.id, agent: agent.address, declared_size: args.size }, 'upload started');
    // Copies that can start now do; a failure here only leaves them to start once the upload is complete.
    await this.live
      .start(ctx, image, agent, args.size, uploadId)
      .catch((err: unknown) =>
        log.warn(
          { image_id: image.id, reason: describeError(err) },
          'copies could not start with the upload',
        ),
      );
    return { agent_address: agent.address, limit_bytes: room ?? null, lease_s: this.lease.leaseS };
  }

  /**
   * Renews the lease of the image's upload (the API server receiving its data calls this every third of
   * the lease). `renewed` is false once the upload is over, or was taken for interrupted.
   */
  async renew(ctx: RequestContext, args: MethodArgs<'renew_upload'>): Promise<{ renewed: boolean }> {
    const image = await this.images.find(ctx, args.image_id);
    const renewed = await this.db
      .createQueryBuilder()
      .update(TaskRow)
      .set({ leaseExpiresAt: dbTimeIn(this.lease.leaseS) })
      .where("image_id = :id AND type = 'upload' AND status IN (:...states)", {
        id: image.id,
        states: UPLOADING_STATES,
      })
      .andWhere(`lease_expires_at IS NOT NULL AND lease_expires_at >= ${DB_NOW}`)
      // A suspended upload (upload-resume.ts) keeps the lease it was given: a late renewal must not cut it.
      .andWhere("(stage IS NULL OR stage <> 'suspended')")
      .execute();
    return { renewed: Boolean(renewed.affected) };
  }

  /** Ends the image's upload task (in `m`, with the change to the image). */
  private async endUploadTask(
    m: EntityManager,
    imageId: string,
    outcome: { status: 'succeeded'; bytes: number } | { status: 'failed'; code: string; message: string },
  ): Promise<void> {
    const now = new Date();
    await m
      .createQueryBuilder()
      .update(TaskRow)
      .set({
        ...(outcome.status === 'succeeded'
          ? { status: 'succeeded', bytesDone: outcome.bytes, bytesTotal: outcome.bytes }
          : { status: 'failed', errorCode: outcome.code, errorMessage: outcome.message }),
        finishedAt: now,
        updatedAt: now,
        leaseExpiresAt: null,
      })
      .where("image_id = :id AND type = 'upload' AND status IN (:...states)", {
        id: imageId,
        states: UPLOADING_STATES,
      })
      .execute();
  }

  /**
   * The staging room the project of `image` has left for its data (an import about to run), undefined
   * without a limit; refused when there is none.
   */
  async stagingLimit(image: ImageRow): Promise<number | undefined> {
    const room = await this.db.transaction((m) => this.quotas.stagingRoom(m, image.owner, image.id));
    if (room !== undefined && room <= 0) {
      throw stagedBytesExceeded(image.owner, this.quotas.limits.stagedBytes, room);
    }
    return room;
  }

  /** Records the byte identity and queues a copy from staging to every target. */
  async finish(ctx: RequestContext, args: MethodArgs<'finish_upload'>): Promise<ImageView> {
    const image = await this.images.find(ctx, args.image_id);
    return this.copyStaged(ctx, image, 'saving', {
      size: args.size,
      checksum: args.checksum,
      sha512: args.os_hash_value,
    });
  }

  /**
   * The image's data is staged (uploaded or imported, while the image was `from`): records its byte
   * identity, makes the image active and queues a copy from staging to every target.
   */
  async copyStaged(
    ctx: RequestContext,
    image: ImageRow,
    from: 'saving' | 'importing',
    identity: { size: number; checksum: string; sha512: string },
  ): Promise<ImageView> {
    const now = new Date();
    const locations = await this.db.getRepository(LocationRow).findBy({ imageId: image.id });
    // Each copy records its plan (planner.ts); the request refused what could not be planned, and a copy
    // whose plan is refused now (an agent changed since) fails with the planner's reason when it runs.
    const pc = await this.planner.context(identity.size);
    const staged = [stagedSource(dataSpec(image))];
    const taskIds: string[] = [];
    await this.db.transaction(async (m) => {
      // The targets whose copy started with the upload (live-copies.ts) are not queued again.
      const started = await LiveCopies.inFlight(m, locations);
      const claimed = await m
        .createQueryBuilder()
        .update(ImageRow)
        .set({
          status: 'active',
          size: identity.size,
          checksum: identity.checksum,
          osHashAlgo: 'sha512',
          osHashValue: identity.sha512,
          updatedAt: now,
        })
        .where('id = :id AND status = :from', { id: image.id, from })
        .execute();
      if (!claimed.affected) {
        throw conflict('gimming.image.not_saving', `Image ${image.id} is not waiting for its data.`);
      }
      if (from === 'saving')
        await this.endUploadTask(m, image.id, { status: 'succeeded', bytes: identity.size });
      Object.assign(image, {
        status: 'active',
        size: identity.size,
        checksum: identity.checksum,
        osHashAlgo: 'sha512',
        osHashValue: identity.sha512,
        updatedAt: now,
      });
      for (const location of locations) {
        if (started.has(location.cloudId)) continue;
        const target = await m.findOneByOrFail(CloudRow, { id: location.cloudId });
        const planned = copyPlanOf(planTarget(planCloud(target), staged, pc));
        const replaces = replacedIn(image, target.id);
        const plan = planned && replaces ? { ...planned, replaces } : planned;
        taskIds.push(
          await this.queue.queueCopy(m, ctx, image, null, target, now, location, plan, image.maxBandwidth),
        );
      }
    });
    log.info(
      { image_id: image.id, size: identity.size, targets: taskIds.length },
      'data staged; copying to the targets',
    );
    const view = await this.images.view(image);
    await this.queue.submit(ctx, taskIds, 'copy');
    return view;
  }

  /** An upload that failed: the image waits for its data again (the agent left nothing staged). */
  async abort(ctx: RequestContext, args: MethodArgs<'abort_upload'>): Promise<void> {
    const image = await this.images.find(ctx, args.image_id);
    await this.db.transaction(async (m) => {
      await m
        .createQueryBuilder()
        .update(ImageRow)
        .set({ status: 'queued', stagingAgent: null, stagingReserved: null, updatedAt: new Date() })
        .where('id = :id AND status = :saving', { id: image.id, saving: 'saving' })
        .execute();
      await this.endUploadTask(m, image.id, {
        status: 'failed',
        code: 'gimming.upload.aborted',
        message: 'The upload did not complete; the image waits for its data again.',
      });
      // Its copies go with it: no task is left of an upload that did not happen.
      await removePendingLiveCopies(m, image.id);
    });
    log.info({ image_id: image.id }, 'upload aborted');
  }

  /**
   * Deletes the staged data of an image once no copy from it is pending or running. Called when a copy
   * task ends. A copy that failed for good can be retried from another cloud's copy (sync).
   */
  async releaseStaging(ctx: RequestContext, imageId: string): Promise<void> {
    const image = await this.db.getRepository(ImageRow).findOneBy({ id: imageId });
    if (!image?.stagingAgent || image.status === 'saving') return;
    const working = await this.db
      .getRepository(TaskRow)
      .createQueryBuilder('t')
      .where('t.image_id = :id AND t.source_cloud_id IS NULL AND t.status IN (:...states)', {
        id: imageId,
        states: ['pending', 'running', 'cancelling'],
      })
      .getCount();
    if (working > 0) return;
    const address = image.stagingAgent;
    await this.db
      .getRepository(ImageRow)
      .update({ id: imageId }, { stagingAgent: null, updatedAt: new Date() });
    try {
      await this.gateway.deleteStaging(ctx, address, imageId);
    } catch (err) {
      log.error(
        { image_id: imageId, agent: address, reason: describeError(err) },
        'could not delete staged data',
      );
    }
  }
}
