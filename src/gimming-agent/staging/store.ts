/**
 * The agent's staging area: uploaded image data waits here, one file per GIMinG image, until every target
 * cloud has its copy. Bounded by [agent] staging_max_bytes, which also counts the scratch files of the
 * conversions this agent runs (conversion/scratch.ts). A partial upload never stays behind, except one whose
 * writer asked for it (a resumable upload cut short): it is kept, with its reservation, to be continued at
 * its size or deleted (DeleteStaging: the conductors do once its upload was not resumed in time). An agent
 * restart removes partial uploads.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, mkdirSync, readdirSync, rmSync, statSync, type ReadStream } from 'node:fs';
import { link, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform, type TransformCallback } from 'node:stream';
import { GimmingError, notFound } from '../../common/errors';
import { getLogger } from '../../common/log';
import { LiveReader, LiveUploads, TrackedFile } from './live';

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
  /** The md5 and sha256 too, when asked for (a resumed upload's md5; a declared sha256). */
  md5: Hash | undefined;
  sha256: Hash | undefined;
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
    this.md5?.update(chunk);
    this.sha256?.update(chunk);
    done(null, chunk);
  }

  /** Hashes the bytes already staged (a resumed upload), streaming, and counts them. */
  async rehash(path: string): Promise<void> {
    for await (const chunk of createReadStream(path, {
      highWaterMark: 1024 * 1024,
    }) as AsyncIterable<Buffer>) {
      this.bytes += chunk.length;
      this.sha512.update(chunk);
      this.md5?.update(chunk);
      this.sha256?.update(chunk);
    }
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
  /** What arrives of an upload cut short stays staged (a partial upload), to be continued at its size. */
  resumable?: boolean;
  /** Continues the partial upload staged at exactly this many bytes (0: a new upload). */
  offset?: number;
  /** Computes the md5 too (over all of the data, the bytes already staged included). */
  md5?: boolean;
  /** The sha256 the uploader declared (hex): the data must have it. */
  sha256?: string | undefined;
}

export interface StagedResult {
  size: number;
  sha512: string;
  md5?: string | undefined;
  sha256?: string | undefined;
}

/** Why a resumed upload is refused: it does not continue what is staged. */
export function offsetMismatch(offset: number, staged: number | undefined): GimmingError {
  return new GimmingError(
    'gimming.upload.offset_mismatch',
    409,
    staged === undefined
      ? `Nothing of this upload is staged here to continue at byte ${offset}.`
      : `The upload continues at byte ${staged}, not ${offset}.`,
  );
}

export function quotaExceeded(message: string): GimmingError {
  return new GimmingError('gimming.quota.staged_bytes_exceeded', 413, message);
}

export class StagingStore {
  /** Bytes held or reserved, by image. */
  private readonly held = new Map<string, number>();
  /** The uploads being written, by image: each can be stopped, and is settled once its room is freed. */
  private readonly writing = new Map<string, { stop(err: Error): void; settled: Promise<unknown> }>();
  /** The partial uploads kept (resumable uploads cut short), by image: what they reserve stays held. */
  private readonly partial = new Set<string>();
  /** The images whose staged data is being deleted: an upload of one stopped then is not kept. */
  private readonly deleting = new Set<string>();
  /** The sha256 of staged data this agent hashed on the way (a declared sha256), by image. */
  private readonly sha256s = new Map<string, string>();
  /** The uploads live readers follow while they arrive (live.ts), by image. */
  private readonly live = new LiveUploads();

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
  async write(imageId: string, data: Readable, opts: WriteOptions = {}): Promise<StagedResult> {
    try {
      return await this.writeUpload(imageId, data, opts);
    } catch (err) {
      // Refused before it began: the live readers waiting for it fail (live.ts), as after a failure.
      if (!this.live.get(imageId))
        this.live.fail(imageId, err instanceof Error ? err : new Error(String(err)));
      throw err;
    }
  }

  private async writeUpload(imageId: string, data: Readable, opts: WriteOptions): Promise<StagedResult> {
    const { declaredSize, limitBytes } = opts;
    const offset = opts.offset ?? 0;
    const cancelled = opts.cancelled ?? (() => false);
    const part = this.path(imageId, true);
    // An upload of the same image that was just cut short may still be freeing its room: the retry waits
    // for that (briefly) rather than being refused.
    const previous = this.writing.get(imageId);
    if (previous) await Promise.race([previous.settled, new Promise((r) => setTimeout(r, 5000))]);
    const resuming = this.partial.has(imageId) && !this.writing.has(imageId);
    if (offset > 0 || resuming) {
      const staged = resuming ? (await stat(part).catch(() => undefined))?.size : undefined;
      if (staged !== offset) throw offsetMismatch(offset, staged);
      // The partial's reservation is taken again below, from the room it held.
      this.partial.delete(imageId);
      this.held.delete(imageId);
    }
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
    if (opts.md5) meter.md5 = createHash('md5');
    if (opts.sha256 !== undefined) meter.sha256 = createHash('sha256');
    const started = Date.now();
    if (offset > 0) {
      // The hashes cover every byte: those staged before are read back (streaming), then the rest appended.
      try {
        await meter.rehash(part);
      } catch (err) {
        this.held.delete(imageId);
        await rm(part, { force: true });
        throw err;
      }
    }
    // Live readers (the copies that start while the upload arrives) follow the bytes written to the file.
    const live = this.live.begin(imageId, offset);
    // The incoming stream is piped in by hand, not made part of the pipeline: a gRPC call stream that the
    // pipeline destroyed on a failure would never close, and the caller would never get the answer.
    const written = pipeline(
      meter,
      new TrackedFile(part, offset > 0 ? 'a' : 'w', (n) => this.live.advance(live, n)),
    );
    const onError = (err: Error) => meter.destroy(err);
    // A stream destroyed without an end (a cancelled call) would otherwise leave the write waiting.
    const onClose = () => {
      if (!data.readableEnded)
        meter.destroy(new GimmingError('gimming.staging.cancelled', 409, 'The upload was cancelled.'));
    };
    data.once('error', onError);
    data.once('close', onClose);
    data.pipe(meter);
    let sha256: string | undefined;
    let sha512: string | undefined;
    let md5: string | undefined;
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
      sha256 = meter.sha256?.digest('hex');
      if (opts.sha256 !== undefined && sha256 !== opts.sha256.toLowerCase()) {
        throw new GimmingError(
          'gimming.image.checksum_mismatch',
          400,
          'The data does not have the sha256 declared (Gimming-Content-Sha256).',
        );
      }
      await rename(part, this.path(imageId));
      this.held.set(imageId, meter.bytes);
      if (sha256 !== undefined) this.sha256s.set(imageId, sha256);
      sha512 = meter.sha512.digest('hex');
      md5 = meter.md5?.digest('hex');
      this.live.complete(imageId, { size: meter.bytes, sha512, md5, sha256 });
    } catch (err) {
      data.unpipe(meter);
      meter.destroy();
      // A resumable upload cut short (not refused) keeps what reached the disk, and its reservation.
      const keep =
        opts.resumable === true &&
        err instanceof GimmingError &&
        err.code === 'gimming.staging.cancelled' &&
        !this.deleting.has(imageId);
      if (keep) {
        this.partial.add(imageId);
        this.live.pause(imageId);
        log.info({ image_id: imageId, bytes: meter.bytes }, 'partial upload kept, to be resumed');
        throw err;
      }
      this.held.delete(imageId);
      this.live.fail(imageId, err instanceof Error ? err : new Error(String(err)));
      await rm(part, { force: true });
      log.info({ image_id: imageId, bytes: meter.bytes }, 'partial upload discarded');
      throw err;
    } finally {
      data.off('error', onError);
      data.off('close', onClose);
      this.writing.delete(imageId);
      settle();
    }
    log.info(
      { image_id: imageId, bytes: meter.bytes, resumed_at: offset, seconds: (Date.now() - started) / 1000 },
      'upload staged',
    );
    return { size: meter.bytes, sha512, md5, sha256 };
  }

  /**
   * The bytes kept of an image's interrupted upload (once a write of it still being cut short settled);
   * undefined when none is kept.
   */
  async partialOffset(imageId: string): Promise<number | undefined> {
    const part = this.path(imageId, true);
    const inFlight = this.writing.get(imageId);
    if (inFlight) await Promise.race([inFlight.settled, new Promise((r) => setTimeout(r, 5000))]);
    if (!this.partial.has(imageId) || this.writing.has(imageId)) return undefined;
    return (await stat(part).catch(() => undefined))?.size;
  }

  /**
   * Stages `target` as the bytes of the staged image `source` (a hard link), if this agent hashed the
   * source's data to `sha256` when it was staged. Its room counts again (the area's budget stays on the
   * safe side: the bytes are on the disk once).
   */
  async link(source: string, target: string, sha256: string): Promise<number | undefined> {
    const from = this.path(source);
    const to = this.path(target);
    if (this.sha256s.get(source) !== sha256.toLowerCase() || !this.held.has(source)) return undefined;
    if (this.held.has(target) || this.writing.has(target)) {
      throw new GimmingError(
        'gimming.staging.exists',
        409,
        'This image is already being uploaded or staged.',
      );
    }
    const size = this.held.get(source) ?? 0;
    await link(from, to);
    this.held.set(target, size);
    this.sha256s.set(target, sha256.toLowerCase());
    log.info({ image_id: target, source_image_id: source, bytes: size }, 'upload deduplicated');
    return size;
  }

  open(imageId: string, start = 0): ReadStream {
    const path = this.path(imageId);
    if (!this.held.has(imageId))
      throw notFound('gimming.staging.not_found', `Image ${imageId} has no staged data here.`);
    return createReadStream(path, { highWaterMark: 256 * 1024, start });
  }

  /**
   * The staged data of an image read while its upload may still arrive (live.ts): follows the bytes
   * written, waits for more (also while a cut-short upload waits to be resumed), ends at the upload's
   * final length, fails when the upload fails or its data is deleted. An upload that completed before is
   * read as open() reads it.
   */
  openLive(imageId: string, start = 0): Readable {
    const paths = [this.path(imageId, true), this.path(imageId)];
    // Staged before (no upload of it followed here since this agent started): read as any staged data.
    if (!this.live.get(imageId) && this.held.has(imageId) && !this.writing.has(imageId)) {
      return this.open(imageId, start);
    }
    // The copies start when the upload begins: the reader may come before the upload's first byte.
    return new LiveReader(() => this.live.arrival(imageId), paths, start);
  }

  /** Deletes an image's staged data; an upload of it still being written is stopped and discarded first. */
  async delete(imageId: string): Promise<boolean> {
    const inFlight = this.writing.get(imageId);
    this.deleting.add(imageId);
    try {
      if (inFlight) {
        inFlight.stop(new GimmingError('gimming.staging.cancelled', 409, 'The staged data was deleted.'));
        await inFlight.settled;
      }
    } finally {
      this.deleting.delete(imageId);
    }
    const had = this.held.delete(imageId);
    this.live.fail(
      imageId,
      new GimmingError('gimming.staging.deleted', 409, "The upload's staged data was deleted."),
    );
    this.partial.delete(imageId);
    this.sha256s.delete(imageId);
    await rm(this.path(imageId), { force: true });
    await rm(this.path(imageId, true), { force: true });
    if (had) log.info({ image_id: imageId }, 'staged data deleted');
    return had;
  }
}
