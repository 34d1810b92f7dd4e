/**
 * A copy whose bytes are converted on the way (the target cloud takes not the source's disk format):
 * the source's bytes are pulled into this agent's scratch space and checked against the image's identity,
 * converted with qemu-img (conversion/), and only then is the target image created and the converted file
 * streamed into it. The copy is proven to hold the converted bytes (the cloud's hashes or the agent's),
 * and records the source's identity it was converted from, in its proof and as properties in its cloud.
 *
 * An image too large for the scratch space fails before any byte is written; a failure or cancel at any
 * point removes the scratch files, and the target image if it was made.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type * as grpc from '@grpc/grpc-js';
import { conversionProperties } from '../../common/converted-copy';
import { type Digests, digestList, digestMap } from '../../common/digests';
import { GimmingError } from '../../common/errors';
import { fromServiceError } from '../../common/grpc/errors';
import type { CopyEvent } from '../../common/grpc/generated/gimming/agent/v2/CopyEvent';
import type { CopyImageRequest__Output } from '../../common/grpc/generated/gimming/agent/v2/CopyImageRequest';
import { getLogger } from '../../common/log';
import { type ConversionSettings, type ConvertedFile, convertSource } from '../conversion/convert-source';
import type { CloudDriver, CloudSession, ImageSpec, TransferProgress } from '../drivers/driver';
import { toProof, toRemoteImage } from '../remote-image';
import { tooLarge } from '../staging/store';
import { InFlightDigests, proofOf } from './proof';
import { writeWithBackpressure } from './stream-writes';
import type { ByteSource, CopyOptions, CopyResult } from './copy-types';
import { deleteQuietly, finalId, keepProof, progressEvent, verifyCopy } from './copy-check';

const log = getLogger('agent.copy');

type CopyCall = grpc.ServerWritableStream<CopyImageRequest__Output, CopyEvent>;

function cancelled(): GimmingError {
  return new GimmingError('gimming.task.cancelled', 409, 'The copy was cancelled.');
}

/** The converted bytes, from the source `open` gives (opened only once the scratch space is known to fit). */
async function convert(
  call: CopyCall,
  settings: ConversionSettings,
  from: string,
  to: string,
  openSource: () => ByteSource,
  abort: AbortController,
  opts: CopyOptions,
): Promise<ConvertedFile> {
  const req = call.request;
  const total = req.expect?.size ?? 0;
  const room = settings.staging.maxBytes - settings.staging.usedBytes;
  if (total > room) {
    // Known before the source is opened: not a byte moves.
    throw tooLarge(
      `Converting the ${from} image (${total} bytes) to ${to} needs more scratch space than the ${room} ` +
        `bytes left of this agent's staging area ([agent] staging_max_bytes = ${settings.staging.maxBytes}).`,
    );
  }
  if (call.cancelled) throw cancelled();
  const source = openSource();
  const onCancel = () => {
    abort.abort();
    source.cancel();
  };
  call.once('cancelled', onCancel);
  let done = 0;
  const ticker = setInterval(() => {
    // The agent's own stage before the cloud's: the source pulled in and converted.
    if (!call.cancelled) call.write({ progress: progressEvent(done, total, { stage: 'convert' }) });
  }, opts.progressIntervalMs);
  try {
    return await convertSource(
      settings,
      source.stream,
      {
        from,
        to,
        expect: { size: total, digests: digestMap(req.expect?.digests) },
        taskId: req.task_id,
        onSourceBytes: (n) => {
          done += n;
          opts.meter?.bytes('in', n);
        },
      },
      abort.signal,
    );
  } catch (err) {
    source.cancel();
    if (call.cancelled || abort.signal.aborted) throw cancelled();
    // The source agent's own failure, as it said it (the stream's gRPC status and error).
    throw err instanceof GimmingError ? err : fromServiceError(err, source.peer);
  } finally {
    clearInterval(ticker);
    call.off('cancelled', onCancel);
  }
}

/**
 * Converted bytes ready to be written: a file in this agent's scratch space, or (an incremental copy) the
 * image rebuilt from the base and the blocks the source agent converted and sent (delta.ts).
 */
export interface ConvertedBytes {
  size: number;
  digests: Digests;
  source: { size: number; digests: Digests };
  /** The bytes, read once. */
  open(): Readable;
  release(): Promise<void>;
}

function fromFile(file: ConvertedFile): ConvertedBytes {
  return { ...file, open: () => createReadStream(file.file, { highWaterMark: 1024 * 1024 }) };
}

/**
 * A converted copy. `prepared` gives the converted bytes made elsewhere (the source agent's, for an
 * incremental copy); without it this agent pulls the source and converts it.
 */
export async function runConvertedCopy(
  call: CopyCall,
  settings: ConversionSettings | undefined,
  driver: CloudDriver,
  session: CloudSession,
  spec: ImageSpec,
  from: string,
  openSource: () => ByteSource,
  opts: CopyOptions,
  prepared?: () => Promise<ConvertedBytes>,
): Promise<CopyResult> {
  const req = call.request;
  if (!settings && !prepared) {
    throw new GimmingError(
      'gimming.convert.disabled',
      409,
      `The target cloud takes no ${from} images, and this agent converts none ([agent] image_conversion).`,
    );
  }
  if (req.learn_identity) {
    // The image's identity is learned from its first copy: the source's own bytes, not converted ones.
    throw new GimmingError(
      'gimming.copy.cannot_learn',
      409,
      `The image's identity is not known yet and is learned from a copy of the source's own ${from} bytes; ` +
        `cloud ${req.target?.name ?? ''} takes no ${from} images. Sync it first to a cloud that does.`,
    );
  }
  const abort = new AbortController();
  const converted = prepared
    ? await prepared()
    : fromFile(await convert(call, settings!, from, spec.disk_format, openSource, abort, opts));
  try {
    if (call.cancelled) throw cancelled();
    const withRecord: ImageSpec = {
      ...spec,
      properties: {
        ...spec.properties,
        ...conversionProperties({
          from,
          source: { size: converted.source.size, digests: converted.source.digests },
          converted: { size: converted.size, digests: converted.digests },
        }),
      },
    };
    let targetId = await session.create(withRecord);
    log.info(
      { task_id: req.task_id, target_image_id: targetId, from, to: spec.disk_format },
      'target image created',
    );
    try {
      await writeWithBackpressure(call, { created: { image_id: targetId } });
      const result = await upload(call, driver, session, targetId, converted, opts);
      targetId = await finalId(targetId, result.image, (id) =>
        writeWithBackpressure(call, { created: { image_id: id } }),
      );
      const shown = {
        ...result.image,
        size: result.image.size || result.proof.size,
        digests: result.proof.digests,
      };
      const { problems, compared } = verifyCopy(
        { size: converted.size, digests: digestList(converted.digests) },
        shown,
      );
      if (problems.length > 0) {
        throw new GimmingError(
          'gimming.copy.mismatch',
          502,
          `The copy in cloud ${req.target?.name ?? ''} does not match the converted bytes: ${problems.join('; ')}.`,
        );
      }
      await keepProof(driver, session, targetId, result.proof);
      const copied = toRemoteImage(shown);
      const proof = {
        ...toProof(result.proof, compared),
        converted_from: from,
        source: { size: converted.source.size, digests: digestList(converted.source.digests) },
      };
      log.info(
        {
          task_id: req.task_id,
          target_image_id: targetId,
          from,
          to: spec.disk_format,
          proof: result.proof.by,
        },
        'converted copy proven equal to the converted source',
      );
      await writeWithBackpressure(call, { done: { image: copied, proof } });
      return { image: copied, proof: result.proof };
    } catch (err) {
      await deleteQuietly(session, targetId, req.task_id);
      throw call.cancelled ? cancelled() : err;
    }
  } finally {
    await converted.release();
  }
}

/** Streams the converted file into the target image, hashing it when the cloud reports no hashes. */
async function upload(
  call: CopyCall,
  driver: CloudDriver,
  session: CloudSession,
  targetId: string,
  converted: ConvertedBytes,
  opts: CopyOptions,
) {
  const stream = converted.open();
  const digests = InFlightDigests.forTarget(driver.capabilities, converted.digests);
  let done = 0;
  stream.on('data', (chunk: Buffer) => {
    done += chunk.length;
    digests?.update(chunk);
  });
  // A cancel stops the stream and the cloud's own work after it (an import task), through the signal.
  const aborter = new AbortController();
  const onCancel = () => {
    aborter.abort();
    stream.destroy(cancelled());
  };
  call.once('cancelled', onCancel);
  let stage: TransferProgress | undefined;
  const ticker = setInterval(() => {
    if (!call.cancelled) {
      call.write({ progress: progressEvent(done, converted.size, stage) });
    }
  }, opts.progressIntervalMs);
  try {
    const { image } = await session.upload(targetId, stream, {
      signal: aborter.signal,
      progress: (p) => (stage = p),
      size: converted.size,
    });
    if (call.cancelled) throw cancelled();
    return { image, proof: proofOf(image, digests) };
  } finally {
    clearInterval(ticker);
    call.off('cancelled', onCancel);
    stream.destroy();
  }
}
