/**
 * The copy task's side of a copy that starts while its upload arrives (live-copies.ts): the request asks
 * the target agent to read the staged data as it grows (CopyImageRequest.live_staging), with the declared
 * size if any and no digests (none is known yet); once the copy is made, the task waits for the upload's
 * final identity (finish_upload records it) and holds the copy's proof to it. A copy whose bytes differ is
 * deleted from its cloud and the task fails; a copy whose upload failed is deleted and its task removed.
 */
import type { DataSource } from 'typeorm';
import { GimmingError } from '../../common/errors';
import { getLogger } from '../../common/log';
import type { CopyOutcome } from '../agent-gateway';
import { compareBytes, digestMap, identityOf } from '../byte-identity';
import { ImageRow, TaskRow } from '../db/entities';
import { isLivePlan, removeLiveCopy } from '../live-copies';
import type { CopyPlan } from '../planner';
import { UPLOADING_STATES } from './upload-task';

const log = getLogger('conductor.copy');

/** A live copy's source: the upload still arriving, with the size it declared (0: none). */
export interface LiveSource {
  declaredSize: number;
}

/** How long a live copy waits for its upload's identity once its bytes are in (finish_upload's turn). */
const IDENTITY_WAIT_MS = 120_000;
const POLL_MS = 200;

/**
 * The live source of a copy task: its plan started it with the upload, and the upload still arrives.
 * `image` is read again first (and updated): an upload that ended meanwhile is copied whole, with its
 * identity. The declared size is the one the plan recorded (the upload's row may have ended since).
 */
export async function liveSourceOf(
  db: DataSource,
  task: Pick<TaskRow, 'plan' | 'sourceCloudId' | 'imageId'>,
  image: ImageRow,
): Promise<LiveSource | undefined> {
  if (task.sourceCloudId || !isLivePlan(task.plan)) return undefined;
  Object.assign(image, await db.getRepository(ImageRow).findOneByOrFail({ id: task.imageId }));
  if (image.status !== 'saving') return undefined;
  const live = (JSON.parse(task.plan as string) as CopyPlan).live;
  if (live?.uploadId) {
    // Its upload failed, and the image takes another: this copy must not read that one as its own.
    const upload = await db.getRepository(TaskRow).findOneBy({ id: live.uploadId });
    if (!upload || !UPLOADING_STATES.includes(upload.status)) {
      throw new GimmingError('gimming.upload.aborted', 409, 'The upload this copy started with failed.');
    }
  }
  if (live?.declaredSize !== undefined) return { declaredSize: live.declaredSize };
  // A plan recorded before the size was: the upload's row, while it runs.
  const upload = await db
    .getRepository(TaskRow)
    .createQueryBuilder('t')
    .where("t.image_id = :id AND t.type = 'upload' AND t.status IN (:...states)", {
      id: task.imageId,
      states: UPLOADING_STATES,
    })
    .orderBy('t.created_at', 'DESC')
    .getOne();
  const total = upload?.bytesTotal;
  return { declaredSize: total === null || total === undefined ? 0 : Number(total) };
}

/** How long a failed live copy waits for its upload to end, to tell whether the upload failed. */
const UPLOAD_END_WAIT_MS = 15_000;

/**
 * A live copy that failed because its upload failed is no copy of anything: it is removed with the upload
 * (live-copies.ts removeLiveCopy), and true answered. Its read fails as the upload does, a moment before
 * the upload is recorded failed: the upload's end is waited for (a while). False for any other failure.
 */
export async function dropIfUploadFailed(
  db: DataSource,
  task: Pick<TaskRow, 'id' | 'plan' | 'sourceCloudId' | 'imageId' | 'cloudId'>,
): Promise<boolean> {
  if (task.sourceCloudId || !isLivePlan(task.plan)) return false;
  const uploadId = (JSON.parse(task.plan as string) as CopyPlan).live?.uploadId;
  if (!uploadId) return false;
  // An image deleted meanwhile: its copies end as any copy it had (their end settles the deletion).
  const image = await db.getRepository(ImageRow).findOneBy({ id: task.imageId });
  if (!image || image.status === 'deleting' || image.status === 'deleted') return false;
  const until = Date.now() + UPLOAD_END_WAIT_MS;
  for (;;) {
    const upload = await db.getRepository(TaskRow).findOneBy({ id: uploadId });
    if (upload?.status === 'succeeded') return false;
    if (!upload || !UPLOADING_STATES.includes(upload.status)) break;
    // A suspended upload is not over: its copies wait, and fail (and retry) only for reasons of their own.
    if (upload.stage === 'suspended' || Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  await db.transaction((m) => removeLiveCopy(m, task));
  log.info(
    { task_id: task.id, image_id: task.imageId, upload_id: uploadId },
    'copy of a failed upload removed, with what it made',
  );
  return true;
}

/** The fields of a live copy's request (over `expect` and `learn_identity`). */
export function liveRequest(live: LiveSource) {
  return {
    live_staging: true,
    learn_identity: false,
    expect: { size: live.declaredSize, digests: [] },
  };
}

/**
 * Waits for the upload's final identity and checks the copy against it; answers the image as it is then.
 * `remove` deletes the copy from its cloud (on any failure here).
 */
export async function settleLiveCopy(
  db: DataSource,
  taskId: string,
  imageId: string,
  outcome: CopyOutcome,
  remove: () => Promise<unknown>,
  stopped: () => GimmingError | undefined,
): Promise<ImageRow> {
  const until = Date.now() + IDENTITY_WAIT_MS;
  // A forgotten image (deleted while it was uploaded) has no row: its copy goes.
  const read = () => db.getRepository(ImageRow).findOneBy({ id: imageId });
  let image: ImageRow | null;
  try {
    image = await read();
    while (image?.status === 'saving' && Date.now() < until) {
      const stop = stopped();
      if (stop) throw stop;
      await new Promise((r) => setTimeout(r, POLL_MS));
      image = await read();
    }
    // A copy of an upload that failed meanwhile was removed with it (dropIfUploadFailed): not kept.
    const still = await db.getRepository(TaskRow).existsBy({ id: taskId });
    if (!still || image?.status !== 'active') {
      throw new GimmingError(
        'gimming.upload.aborted',
        409,
        still && image?.status === 'saving'
          ? 'The upload this copy read did not end in time.'
          : 'The upload this copy read did not complete: its copy was deleted.',
      );
    }
    const shown = {
      size: outcome.image.size > 0 ? outcome.image.size : null,
      digests: digestMap(outcome.learned.length > 0 ? outcome.learned : outcome.image.digests),
    };
    const { verdict, problems } = compareBytes(identityOf(image), shown);
    if (verdict !== 'same') {
      throw new GimmingError(
        'gimming.copy.mismatch',
        502,
        verdict === 'different'
          ? `The copy does not match the upload: ${problems.join('; ')}.`
          : 'The copy shows no hash to compare with the upload.',
      );
    }
  } catch (err) {
    await remove().catch(() => undefined);
    throw err;
  }
  log.info(
    { image_id: imageId, remote_id: outcome.image.id },
    'copy made during its upload proven equal to it',
  );
  return image;
}
