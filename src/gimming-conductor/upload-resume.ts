/**
 * Uploads that survive the network (RPC 1.20). An upload cut short keeps what reached the staging agent:
 * the API server that received it suspends its task (suspend_upload): the task's `stage` becomes
 * `suspended`, its `bytes_done` the staged offset, and its lease lasts the time the API server keeps a
 * partial upload ([api] upload_resume_time). A PUT that continues at exactly that offset takes the task
 * back (resume_upload); a suspended upload nobody resumes in time lapses like any other upload whose
 * lease lapsed (tasks/upload-task.ts): the partial data is deleted and the image waits for its data again.
 *
 * Deduplication: an upload that declares its sha256 is linked to the staged data of an image of the same
 * project with that size (dedup_candidates), when its staging agent hashed it to that sha256: the bytes
 * are not stored twice, and the image takes the other's byte identity (finish_dedup).
 */
import type { DataSource } from 'typeorm';
import type { RequestContext } from '../common/context';
import { GimmingError, conflict } from '../common/errors';
import { getLogger } from '../common/log';
import { DB_NOW, dbTimeIn } from './db/clock';
import { ImageRow, TaskRow } from './db/entities';
import type { ImageQueries } from './image-queries';
import type { ProjectQuotas } from './quotas';
import type { ImageView, MethodArgs } from './rpc-schemas';
import { UPLOADING_STATES } from './tasks/upload-task';
import type { UploadService } from './uploads';

const log = getLogger('conductor.upload-resume');

/** The task stage of an upload cut short, kept to be resumed. */
export const SUSPENDED = 'suspended';

/** What HEAD /v1/images/{id}/file answers. */
export interface UploadOffsetView {
  state: 'none' | 'receiving' | 'suspended' | 'complete';
  offset: number;
  size: number | null;
}

export class UploadResume {
  constructor(
    private readonly db: DataSource,
    private readonly images: ImageQueries,
    private readonly uploads: UploadService,
    private readonly quotas: ProjectQuotas,
    /** Seconds an upload's lease lasts unrenewed ([conductor] task_lease_time). */
    private readonly leaseS: number,
  ) {}

  private uploadTask(imageId: string): Promise<TaskRow | null> {
    return this.db
      .getRepository(TaskRow)
      .createQueryBuilder('t')
      .where("t.image_id = :id AND t.type = 'upload' AND t.status IN (:...states)", {
        id: imageId,
        states: UPLOADING_STATES,
      })
      .orderBy('t.created_at', 'DESC')
      .getOne();
  }

  /** The upload was cut short with `offset` bytes staged: they are kept `keep_s` seconds to be resumed. */
  async suspend(ctx: RequestContext, args: MethodArgs<'suspend_upload'>): Promise<{ suspended: boolean }> {
    const image = await this.images.find(ctx, args.image_id);
    const done = await this.db
      .createQueryBuilder()
      .update(TaskRow)
      .set({
        stage: SUSPENDED,
        bytesDone: args.offset,
        leaseExpiresAt: dbTimeIn(args.keep_s),
        updatedAt: new Date(),
      })
      .where("image_id = :id AND type = 'upload' AND status IN (:...states)", {
        id: image.id,
        states: UPLOADING_STATES,
      })
      .andWhere('(stage IS NULL OR stage <> :suspended)', { suspended: SUSPENDED })
      .execute();
    log.info({ image_id: image.id, offset: args.offset, keep_s: args.keep_s }, 'upload suspended');
    return { suspended: Boolean(done.affected) };
  }

  /** How much of the image's data is staged, and whether an upload of it is arriving or suspended. */
  async offset(ctx: RequestContext, args: MethodArgs<'upload_offset'>): Promise<UploadOffsetView> {
    const image = await this.images.find(ctx, args.image_id);
    if (image.status === 'queued') return { state: 'none', offset: 0, size: null };
    if (image.status !== 'saving') {
      return {
        state: 'complete',
        offset: Number(image.size ?? 0),
        size: image.size === null ? null : Number(image.size),
      };
    }
    const task = await this.uploadTask(image.id);
    const total = task?.bytesTotal ?? null;
    return {
      state: task?.stage === SUSPENDED ? 'suspended' : 'receiving',
      offset: Number(task?.bytesDone ?? 0),
      size: total === null ? null : Number(total),
    };
  }

  /**
   * Takes back a suspended upload that continues at exactly its staged offset; refused (409
   * gimming.upload.offset_mismatch) otherwise, with the offset to continue at.
   */
  async resume(
    ctx: RequestContext,
    args: MethodArgs<'resume_upload'>,
  ): Promise<{ agent_address: string; limit_bytes: number | null; lease_s: number }> {
    const image = await this.images.find(ctx, args.image_id);
    return this.db.transaction(async (m) => {
      const taken = await m
        .createQueryBuilder()
        .update(TaskRow)
        .set({
          stage: null,
          leaseExpiresAt: dbTimeIn(this.leaseS),
          bytesTotal: args.size,
          updatedAt: new Date(),
        })
        .where("image_id = :id AND type = 'upload' AND status IN (:...states)", {
          id: image.id,
          states: UPLOADING_STATES,
        })
        .andWhere('stage = :suspended AND bytes_done = :offset', {
          suspended: SUSPENDED,
          offset: args.offset,
        })
        .andWhere(`lease_expires_at IS NOT NULL AND lease_expires_at >= ${DB_NOW}`)
        .execute();
      if (!taken.affected) {
        const now = await this.offset(ctx, { image_id: image.id });
        throw new GimmingError(
          'gimming.upload.offset_mismatch',
          409,
          now.state === 'suspended'
            ? `The upload of image ${image.id} continues at byte ${now.offset}, not ${args.offset}.`
            : now.state === 'receiving'
              ? `The upload of image ${image.id} is still arriving; ask for its offset again shortly.`
              : `No upload of image ${image.id} is interrupted: send its data from byte 0.`,
        );
      }
      const row = await m.findOneByOrFail(ImageRow, { id: image.id });
      await m.update(ImageRow, { id: image.id }, { stagingReserved: args.size });
      const room = await this.quotas.stagingRoom(m, image.owner, image.id);
      log.info({ image_id: image.id, offset: args.offset, size: args.size }, 'upload resumed');
      if (!row.stagingAgent)
        throw conflict('gimming.upload.offset_mismatch', 'The upload has no staging agent.');
      return { agent_address: row.stagingAgent, limit_bytes: room ?? null, lease_s: this.leaseS };
    });
  }

  /**
   * The staged images of the project that may hold the same bytes (same size), for the API to ask their
   * agents to link (LinkStaging checks the sha256). None unless the image waits for its data.
   */
  async candidates(
    ctx: RequestContext,
    args: MethodArgs<'dedup_candidates'>,
  ): Promise<{ candidates: { image_id: string; agent_address: string }[] }> {
    const image = await this.images.find(ctx, args.image_id);
    if (image.status !== 'queued') return { candidates: [] };
    const rows = await this.db
      .getRepository(ImageRow)
      .createQueryBuilder('i')
      .where('i.owner = :owner AND i.size = :size AND i.status = :active AND i.staging_agent IS NOT NULL', {
        owner: image.owner,
        size: args.size,
        active: 'active',
      })
      .andWhere('i.id <> :id', { id: image.id })
      .orderBy('i.updated_at', 'DESC')
      .limit(5)
      .getMany();
    return { candidates: rows.map((r) => ({ image_id: r.id, agent_address: r.stagingAgent as string })) };
  }

  /**
   * The image's data was linked on `agent_address` to the staged data of `source_image_id`: the image
   * takes that image's byte identity and its copies start.
   */
  async finishDedup(ctx: RequestContext, args: MethodArgs<'finish_dedup'>): Promise<ImageView> {
    const image = await this.images.find(ctx, args.image_id);
    const source = await this.db
      .getRepository(ImageRow)
      .findOneBy({ id: args.source_image_id, owner: image.owner });
    if (
      !source ||
      source.status !== 'active' ||
      source.stagingAgent !== args.agent_address ||
      source.size === null ||
      !source.checksum ||
      !source.osHashValue
    ) {
      throw conflict(
        'gimming.upload.not_deduplicated',
        `Image ${args.source_image_id} holds no staged data to share.`,
      );
    }
    const claimed = await this.db
      .createQueryBuilder()
      .update(ImageRow)
      .set({ status: 'saving', stagingAgent: args.agent_address, stagingReserved: 0, updatedAt: new Date() })
      .where('id = :id AND status = :queued', { id: image.id, queued: 'queued' })
      .execute();
    if (!claimed.affected) {
      throw conflict(
        'gimming.image.not_queued',
        `Image ${image.id} is ${image.status}: its data was already uploaded.`,
      );
    }
    image.status = 'saving';
    image.stagingAgent = args.agent_address;
    log.info({ image_id: image.id, source_image_id: source.id }, 'upload deduplicated');
    try {
      return await this.uploads.copyStaged(ctx, image, 'saving', {
        size: Number(source.size),
        checksum: source.checksum,
        sha512: source.osHashValue,
      });
    } catch (err) {
      await this.db
        .getRepository(ImageRow)
        .update(
          { id: image.id, status: 'saving' },
          { status: 'queued', stagingAgent: null, stagingReserved: null, updatedAt: new Date() },
        );
      throw err;
    }
  }
}
