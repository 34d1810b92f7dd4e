/**
 * What a finished copy is checked against, and the removal of a half-made one.
 */
import type { CopyImageRequest__Output } from '../../common/grpc/generated/gimming/agent/v2/CopyImageRequest';
import { compareDigests, digestMap } from '../../common/digests';
import { describeError } from '../../common/errors';
import { getLogger } from '../../common/log';
import type { CloudDriver, CloudSession, TransferProgress } from '../drivers/driver';
import type { CopyProof } from './proof';
import type { ImageDigests } from '../drivers/image';

const log = getLogger('agent.copy');

/** What a copy is checked against: the identity the conductor expects, and what the copy shows. */
export interface CopyCheck {
  problems: string[];
  /** The algorithms compared (every one both sides know). */
  compared: string[];
}

/**
 * Compares what proves the copy (the cloud's hashes or the agent's own) with what it must hold: the same
 * size, and every hash both sides know equal, with at least one compared. With `learn` (the request's
 * learn_identity: the source's identity is not known yet), a copy whose source exposes no hash is accepted
 * on its own digests, which must be there, and `compared` names every one of them: they are the identity
 * the conductor learns.
 */
export function verifyCopy(
  expect: CopyImageRequest__Output['expect'],
  got: { status: string; size: number; digests: ImageDigests },
  provenance = false,
  learn = false,
): CopyCheck {
  const problems: string[] = [];
  const compared: string[] = [];
  if (got.status !== 'active') problems.push(`status is ${got.status}, not active`);
  if (!expect) return { problems, compared };
  if (expect.size && got.size !== expect.size) {
    problems.push(`size ${String(got.size)} != ${String(expect.size)}`);
  }
  const expected = digestMap(expect.digests);
  const check = compareDigests(expected, got.digests);
  compared.push(...check.compared);
  problems.push(...check.problems);
  // A copy the cloud made itself is proven by its provenance: hashes it carried over must agree, none is
  // needed.
  if (provenance) return { problems, compared };
  if (learn && Object.keys(expected).length === 0) {
    const own = Object.keys(got.digests).filter((algo) => got.digests[algo]);
    if (own.length === 0) problems.push('the copy shows no hash to learn the image identity from');
    return { problems, compared: own };
  }
  if (Object.keys(expected).length === 0) problems.push('the source exposes no hash to compare with');
  else if (compared.length === 0) {
    problems.push(
      `the copy shows none of the source's hashes (${Object.keys(expected).join(', ')}) to compare with`,
    );
  }
  return { problems, compared };
}

export async function deleteQuietly(session: CloudSession, imageId: string, taskId: string): Promise<void> {
  try {
    await session.delete(imageId);
    log.info({ task_id: taskId, target_image_id: imageId }, 'half-made target image deleted');
  } catch (err) {
    log.error(
      { task_id: taskId, target_image_id: imageId, err: describeError(err) },
      'could not delete the half-made target image',
    );
  }
}

/**
 * A Progress event: bytes moved, and the stage the cloud works in after them (EC2's import), if any, with
 * its percentage (-1: none given) and the cloud's own word for where in it it is.
 */
export function progressEvent(done: number, total: number, stage: TransferProgress | undefined) {
  return {
    bytes_done: done,
    bytes_total: total,
    ...(stage
      ? {
          stage: stage.stage,
          stage_percent: stage.percent ?? -1,
          ...(stage.detail ? { stage_detail: stage.detail.slice(0, 255) } : {}),
        }
      : {}),
  };
}

/**
 * The ID a finished upload ends with: a cloud that makes the image only from its data (EC2's AMI)
 * answers another one than create's placeholder, which is then announced again (`announce`).
 */
export async function finalId(
  placeholder: string,
  uploaded: { id: string },
  announce: (id: string) => Promise<void>,
): Promise<string> {
  if (!uploaded.id || uploaded.id === placeholder) return placeholder;
  await announce(uploaded.id);
  return uploaded.id;
}

/** Keeps the agent's proof on a copy whose cloud reports no hashes, so a later check can prove it again. */
export async function keepProof(
  driver: CloudDriver,
  session: CloudSession,
  id: string,
  proof: CopyProof,
): Promise<void> {
  if (proof.by === 'agent' && driver.capabilities.recordsProof && session.recordProof) {
    await session.recordProof(id, { size: proof.size, digests: proof.digests });
  }
}
