/**
 * The cloud's transfer bucket in Cloud Storage (CloudRef.options.bucket): an archive streamed into a
 * resumable upload chunk by chunk (one on its way while the next is filled), and the object deleted
 * once GCE has made the image from it. Storage's createResumableUpload starts the session (with auth, also at a
 * custom endpoint); the chunks go to the session URI, which carries no auth, as on Cloud Storage itself.
 */
import type { Readable } from 'node:stream';
import type { Storage } from '@google-cloud/storage';
import { GimmingError, describeError } from '../../../common/errors';
import { getLogger } from '../../../common/log';
import { gcpFailure, isNotFound, scrub } from './errors';
import { Cancelled } from '../polling';

const log = getLogger('agent.gcp');
const QUANTUM = 256 * 1024;

export class TransferBucket {
  constructor(
    private readonly storage: Storage,
    readonly bucket: string,
    private readonly cloudName: string,
    private readonly timeoutMs: number,
  ) {}

  /** The URL images.insert's rawDisk.source names an object by. */
  sourceUrl(key: string): string {
    return `https://storage.googleapis.com/${this.bucket}/${key}`;
  }

  /** Starts a resumable upload of `key`; answers its session URI. */
  async start(key: string): Promise<string> {
    try {
      const [uri] = await this.storage
        .bucket(this.bucket)
        .file(key)
        .createResumableUpload({ metadata: { contentType: 'application/x-tar', contentEncoding: '' } });
      return uri;
    } catch (err) {
      throw gcpFailure(err, `Starting the upload of ${key} to bucket ${this.bucket}`, this.cloudName);
    }
  }

  /**
   * Streams `data` to the session `uri` in chunks of `chunkBytes`; answers the bytes sent. One chunk is
   * in flight while the next is read (and, for an import, compressed): at most two chunks are held.
   */
  async put(uri: string, data: Readable, chunkBytes: number, signal?: AbortSignal): Promise<number> {
    const size = Math.max(QUANTUM, Math.floor(chunkBytes / QUANTUM) * QUANTUM);
    let offset = 0;
    // The chunk on its way: the bytes from `offset` on, until the session says what it holds.
    let inflight: { acked: Promise<number>; body: Buffer } | undefined;
    /** Waits for the chunk on its way; answers what of it the session did not take (sent again next). */
    const settle = async (): Promise<Buffer> => {
      if (!inflight) return Buffer.alloc(0);
      const { acked, body } = inflight;
      inflight = undefined;
      const held = await acked;
      const rest = body.subarray(held - offset);
      offset = held;
      return rest;
    };
    try {
      // The pieces of the next chunk, joined once it is full (joining at every piece would copy the
      // chunk over and over).
      let pieces: Buffer[] = [];
      let held = 0;
      for await (const piece of data) {
        if (signal?.aborted) throw new Cancelled();
        pieces.push(piece as Buffer);
        held += (piece as Buffer).length;
        if (held < size + 1) continue;
        // Hold back at least one byte: the last chunk is the one that says the total.
        const rest = await settle();
        let buffer = Buffer.concat(rest.length ? [rest, ...pieces] : pieces, rest.length + held);
        while (buffer.length >= 2 * size + 1) {
          const acked = await this.chunk(uri, buffer.subarray(0, size), offset, undefined, signal);
          buffer = buffer.subarray(acked - offset);
          offset = acked;
        }
        if (buffer.length >= size + 1) {
          const body = buffer.subarray(0, size);
          inflight = { acked: this.chunk(uri, body, offset, undefined, signal), body };
          inflight.acked.catch(() => undefined);
          buffer = buffer.subarray(size);
        }
        pieces = [buffer];
        held = buffer.length;
      }
      const rest = await settle();
      let buffer = Buffer.concat(rest.length ? [rest, ...pieces] : pieces, rest.length + held);
      while (buffer.length >= size + 1) {
        const acked = await this.chunk(uri, buffer.subarray(0, size), offset, undefined, signal);
        buffer = buffer.subarray(acked - offset);
        offset = acked;
      }
      for (;;) {
        const total = offset + buffer.length;
        const acked = await this.chunk(uri, buffer, offset, total, signal);
        if (acked >= total) return total;
        buffer = buffer.subarray(acked - offset);
        offset = acked;
      }
    } finally {
      // A chunk still on its way when reading failed: let it end before the session is abandoned.
      if (inflight) await inflight.acked.catch(() => undefined);
    }
  }

  /** PUTs one chunk at `offset`; answers how many bytes the session now holds. */
  private async chunk(
    uri: string,
    body: Buffer,
    offset: number,
    total: number | undefined,
    signal?: AbortSignal,
  ): Promise<number> {
    const end = offset + body.length - 1;
    const range = body.length === 0 ? `bytes */${total ?? '*'}` : `bytes ${offset}-${end}/${total ?? '*'}`;
    let res: Response;
    try {
      res = await fetch(uri, {
        method: 'PUT',
        headers: { 'content-range': range, 'content-length': String(body.length) },
        body,
        signal: signal
          ? AbortSignal.any([signal, AbortSignal.timeout(this.timeoutMs)])
          : AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      if (signal?.aborted) throw new Cancelled();
      throw new GimmingError(
        'gimming.cloud.unreachable',
        503,
        `Uploading the image data to bucket ${this.bucket} in cloud ${this.cloudName} failed: the cloud did not answer.`,
        { retryable: true, cause: err },
      );
    }
    const text = await res.text();
    if (res.status === 200 || res.status === 201) return total ?? end + 1;
    if (res.status === 308) {
      const m = /bytes=0-(\d+)/.exec(res.headers.get('range') ?? '');
      return m ? Number(m[1]) + 1 : 0;
    }
    throw gcpFailure(
      { code: res.status, message: text },
      `Uploading the image data to bucket ${this.bucket}`,
      this.cloudName,
    );
  }

  /** Abandons a resumable upload (DELETE on its session). Never throws. */
  async abandon(uri: string): Promise<void> {
    try {
      await fetch(uri, { method: 'DELETE', signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      log.warn({ cloud: this.cloudName, err: describeError(err) }, 'could not abandon an upload session');
    }
  }

  /** Deletes an object; a missing one is fine. Never throws: logs what it could not remove. */
  async remove(key: string): Promise<void> {
    try {
      await this.storage.bucket(this.bucket).file(key).delete();
    } catch (err) {
      if (isNotFound(err)) return;
      log.error(
        { cloud: this.cloudName, bucket: this.bucket, key, err: scrub(describeError(err)) },
        'could not delete a transfer object',
      );
    }
  }
}
