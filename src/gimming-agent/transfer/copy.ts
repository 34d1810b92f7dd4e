/**
 * The target side of a copy: create the image in this agent's cloud, pull the data from the source
 * agent over a gRPC stream and upload it while it arrives (one pipeline, never the whole image in memory),
 * then prove the copy equal to the source: with the hashes the cloud computed on upload when its driver
 * says it reports them, or else with hashes this agent computes over the bytes while it writes them.
 *
 * Whatever goes wrong after the image was created (the source stream breaks, the upload fails, the hashes
 * differ, the caller cancels), the half-made image is deleted before the error is reported.
 */
import { PassThrough, type Readable, getDefaultHighWaterMark, setDefaultHighWaterMark } from 'node:stream';
import type * as grpc from '@grpc/grpc-js';
import type { RequestContext } from '../../common/context';
import { digestMap } from '../../common/digests';
import { CONVERTIBLE_FORMATS, conversionTarget } from '../../common/disk-formats';
import { GimmingError, describeError } from '../../common/errors';
import { agentClient } from '../../common/grpc/agent-client';
import { contextToMetadata } from '../../common/grpc/context-metadata';
import { fromServiceError } from '../../common/grpc/errors';
import type { AgentClient } from '../../common/grpc/loader';
import type { CopyEvent } from '../../common/grpc/generated/gimming/agent/v2/CopyEvent';
import type { CopyImageRequest__Output } from '../../common/grpc/generated/gimming/agent/v2/CopyImageRequest';
import type { ReadImageRequest } from '../../common/grpc/generated/gimming/agent/v2/ReadImageRequest';
import { getLogger } from '../../common/log';
import type { CloudDriver, CloudSession, ImageSpec, TransferProgress } from '../drivers/driver';
import type { CloudImage } from '../drivers/image';
import { toProof, toRemoteImage } from '../remote-image';
import { type CopyProof, InFlightDigests, proofOf } from './proof';
import { writeWithBackpressure } from './stream-writes';
import type { ByteSource, CopyOptions, CopyResult } from './copy-types';
import { deleteQuietly, finalId, keepProof, progressEvent, verifyCopy } from './copy-check';
import { type ConvertedBytes, runConvertedCopy } from './converted-copy';
import { shareOf, stagingOpener } from './read';
import { openDeltaSource } from './delta';
import { directSource, readsDirectly } from './direct-read';
import type { SharedReads } from './shared-read';
import type { StagingStore } from '../staging/store';
import { throttled } from './token-bucket';

export type { ByteSource, CopyOptions, CopyResult } from './copy-types';
export { type CopyCheck, verifyCopy } from './copy-check';

const log = getLogger('agent.copy');

/**
 * How many data messages (of the source's chunk size, 1 MiB by default) the pulled stream may hold ahead of
 * the upload. grpc-js reads ahead up to the highWaterMark of its client stream, which is Node's object-mode
 * default (16) and has no option; the flow-control window lets as much again wait in the HTTP/2 session.
 * Measured with tools/bench/sync (1 GiB, 5 repeats, several sets): with 4 the target agent's peak RSS was
 * 118-129 MiB instead of 122-165 MiB, at the same speed; the upload to the cloud is the slower side, so a
 * deeper read-ahead only holds memory.
 */
const READ_AHEAD_MESSAGES = 4;

/**
 * Starts ReadImage on the source agent with a read-ahead of READ_AHEAD_MESSAGES. grpc-js builds its stream
 * synchronously inside the call, taking Node's default object-mode highWaterMark of the moment, so the
 * default is lowered for that call only.
 *
 * The stream is read from at once (`read(0)` starts filling its buffer and consumes nothing), although the
 * upload that consumes it starts only once the target image exists. grpc-js (1.14) pauses the HTTP/2 stream
 * only when it hands a message to a reader: until the first read it queues every message that arrives and
 * leaves the stream flowing, so the window keeps reopening, and it goes on queueing until that queue is
 * empty. A staged file is read faster than the cloud takes the upload, so the queue never emptied and the
 * pulling agent held most of the image (peak RSS 450-500 MiB for 512 MiB, 1.6 GiB for 2 GiB).
 */
export function openSourceStream(
  peer: AgentClient,
  request: ReadImageRequest,
  metadata: grpc.Metadata,
): grpc.ClientReadableStream<Buffer> {
  const previous = getDefaultHighWaterMark(true);
  setDefaultHighWaterMark(true, READ_AHEAD_MESSAGES);
  let call: grpc.ClientReadableStream<Buffer>;
  try {
    // The loader's ReadImage deserializer yields the chunk's data itself (see common/grpc/loader.ts).
    call = peer.ReadImage(request, metadata) as unknown as grpc.ClientReadableStream<Buffer>;
  } finally {
    setDefaultHighWaterMark(true, previous);
  }
  call.read(0);
  return call;
}

function openSource(ctx: RequestContext, req: CopyImageRequest__Output, opts: CopyOptions): ByteSource {
  let source: ByteSource;
  if (req.source_is_staging && opts.local && req.source_agent_address === opts.local.address()) {
    // No gRPC stream from this process to itself: read the staged file (with the copies of the same
    // request that pull it from this agent, when it shares reads).
    const shared = opts.local.shared;
    const share = req.read_share ?? undefined;
    if (shared && share?.key) {
      source = localSharedSource(ctx, req, shared, opts.local.staging);
    } else {
      // An upload still arriving is followed as it grows (staging/live.ts).
      const stream = req.live_staging
        ? opts.local.staging.openLive(req.source_image_id)
        : opts.local.staging.open(req.source_image_id);
      source = {
        stream,
        cancel: () => stream.destroy(new Error('the copy was cancelled')),
        peer: 'this agent',
      };
    }
  } else if (readsDirectly(req, opts)) {
    // This agent reaches the source zone's cloud itself ([agent] direct_read_zones): no second agent.
    source = directSource(ctx, req, opts.drivers);
  } else {
    const call = openSourceStream(
      agentClient(req.source_agent_address, opts.peer),
      {
        cloud: req.source,
        image_id: req.source_image_id,
        from_staging: req.source_is_staging,
        ...(req.source_is_staging && req.live_staging ? { live_staging: true } : {}),
        ...(req.read_share?.key ? { share: req.read_share } : {}),
        // The source agent holds its send to the cap too, so its read of the cloud runs no faster.
        ...(req.max_bandwidth > 0 ? { max_bandwidth: req.max_bandwidth } : {}),
      },
      contextToMetadata(ctx),
    );
    source = { stream: call, cancel: () => call.cancel(), peer: req.source_agent_address };
  }
  // The copy's cap (max_bandwidth) holds what this agent pulls, so also what it writes to the target.
  if (req.max_bandwidth > 0) source = capped(req, source);
  // The source may fail or be cancelled before the upload listens to it (while the target image is
  // created): an 'error' nobody listens to would end the agent. pullAndUpload reads the error itself.
  // Its first failure is kept, so that one that came before anyone listened is not lost.
  const kept = source;
  source.stream.on('error', (err) => {
    kept.failure ??= err;
  });
  return source;
}

/** A source held to the copy's cap by a token bucket; the bucket's account is logged at the end. */
function capped(req: CopyImageRequest__Output, source: ByteSource): ByteSource {
  const raw = source.stream;
  // An error of the raw stream before anyone listens must not end the agent: throttled() forwards it.
  raw.on('error', () => undefined);
  const { stream, bucket } = throttled(raw, req.max_bandwidth);
  stream.once('close', () => {
    if (!bucket) return;
    log.info(
      {
        task_id: req.task_id,
        max_bandwidth: bucket.rate,
        bytes: bucket.bytes,
        throttled_ms: Math.round(bucket.waitedMs),
      },
      'copy held to its bandwidth cap',
    );
  });
  return { ...source, stream };
}

/**
 * This agent's staged data, read once for the copies of a request (shared-read.ts): the reader is a
 * pass-through that the shared read fills once it is open.
 */
function localSharedSource(
  ctx: RequestContext,
  req: CopyImageRequest__Output,
  shared: SharedReads,
  staging: StagingStore,
): ByteSource {
  const through = new PassThrough({ highWaterMark: 1024 * 1024 });
  let reader: Readable | undefined;
  let cancelled = false;
  const share = shareOf(ctx, {
    share: req.read_share,
    cloud: null,
    image_id: req.source_image_id,
    from_staging: true,
  });
  shared.open(share, 'staging', stagingOpener(staging, req.source_image_id, req.live_staging)).then(
    ({ stream }) => {
      reader = stream;
      if (cancelled) {
        stream.destroy();
        return;
      }
      stream.on('error', (err) => through.destroy(err));
      stream.pipe(through);
    },
    (err: unknown) => through.destroy(err instanceof Error ? err : new Error(String(err))),
  );
  through.once('close', () => reader?.destroy());
  return {
    stream: through,
    cancel: () => {
      cancelled = true;
      reader?.destroy();
      through.destroy(new Error('the copy was cancelled'));
    },
    peer: 'this agent',
  };
}

export async function runCopy(
  ctx: RequestContext,
  call: grpc.ServerWritableStream<CopyImageRequest__Output, CopyEvent>,
  opts: CopyOptions,
): Promise<CopyResult> {
  const req = call.request;
  if (
    !req.image ||
    (!req.source && !req.source_is_staging) ||
    !req.target ||
    !req.source_agent_address ||
    !req.source_image_id
  ) {
    throw new GimmingError('gimming.agent.bad_request', 400, 'A copy needs a source, a target and an image.');
  }
  const { driver, session } = await opts.drivers.open(ctx, req.target);
  const spec: ImageSpec = {
    name: req.image.name,
    disk_format: req.image.disk_format,
    container_format: req.image.container_format,
    visibility: req.image.visibility,
    min_disk: req.image.min_disk,
    min_ram: req.image.min_ram,
    properties: req.image.properties,
    tags: req.image.tags,
  };
  if (
    req.source &&
    !req.source_is_staging &&
    !req.stream_through_agents &&
    session.copyNative &&
    (session.nativeCopyFrom
      ? await session.nativeCopyFrom(req.source)
      : driver.capabilities.nativeCopy.includes(req.source.type))
  ) {
    return runNativeCopy(call, session, spec);
  }
  const convertFrom = await conversionNeeded(req, session, spec, opts);
  if (convertFrom && req.live_staging) {
    // The conductor plans live copies only where no conversion is needed; the cloud's own list said
    // otherwise: the copy fails, and its retry reads the complete upload.
    throw new GimmingError(
      'gimming.copy.live_needs_whole',
      409,
      `The copy must be converted (${convertFrom} to ${spec.disk_format}), which needs the whole upload first.`,
      { retryable: true },
    );
  }
  if (convertFrom) {
    // An incremental converted copy: the base holds converted bytes, so the source agent converts the
    // source and compares the converted blocks; only those that differ come here (delta.ts).
    const prepared = req.incremental_from?.image_id
      ? () => convertedDelta(ctx, call, session, opts, { from: convertFrom, to: spec.disk_format })
      : undefined;
    return runConvertedCopy(
      call,
      opts.conversion,
      driver,
      session,
      spec,
      convertFrom,
      () => openSource(ctx, req, opts),
      opts,
      prepared,
    );
  }
  // An incremental copy hashes its base first (delta.ts), then pulls only the blocks that differ.
  const incremental = req.incremental_from?.image_id;
  // Start pulling while the image is created: meanwhile the stream waits in its read-ahead and the
  // flow-control window (see openSourceStream).
  const source = incremental ? await openDeltaSource(ctx, call, session, opts) : openSource(ctx, req, opts);
  // A cancel may come at any time, also before the upload listens for one.
  let cancelled = false;
  const onEarlyCancel = () => {
    cancelled = true;
    source.cancel();
  };
  call.once('cancelled', onEarlyCancel);
  let targetId: string;
  try {
    targetId = await session.create(spec);
  } catch (err) {
    call.off('cancelled', onEarlyCancel);
    source.cancel();
    throw err;
  }
  if (cancelled || call.cancelled || call.destroyed) {
    call.off('cancelled', onEarlyCancel);
    await deleteQuietly(session, targetId, req.task_id);
    throw new GimmingError('gimming.task.cancelled', 409, 'The copy was cancelled.');
  }
  log.info(
    { task_id: req.task_id, target_image_id: targetId, cloud: req.target.name },
    'target image created',
  );
  try {
    await writeWithBackpressure(call, { created: { image_id: targetId } });
    const moved = await pullAndUpload(call, driver, session, targetId, source, opts);
    targetId = await finalId(targetId, moved.image, (id) =>
      writeWithBackpressure(call, { created: { image_id: id } }),
    );
    // The copy as the cloud has it, with the digests that prove it: the cloud's, or the agent's own.
    // A cloud that reports no size is held to the bytes the agent wrote.
    const size = moved.image.size || moved.proof.size;
    const shown = { ...moved.image, size, digests: moved.proof.digests };
    // A live copy's source identity is known only once the upload ends: the conductor checks it then.
    const { problems, compared } = verifyCopy(
      req.expect,
      shown,
      false,
      req.learn_identity || req.live_staging,
    );
    const copied = toRemoteImage(shown);
    if (problems.length > 0) {
      throw new GimmingError(
        'gimming.copy.mismatch',
        502,
        `The copy in cloud ${req.target.name} does not match the source: ${problems.join('; ')}.`,
        {
          details: {
            expected: { size: req.expect?.size, digests: digestMap(req.expect?.digests) },
            actual: { size: shown.size, digests: shown.digests },
            proof: moved.proof.by,
          },
        },
      );
    }
    await keepProof(driver, session, targetId, moved.proof);
    log.info(
      {
        task_id: req.task_id,
        target_image_id: targetId,
        proof: moved.proof.by,
        hashes: Object.keys(moved.proof.digests),
      },
      'copy proven equal to its source',
    );
    opts.meter?.copyFinished(moved.bytes, moved.seconds);
    await writeWithBackpressure(call, { done: { image: copied, proof: toProof(moved.proof, compared) } });
    return { image: copied, proof: moved.proof };
  } catch (err) {
    await deleteQuietly(session, targetId, req.task_id);
    throw err;
  } finally {
    call.off('cancelled', onEarlyCancel);
  }
}

/** The rebuilt converted bytes of an incremental converted copy, with the identity the source agent sent. */
async function convertedDelta(
  ctx: RequestContext,
  call: grpc.ServerWritableStream<CopyImageRequest__Output, CopyEvent>,
  session: CloudSession,
  opts: CopyOptions,
  conversion: { from: string; to: string },
): Promise<ConvertedBytes> {
  const source = await openDeltaSource(ctx, call, session, opts, conversion);
  const identity = source.converted!;
  return {
    size: Number(identity.converted?.size ?? 0),
    digests: digestMap(identity.converted?.digests),
    source: { size: Number(identity.source?.size ?? 0), digests: digestMap(identity.source?.digests) },
    open: () => source.stream,
    release: async () => {
      if (!source.stream.readableEnded) source.cancel();
    },
  };
}

/**
 * The disk format the source's bytes are converted from, or '' when they are copied as they are: as the
 * conductor planned (convert_from), or because the target cloud's own list refuses the format (a Glance
 * zone's disk_formats, read from the cloud at copy time); `spec.disk_format` is then the one converted to.
 */
async function conversionNeeded(
  req: CopyImageRequest__Output,
  session: CloudSession,
  spec: ImageSpec,
  opts: CopyOptions,
): Promise<string> {
  if (req.convert_from && req.convert_from !== spec.disk_format) return req.convert_from;
  if (!session.diskFormats) return '';
  let accepted: readonly string[];
  try {
    accepted = await session.diskFormats();
  } catch (err) {
    // Not knowing the cloud's own list is no reason to fail the copy: the cloud refuses what it takes not.
    log.warn({ task_id: req.task_id, err: describeError(err) }, "the cloud's disk formats could not be read");
    return '';
  }
  const to = conversionTarget(spec.disk_format, accepted, opts.conversion ? CONVERTIBLE_FORMATS : []);
  if (to === null) return '';
  if (to === undefined) {
    throw new GimmingError(
      'gimming.cloud.cannot_copy',
      409,
      `Cloud ${session.cloudName} takes no ${spec.disk_format} images (${accepted.join(', ')})` +
        (opts.conversion ? ', and no conversion serves it.' : ', and this agent converts none.'),
    );
  }
  const from = spec.disk_format;
  spec.disk_format = to;
  return from;
}

async function pullAndUpload(
  call: grpc.ServerWritableStream<CopyImageRequest__Output, CopyEvent>,
  driver: CloudDriver,
  session: CloudSession,
  targetId: string,
  source: ByteSource,
  opts: CopyOptions,
): Promise<{ bytes: number; seconds: number; image: CloudImage; proof: CopyProof }> {
  const req = call.request;
  const total = req.expect?.size ?? 0;
  let done = 0;
  let sourceError: GimmingError | undefined;
  const meter = opts.meter;
  // Only for a cloud that reports no hashes: Glance's path hashes nothing here.
  const digests = InFlightDigests.forTarget(driver.capabilities, digestMap(req.expect?.digests));
  source.stream.on('data', (chunk: Buffer) => {
    done += chunk.length;
    digests?.update(chunk);
    meter?.bytes('in', chunk.length);
  });
  source.stream.on('error', (err) => {
    sourceError = fromServiceError(err, source.peer);
  });
  const aborter = new AbortController();
  const onCancel = () => {
    aborter.abort();
    source.cancel();
  };
  call.once('cancelled', onCancel);
  let stage: TransferProgress | undefined;
  const ticker = setInterval(() => {
    if (!call.cancelled) call.write({ progress: progressEvent(done, total, stage) });
  }, opts.progressIntervalMs);
  const started = Date.now();
  let image: CloudImage;
  try {
    image = (
      await session.upload(targetId, source.stream, {
        signal: aborter.signal,
        progress: (p) => (stage = p),
        ...(total > 0 ? { size: total } : {}),
      })
    ).image;
  } catch (err) {
    source.cancel();
    if (call.cancelled || call.destroyed) {
      throw new GimmingError('gimming.task.cancelled', 409, 'The copy was cancelled.');
    }
    throw sourceError ?? (source.failure !== undefined ? fromServiceError(source.failure, source.peer) : err);
  } finally {
    clearInterval(ticker);
    call.off('cancelled', onCancel);
  }
  if (!sourceError && source.failure !== undefined)
    sourceError = fromServiceError(source.failure, source.peer);
  if (sourceError) throw sourceError;
  const seconds = (Date.now() - started) / 1000;
  log.info(
    {
      task_id: req.task_id,
      bytes: done,
      seconds,
      mib_per_s: Math.round(done / 1048576 / Math.max(seconds, 0.001)),
    },
    'image data copied',
  );
  await writeWithBackpressure(call, { progress: { bytes_done: done, bytes_total: total || done } });
  return { bytes: done, seconds, image, proof: proofOf(image, digests) };
}

/**
 * A copy the target cloud makes itself from the source image (its driver's copyNative): no bytes pass
 * through the agents; the proof is the cloud's provenance, with any hashes it carried over compared.
 */
async function runNativeCopy(
  call: grpc.ServerWritableStream<CopyImageRequest__Output, CopyEvent>,
  session: CloudSession,
  spec: ImageSpec,
): Promise<CopyResult> {
  const req = call.request;
  const aborter = new AbortController();
  const onCancel = () => aborter.abort();
  call.once('cancelled', onCancel);
  let stage: TransferProgress | undefined;
  const ticker = setInterval(() => {
    if (!call.cancelled) call.write({ progress: progressEvent(0, req.expect?.size ?? 0, stage) });
  }, 1000);
  let image: CloudImage;
  try {
    image = (
      await (session.copyNative as NonNullable<CloudSession['copyNative']>)(
        req.source as NonNullable<typeof req.source>,
        req.source_image_id,
        spec,
        { signal: aborter.signal, progress: (p) => (stage = p) },
      )
    ).image;
  } catch (err) {
    if (call.cancelled || aborter.signal.aborted) {
      throw new GimmingError('gimming.task.cancelled', 409, 'The copy was cancelled.');
    }
    throw err;
  } finally {
    clearInterval(ticker);
    call.off('cancelled', onCancel);
  }
  try {
    await writeWithBackpressure(call, { created: { image_id: image.id } });
    const { problems, compared } = verifyCopy(req.expect, image, true);
    if (problems.length > 0) {
      throw new GimmingError(
        'gimming.copy.mismatch',
        502,
        `The copy in cloud ${req.target?.name ?? ''} does not match the source: ${problems.join('; ')}.`,
      );
    }
    const copied = toRemoteImage(image);
    const proof: CopyProof = { by: 'provenance', digests: image.digests, size: image.size };
    log.info({ task_id: req.task_id, target_image_id: image.id, proof: 'provenance' }, 'native copy made');
    await writeWithBackpressure(call, { done: { image: copied, proof: toProof(proof, compared) } });
    return { image: copied, proof };
  } catch (err) {
    await deleteQuietly(session, image.id, req.task_id);
    throw err;
  }
}
