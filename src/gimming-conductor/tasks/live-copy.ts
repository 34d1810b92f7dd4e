/**
 * The copy task's side of a copy that starts while its upload arrives (live-copies.ts): the request asks
 * the target agent to read the staged data as it grows (CopyImageRequest.live_staging), with the declared
 * size if any and no digests (none is known yet); once the copy is made, the task waits for the upload's
 * final identity (finish_upload records it) and holds the copy's proof to it. A copy whose upload failed
 * meanwhile, or whose bytes differ, is deleted from its cloud and the task fails.
 */
import type { DataSource } from 'typeorm';
import { GimmingError } from '../../common/errors';
import { getLogger } from '../../common/log';
import type { CopyOutcome } from '../agent-gateway';
import { compareBytes, digestMap, identityOf } from '../byte-identity';
import { ImageRow, TaskRow } from '../db/entities';
import { isLivePlan } from '../live-copies';
import { UPLOADING_STATES } from './upload-task';

const log = getLogger('conductor.copy');

/** A live copy's source: the upload still arriving, with the size it declared (0: none). */
export interface LiveSource {
  declaredSize: number;
}

/** How long a live copy waits for its upload's identity once its bytes are in (finish_upload's turn). */
const IDENTITY_WAIT_MS = 120_000;
const POLL_MS = 200;

/** The live source of a copy task: its plan started it with the upload, and the upload still arrives. */
export async function liveSourceOf(
  db: DataSource,
  task: Pick<TaskRow, 'plan' | 'sourceCloudId' | 'imageId'>,
  image: Pick<ImageRow, 'status'>,
): Promise<LiveSource | undefined> {
  if (task.sourceCloudId || image.status !== 'saving' || !isLivePlan(task.plan)) return undefined;
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
  imageId: string,
  outcome: CopyOutcome,
  remove: () => Promise<unknown>,
  stopped: () => GimmingError | undefined,
): Promise<ImageRow> {
  const until = Date.now() + IDENTITY_WAIT_MS;
  let image = await db.getRepository(ImageRow).findOneByOrFail({ id: imageId });
  try {
    while (image.status === 'saving' && Date.now() < until) {
      const stop = stopped();
      if (stop) throw stop;
      await new Promise((r) => setTimeout(r, POLL_MS));
      image = await db.getRepository(ImageRow).findOneByOrFail({ id: imageId });
    }
    if (image.status !== 'active') {
      throw new GimmingError(
        'gimming.upload.aborted',
        409,
        image.status === 'saving'
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
