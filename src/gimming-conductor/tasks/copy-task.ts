/**
 * The copy workflow: one image, one target cloud. Picks an agent on each side, has the target agent pull
 * and upload the data, records progress, and records the outcome on the task and the location.
 */
import type { DataSource } from 'typeorm';
import type { RequestContext } from '../../common/context';
import { GimmingError, describeError } from '../../common/errors';
import type { Image__Output as RemoteImage__Output } from '../../common/grpc/generated/gimming/agent/v2/Image';
import { getLogger } from '../../common/log';
import type { AgentGateway, CopyOutcome, RunningCopy } from '../agent-gateway';
import { cloudRef } from '../agent-gateway';
import type { AgentRegistry } from '../agents';
import { CloudRow, ImageRow, LocationRow, TaskRow } from '../db/entities';
import { dataSpec } from '../image-spec';
import type { ConductorNotifier, TaskEventInfo } from '../notify';
import type { RunnableTask } from './engine';
import type { RetryPolicy } from './retry';
import { type Digest, IMAGE_ID_PROPERTY, copyVerdict, digestList, identityOf } from '../byte-identity';
import { identityUnknown, learnIdentity } from '../learned-identity';
import { sourceConversion } from './copy-source';
import { tooManyAttempts } from './errors';
import { recordFailure, recordStart } from './records';
import { type TaskStage, stageOf } from './task-stage';
import type { ConversionRecord } from '../../common/converted-copy';
import type { FormatPlan } from '../capabilities';
import type { CopyPlan } from '../planner';
import { followPlan, recordWhatRan } from './copy-plan';
import { incrementalBase } from './incremental-base';
import { readShareKey, readShareOf } from './read-share';
import { copyBandwidthCap } from './copy-bandwidth';
import { settleLeftovers } from './leftovers';
import { type LiveSource, dropIfUploadFailed, liveRequest, liveSourceOf, settleLiveCopy } from './live-copy';

const log = getLogger('conductor.copy');

/** The bytes a copy is made from, and what the new image is made with. */
interface CopySource {
  /** The agent that serves the bytes. */
  address: string;
  /** null: the agent's staging area. */
  cloud: CloudRow | null;
  /** The remote image ID, or the GIMinG image ID for staged data. */
  id: string;
  spec: {
    disk_format: string;
    container_format: string;
    min_disk: number;
    min_ram: number;
    properties: Record<string, string>;
    tags: string[];
  };
  /**
   * When the source holds the image converted to another disk format (a copy GIMinG converted on the
   * way): the conversion it records. Its copies hold those converted bytes, and are checked against them.
   */
  conversion?: ConversionRecord;
}

export interface CopyTaskDeps {
  db: DataSource;
  agents: AgentRegistry;
  /** How the task reaches its agents. */
  gateway: AgentGateway;
  host: string;
  progressIntervalMs: number;
  retry: RetryPolicy;
  /** Runs once a copy exists and is recorded (to share it like the image). */
  afterCopy?: (ctx: RequestContext, imageId: string, cloud: CloudRow, remoteId: string) => Promise<void>;
  /** Tells the start and the outcome of each task (gimming.image.sync.*, ...). */
  notify?: ConductorNotifier;
}

export class CopyTask implements RunnableTask {
  private running: RunningCopy | undefined;
  /** This run counted an attempt (markRunning). */
  private ranAttempt = false;
  private stopReason: GimmingError | undefined;

  constructor(
    private readonly deps: CopyTaskDeps,
    private readonly taskId: string,
    private readonly ctx: RequestContext,
  ) {}

  /** Stops the task; it ends with `reason` (by default: cancelled by the user). */
  cancel(reason: GimmingError = cancelledError()): void {
    this.stopReason = reason;
    this.running?.cancel();
  }

  async run(): Promise<void> {
    const { db } = this.deps;
    const task = await db.getRepository(TaskRow).findOneBy({ id: this.taskId });
    if (!task) return; // removed with its upload (live-copy.ts), or with its image
    const image = await db.getRepository(ImageRow).findOneByOrFail({ id: task.imageId });
    const target = await db.getRepository(CloudRow).findOneByOrFail({ id: task.cloudId });
    const sourceCloud = task.sourceCloudId
      ? await db.getRepository(CloudRow).findOneBy({ id: task.sourceCloudId })
      : null;
    const event: TaskEventInfo = { task, image, cloud: target, source: sourceCloud };
    try {
      if (this.stopReason) throw this.stopReason;
      if (task.status === 'cancelling') throw cancelledError();
      if (task.attempts >= this.deps.retry.maxAttempts) throw tooManyAttempts(task);
      const targetAgent = await this.deps.agents.pick(target.zone);
      // What an earlier attempt (of a conductor or agent that went away) left in the target: a finished
      // copy is taken as it is, anything else is deleted, so that the target ends with exactly one copy.
      // (Looked at while the source is checked and the start recorded: they do not depend on each other.)
      const [finished, source] = await Promise.all([
        settleLeftovers(this.deps.gateway, this.ctx, this.taskId, image, target, targetAgent.address),
        this.source(task, image),
        this.markRunning(task, targetAgent.address, event),
      ]);
      if (finished) {
        // Found again by the hashes its cloud shows (or the conversion it records).
        const proof = copyVerdict(image, finished) === 'converted' ? 'converted' : 'cloud';
        await this.markSucceeded(task, finished, event, proof);
        await this.deps.afterCopy?.(this.ctx, image.id, target, finished.id);
        return;
      }
      // The plan the copy follows (planner.ts), as the request planned it: nothing is asked of a cloud
      // that cannot do it (a failure that no retry mends).
      const formats = await followPlan(
        this.deps.db,
        task,
        { ...source, converted: source.conversion !== undefined },
        target,
        await this.deps.agents.capabilitiesByZone(),
        image.size,
      );
      // An image adopted from a cloud that reports no hashes learns its identity from this copy.
      const learning = source.cloud !== null && identityUnknown(image);
      // A copy started with its upload reads it as it arrives, and is proven once it ended (live-copy.ts).
      const live = await liveSourceOf(db, task, image);
      const outcome = await this.copy(
        task,
        image,
        source,
        target,
        targetAgent.address,
        formats,
        learning,
        live,
      );
      const { image: copy, proof } = outcome;
      if (live) {
        const remove = () => this.deps.gateway.deleteImage(this.ctx, targetAgent.address, target, copy.id);
        const stopped = () => this.stopReason;
        Object.assign(image, await settleLiveCopy(db, task.id, image.id, outcome, remove, stopped));
      }
      const read = source.conversion?.converted.size ?? image.size;
      await recordWhatRan(this.deps.db, task.id, formats.planned, outcome, source.spec.disk_format, read);
      // A copy of a converted copy holds the converted bytes too (and the conversion it records came with
      // its properties): it is proven as one, whoever made it.
      await this.markSucceeded(
        task,
        copy,
        event,
        source.conversion ? 'converted' : proof,
        learning ? { sourceCloudId: source.cloud?.id ?? null, digests: outcome.learned } : undefined,
      ).catch(async (err: unknown) => {
        // Another copy learned the identity first, and this one holds other bytes: it goes, as any mismatch.
        if (err instanceof GimmingError && err.code === 'gimming.copy.mismatch') {
          await this.deps.gateway.deleteImage(this.ctx, targetAgent.address, target, copy.id);
        }
        throw err;
      });
      await this.deps.afterCopy?.(this.ctx, image.id, target, copy.id);
    } catch (err) {
      // A copy started with an upload that failed goes with it (its agent deleted what it made).
      if (await dropIfUploadFailed(db, task)) return;
      await this.markFailed(task, this.stopReason ?? err, event);
    }
  }

  /** Where the bytes come from: a cloud's copy (checked to still hold them) or the staging area. */
  private async source(task: TaskRow, image: ImageRow): Promise<CopySource> {
    const { db } = this.deps;
    if (!task.sourceCloudId) {
      if (!image.stagingAgent) {
        throw new GimmingError(
          'gimming.staging.gone',
          409,
          'The uploaded data is no longer staged; sync from a copy.',
        );
      }
      // Copies of staged data get the data spec the user gave with it.
      const spec = dataSpec(image);
      return {
        address: image.stagingAgent,
        cloud: null,
        id: image.id,
        spec: {
          disk_format: spec.disk_format ?? 'raw',
          container_format: spec.container_format ?? 'bare',
          min_disk: spec.min_disk ?? 0,
          min_ram: spec.min_ram ?? 0,
          properties: spec.properties ?? {},
          tags: [],
        },
      };
    }
    const cloud = await db.getRepository(CloudRow).findOneByOrFail({ id: task.sourceCloudId });
    const location = await db
      .getRepository(LocationRow)
      .findOneByOrFail({ imageId: image.id, cloudId: cloud.id });
    // The copies that share one read (read-share.ts) pick the same agent.
    const agent = await this.deps.agents.pick(cloud.zone, readShareKey(task));
    const remote = await this.deps.gateway.describeImage(
      this.ctx,
      agent.address,
      cloud,
      location.remoteId ?? '',
    );
    const conversion = sourceConversion(image, remote, location.proof);
    return {
      ...(conversion ? { conversion } : {}),
      address: agent.address,
      cloud,
      id: remote.id,
      spec: {
        disk_format: remote.disk_format,
        container_format: remote.container_format,
        min_disk: remote.min_disk,
        min_ram: remote.min_ram,
        properties: remote.properties,
        tags: remote.tags,
      },
    };
  }

  private async copy(
    task: TaskRow,
    image: ImageRow,
    source: CopySource,
    target: CloudRow,
    targetAddress: string,
    formats: FormatPlan & { planned: CopyPlan },
    learning: boolean,
    live?: LiveSource,
  ): Promise<CopyOutcome> {
    const { db } = this.deps;
    let lastWrite = 0;
    let lastStage: TaskStage = { stage: null, stagePercent: null, stageDetail: null };
    let progressWrite: Promise<unknown> = Promise.resolve();
    const properties = { ...source.spec.properties, [IMAGE_ID_PROPERTY]: image.id };
    const share = await readShareOf(db, task);
    const cap = copyBandwidthCap(task, target, source.cloud);
    const base = await incrementalBase(db, task, target, formats);
    // Cancelled while the copy was being prepared: never start it.
    if (this.stopReason) throw this.stopReason;
    this.running = this.deps.gateway.copyImage(
      this.ctx,
      targetAddress,
      {
        task_id: task.id,
        target: cloudRef(target),
        ...(source.cloud ? { source: cloudRef(source.cloud), source_zone: source.cloud.zone } : {}),
        source_is_staging: source.cloud === null,
        source_agent_address: source.address,
        source_image_id: source.id,
        convert_from: formats.convert_from,
        image: {
          name: image.specName,
          disk_format: formats.disk_format,
          container_format: source.spec.container_format,
          visibility:
            image.specVisibility === 'public' && !this.ctx.isAdmin ? 'private' : image.specVisibility,
          min_disk: source.spec.min_disk,
          min_ram: source.spec.min_ram,
          properties,
          tags: source.spec.tags,
        },
        // A converted source's copies hold its converted bytes: they are what the copy must prove.
        expect: source.conversion
          ? {
              size: source.conversion.converted.size,
              digests: digestList(source.conversion.converted.digests),
            }
          : { size: image.size ?? 0, digests: digestList(identityOf(image).digests) },
        learn_identity: learning,
        ...(live ? liveRequest(live) : share ? { read_share: share } : {}),
        // The plan chose the agents: the target agent streams even where its cloud could pull the bytes.
        stream_through_agents: formats.planned.path !== 'native',
        ...(cap > 0 ? { max_bandwidth: cap } : {}),
        ...(base ? { incremental_from: { image_id: base } } : {}),
      },
      (event) => {
        if (event.created) {
          progressWrite = progressWrite.then(() =>
            db
              .getRepository(LocationRow)
              .update(
                { imageId: image.id, cloudId: target.id },
                { remoteId: event.created?.image_id ?? null, updatedAt: new Date() },
              ),
          );
        } else if (event.progress) {
          const now = Date.now();
          const stage = stageOf(event.progress);
          // A new stage is written at once; the bytes and a stage's percentage every interval.
          const stageChanged = stage.stage !== lastStage.stage || stage.stageDetail !== lastStage.stageDetail;
          if (!stageChanged && now - lastWrite < this.deps.progressIntervalMs) return;
          lastWrite = now;
          lastStage = stage;
          const { bytes_done, bytes_total } = event.progress;
          progressWrite = progressWrite.then(() =>
            db.getRepository(TaskRow).update(
              { id: task.id },
              {
                bytesDone: bytes_done,
                bytesTotal: bytes_total || task.bytesTotal,
                ...stage,
                updatedAt: new Date(),
              },
            ),
          );
        }
      },
    );
    if (this.stopReason) this.running.cancel();
    try {
      return await this.running.result;
    } finally {
      await progressWrite.catch((err: unknown) => log.warn({ err: String(err) }, 'progress write failed'));
    }
  }

  private async markRunning(task: TaskRow, agentAddress: string, event: TaskEventInfo): Promise<void> {
    this.ranAttempt = true;
    // Told before the start is written: an attempt that fails at once tells its end after its start.
    this.deps.notify?.taskStarted(this.ctx, { ...event, attempts: task.attempts + 1 });
    await recordStart(this.deps.db, task, this.deps.host, agentAddress, {
      status: 'copying',
      taskId: task.id,
    });
    log.info({ task_id: task.id, image_id: task.imageId, agent: agentAddress }, 'copy started');
  }

  private async markSucceeded(
    task: TaskRow,
    copy: RemoteImage__Output,
    event: TaskEventInfo,
    proof: string,
    learn?: { sourceCloudId: string | null; digests: readonly Digest[] },
  ): Promise<void> {
    const now = new Date();
    await this.deps.db.transaction(async (m) => {
      if (learn) {
        const learned = await learnIdentity(
          m,
          task.imageId,
          learn.sourceCloudId,
          { size: copy.size, digests: learn.digests.length > 0 ? learn.digests : copy.digests },
          now,
        );
        if (learned.outcome === 'different') {
          throw new GimmingError(
            'gimming.copy.mismatch',
            502,
            `The copy does not match the identity another copy of the image showed: ${learned.problems.join('; ')}.`,
          );
        }
        log.info(
          { task_id: task.id, image_id: task.imageId, outcome: learned.outcome },
          learned.outcome === 'learned' ? 'image identity learned from its first copy' : 'copy matches it',
        );
      }
      await m.update(
        TaskRow,
        { id: task.id },
        {
          status: 'succeeded',
          bytesDone: copy.size,
          bytesTotal: copy.size,
          finishedAt: now,
          updatedAt: now,
        },
      );
      await m.update(
        LocationRow,
        { imageId: task.imageId, cloudId: task.cloudId },
        {
          status: 'active',
          remoteId: copy.id,
          proof,
          lastVerifiedAt: now,
          updatedAt: now,
        },
      );
    });
    log.info({ task_id: task.id, image_id: task.imageId, remote_id: copy.id }, 'copy succeeded');
    this.deps.notify?.taskSucceeded(
      this.ctx,
      { ...event, remoteId: copy.id, attempts: this.ranAttempt ? task.attempts + 1 : task.attempts },
      { bytes: copy.size },
    );
  }

  private async markFailed(task: TaskRow, err: unknown, event: TaskEventInfo): Promise<void> {
    // Stopped before it began (a cancel, or no attempts left): this run was no attempt.
    const began = this.ranAttempt || !(this.stopReason || task.attempts >= this.deps.retry.maxAttempts);
    const attempts = began ? task.attempts + 1 : task.attempts;
    // The agent deleted whatever it had made: the location holds no copy.
    const { outcome, error, message, retryAt } = await recordFailure(this.deps.db, task, err, {
      retry: this.deps.retry,
      attempts,
      location: {
        retry: { status: 'queued', remoteId: null },
        failed: { status: 'error', remoteId: null },
        cancelled: { status: 'cancelled', remoteId: null },
      },
    });
    this.deps.agents.noteFailure(error);
    log.warn(
      {
        task_id: task.id,
        image_id: task.imageId,
        code: error.code,
        reason: message,
        attempts,
        ...(retryAt ? { retry_at: retryAt } : {}),
        cause: error.cause === undefined ? undefined : describeError(error.cause),
      },
      outcome === 'retry' ? 'copy failed; it will be tried again' : 'copy failed',
    );
    if (outcome !== 'retry')
      this.deps.notify?.taskFailed(this.ctx, { ...event, attempts }, outcome, error, message);
  }
}

function cancelledError(): GimmingError {
  return new GimmingError('gimming.task.cancelled', 409, 'The copy was cancelled.');
}
