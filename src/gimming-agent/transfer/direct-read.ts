/**
 * A copy's source read by the target agent itself ([agent] direct_read_zones): where this agent reaches
 * the source zone's clouds over the network, it opens the source image with its own session (the
 * caller's token, as the source agent would) and uploads the bytes as they arrive. One agent and no gRPC
 * stream on the byte path instead of two agents and TLS between them: the path of a `curl GET | curl PUT`
 * pipe. The proof is the same as for any copy (the target cloud's hashes, or the agent's own, against the
 * source's identity); a read that ends short of the length the cloud announced fails the copy.
 */
import { PassThrough, type Readable } from 'node:stream';
import type { RequestContext } from '../../common/context';
import { GimmingError, describeError } from '../../common/errors';
import type { CopyImageRequest__Output } from '../../common/grpc/generated/gimming/agent/v2/CopyImageRequest';
import type { DriverRegistry } from '../drivers/registry';
import type { ByteSource, CopyOptions } from './copy-types';
import { shortRead } from './read';

/**
 * Whether this agent reads the copy's source itself: a cloud source of a zone it reaches, a driver of its
 * type loaded here, and no read shared with other copies (those are served once by the source agent).
 */
export function readsDirectly(req: CopyImageRequest__Output, opts: CopyOptions): boolean {
  const zones = opts.directReadZones ?? [];
  if (zones.length === 0 || req.source_is_staging || !req.source || !req.source_zone) return false;
  if (req.read_share?.key && req.read_share.readers >= 2) return false;
  if (!opts.drivers.driver(req.source.type)) return false;
  return zones.includes('*') || zones.includes(req.source_zone);
}

/**
 * The source image's data, read from its cloud by this agent: a pass-through that the read fills once it
 * is open (the caller creates the target image meanwhile), with the read's backpressure.
 */
export function directSource(
  ctx: RequestContext,
  req: CopyImageRequest__Output,
  drivers: DriverRegistry,
): ByteSource {
  const cloud = req.source?.name ?? '';
  const through = new PassThrough({ highWaterMark: 1024 * 1024 });
  const aborter = new AbortController();
  let reader: Readable | undefined;
  const fail = (err: unknown) => {
    reader?.destroy();
    through.destroy(
      err instanceof GimmingError
        ? err
        : new GimmingError(
            'gimming.cloud.unreachable',
            503,
            `Reading image ${req.source_image_id} from cloud ${cloud} failed: ${describeError(err)}.`,
            { retryable: true, cause: err },
          ),
    );
  };
  (async () => {
    const { session } = await drivers.open(ctx, req.source);
    return session.openRead(req.source_image_id, { signal: aborter.signal });
  })().then(
    ({ stream, announcedLength }) => {
      reader = stream;
      if (aborter.signal.aborted) {
        stream.destroy();
        return;
      }
      let bytes = 0;
      stream.on('data', (chunk: Buffer) => (bytes += chunk.length));
      stream.once('error', fail);
      stream.once('end', () => {
        const short = shortRead(bytes, announcedLength, req.source_image_id);
        if (short) fail(short);
        else through.end();
      });
      stream.pipe(through, { end: false });
    },
    (err: unknown) => {
      if (!aborter.signal.aborted) fail(err);
    },
  );
  through.once('close', () => reader?.destroy());
  return {
    stream: through,
    cancel: () => {
      aborter.abort();
      reader?.destroy();
      through.destroy(new Error('the copy was cancelled'));
    },
    peer: `cloud ${cloud}`,
  };
}
