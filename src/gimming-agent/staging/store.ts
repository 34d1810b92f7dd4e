/**
 * The agent's staging area: uploaded image data waits here, one file per GIMinG image, until every target
 * cloud has its copy. Bounded by [agent] staging_max_bytes; a partial upload never stays behind.
 */
import { createHash } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  mkdirSync,
  readdirSync,
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

/** Hashes (sha512) and counts what passes, and stops the stream once it goes over its budget. */
class Meter extends Transform {
  readonly sha512 = createHash('sha512');
  bytes = 0;

  constructor(
    private readonly budget: () => number,
    private readonly observe?: (bytes: number) => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    this.observe?.(chunk.length);
    if (this.bytes > this.budget()) {
      done(tooLarge('The upload does not fit in the staging area.'));
      return;
    }
    this.sha512.update(chunk);
    done(null, chunk);
  }
}

export class StagingStore {
  /** Bytes held or reserved, by image. */
  private readonly held = new Map<string, number>();

  constructor(
    private readonly dir: string,
    readonly maxBytes: number,
    /** Told of every chunk written (the metrics' staged bytes). */
    private readonly onBytesWritten?: (bytes: number) => void,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (name.endsWith('.part')) {
        void rm(path, { force: true }); // an upload cut short by a restart
      } else if (UUID_RE.test(name)) {
        this.held.set(name, statSync(path).size);
      }
    }
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

  /** Writes an upload; resolves with its size and sha512 once it is safely on disk. */
  async write(
    imageId: string,
    declaredSize: number | undefined,
    data: Readable,
    /** True when the uploader went away: what arrived is then not the whole upload. */
    cancelled: () => boolean = () => false,
  ): Promise<{ size: number; sha512: string }> {
    const part = this.path(imageId, true);
    if (this.held.has(imageId))
      throw new GimmingError(
        'gimming.staging.exists',
        409,
        'This image is already being uploaded or staged.',
      );
    const room = this.maxBytes - this.usedBytes;
    if (declaredSize !== undefined && declaredSize > room) {
      throw tooLarge(
        `The upload (${declaredSize} bytes) is larger than the room left in the staging area (${room} bytes).`,
      );
    }
    this.held.set(imageId, declaredSize ?? 0);
    const meter = new Meter(
      () => (declaredSize !== undefined ? Math.min(declaredSize, room) : room),
      this.onBytesWritten,
    );
    const started = Date.now();
    // The incoming stream is piped in by hand, not made part of the pipeline: a gRPC call stream that the
    // pipeline destroyed on a failure would never close, and the caller would never get the answer.
    const written = pipeline(meter, createWriteStream(part, { mode: 0o600 }));
    const onError = (err: Error) => meter.destroy(err);
    data.once('error', onError);
    data.pipe(meter);
    try {
      await written;
      if (cancelled()) throw new GimmingError('gimming.staging.cancelled', 409, 'The upload was cancelled.');
      if (declaredSize !== undefined && meter.bytes !== declaredSize) {
        throw new GimmingError(
          'gimming.image.size_mismatch',
          400,
          `The upload holds ${meter.bytes} bytes, not the ${declaredSize} declared.`,
        );
      }
      await rename(part, this.path(imageId));
    } catch (err) {
      data.unpipe(meter);
      this.held.delete(imageId);
      await rm(part, { force: true });
      throw err;
    } finally {
      data.off('error', onError);
    }
    this.held.set(imageId, meter.bytes);
    const sha512 = meter.sha512.digest('hex');
    log.info(
      { image_id: imageId, bytes: meter.bytes, seconds: (Date.now() - started) / 1000 },
      'upload staged',
    );
    return { size: meter.bytes, sha512 };
  }

  open(imageId: string): ReadStream {
    const path = this.path(imageId);
    if (!this.held.has(imageId))
      throw notFound('gimming.staging.not_found', `Image ${imageId} has no staged data here.`);
    return createReadStream(path, { highWaterMark: 256 * 1024 });
  }

  async delete(imageId: string): Promise<boolean> {
    const had = this.held.delete(imageId);
    await rm(this.path(imageId), { force: true });
    if (had) log.info({ image_id: imageId }, 'staged data deleted');
    return had;
  }
}
