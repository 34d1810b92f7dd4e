/**
 * The GIMinG tag on remote images (the image ID in a property), by which copies are found again.
 */
import type { RequestContext } from '../common/context';
import { describeError } from '../common/errors';
import { getLogger } from '../common/log';
import type { AgentGateway } from './agent-gateway';
import { IMAGE_ID_PROPERTY } from './byte-identity';
import type { CloudRow } from './db/entities';

const log = getLogger('conductor.images');

export class RemoteTags {
  constructor(private readonly gateway: AgentGateway) {}

  /** Removes the GIMinG tag from a remote image, if it still carries this image's ID. Best effort. */
  async untag(
    ctx: RequestContext,
    address: string,
    cloud: CloudRow,
    remoteId: string,
    imageId: string,
  ): Promise<void> {
    try {
      const remote = await this.gateway.describeImage(ctx, address, cloud, remoteId);
      if (remote.properties[IMAGE_ID_PROPERTY] === imageId) {
        await this.gateway.setImageProperties(ctx, address, cloud, remoteId, { [IMAGE_ID_PROPERTY]: '' });
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
      await this.gateway.setImageProperties(ctx, address, cloud, remoteId, { [IMAGE_ID_PROPERTY]: imageId });
    } catch (err) {
      log.warn(
        { image_id: imageId, cloud: cloud.name, remote_id: remoteId, reason: describeError(err) },
        'could not tag the remote image',
      );
    }
  }
}
