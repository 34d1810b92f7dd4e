/**
 * Streams an upload from the HTTP request straight into an agent's staging area over gRPC, never whole in
 * memory: request body -> md5 (computed here, while the agent computes sha512: the two hashes cost about
 * the same, so the CPU is split between the two processes) -> 512 KiB framed chunks -> WriteStaging.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type * as grpc from '@grpc/grpc-js';
import type { RequestContext } from '../common/context';
import { agentClient, unary } from '../common/grpc/agent-client';
import { contextToMetadata } from '../common/grpc/context-metadata';
import { fromServiceError } from '../common/grpc/errors';
import { GimmingError } from '../common/errors';
import { ChunkFramer, encodeChunk } from '../common/grpc/frame';
import type { StagedImage__Output } from '../common/grpc/generated/gimming/agent/v2/StagedImage';
import type { StagingOffsetResponse__Output } from '../common/grpc/generated/gimming/agent/v2/StagingOffsetResponse';
import type { LinkStagingResponse__Output } from '../common/grpc/generated/gimming/agent/v2/LinkStagingResponse';

export interface UploadResult {
  size: number;
  md5: string;
  sha512: string;
}

class Md5 extends Transform {
  readonly hash = createHash('md5');

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    done(null, chunk);
  }
}

export interface UploadLimits {
  /** Most bytes the upload may hold for its project (the conductor's answer to begin_upload), if limited. */
  limitBytes?: number | undefined;
  /** Milliseconds the body may pause while it is being read ([api] upload_idle_timeout). */
  idleTimeoutMs: number;
  /** Milliseconds the whole body may take ([api] upload_deadline). */
  deadlineMs: number;
  /**
   * Renews the upload's lease with the conductors (renew_upload) every `renewEveryMs` while the data
   * arrives: if this process dies, the lease lapses and a conductor takes the upload for interrupted.
   */
  lease?: { renew: () => Promise<{ renewed: boolean }>; renewEveryMs: number } | undefined;
  /** Microversion 1.6: what arrives of an upload cut short stays staged, to be resumed. */
  resumable?: boolean;
  /** Continues the partial upload staged at this many bytes (the agent then computes the md5 too). */
  offset?: number;
  /** The sha256 the client declared (Gimming-Content-Sha256): the agent checks it. */
  sha256?: string | undefined;
}

/**
 * Renews the upload's lease until stopped. A conductor that took the upload for interrupted (the lease
 * lapsed meanwhile) answers `renewed: false`: the upload stops, as nothing would take its data any more.
 */
function holdLease(lease: UploadLimits['lease'], target: Transform): () => void {
  if (!lease) return () => undefined;
  const timer = setInterval(() => {
    lease.renew().then(
      (answer) => {
        if (answer.renewed) return;
        target.destroy(
          new GimmingError(
            'gimming.upload.interrupted',
            503,
            'The upload stopped: the conductors took it for interrupted. Upload the data again.',
          ),
        );
      },
      () => undefined, // the conductors are out of reach for now: the lease may still hold
    );
  }, lease.renewEveryMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** Upload chunks handed to gRPC and not yet copied out by it. */
const WRITES_IN_FLIGHT = 4;

/** The empty chunk that ends an upload's data: without it the agent takes the upload as cut short. */
const END_MARKER = encodeChunk(Buffer.alloc(0));

/**
 * Fails `target` when the body pauses longer than the idle timeout or outlasts the deadline. A pause the
 * agent causes (the body is paused by backpressure) is not the client's: the idle clock then waits. Once
 * the whole body has arrived, neither applies (the agent may still be writing it out).
 */
function watchBody(body: IncomingMessage, target: Transform, limits: UploadLimits): () => void {
  let lastData = Date.now();
  const onData = () => {
    lastData = Date.now();
  };
  body.on('data', onData);
  const idle = setInterval(
    () => {
      if (body.isPaused() || body.complete) lastData = Date.now();
      else if (Date.now() - lastData >= limits.idleTimeoutMs) {
        target.destroy(
          new GimmingError(
            'gimming.upload.timeout',
            408,
            `The upload stopped arriving for ${Math.round(limits.idleTimeoutMs / 1000)} seconds.`,
          ),
        );
      }
    },
    Math.min(1000, limits.idleTimeoutMs),
  );
  const deadline = setTimeout(() => {
    if (body.complete) return;
    target.destroy(
      new GimmingError(
        'gimming.upload.deadline_exceeded',
        408,
        `The upload took longer than ${Math.round(limits.deadlineMs / 1000)} seconds.`,
      ),
    );
  }, limits.deadlineMs);
  return () => {
    clearInterval(idle);
    clearTimeout(deadline);
    body.off('data', onData);
  };
}

export async function streamToStaging(
  ctx: RequestContext,
  agentAddress: string,
  imageId: string,
  declaredSize: number | undefined,
  body: IncomingMessage,
  chunkSize: number,
  limits: UploadLimits,
): Promise<UploadResult> {
  const metadata = contextToMetadata(ctx);
  metadata.set('x-gimming-image-id', imageId);
  metadata.set('x-gimming-end-marker', '1');
  if (declaredSize !== undefined) metadata.set('x-gimming-declared-size', String(declaredSize));
  if (limits.limitBytes !== undefined) metadata.set('x-gimming-limit-bytes', String(limits.limitBytes));
  if (limits.resumable) metadata.set('x-gimming-resumable', '1');
  const offset = limits.offset ?? 0;
  // The md5 of a resumed upload covers bytes this process never saw: the agent computes it, rehashing them.
  if (offset > 0) {
    metadata.set('x-gimming-offset', String(offset));
    metadata.set('x-gimming-md5', '1');
  }
  if (limits.sha256 !== undefined) metadata.set('x-gimming-sha256', limits.sha256);
  const client = agentClient(agentAddress, {
    flowControlWindow: 1024 * 1024,
    maxMessageBytes: chunkSize + 65536,
  });
  let call!: grpc.ClientWritableStream<Buffer>;
  const staged = new Promise<StagedImage__Output>((resolve, reject) => {
    call = client.WriteStaging(metadata, (err, value) => {
      if (err) reject(fromServiceError(err, agentAddress));
      else resolve(value as StagedImage__Output);
    }) as unknown as grpc.ClientWritableStream<Buffer>;
  });
  const md5 = new Md5();
  // The agent answers once, possibly before the body has ended (it refused the upload): from then on,
  // waiting for the call to drain would wait forever.
  const refused = staged.then(
    () => new Promise<never>(() => undefined),
    (err: unknown) => Promise.reject(err instanceof Error ? err : new Error(String(err))),
  );
  refused.catch(() => undefined);
  staged.catch((err: unknown) => {
    body.unpipe(md5);
    md5.destroy(err instanceof Error ? err : new Error(String(err)));
  });
  // Neither the request body nor the gRPC call is handed to the pipeline: it would destroy them on a
  // failure, the body's socket is where the error answer goes back, and a destroyed gRPC call stream
  // never closes, which would leave the pipeline waiting.
  // gRPC copies a message into a buffer of its own before it calls back: the framer's block is then free
  // to take the next chunk, rather than a new one of chunk_size for every chunk. At most
  // WRITES_IN_FLIGHT chunks wait in the call (its own buffer would take 16, 8 MiB): a chunk that waits
  // long outlives V8's young generation, and dead there it stays until a full collection (see
  // doc/source/admin/performance.rst).
  const framer = new ChunkFramer(chunkSize);
  let inFlight = 0;
  let wake: (() => void) | undefined;
  // A body that fails stops the wait for gRPC (the loop then ends with the failure).
  framer.once('close', () => wake?.());
  const fed = pipeline(md5, framer, async (chunks: AsyncIterable<Buffer>) => {
    for await (const chunk of chunks) {
      while (inFlight >= WRITES_IN_FLIGHT && !framer.destroyed) {
        await Promise.race([new Promise<void>((resolve) => (wake = resolve)), refused]);
      }
      inFlight += 1;
      const more = call.write(chunk, () => {
        inFlight -= 1;
        framer.release(chunk);
        const waiting = wake;
        wake = undefined;
        waiting?.();
      });
      if (!more) await Promise.race([once(call, 'drain'), refused]);
    }
    call.write(END_MARKER);
    call.end();
  });
  const onAborted = () => md5.destroy(new Error('the client went away'));
  body.once('aborted', onAborted);
  const unwatch = watchBody(body, md5, limits);
  const release = holdLease(limits.lease, md5);
  body.pipe(md5);
  try {
    await fed;
  } catch (err) {
    release();
    body.unpipe(md5);
    call.cancel();
    // This side's own limits: the agent's answer to the cancel says nothing more.
    if (err instanceof GimmingError && err.code.startsWith('gimming.upload.')) throw err;
    // The agent's own answer (413, size mismatch) says more than the broken stream it caused.
    const answer = await Promise.race([
      staged.then(
        () => undefined,
        (e: unknown) => e,
      ),
      new Promise((r) => setTimeout(r, 2000)),
    ]);
    throw answer ?? err;
  } finally {
    unwatch();
    body.off('aborted', onAborted);
  }
  let result;
  try {
    result = await staged; // the agent may still be writing the data out
  } finally {
    release();
  }
  const sha512 = result.digests.find((d) => d.algo === 'sha512')?.value;
  if (!sha512) throw new Error('the agent answered the upload without its sha512');
  const agentMd5 = result.digests.find((d) => d.algo === 'md5')?.value;
  if (offset > 0 && !agentMd5) throw new Error('the agent answered the resumed upload without its md5');
  return { size: result.size, sha512, md5: agentMd5 ?? md5.hash.digest('hex') };
}

/** How much of an interrupted upload the agent keeps staged (undefined: nothing kept). */
export async function stagedOffset(
  ctx: RequestContext,
  agentAddress: string,
  imageId: string,
): Promise<number | undefined> {
  const client = agentClient(agentAddress, { flowControlWindow: 65535, maxMessageBytes: 65536 });
  const answer = await unary<StagingOffsetResponse__Output>(
    agentAddress,
    (md, opts, cb) => client.StagingOffset({ image_id: imageId }, md, opts, cb),
    ctx,
    10000,
  );
  return answer.partial ? Number(answer.offset) : undefined;
}

/**
 * Has the agent stage `target` as the staged data of `source` if that has the sha256 given (a hard link):
 * true once linked.
 */
export async function linkStaged(
  ctx: RequestContext,
  agentAddress: string,
  source: string,
  target: string,
  sha256: string,
): Promise<boolean> {
  const client = agentClient(agentAddress, { flowControlWindow: 65535, maxMessageBytes: 65536 });
  const answer = await unary<LinkStagingResponse__Output>(
    agentAddress,
    (md, opts, cb) =>
      client.LinkStaging({ source_image_id: source, target_image_id: target, sha256 }, md, opts, cb),
    ctx,
    10000,
  );
  return answer.linked;
}

/** Deletes an image's staged data on the agent that took its upload (nothing staged is no error). */
export async function dropStaged(ctx: RequestContext, agentAddress: string, imageId: string): Promise<void> {
  const client = agentClient(agentAddress, { flowControlWindow: 65535, maxMessageBytes: 65536 });
  await unary(
    agentAddress,
    (md, opts, cb) => client.DeleteStaging({ image_id: imageId }, md, opts, cb),
    ctx,
    10000,
  );
}
