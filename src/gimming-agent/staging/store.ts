/**
 * The agent's staging area: uploaded image data waits here, one file per GIMinG image, until every target
 * cloud has its copy. Bounded by [agent] staging_max_bytes, which also counts the scratch files of the
 * conversions this agent runs (conversion/scratch.ts); a partial upload never stays behind.
 */
import { createHash } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  mkdirSync,
  readdirSync,
  rmSync,
  statSync,
  type ReadStream,
} from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform, type TransformCallback } from 'node:stream';
import { GimmingError, notFound } from '../../common/errors';
import { getLogger } from '../../common/log';

const log = getLogger('agent.staging');

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function tooLarge(message: string): GimmingError {
  return new GimmingError('gimming.staging.full', 413, message);
}

/**
 * Hashes (sha512) and counts what passes, and stops the stream once it goes over its budget. With
 * `endMarker`, the data is complete only once an empty chunk has come last (see WriteStaging in the proto):
 * a stream that ends without one was cut short, however its end looked.
 */
class Meter extends Transform {
  readonly sha512 = createHash('sha512');
  bytes = 0;
  sawEndMarker = false;

  constructor(
    private readonly budget: number,
    private readonly overBudget: () => GimmingError,
    private readonly endMarker: boolean,
    private readonly observe?: (bytes: number) => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.sawEndMarker) {
      done(new GimmingError('gimming.agent.bad_request', 400, 'Data came after the end of the upload.'));
      return;
    }
    if (chunk.length === 0 && this.endMarker) {
      this.sawEndMarker = true;
      done();
      return;
    }
    this.bytes += chunk.length;
    this.observe?.(chunk.length);
    if (this.bytes > this.budget) {
      done(this.overBudget());
      return;
    }
    this.sha512.update(chunk);
    done(null, chunk);
  }
}

export interface WriteOptions {
  /** The size the uploader announced, if any: more or fewer bytes fail the upload. */
  declaredSize?: number | undefined;
  /** The most this upload may hold besides the area's own limits (the project's room), if any. */
  limitBytes?: number | undefined;
  /** True once the uploader went away: what arrived is then not the whole upload. */
  cancelled?: () => boolean;
  /** The data ends with an empty chunk; without it the upload was cut short. */
  endMarker?: boolean;
}

export function quotaExceeded(message: string): GimmingError {
  return new GimmingError('gimming.quota.staged_bytes_exceeded', 413, message);
}

export class StagingStore {
  /** Bytes held or reserved, by image. */
  private readonly held = new Map<string, number>();
  /** The uploads being written, by image: each can be stopped, and is settled once its room is freed. */
  private readonly writing = new Map<string, { stop(err: Error): void; settled: Promise<unknown> }>();

  constructor(
    private readonly dir: string,
    readonly maxBytes: number,
    /** What an upload of unknown size reserves at most, and may then hold ([agent] staging_max_upload_bytes). */
    readonly maxUploadBytes: number,
    /** Told of every chunk written (the metrics' staged bytes). */
    private readonly onBytesWritten?: (bytes: number) => void,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // A conversion never outlives its agent: what one left at a crash is removed.
    this.scratchDir = join(dir, 'scratch');
    // What conversions left when the agent stopped; the directory is made again by the next conversion
    // (and removed by the last), so the staging area holds only staged images when none runs.
    rmSync(this.scratchDir, { recursive: true, force: true });
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (name.endsWith('.part')) {
        void rm(path, { force: true }); // an upload cut short by a restart
      } else if (UUID_RE.test(name)) {
        this.held.set(name, statSync(path).size);
      }
    }
  }

  /** Where conversions keep their scratch files, under the staging directory. */
  readonly scratchDir: string;

  /**
   * Reserves `bytes` in all of the area for a conversion's scratch files (`key`: one per conversion), counted
   * with the staged data; refused with `gimming.staging.full` when they do not fit.
   */
  reserveScratch(key: string, bytes: number, what: string): void {
    // A reservation that grows counts on the room it already holds.
    const room = this.maxBytes - this.usedBytes + (this.held.get(`scratch:${key}`) ?? 0);
    if (bytes > room) {
      throw tooLarge(
        `${what} needs ${bytes} bytes of scratch space, more than the ${room} bytes left of this agent's ` +
          `staging area ([agent] staging_max_bytes = ${this.maxBytes}).`,
      );
    }
    this.held.set(`scratch:${key}`, bytes);
  }

  releaseScratch(key: string): void {
    this.held.delete(`scratch:${key}`);
  }

  get usedBytes(): number {
    let sum = 0;
    for (const n of this.held.values()) sum += n;
    return sum;
  }

  private path(imageId: string, part = false): string {
    if (!UUID_RE.test(imageId)) throw notFound('gimming.staging.not_found', 'No such staged image.');
    return join(this.dir, part ? `${imageId}.part` : imageId);
  }

  /**
   * Writes an upload; resolves with its size and sha512 once it is safely on disk. Its room is reserved
   * before any data: the declared size, or else at most maxUploadBytes, so that uploads of unknown size
   * cannot each count on the whole area. A failure of any kind frees the reservation and the partial file.
   */
  async write(
    imageId: string,
    data: Readable,
    opts: WriteOptions = {},
  ): Promise<{ size: number; sha512: string }> {
    const { declaredSize, limitBytes } = opts;
    const cancelled = opts.cancelled ?? (() => false);
    const part = this.path(imageId, true);
    // An upload of the same image that was just cut short may still be freeing its room: the retry waits
    // for that (briefly) rather than being refused.
    const previous = this.writing.get(imageId);
    if (previous) await Promise.race([previous.settled, new Promise((r) => setTimeout(r, 5000))]);
    if (this.held.has(imageId))
      throw new GimmingError(
        'gimming.staging.exists',
        409,
        'This image is already being uploaded or staged.',
      );
    const room = this.maxBytes - this.usedBytes;
    if (limitBytes !== undefined && declaredSize !== undefined && declaredSize > limitBytes) {
      throw quotaExceeded(
        `The upload (${declaredSize} bytes) is larger than the staging room left to the project (${limitBytes} bytes).`,
      );
    }
    if (declaredSize !== undefined && declaredSize > room) {
      throw tooLarge(
        `The upload (${declaredSize} bytes) is larger than the room left in the staging area (${room} bytes).`,
      );
    }
    if (declaredSize === undefined && room <= 0) throw tooLarge('The staging area is full.');
    const reserved = declaredSize ?? Math.min(this.maxUploadBytes, room, limitBytes ?? Infinity);
    const overBudget = (): GimmingError => {
      if (declaredSize === undefined && reserved === limitBytes) {
        return quotaExceeded(
          `The upload is larger than the staging room left to the project (${reserved} bytes).`,
        );
      }
      if (declaredSize === undefined && reserved === this.maxUploadBytes) {
        return tooLarge(
          `An upload of undeclared size may hold at most ${this.maxUploadBytes} bytes; declare its size.`,
        );
      }
      return tooLarge('The upload does not fit in the staging area.');
    };
    this.held.set(imageId, reserved);
    const meter = new Meter(reserved, overBudget, opts.endMarker === true, this.onBytesWritten);
    const started = Date.now();
    // The incoming stream is piped in by hand, not made part of the pipeline: a gRPC call stream that the
    // pipeline destroyed on a failure would never close, and the caller would never get the answer.
    const written = pipeline(meter, createWriteStream(part, { mode: 0o600 }));
    const onError = (err: Error) => meter.destroy(err);
    // A stream destroyed without an end (a cancelled call) would otherwise leave the write waiting.
    const onClose = () => {
      if (!data.readableEnded)
        meter.destroy(new GimmingError('gimming.staging.cancelled', 409, 'The upload was cancelled.'));
    };
    data.once('error', onError);
    data.once('close', onClose);
    data.pipe(meter);
    let settle!: () => void;
    const settled = new Promise<void>((r) => (settle = r));
    this.writing.set(imageId, { stop: (err) => meter.destroy(err), settled });
    try {
      await written;
      // A gRPC client's cancel can reach this agent as the end of the stream, before the cancel itself:
      // only the end marker tells a complete upload from one cut short.
      if (cancelled() || (opts.endMarker === true && !meter.sawEndMarker)) {
        throw new GimmingError('gimming.staging.cancelled', 409, 'The upload was cancelled.');
      }
      if (declaredSize !== undefined && meter.bytes !== declaredSize) {
        throw new GimmingError(
          'gimming.image.size_mismatch',
          400,
          `The upload holds ${meter.bytes} bytes, not the ${declaredSize} declared.`,
        );
      }
      await rename(part, this.path(imageId));
      this.held.set(imageId, meter.bytes);
    } catch (err) {
      data.unpipe(meter);
      meter.destroy();
      this.held.delete(imageId);
      await rm(part, { force: true });
      log.info({ image_id: imageId, bytes: meter.bytes }, 'partial upload discarded');
      throw err;
    } finally {
      data.off('error', onError);
      data.off('close', onClose);
      this.writing.delete(imageId);
      settle();
    }
    const sha512 = meter.sha512.digest('hex');
    log.info(
      { image_id: imageId, bytes: meter.bytes, seconds: (Date.now() - started) / 1000 },
      'upload staged',
    );
    return { size: meter.bytes, sha512 };
  }

  open(imageId: string, start = 0): ReadStream {
    const path = this.path(imageId);
    if (!this.held.has(imageId))
      throw notFound('gimming.staging.not_found', `Image ${imageId} has no staged data here.`);
    return createReadStream(path, { highWaterMark: 256 * 1024, start });
  }

  /** Deletes an image's staged data; an upload of it still being written is stopped and discarded first. */
  async delete(imageId: string): Promise<boolean> {
    const inFlight = this.writing.get(imageId);
    if (inFlight) {
      inFlight.stop(new GimmingError('gimming.staging.cancelled', 409, 'The staged data was deleted.'));
      await inFlight.settled;
    }
    const had = this.held.delete(imageId);
    await rm(this.path(imageId), { force: true });
    if (had) log.info({ image_id: imageId }, 'staged data deleted');
    return had;
  }
}
