/**
 * Queueing work: the records of new tasks (held by this conductor under a lease, run with the request's
 * trust) and handing them to this conductor's engine.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { RequestContext } from '../common/context';
import { dbTimeIn } from './db/clock';
import { type CloudRow, type ImageRow, LocationRow, TaskRow } from './db/entities';
import type { CopyPlan } from './planner';
import type { TaskEngine, TaskType } from './tasks/engine';
import type { Trusts } from './trusts';

/** Task states in which a task still works on its image. */
export const WORKING_STATES = ['pending', 'running', 'cancelling'];

export class TaskQueue {
  constructor(
    private readonly db: DataSource,
    private readonly engine: TaskEngine,
    /** This conductor: the owner of the tasks it queues. */
    private readonly host: string,
    private readonly tasking: { trusts: Trusts; leaseS: number },
  ) {}

  /**
   * Runs a request that may start making a trust early; if the request fails, a trust no task ended up
   * with is deleted rather than left to expire.
   */
  async withTrustCleanup<T>(ctx: RequestContext, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const trustId = this.tasking.trusts.startedFor(ctx) ? await this.tasking.trusts.forRequest(ctx) : null;
      if (trustId) await this.tasking.trusts.releaseIfDone(trustId);
      throw err;
    }
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
  async newTask(
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
      stage: null,
      plan: null,
      maxBandwidth: null,
      stagePercent: null,
      stageDetail: null,
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
      // On the database's clock (db/clock.ts).
      leaseExpiresAt: dbTimeIn(this.tasking.leaseS),
      nextAttemptAt: null,
      // A context already acting through a trust (a task queuing more work) passes it on at once; a
      // request's own trust is attached when Keystone has made it (see submit).
      trustId: this.tasking.trusts.knownTrust(ctx),
    });
  }

  /**
   * Queues a copy of `image` to `target`, from `source` or, when it is null, from the staging area, with
   * the plan it follows, and the bandwidth cap its request gave (bytes/s; null or 0: none).
   */
  async queueCopy(
    m: EntityManager,
    ctx: RequestContext,
    image: ImageRow,
    source: CloudRow | null,
    target: CloudRow,
    now: Date,
    existing?: LocationRow,
    plan?: CopyPlan | null,
    maxBandwidth?: number | null,
  ): Promise<string> {
    const taskId = randomUUID();
    await m.insert(TaskRow, {
      ...(await this.newTask(ctx, image, now, {
        id: taskId,
        type: 'copy',
        cloudId: target.id,
        sourceCloudId: source?.id ?? null,
        bytesTotal: image.size,
      })),
      // What the copy is planned to do (planner.ts), shown in its view.
      plan: plan ? JSON.stringify(plan) : null,
      maxBandwidth: maxBandwidth || null,
    });
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
}
