/**
 * Live reads of an upload still arriving (issue 16: an upload's copies start while it arrives). The
 * staging store (store.ts) writes each upload through a TrackedFile, which tells LiveUploads how many bytes
 * are written to the file; a LiveReader follows the file up to that offset and waits for more, so that the
 * copies of an upload move its bytes while the uploader still sends them.
 *
 * - Backpressure: a reader reads only what its consumer asks for (Readable._read); it never slows the
 *   upload, which is written at the uploader's pace whatever the readers do.
 * - A cut-short resumable upload (a partial kept to be resumed) pauses its readers: they wait at the offset
 *   staged; a resumed upload (WriteStaging at that offset) appends to the same file and they go on.
 * - The upload's end ends the readers once they read its final length; it is then known with its hashes
 *   (`result`). An upload that fails, or whose staged data is deleted (a lapsed or aborted upload), fails
 *   every reader with that error: its copies fail and delete what they made.
 *
 * Bytes are counted as written once the file's write returned: every reader of the same file sees them
 * (the page cache), which is what a reader on this host needs. An agent restart removes partial uploads
 * and so ends their copies anyway (their source stream breaks).
 */
import { EventEmitter } from 'node:events';
import { type FileHandle, open } from 'node:fs/promises';
import { Readable, Writable } from 'node:stream';
import { GimmingError } from '../../common/errors';

/** How one upload stands, as its live readers see it. */
export type LivePhase = 'writing' | 'paused' | 'complete' | 'failed';

export interface LiveResult {
  size: number;
  sha512: string;
  md5?: string | undefined;
  sha256?: string | undefined;
}

export class LiveUpload extends EventEmitter {
  written: number;
  phase: LivePhase = 'writing';
  result: LiveResult | undefined;
  error: Error | undefined;

  constructor(offset: number) {
    super();
    this.written = offset;
    // Every reader waits on 'change': many copies of one upload are many listeners.
    this.setMaxListeners(0);
  }

  change(): void {
    this.emit('change');
  }
}

/**
 * How long a reader waits for its upload to begin here: the conductor starts the copies when the upload
 * begins, and they may reach this agent before the API's WriteStaging does.
 */
export const LIVE_BEGIN_WAIT_MS = 30_000;

export class LiveUploads {
  private readonly uploads = new Map<string, LiveUpload>();
  private readonly begun = new EventEmitter().setMaxListeners(0);

  get(imageId: string): LiveUpload | undefined {
    return this.uploads.get(imageId);
  }

  /** The upload of `imageId`, once it began here (within `ms`); undefined if none did. */
  async arrival(imageId: string, ms = LIVE_BEGIN_WAIT_MS): Promise<LiveUpload | undefined> {
    const known = this.uploads.get(imageId);
    if (known) return known;
    return new Promise((resolve) => {
      const done = (live: LiveUpload | undefined) => {
        clearTimeout(timer);
        this.begun.off(imageId, done);
        resolve(live);
      };
      const timer = setTimeout(() => done(undefined), ms);
      this.begun.on(imageId, done);
    });
  }

  /** An upload starts, or a paused one resumes at `offset` (the readers waiting on it go on). */
  begin(imageId: string, offset: number): LiveUpload {
    const known = this.uploads.get(imageId);
    if (known && known.phase === 'paused' && known.written === offset) {
      known.phase = 'writing';
      known.change();
      return known;
    }
    if (known)
      this.fail(imageId, new GimmingError('gimming.staging.cancelled', 409, 'The upload restarted.'));
    const live = new LiveUpload(offset);
    this.uploads.set(imageId, live);
    this.begun.emit(imageId, live);
    return live;
  }

  advance(live: LiveUpload, bytes: number): void {
    live.written += bytes;
    live.change();
  }

  complete(imageId: string, result: LiveResult): void {
    const live = this.uploads.get(imageId);
    if (!live) return;
    live.phase = 'complete';
    live.result = result;
    live.change();
  }

  /** The upload was cut short and its partial kept: readers wait for its resumption. */
  pause(imageId: string): void {
    const live = this.uploads.get(imageId);
    if (!live || live.phase !== 'writing') return;
    live.phase = 'paused';
    live.change();
  }

  /**
   * The upload failed or its data was deleted: every reader fails with `error`. An upload that never
   * began here (refused: the staging area full) fails the readers waiting for it, so that none of them
   * takes the image's next upload for its own.
   */
  fail(imageId: string, error: Error): void {
    const live = this.uploads.get(imageId);
    if (!live) {
      const refused = new LiveUpload(0);
      refused.phase = 'failed';
      refused.error = error;
      this.begun.emit(imageId, refused);
      return;
    }
    this.uploads.delete(imageId);
    if (live.phase === 'complete') return;
    live.phase = 'failed';
    live.error = error;
    live.change();
  }

  /** Forgets a finished upload (its staged data is deleted, or read like any other from now on). */
  forget(imageId: string): void {
    const live = this.uploads.get(imageId);
    if (live?.phase === 'complete') this.uploads.delete(imageId);
  }
}

/** A file writer that tells, after each write returned, how many bytes are in the file. */
export class TrackedFile extends Writable {
  private fh: FileHandle | undefined;

  constructor(
    private readonly path: string,
    private readonly flags: 'w' | 'a',
    private readonly onWritten: (bytes: number) => void,
  ) {
    super({ highWaterMark: 1024 * 1024 });
  }

  override _construct(callback: (error?: Error | null) => void): void {
    open(this.path, this.flags, 0o600).then(
      (fh) => {
        this.fh = fh;
        callback();
      },
      (err: Error) => callback(err),
    );
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    void this.writeAll(chunks.map((c) => c.chunk)).then(
      () => callback(),
      (err: Error) => callback(err),
    );
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, callback: (error?: Error | null) => void): void {
    this._writev([{ chunk }], callback);
  }

  private async writeAll(buffers: Buffer[]): Promise<void> {
    const fh = this.fh as FileHandle;
    let pending = buffers;
    while (pending.length > 0) {
      const { bytesWritten } = await fh.writev(pending);
      this.onWritten(bytesWritten);
      // A short write (rare on a regular file): the rest again.
      let skip = bytesWritten;
      const rest: Buffer[] = [];
      for (const b of pending) {
        if (skip >= b.length) {
          skip -= b.length;
          continue;
        }
        rest.push(skip > 0 ? b.subarray(skip) : b);
        skip = 0;
      }
      pending = rest;
    }
  }

  override _final(callback: (error?: Error | null) => void): void {
    const fh = this.fh;
    this.fh = undefined;
    if (!fh) return callback();
    fh.close().then(
      () => callback(),
      (err: Error) => callback(err),
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const fh = this.fh;
    this.fh = undefined;
    closeThen(fh, error, callback);
  }
}

/** A destroyed stream's file is closed before it reports `error` (a close failure adds nothing to it). */
function closeThen(
  fh: FileHandle | undefined,
  error: Error | null,
  callback: (error?: Error | null) => void,
): void {
  if (!fh) return callback(error);
  fh.close().then(
    () => callback(error),
    () => callback(error),
  );
}

const READ_BYTES = 256 * 1024;

/**
 * Follows an upload's file from `start`: reads what is written, waits for more, ends at the upload's final
 * length, fails with the upload's failure. `paths` are tried in order (the partial file, then the staged
 * one it is renamed to: the same file).
 */
export class LiveReader extends Readable {
  private fh: FileHandle | undefined;
  private pos: number;
  private waiting: (() => void) | undefined;
  private live: LiveUpload | undefined;

  constructor(
    private readonly arrival: () => Promise<LiveUpload | undefined>,
    private readonly paths: readonly string[],
    start = 0,
  ) {
    super({ highWaterMark: READ_BYTES });
    this.pos = start;
  }

  /** The final length and hashes, once the upload completed (and this reader read all of it). */
  get result(): LiveResult | undefined {
    return this.live?.result;
  }

  override _construct(callback: (error?: Error | null) => void): void {
    void this.openFile().then(
      () => callback(),
      (err: Error) => callback(err),
    );
  }

  /** Waits for the upload to begin and its file to exist, then opens it. */
  private async openFile(): Promise<void> {
    const live = await this.arrival();
    if (!live) {
      throw new GimmingError('gimming.staging.not_found', 404, 'No upload of this image began here in time.');
    }
    this.live = live;
    const until = Date.now() + LIVE_BEGIN_WAIT_MS;
    for (;;) {
      for (const path of this.paths) {
        try {
          this.fh = await open(path, 'r');
          return;
        } catch {
          // Not there yet (the writer opens it), or renamed meanwhile: the next path.
        }
      }
      if (live.phase === 'failed' || live.phase === 'complete' || Date.now() > until) {
        throw (
          live.error ??
          new GimmingError('gimming.staging.not_found', 404, "The upload's staged data is gone.")
        );
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  override _read(): void {
    void this.step();
  }

  private async step(): Promise<void> {
    const live = this.live as LiveUpload;
    for (;;) {
      if (this.destroyed) return;
      if (live.phase === 'failed') {
        this.destroy(live.error ?? new GimmingError('gimming.staging.cancelled', 409, 'The upload failed.'));
        return;
      }
      const available = live.written - this.pos;
      if (available > 0) {
        const length = Math.min(available, READ_BYTES);
        const buffer = Buffer.allocUnsafe(length);
        let bytesRead: number;
        try {
          ({ bytesRead } = await (this.fh as FileHandle).read(buffer, 0, length, this.pos));
        } catch (err) {
          this.destroy(err as Error);
          return;
        }
        if (this.destroyed) return;
        if (bytesRead === 0) {
          this.destroy(
            new GimmingError('gimming.staging.short_read', 500, 'The staged file is shorter than written.'),
          );
          return;
        }
        this.pos += bytesRead;
        this.push(bytesRead === length ? buffer : buffer.subarray(0, bytesRead));
        return;
      }
      if (live.phase === 'complete') {
        const size = live.result?.size ?? live.written;
        if (this.pos !== size) {
          this.destroy(
            new GimmingError(
              'gimming.staging.short_read',
              500,
              `Read ${this.pos} of the ${size} bytes staged.`,
            ),
          );
          return;
        }
        this.push(null);
        return;
      }
      // Writing or paused: wait for more bytes, or the upload's end.
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
        live.once('change', resolve);
      });
      this.waiting = undefined;
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.waiting) {
      this.live?.off('change', this.waiting);
      this.waiting();
    }
    const fh = this.fh;
    this.fh = undefined;
    closeThen(fh, error, callback);
  }
}
