/**
 * What an earlier attempt of a copy (of a conductor or agent that went away) left in its target: a finished
 * copy is taken as it is, anything else is deleted, so that the target ends with exactly one copy.
 */
import type { RequestContext } from '../../common/context';
import type { Image__Output as RemoteImage__Output } from '../../common/grpc/generated/gimming/agent/v2/Image';
import { getLogger } from '../../common/log';
import type { AgentGateway } from '../agent-gateway';
import { IMAGE_ID_PROPERTY, copyVerdict, sameBytes } from '../byte-identity';
import type { CloudRow, ImageRow } from '../db/entities';

const log = getLogger('conductor.copy');

/** Deletes the leftovers of earlier attempts; answers a finished copy among them, if any. */
export async function settleLeftovers(
  gateway: AgentGateway,
  ctx: RequestContext,
  taskId: string,
  image: ImageRow,
  target: CloudRow,
  address: string,
): Promise<RemoteImage__Output | undefined> {
  const tagged = await gateway.listImages(ctx, address, target, { [IMAGE_ID_PROPERTY]: image.id });
  // A copy converted on the way holds other bytes by design: its recorded conversion proves it.
  const good = tagged.find(
    (t) => t.status === 'active' && (sameBytes(image, t) || copyVerdict(image, t) === 'converted'),
  );
  for (const leftover of tagged.filter((t) => t !== good)) {
    await gateway.deleteImage(ctx, address, target, leftover.id);
    log.info(
      { task_id: taskId, cloud: target.name, remote_id: leftover.id, status: leftover.status },
      'deleted what an earlier attempt left',
    );
  }
  if (good) {
    log.info(
      { task_id: taskId, cloud: target.name, remote_id: good.id },
      'an earlier attempt finished the copy',
    );
  }
  return good;
}
