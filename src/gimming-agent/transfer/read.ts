/**
 * The source side of a copy: streams an image's data out of this agent's cloud to the agent that asked,
 * in framed chunks of `chunk_size` bytes, at the pace the receiver's flow-control window allows.
 */
import { pipeline } from 'node:stream/promises';
import type * as grpc from '@grpc/grpc-js';
import type { RequestContext } from '../../common/context';
import { GimmingError } from '../../common/errors';
import { ChunkFramer } from '../../common/grpc/frame';
import type { ReadImageRequest__Output } from '../../common/grpc/generated/gimming/agent/v2/ReadImageRequest';
import { getLogger } from '../../common/log';
import type { DriverRegistry } from '../drivers/registry';
import type { Readable } from 'node:stream';
import type { StagingStore } from '../staging/store';
import type { TransferMeter } from '../metrics';
import { BoundedWriter } from './stream-writes';
import { throttled } from './token-bucket';
import { type ShareRequest, type SharedReads, type SourceOpener } from './shared-read';

/** Data chunks handed to gRPC but not yet to the HTTP/2 session. */
const WRITES_IN_FLIGHT = 4;

const log = getLogger('agent.read');

/**
 * The group a read belongs to (ReadShare), bound to the source and to the caller: only the same user and
 * project reading the same image share a read.
 */
export function shareOf(
  ctx: RequestContext,
  req: Pick<ReadImageRequest__Output, 'share' | 'cloud' | 'image_id' | 'from_staging'>,
): ShareRequest | undefined {
  if (!req.share?.key || req.share.readers < 2) return undefined;
  const source = req.from_staging ? 'staging' : `cloud:${req.cloud?.id ?? ''}`;
  return {
    key: [req.share.key, ctx.userId ?? '', ctx.projectId ?? '', source, req.image_id].join('|'),
    readers: req.share.readers,
  };
}

/** Opens an image's staged data, from an offset; `live`: while its upload may still arrive (live.ts). */
export function stagingOpener(staging: StagingStore, imageId: string, live = false): SourceOpener {
  return async (start) => ({
    stream: live ? staging.openLive(imageId, start) : staging.open(imageId, start),
    start,
  });
}

export async function serveRead(
  ctx: RequestContext,
  call: grpc.ServerWritableStream<ReadImageRequest__Output, Buffer>,
  drivers: DriverRegistry,
  chunkSize: number,
  staging: StagingStore,
  shared: SharedReads,
  meter?: TransferMeter,
): Promise<void> {
  const req = call.request;
  let data: Readable;
  let announced: number | undefined;
  // A cancel while the cloud still prepares the data (EC2 exports it first) reaches the driver.
  const aborter = new AbortController();
  const onEarlyCancel = () => aborter.abort();
  call.once('cancelled', onEarlyCancel);
  try {
    const share = shareOf(ctx, req);
    ({ stream: data, announcedLength: announced } = await shared.open(
      share,
      req.from_staging ? 'staging' : 'cloud',
      req.from_staging
        ? stagingOpener(staging, req.image_id, req.live_staging)
        : async (_start, signal) => {
            const { session } = await drivers.open(ctx, req.cloud);
            // The driver refuses an image without data (queued, deactivated, killed) with a clear error.
            const opened = await session.openRead(req.image_id, { signal });
            return { ...opened, start: 0 };
          },
      aborter.signal,
    ));
  } finally {
    call.off('cancelled', onEarlyCancel);
  }
  // The reader's cap (its copy's max_bandwidth), after any shared read: each reader is held to its own.
  if (req.max_bandwidth > 0) data = throttled(data, req.max_bandwidth).stream;
  const onCancel = () => data.destroy(new Error('the caller cancelled the read'));
  call.once('cancelled', onCancel);
  if (call.cancelled) onCancel();
  const started = Date.now();
  const framer = new ChunkFramer(chunkSize);
  const writer = new BoundedWriter(call, WRITES_IN_FLIGHT);
  let counted = 0;
  const count = () => {
    meter?.bytes('out', framer.bytesIn - counted);
    counted = framer.bytesIn;
  };
  try {
    await pipeline(data, framer, async (framed: AsyncIterable<Buffer>) => {
      for await (const chunk of framed) {
        await writer.write(chunk, () => framer.release(chunk));
        count();
      }
    });
  } finally {
    count();
    call.off('cancelled', onCancel);
  }
  const bytes = framer.bytesIn;
  const short = shortRead(bytes, announced, req.image_id);
  if (short) throw short;
  const seconds = (Date.now() - started) / 1000;
  log.info({ image_id: req.image_id, bytes, seconds }, 'image data sent');
}

/**
 * The error of a read that ended at `bytes` where its cloud announced `announced` (a cut connection looks
 * like a clean end to a stream); undefined when they agree or nothing was announced. One rule for every
 * reader of a cloud's image: ReadImage, ReadImageDelta and a target agent's direct read.
 */
export function shortRead(
  bytes: number,
  announced: number | undefined,
  imageId: string,
): GimmingError | undefined {
  if (announced === undefined || bytes === announced) return undefined;
  return new GimmingError(
    'gimming.cloud.short_read',
    502,
    `The cloud sent ${bytes} of the ${announced} bytes of image ${imageId}.`,
    { retryable: true },
  );
}
