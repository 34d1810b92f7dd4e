/**
 * The source side of a copy: streams an image's data out of this agent's cloud to the agent that asked,
 * in framed chunks of `chunk_size` bytes, at the pace the receiver's flow-control window allows.
 */
import { pipeline } from 'node:stream/promises';
import type * as grpc from '@grpc/grpc-js';
import type { RequestContext } from '../../common/context';
import { GimmingError } from '../../common/errors';
import { ChunkFramer } from '../../common/grpc/frame';
import type { ReadImageRequest__Output } from '../../common/grpc/generated/gimming/agent/v1/ReadImageRequest';
import { getLogger } from '../../common/log';
import { type CloudAccessOptions, glanceFor } from '../clouds';
import { writeWithBackpressure } from './stream-writes';

const log = getLogger('agent.read');

export async function serveRead(
  ctx: RequestContext,
  call: grpc.ServerWritableStream<ReadImageRequest__Output, Buffer>,
  access: CloudAccessOptions,
  chunkSize: number,
): Promise<void> {
  const req = call.request;
  const glance = glanceFor(ctx, req.cloud, access);
  const image = await glance.getImage(req.image_id);
  if (image.status !== 'active') {
    throw new GimmingError(
      'gimming.remote_image.not_active',
      409,
      `Image ${req.image_id} is ${image.status}, not active; its data cannot be read.`,
    );
  }
  const data = await glance.openData(req.image_id);
  const onCancel = () => data.destroy(new Error('the caller cancelled the read'));
  call.once('cancelled', onCancel);
  const started = Date.now();
  const framer = new ChunkFramer(chunkSize);
  try {
    await pipeline(data, framer, async (framed: AsyncIterable<Buffer>) => {
      for await (const chunk of framed) {
        await writeWithBackpressure(call, chunk);
      }
    });
  } finally {
    call.off('cancelled', onCancel);
  }
  const bytes = framer.bytesIn;
  if (image.size && bytes < image.size) {
    throw new GimmingError(
      'gimming.cloud.short_read',
      502,
      `The cloud returned fewer bytes than image ${req.image_id} holds.`,
      {
        retryable: true,
      },
    );
  }
  const seconds = (Date.now() - started) / 1000;
  log.info({ image_id: req.image_id, bytes, seconds }, 'image data sent');
}
