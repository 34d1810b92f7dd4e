/**
 * Incremental copies (doc/source/admin/performance.rst, "Incremental copies"): the target cloud holds an
 * earlier version of the image (the base), so only the blocks that differ cross between the agents.
 *
 * 1. The target agent reads the base out of its own cloud once and hashes it in fixed-size blocks.
 * 2. It calls ReadImageDelta on the source agent with those hashes; the source agent reads the new image
 *    once, hashes each block and sends, in order, runs of blocks the base holds at the same place and the
 *    data of the blocks that differ (serveDelta).
 * 3. The target agent reads the base a second time, in step with that stream, and hands the upload the
 *    base's blocks for the runs and the received data for the rest (openDeltaSource): the image is rebuilt
 *    as it is uploaded, one block in memory at a time, and proven like any copy (the cloud's hashes or the
 *    agent's own over the rebuilt bytes against the image's identity).
 */
import { Readable, getDefaultHighWaterMark, setDefaultHighWaterMark } from 'node:stream';
import type * as grpc from '@grpc/grpc-js';
import type { RequestContext } from '../../common/context';
import { GimmingError } from '../../common/errors';
import { agentClient } from '../../common/grpc/agent-client';
import { contextToMetadata } from '../../common/grpc/context-metadata';
import { fromServiceError } from '../../common/grpc/errors';
import type { CopyImageRequest__Output } from '../../common/grpc/generated/gimming/agent/v2/CopyImageRequest';
import type { ConvertedIdentity__Output } from '../../common/grpc/generated/gimming/agent/v2/ConvertedIdentity';
import type { DeltaBlock, DeltaBlock__Output } from '../../common/grpc/generated/gimming/agent/v2/DeltaBlock';
import type { ReadDeltaRequest__Output } from '../../common/grpc/generated/gimming/agent/v2/ReadDeltaRequest';
import { getLogger } from '../../common/log';
import type { CloudSession, ImageData } from '../drivers/driver';
import type { DriverRegistry } from '../drivers/registry';
import type { TransferMeter } from '../metrics';
import type { StagingStore } from '../staging/store';
import {
  BLOCK_HASH_BYTES,
  blockHash,
  blockSizeFor,
  blocksOf,
  hashBlocks,
  sameHash,
  validBlockSize,
} from './blocks';
import type { ByteSource, CopyOptions } from './copy-types';
import { shortRead } from './read';
import { type ConversionSettings, type ConvertedFile, convertSource } from '../conversion/convert-source';
import { tooLarge } from '../staging/store';
import { digestList, digestMap } from '../../common/digests';
import { createReadStream } from 'node:fs';
import { BoundedWriter } from './stream-writes';

const log = getLogger('agent.delta');

/** Delta messages handed to gRPC but not yet to the HTTP/2 session (as ReadImage's). */
const WRITES_IN_FLIGHT = 4;
/** Delta messages the target's stream reads ahead (as openSourceStream's). */
const READ_AHEAD_MESSAGES = 4;

function badDelta(message: string): GimmingError {
  return new GimmingError(
    'gimming.agent.bad_delta',
    502,
    `The incremental copy's data was wrong: ${message}.`,
    {
      retryable: true,
    },
  );
}

/** The rebuilt image as a byte source; for a converted delta, with the converted bytes' identity. */
export interface DeltaSource extends ByteSource {
  converted?: ConvertedIdentity__Output;
}

/** The source side: ReadImageDelta. */
export async function serveDelta(
  ctx: RequestContext,
  call: grpc.ServerWritableStream<ReadDeltaRequest__Output, DeltaBlock>,
  drivers: DriverRegistry,
  chunkSize: number,
  staging: StagingStore,
  meter?: TransferMeter,
  conversion?: ConversionSettings,
): Promise<void> {
  const req = call.request;
  if (!req.image_id || !validBlockSize(req.block_bytes) || req.base_hashes.length % BLOCK_HASH_BYTES !== 0) {
    throw new GimmingError(
      'gimming.agent.bad_request',
      400,
      'A delta read needs an image, a block size (a power of two from 64 KiB to 64 MiB) and whole hashes.',
    );
  }
  meter?.delta?.('hashes', req.base_hashes.length);
  const aborter = new AbortController();
  const onCancel = () => aborter.abort();
  call.once('cancelled', onCancel);
  let opened: ImageData;
  try {
    if (req.from_staging) {
      opened = { stream: staging.open(req.image_id) };
    } else {
      const { session } = await drivers.open(ctx, req.cloud);
      opened = await session.openRead(req.image_id, { signal: aborter.signal });
    }
  } catch (err) {
    call.off('cancelled', onCancel);
    throw err;
  }
  const writer = new BoundedWriter(call, WRITES_IN_FLIGHT);
  let converted: ConvertedFile | undefined;
  if (req.convert_to) {
    try {
      converted = await convertForDelta(req, opened.stream, conversion, aborter.signal);
    } finally {
      call.off('cancelled', onCancel);
    }
    await writer.write({
      index: 0,
      same: 0,
      converted: {
        converted: { size: converted.size, digests: digestList(converted.digests) },
        source: { size: converted.source.size, digests: digestList(converted.source.digests) },
      },
    });
  }
  const data = converted ? createReadStream(converted.file, { highWaterMark: 1024 * 1024 }) : opened.stream;
  const stop = () => data.destroy(new Error('the caller cancelled the read'));
  call.once('cancelled', stop);
  if (call.cancelled) stop();
  const started = Date.now();
  const base = req.base_hashes;
  let index = 0;
  let runStart = 0;
  let run = 0;
  let bytes = 0;
  let sent = 0;
  const flushRun = async () => {
    if (run === 0) return;
    await writer.write({ index: runStart, same: run });
    run = 0;
  };
  try {
    for await (const block of blocksOf(data, req.block_bytes)) {
      bytes += block.length;
      if (sameHash(base, index, blockHash(block))) {
        if (run === 0) runStart = index;
        run += 1;
      } else {
        await flushRun();
        for (let at = 0; at < block.length; at += chunkSize) {
          const piece = block.subarray(at, Math.min(block.length, at + chunkSize));
          await writer.write({ index, same: 0, data: piece });
          sent += piece.length;
          meter?.delta?.('sent', piece.length);
        }
      }
      index += 1;
    }
    await flushRun();
  } finally {
    call.off('cancelled', stop);
    call.off('cancelled', onCancel);
    await converted?.release();
  }
  // A converted delta read a file of its own; the cloud's announced length is the source's.
  const short = converted ? undefined : shortRead(bytes, opened.announcedLength, req.image_id);
  if (short) throw short;
  log.info(
    { image_id: req.image_id, bytes, blocks: index, sent, seconds: (Date.now() - started) / 1000 },
    'image delta sent',
  );
}

/**
 * The source's bytes converted as a converted delta asks (ReadDeltaRequest.convert_to), in this agent's
 * scratch space: refused before any byte is read when the agent converts none or its room cannot hold it.
 */
async function convertForDelta(
  req: ReadDeltaRequest__Output,
  source: Readable,
  conversion: ConversionSettings | undefined,
  signal: AbortSignal,
): Promise<ConvertedFile> {
  const expect = { size: Number(req.expect?.size ?? 0), digests: digestMap(req.expect?.digests) };
  const refuse = (err: GimmingError) => {
    source.destroy();
    return err;
  };
  if (!conversion) {
    throw refuse(
      new GimmingError(
        'gimming.convert.disabled',
        409,
        `This agent converts no images ([agent] image_conversion): no converted delta of ${req.image_id}.`,
      ),
    );
  }
  const room = conversion.staging.maxBytes - conversion.staging.usedBytes;
  if (expect.size > room) {
    throw refuse(
      tooLarge(
        `Converting the ${req.convert_from} image (${expect.size} bytes) to ${req.convert_to} for an ` +
          `incremental copy needs more scratch space than the ${room} bytes left of this agent's staging ` +
          `area ([agent] staging_max_bytes = ${conversion.staging.maxBytes}).`,
      ),
    );
  }
  return convertSource(
    conversion,
    source,
    { from: req.convert_from, to: req.convert_to, expect, taskId: `delta of ${req.image_id}` },
    signal,
  );
}

/**
 * The target side: hashes the base in this agent's cloud, starts ReadImageDelta on the source agent, and
 * answers the rebuilt image as a byte source for the upload. Called before the target image is created.
 */
export async function openDeltaSource(
  ctx: RequestContext,
  call: grpc.ServerWritableStream<CopyImageRequest__Output, unknown>,
  session: CloudSession,
  opts: CopyOptions,
  conversion?: { from: string; to: string },
): Promise<DeltaSource> {
  const req = call.request;
  const baseId = req.incremental_from?.image_id ?? '';
  const aborter = new AbortController();
  const onCancel = () => aborter.abort();
  call.once('cancelled', onCancel);
  let hashed: { hashes: Buffer; size: number; blocks: number };
  let blockBytes: number;
  const started = Date.now();
  try {
    const base = await session.describe(baseId);
    if (base.status !== 'active') {
      throw new GimmingError(
        'gimming.copy.base_unusable',
        409,
        `The base of the incremental copy (image ${baseId} of cloud ${session.cloudName}) is ${base.status}, not active.`,
      );
    }
    blockBytes = blockSizeFor(Math.max(base.size, req.expect?.size ?? 0));
    const read = await session.openRead(baseId, { signal: aborter.signal });
    hashed = await hashBlocks(read.stream, blockBytes);
  } finally {
    call.off('cancelled', onCancel);
  }
  if (call.cancelled) throw new GimmingError('gimming.task.cancelled', 409, 'The copy was cancelled.');
  log.info(
    {
      task_id: req.task_id,
      base_image_id: baseId,
      base_bytes: hashed.size,
      blocks: hashed.blocks,
      block_bytes: blockBytes,
      seconds: (Date.now() - started) / 1000,
    },
    'base of the incremental copy hashed',
  );
  const peer = agentClient(req.source_agent_address, opts.peer);
  const previous = getDefaultHighWaterMark(true);
  setDefaultHighWaterMark(true, READ_AHEAD_MESSAGES);
  let delta: grpc.ClientReadableStream<DeltaBlock__Output>;
  try {
    delta = peer.ReadImageDelta(
      {
        ...(req.source ? { cloud: req.source } : {}),
        image_id: req.source_image_id,
        from_staging: req.source_is_staging,
        block_bytes: blockBytes,
        base_hashes: hashed.hashes,
        ...(conversion
          ? {
              convert_from: conversion.from,
              convert_to: conversion.to,
              ...(req.expect ? { expect: req.expect } : {}),
            }
          : {}),
      },
      contextToMetadata(ctx),
    );
  } finally {
    setDefaultHighWaterMark(true, previous);
  }
  const peerName = req.source_agent_address;
  const meter = opts.meter;
  const messages = (delta as AsyncIterable<DeltaBlock__Output>)[Symbol.asyncIterator]();
  // A converted delta starts with the converted bytes' identity (the source agent converted them first).
  let converted: ConvertedIdentity__Output | undefined;
  if (conversion) {
    try {
      const first = await messages.next();
      if (first.done || !first.value.converted?.converted) {
        throw badDelta('a converted delta did not start with the identity of the converted bytes');
      }
      converted = first.value.converted;
    } catch (err) {
      delta.cancel();
      throw err instanceof GimmingError ? err : fromServiceError(err, peerName);
    }
  }
  let baseRead: ImageData | undefined;
  async function* rebuild(): AsyncGenerator<Buffer> {
    baseRead = await session.openRead(baseId, { signal: aborter.signal });
    const baseBlocks = blocksOf(baseRead.stream, blockBytes)[Symbol.asyncIterator]();
    let consumed = 0; // base blocks read so far
    let next = 0; // the next block of the new image
    const takeBase = async (): Promise<Buffer> => {
      const got = await baseBlocks.next();
      consumed += 1;
      if (got.done) throw badDelta('the base ended before the blocks said to take from it');
      return got.value;
    };
    try {
      for await (const message of { [Symbol.asyncIterator]: () => messages }) {
        const index = Number(message.index);
        if (message.same > 0) {
          if (index !== next || index + message.same > hashed.blocks) {
            throw badDelta(`a run of ${message.same} blocks at block ${index}, expected at ${next}`);
          }
          for (let k = 0; k < message.same; k += 1) {
            const block = await takeBase();
            meter?.delta?.('reused', block.length);
            yield block;
          }
          next += message.same;
        } else if (index === next) {
          // A block that differs: the base's block at that place is passed over.
          if (consumed === index && index < hashed.blocks) await takeBase();
          next += 1;
          meter?.delta?.('received', message.data.length);
          yield message.data;
        } else if (index === next - 1) {
          meter?.delta?.('received', message.data.length);
          yield message.data;
        } else {
          throw badDelta(`data of block ${index}, expected block ${next}`);
        }
      }
    } catch (err) {
      delta.cancel();
      throw err instanceof GimmingError ? err : fromServiceError(err, peerName);
    } finally {
      baseRead.stream.destroy();
    }
  }
  const stream = Readable.from(rebuild(), { objectMode: false, highWaterMark: blockBytes });
  // A failure before the upload listens (see copy.ts openSource) is kept, not thrown at the process.
  const source: DeltaSource = {
    ...(converted ? { converted } : {}),
    stream,
    cancel: () => {
      aborter.abort();
      delta.cancel();
      baseRead?.stream.destroy();
      stream.destroy(new Error('the copy was cancelled'));
    },
    peer: peerName,
  };
  stream.on('error', (err) => {
    source.failure ??= err;
  });
  return source;
}
