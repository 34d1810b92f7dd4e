/**
 * A stream written into one S3 object as a multipart upload, in parts of a fixed size, with at most
 * `concurrency` parts in flight. The stream's chunks are copied into one of `concurrency` buffers of the part
 * size, allocated once for the upload and reused for every part: the memory an upload holds is those
 * buffers, whatever the object's size, and nothing else it allocates outlives a chunk of the stream. While
 * every buffer is in flight the stream waits (with one, it waits while each part goes up).
 *
 * Why not @aws-sdk/lib-storage's Upload: it gathers a part's chunks and joins them with Buffer.concat, a new
 * part-sized buffer for every part, still referenced (as the rest after the part's end) while the next part
 * is gathered. Those buffers live long enough to reach V8's old generation, whose garbage only a full
 * collection frees, and V8 starts one for external memory only some 64 MiB above what the last one left:
 * the aws agent held 60 to 75 MiB of dead parts at its peak (tools/bench/aws.ts with the memory sampler,
 * doc/source/admin/performance.rst).
 *
 * Data of a known size of more than one part goes up with each part streamed from the data instead
 * (streamed-parts.ts): no part buffers at all. Data of at most one part goes up as a single PutObject. On any failure, and when `signal` aborts, the
 * parts in flight are abandoned and the multipart upload is aborted (AbortMultipartUpload), so none stays.
 */
import {
  AbortMultipartUploadCommand,
  type CompletedPart,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from './s3-sdk';
import { tooManyParts, writeStreamedParts } from './streamed-parts';

/** S3's limits: parts of at least 5 MiB (all but the last), at most 10000 parts. */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
export const MAX_PARTS = 10000;

export interface MultipartOptions {
  partBytes: number;
  concurrency: number;
  signal?: AbortSignal;
  /** S3's MAX_PARTS unless told (tests). */
  maxParts?: number;
  /**
   * The data's exact size, when the caller knows it: more than one part's worth then goes up with each
   * part streamed from the data (streamed-parts.ts), without part buffers.
   */
  size?: number;
}

export interface MultipartResult {
  bytes: number;
  /** 0 when the data went up as a single PutObject. */
  parts: number;
  /** The part buffers allocated (at most `concurrency`; none for streamed parts). */
  buffers: number;
}

/** Writes `data` (Buffers, as a byte stream yields them) into `bucket`/`key`. */
export async function writeMultipart(
  s3: S3Client,
  bucket: string,
  key: string,
  data: AsyncIterable<Uint8Array | string>,
  opts: MultipartOptions,
): Promise<MultipartResult> {
  if (opts.partBytes < MIN_PART_BYTES)
    throw new RangeError(`parts of ${opts.partBytes} bytes: S3 takes 5 MiB at least`);
  const concurrency = Math.max(1, Math.floor(opts.concurrency));
  const maxParts = opts.maxParts ?? MAX_PARTS;
  if (opts.size !== undefined && opts.size > opts.partBytes) {
    const { bytes, parts } = await writeStreamedParts(s3, bucket, key, data, {
      size: opts.size,
      partBytes: opts.partBytes,
      concurrency,
      maxParts,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    return { bytes, parts, buffers: 0 };
  }
  const send = { ...(opts.signal ? { abortSignal: opts.signal } : {}) };
  const free: Buffer[] = [];
  let allocated = 0;
  const inFlight = new Set<Promise<void>>();
  const done: CompletedPart[] = [];
  let failure: { err: unknown } | undefined;
  let uploadId: string | undefined;
  let partNumber = 0;
  let bytes = 0;

  const takeBuffer = (): Buffer => {
    const reused = free.pop();
    if (reused) return reused;
    allocated += 1;
    // Not from Node's shared pool: a part buffer is freed with the upload, not with a pool slab.
    return Buffer.allocUnsafeSlow(opts.partBytes);
  };

  const sendPart = (buffer: Buffer, length: number): void => {
    partNumber += 1;
    if (partNumber > maxParts) throw tooManyParts(maxParts, opts.partBytes);
    const number = partNumber;
    const id = uploadId as string;
    const part = s3
      .send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: key,
          UploadId: id,
          PartNumber: number,
          ContentLength: length,
          Body: buffer.subarray(0, length),
        }),
        send,
      )
      .then((out) => {
        if (!out.ETag) throw new Error(`S3 answered part ${number} of ${key} without an ETag`);
        done.push({ PartNumber: number, ETag: out.ETag });
      })
      .catch((err: unknown) => {
        failure ??= { err };
      })
      .finally(() => {
        inFlight.delete(part);
        free.push(buffer);
      });
    inFlight.add(part);
  };

  /** A buffer to fill next: once fewer than `concurrency` parts are in flight. */
  const nextBuffer = async (): Promise<Buffer> => {
    while (inFlight.size >= concurrency && !failure) await Promise.race(inFlight);
    if (failure) throw failure.err;
    return takeBuffer();
  };

  let buffer: Buffer | undefined;
  let filled = 0;
  try {
    for await (const piece of data) {
      if (failure) throw failure.err;
      if (opts.signal?.aborted) throw opts.signal.reason;
      const chunk = typeof piece === 'string' ? Buffer.from(piece) : piece;
      let offset = 0;
      while (offset < chunk.length) {
        if (!buffer) buffer = takeBuffer();
        if (filled === opts.partBytes) {
          // More data after a full part: that part is not the last one, it goes up now.
          if (uploadId === undefined) {
            const created = await s3.send(
              new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }),
              send,
            );
            if (!created.UploadId) throw new Error(`S3 started no multipart upload of ${key}`);
            uploadId = created.UploadId;
          }
          sendPart(buffer, filled);
          buffer = undefined;
          filled = 0;
          buffer = await nextBuffer();
        }
        const n = Math.min(chunk.length - offset, opts.partBytes - filled);
        buffer.set(chunk.subarray(offset, offset + n), filled);
        filled += n;
        offset += n;
        bytes += n;
      }
    }
    if (opts.signal?.aborted) throw opts.signal.reason;
    if (uploadId === undefined) {
      // At most one part's worth: one PutObject.
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          ContentLength: filled,
          Body: buffer ? buffer.subarray(0, filled) : Buffer.alloc(0),
        }),
        send,
      );
      return { bytes, parts: 0, buffers: allocated };
    }
    sendPart(buffer as Buffer, filled);
    buffer = undefined;
    while (inFlight.size > 0) await Promise.race(inFlight);
    if (failure) throw failure.err;
    done.sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: done },
      }),
      send,
    );
    return { bytes, parts: done.length, buffers: allocated };
  } catch (err) {
    // The parts in flight end (aborted with the signal, or failing on their own) before the upload is
    // aborted: a part that lands after AbortMultipartUpload would start to hold storage again.
    await Promise.allSettled([...inFlight]);
    if (uploadId !== undefined) {
      await s3
        .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }))
        .catch(() => undefined);
    }
    throw err;
  }
}
