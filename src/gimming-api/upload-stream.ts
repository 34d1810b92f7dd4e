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
import { agentClient } from '../common/grpc/agent-client';
import { contextToMetadata } from '../common/grpc/context-metadata';
import { fromServiceError } from '../common/grpc/errors';
import { ChunkFramer } from '../common/grpc/frame';
import type { StagedImage__Output } from '../common/grpc/generated/gimming/agent/v1/StagedImage';

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

export async function streamToStaging(
  ctx: RequestContext,
  agentAddress: string,
  imageId: string,
  declaredSize: number | undefined,
  body: IncomingMessage,
  chunkSize: number,
): Promise<UploadResult> {
  const metadata = contextToMetadata(ctx);
  metadata.set('x-gimming-image-id', imageId);
  if (declaredSize !== undefined) metadata.set('x-gimming-declared-size', String(declaredSize));
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
  const fed = pipeline(md5, new ChunkFramer(chunkSize), async (chunks: AsyncIterable<Buffer>) => {
    for await (const chunk of chunks) {
      if (!call.write(chunk)) await Promise.race([once(call, 'drain'), refused]);
    }
    call.end();
  });
  const onAborted = () => md5.destroy(new Error('the client went away'));
  body.once('aborted', onAborted);
  body.pipe(md5);
  try {
    await fed;
  } catch (err) {
    body.unpipe(md5);
    call.cancel();
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
    body.off('aborted', onAborted);
  }
  const result = await staged;
  return { size: result.size, sha512: result.sha512, md5: md5.hash.digest('hex') };
}
