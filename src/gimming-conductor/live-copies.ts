/**
 * Copies that start while an upload arrives (issue 16). When an upload begins, each target whose copy can
 * be written from a stream gets its copy task at once: its agent reads the staged data as it grows
 * (agent staging/live.ts) and writes it to the cloud while the uploader still sends it. The copy's proof
 * is checked against the upload's final identity once the upload ended (tasks/live-copy.ts). The other
 * targets wait for the whole upload (finish_upload queues them, as before), and each plan's reason says
 * which and why:
 * - a conversion with qemu-img reads the whole image first;
 * - an EC2 import needs the whole image (an S3 object, then ImportImage);
 * - a GCE image is a tar whose header holds the disk's size: with no declared size, it waits;
 * - an agent that does not advertise live reads (Capabilities.live_staging_reads: an older agent, the
 *   staging agent or any of the target zone's) gets the complete upload.
 * A cut-short upload (suspend_upload) pauses the live copies, a resumed one continues them; one that lapses
 * or fails deletes its staged data, which fails the copies' reads: each deletes what it made in its cloud,
 * and the copies of a failed upload go with it (no task left: the image waits for its data, as before).
 */
import { type DataSource, type EntityManager, IsNull } from 'typeorm';
import type { RequestContext } from '../common/context';
import { getLogger } from '../common/log';
import type { AgentRegistry } from './agents';
import { parseDrivers } from './capabilities';
import { type AgentRow, CloudRow, ImageRow, LocationRow, TaskRow } from './db/entities';
import { dataSpec, replacedIn } from './image-spec';
import { type CopyPlanner, planCloud, stagedSource } from './plan-inputs';
import { type CopyPlan, copyPlanOf, planTarget } from './planner';
import type { TaskQueue } from './task-queue';

const log = getLogger('conductor.live-copies');

/** Whether a target's copy starts while its upload arrives, and why (or why it waits). */
export type LiveDecision = NonNullable<CopyPlan['live']>;

/** True when the agent's heartbeat says it reads uploads while they arrive. */
export function readsLive(agent: Pick<AgentRow, 'drivers'>): boolean {
  const drivers = parseDrivers(agent.drivers);
  return drivers.length > 0 && drivers.every((d) => d.capabilities.live_staging_reads === true);
}

const WAITS = 'Waits for the whole upload:';

/** Decides for one target (see the module's comment). */
export function liveDecision(
  target: Pick<CloudRow, 'type' | 'name'>,
  plan: CopyPlan | null,
  declaredSize: number | undefined,
  agents: { staging: boolean; target: boolean },
): LiveDecision {
  const wait = (why: string): LiveDecision => ({ started: false, reason: `${WAITS} ${why}.` });
  if (!plan || plan.path !== 'agent') return wait('only a copy streamed through the agents starts early');
  if (plan.conversion) {
    return wait(`converting it (${plan.conversion.from} to ${plan.conversion.to}) needs all of its data`);
  }
  if (target.type === 'aws') return wait('an EC2 import needs the whole image');
  if (target.type === 'gcp' && declaredSize === undefined) {
    return wait("a GCE image's tar needs the disk's size, which this upload did not declare");
  }
  if (!agents.staging) return wait('the staging agent does not read an upload while it arrives');
  if (!agents.target) return wait(`an agent of cloud ${target.name}'s zone does not read an upload live`);
  return { started: true, reason: 'Starts while the upload arrives: reads the staged data as it grows.' };
}

/** A plan with the live decision recorded, its reason told after the path's own (once). */
export function withLive(plan: CopyPlan, live: LiveDecision): CopyPlan {
  const told = plan.reason?.includes(live.reason);
  return {
    ...plan,
    live,
    reason: told ? plan.reason : plan.reason ? `${plan.reason} ${live.reason}` : live.reason,
  };
}

export class LiveCopies {
  constructor(
    private readonly db: DataSource,
    private readonly agents: AgentRegistry,
    private readonly planner: CopyPlanner,
    private readonly queue: TaskQueue,
  ) {}

  /** The upload of `image` began on `stagingAgent`: queues the copies that start now. */
  async start(
    ctx: RequestContext,
    image: ImageRow,
    stagingAgent: AgentRow,
    declaredSize: number | undefined,
    uploadId: string,
  ): Promise<void> {
    const locations = await this.db.getRepository(LocationRow).findBy({ imageId: image.id });
    const pc = await this.planner.context(declaredSize ?? null);
    const staged = [stagedSource(dataSpec(image))];
    const stagingLive = readsLive(stagingAgent);
    const now = new Date();
    const taskIds: string[] = [];
    await this.db.transaction(async (m) => {
      for (const location of locations) {
        const target = await m.findOneByOrFail(CloudRow, { id: location.cloudId });
        const planned = copyPlanOf(planTarget(planCloud(target), staged, pc));
        const zoneAgents = await this.agents.alive(target.zone);
        const decision = liveDecision(target, planned, declaredSize, {
          staging: stagingLive,
          target: zoneAgents.length > 0 && zoneAgents.every(readsLive),
        });
        log.info(
          { image_id: image.id, cloud: target.name, live: decision.started, reason: decision.reason },
          decision.started ? 'copy starts while the upload arrives' : 'copy waits for the whole upload',
        );
        if (!decision.started || !planned) continue;
        const replaces = replacedIn(image, target.id);
        // The size and the upload are recorded: the copy may run once the upload's row changed (ended).
        const live = { ...decision, ...(declaredSize === undefined ? {} : { declaredSize }), uploadId };
        const plan = withLive(replaces ? { ...planned, replaces } : planned, live);
        taskIds.push(
          await this.queue.queueCopy(m, ctx, image, null, target, now, location, plan, image.maxBandwidth),
        );
      }
    });
    if (taskIds.length > 0) await this.queue.submit(ctx, taskIds, 'copy');
  }

  /**
   * The targets (cloud IDs) whose live copy of this upload is queued, running or made: finish_upload
   * queues no second copy for them.
   */
  static async inFlight(m: EntityManager, locations: readonly LocationRow[]): Promise<Set<string>> {
    const ids = locations.map((l) => l.taskId).filter((id): id is string => Boolean(id));
    if (ids.length === 0) return new Set();
    const tasks = await m
      .getRepository(TaskRow)
      .createQueryBuilder('t')
      .where("t.id IN (:...ids) AND t.type = 'copy' AND t.source_cloud_id IS NULL", { ids })
      .andWhere('t.status IN (:...states)', { states: ['pending', 'running', 'cancelling', 'succeeded'] })
      .getMany();
    return new Set(tasks.filter((t) => isLivePlan(t.plan)).map((t) => t.cloudId));
  }
}

/**
 * Removes a live copy of a failed upload (in `m`): its task goes, and its location, if still the copy's,
 * waits for the image's data again (or goes with an image being deleted).
 */
export async function removeLiveCopy(
  m: EntityManager,
  task: Pick<TaskRow, 'id' | 'imageId' | 'cloudId'>,
): Promise<void> {
  const image = await m.findOneBy(ImageRow, { id: task.imageId });
  const where = { imageId: task.imageId, cloudId: task.cloudId, taskId: task.id };
  if (!image || image.status === 'deleting' || image.status === 'deleted') await m.delete(LocationRow, where);
  else
    await m.update(LocationRow, where, {
      status: 'queued',
      taskId: null,
      remoteId: null,
      updatedAt: new Date(),
    });
  await m.delete(TaskRow, { id: task.id });
}

/**
 * The upload of `imageId` failed (in `m`): its live copies not running yet are removed at once. Those
 * running fail on their read of the staged data, which the failure deletes, and remove themselves then
 * (tasks/live-copy.ts dropIfUploadFailed), once the agent deleted what they made.
 */
export async function removePendingLiveCopies(m: EntityManager, imageId: string): Promise<number> {
  const pending = await m.getRepository(TaskRow).find({
    where: { imageId, type: 'copy', status: 'pending', sourceCloudId: IsNull() },
  });
  const live = pending.filter((t) => isLivePlan(t.plan));
  for (const task of live) await removeLiveCopy(m, task);
  if (live.length > 0)
    log.info({ image_id: imageId, copies: live.length }, 'copies of a failed upload removed');
  return live.length;
}

/** True when a task's recorded plan started it while its upload arrived. */
export function isLivePlan(plan: string | null): boolean {
  if (!plan) return false;
  try {
    return (JSON.parse(plan) as CopyPlan).live?.started === true;
  } catch {
    return false;
  }
}
