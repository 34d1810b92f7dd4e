/**
 * A multipart upload of data whose size is known before it starts: each part's body is the next part-size
 * run of the stream itself, handed to the SDK as a Readable with its ContentLength, so no byte is copied
 * into a part buffer and the upload holds no part in memory (multipart.ts copies into part buffers when the
 * size is not known). The source is read only as fast as the part being sent takes it (the request's own
 * backpressure); once a part's body has been read to its end the next one starts while the earlier
 * answer is awaited, so at most `concurrency` UploadPart requests are open and one body is read at a time.
 *
 * What the SDK does with such a body, and what this writer does about it:
 * - The signer sends `x-amz-content-sha256: UNSIGNED-PAYLOAD` for a stream body (the request's checksum
 *   stays off with the client's `requestChecksumCalculation: 'WHEN_REQUIRED'`, clients.ts).
 * - A streamed request is never retried by the SDK (its body cannot be read twice): a failed part fails
 *   the upload, as a part whose retries ran out does with buffered parts.
 * - The HTTP handler pipes the body into the request: a body that fails is not passed on to the request,
 *   which would then wait for the rest of its Content-Length until the request timeout (the hang of an
 *   earlier attempt). So a body never ends short and never fails on its own: when the source fails, ends
 *   before the announced size or the upload is cancelled, the writer aborts every open request through its
 *   own AbortSignal, then aborts the multipart upload.
 * - The source is read to its end before CompleteMultipartUpload, so an error it raises only at its end
 *   (a peer's final status) still fails the upload, and data longer than announced is refused.
 */
import {
  AbortMultipartUploadCommand,
  type CompletedPart,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  type S3Client,
  UploadPartCommand,
} from './s3-sdk';
import { Readable } from 'node:stream';
import { GimmingError } from '../../../common/errors';

export interface StreamedPartsOptions {
  /** The data's exact size in bytes (more than one part). */
  size: number;
  partBytes: number;
  concurrency: number;
  maxParts: number;
  signal?: AbortSignal;
}

export function tooManyParts(maxParts: number, partBytes: number): GimmingError {
  return new GimmingError(
    'gimming.cloud.bad_request',
    400,
    `The image is larger than S3 takes in ${maxParts} parts of ${partBytes / 1048576} MiB ` +
      '(raise [aws] part_size_mb).',
  );
}

/** Attempts of a part whose body S3 refused before reading any of it (the SDK's own default: 3). */
const PART_ATTEMPTS = 3;

/** A failure S3 may not repeat: throttling, a server error, no answer at all. */
function transient(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  if (e?.name === 'AbortError') return false;
  const status = e?.$metadata?.httpStatusCode;
  return status === undefined || status === 429 || status >= 500 || e.$retryable !== undefined;
}

function endedShort(seen: number, size: number): GimmingError {
  return new GimmingError(
    'gimming.copy.size_mismatch',
    502,
    `The image data ended after ${seen} of the ${size} bytes announced.`,
  );
}

function tooLong(size: number): GimmingError {
  return new GimmingError(
    'gimming.copy.size_mismatch',
    502,
    `The image data is longer than the ${size} bytes announced.`,
  );
}

/** The stream's bytes in pieces of at most a given length (a chunk split at a part's end, not copied). */
class PieceReader {
  private readonly it: AsyncIterator<Uint8Array | string>;
  private rest: Buffer | undefined;
  private first: Promise<IteratorResult<Uint8Array | string>> | undefined;

  constructor(private readonly data: AsyncIterable<Uint8Array | string>) {
    this.it = data[Symbol.asyncIterator]();
    // Started now, not at the first part's body: a Readable's iterator takes over its flow once it runs
    // (its 'readable' listener), and until then a 'data' listener of the caller's (copy.ts counts the
    // bytes so) lets the stream flow, its chunks lost to the upload.
    this.first = this.it.next();
    this.first.catch(() => undefined);
  }

  /** At most `max` bytes (at least one), or undefined at the stream's end. */
  async next(max: number): Promise<Buffer | undefined> {
    let chunk = this.rest;
    this.rest = undefined;
    while (!chunk || chunk.length === 0) {
      const pending = this.first ?? this.it.next();
      this.first = undefined;
      const r = await pending;
      if (r.done) return undefined;
      const v = r.value;
      chunk =
        typeof v === 'string'
          ? Buffer.from(v)
          : Buffer.isBuffer(v)
            ? v
            : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    }
    if (chunk.length <= max) return chunk;
    this.rest = chunk.subarray(max);
    return chunk.subarray(0, max);
  }

  /**
   * Stops the source. A Readable is destroyed at once: its iterator's return() would wait for a read
   * still pending in a part's body, which a stalled source never ends.
   */
  close(): void {
    this.rest = undefined;
    if (this.data instanceof Readable) this.data.destroy();
    void this.it.return?.()?.catch(() => undefined);
  }
}

export async function writeStreamedParts(
  s3: S3Client,
  bucket: string,
  key: string,
  data: AsyncIterable<Uint8Array | string>,
  opts: StreamedPartsOptions,
): Promise<{ bytes: number; parts: number }> {
  const { size, partBytes } = opts;
  const partCount = Math.ceil(size / partBytes);
  if (partCount > opts.maxParts) throw tooManyParts(opts.maxParts, partBytes);
  const concurrency = Math.max(1, Math.floor(opts.concurrency));
  // Aborts every open request: on cancel, and on any failure (see above: a failed body alone would hang).
  const aborter = new AbortController();
  const onCancel = () => aborter.abort(opts.signal?.reason);
  if (opts.signal?.aborted) onCancel();
  opts.signal?.addEventListener('abort', onCancel, { once: true });
  const send = { abortSignal: aborter.signal };
  const reader = new PieceReader(data);
  const inFlight = new Set<Promise<void>>();
  const bodies = new Set<Readable>();
  const done: CompletedPart[] = [];
  // The first failure (set from callbacks, hence an object rather than a narrowed variable).
  const state: { failure?: { err: unknown } } = {};
  const fail = (err: unknown) => {
    state.failure ??= { err };
    aborter.abort(err);
  };
  const throwFailure = (): void => {
    if (state.failure) throw state.failure.err;
  };
  let uploadId: string | undefined;
  let bytes = 0;

  /**
   * The part's body: the next `length` bytes of the source, read as the request takes them. `touched`
   * tells whether the request asked for any of them yet.
   */
  const partBody = (length: number, ended: () => void): { body: Readable; touched: () => boolean } => {
    let left = length;
    let touched = false;
    const body = new Readable({
      read() {
        touched = true;
        reader.next(left).then(
          (piece) => {
            if (body.destroyed) return;
            if (!piece) {
              // Never end short: the request would wait for the rest of its Content-Length.
              fail(endedShort(bytes, size));
              return;
            }
            left -= piece.length;
            bytes += piece.length;
            body.push(piece);
            if (left === 0) {
              body.push(null);
              ended();
            }
          },
          (err: unknown) => fail(err),
        );
      },
    });
    bodies.add(body);
    body.once('close', () => bodies.delete(body));
    return { body, touched: () => touched };
  };

  /**
   * One UploadPart. S3 answers a refused or throttled part before its body when asked to (the SDK sends
   * `Expect: 100-continue`): a part whose body was not read yet is tried again, as the SDK would, at most
   * PART_ATTEMPTS times; once any byte was read it cannot be (the conductor may retry the whole copy,
   * the error being temporary).
   */
  const uploadPart = async (number: number, length: number, ended: () => void): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      const { body, touched } = partBody(length, ended);
      try {
        const out = await s3.send(
          new UploadPartCommand({
            Bucket: bucket,
            Key: key,
            UploadId: uploadId,
            PartNumber: number,
            ContentLength: length,
            Body: body,
          }),
          send,
        );
        if (!out.ETag) throw new Error(`S3 answered part ${number} of ${key} without an ETag`);
        done.push({ PartNumber: number, ETag: out.ETag });
        return;
      } catch (err) {
        if (touched() || attempt >= PART_ATTEMPTS || !transient(err) || aborter.signal.aborted) throw err;
        body.destroy();
        await new Promise((r) => setTimeout(r, Math.random() * 100 * 2 ** attempt));
      }
    }
  };

  const sendPart = async (number: number, length: number): Promise<void> => {
    let ended!: () => void;
    const bodyRead = new Promise<void>((resolve) => (ended = resolve));
    const part = uploadPart(number, length, ended)
      .catch((err: unknown) => fail(err))
      .finally(() => inFlight.delete(part));
    inFlight.add(part);
    // The next part starts once this one's body has been read (or the upload failed).
    await Promise.race([bodyRead, part]);
  };

  try {
    if (aborter.signal.aborted) throw opts.signal?.reason;
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }), send);
    if (!created.UploadId) throw new Error(`S3 started no multipart upload of ${key}`);
    uploadId = created.UploadId;
    for (let number = 1; number <= partCount; number++) {
      while (inFlight.size >= concurrency && !state.failure) await Promise.race(inFlight);
      throwFailure();
      await sendPart(number, Math.min(partBytes, size - (number - 1) * partBytes));
      throwFailure();
    }
    // The source to its end: nothing more than announced, and any error it raises at its end.
    if ((await reader.next(1)) !== undefined) fail(tooLong(size));
    while (inFlight.size > 0) await Promise.race(inFlight);
    throwFailure();
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
    return { bytes, parts: done.length };
  } catch (err) {
    const first = state.failure ? state.failure.err : err;
    aborter.abort(first);
    for (const body of bodies) body.destroy();
    // The parts in flight end (aborted) before the upload is aborted: a part that lands after
    // AbortMultipartUpload would start to hold storage again.
    await Promise.allSettled([...inFlight]);
    reader.close();
    if (uploadId !== undefined) {
      await s3
        .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }))
        .catch(() => undefined);
    }
    throw first;
  } finally {
    opts.signal?.removeEventListener('abort', onCancel);
  }
}
