/**
 * One read of a source for several copies ("one read, N writes"): every ReadImage of a group (the copies
 * of one request that read the same source, ReadShare in the proto) is served from one read of the cloud
 * or the staging area, through a window of at most `windowBytes` held in memory.
 *
 * - The read goes at the pace of the fastest reader, held back by the window: the source is read only
 *   when a reader has taken every chunk read so far and wants more, a chunk stays until every reader of
 *   the group has taken it, and no more is read while the window is full. What the group holds is the
 *   spread between its fastest and slowest readers, not a window of read-ahead.
 * - Until every reader of the group came (or the join time passed), the first bytes stay (at most half the
 *   window), so that a reader that comes a little later starts from byte 0 with the others.
 * - A reader that falls a whole window behind while another waits for data (for STALL_MS) is detached: it goes on with a
 *   read of its own from where it was (a staged file from that offset; a cloud's image read again from its
 *   start, the bytes it already had skipped), so that it never stalls the others. A reader that comes
 *   when the group is past its first bytes gets a read of its own from the start.
 * - A reader that fails or goes away only leaves the group; the read stops when the last reader left. A
 *   failure of the source fails the readers still in the group (each copy fails and is retried).
 */
import { Readable } from 'node:stream';
import { getLogger } from '../../common/log';

const log = getLogger('agent.shared-read');

/**
 * How long a full window may hold back a reader that waits for data before the readers holding it are
 * detached: longer than the jitter between two targets taking the same stream, short against a copy.
 */
export const STALL_MS = 1000;

/**
 * The window of a group that reads this agent's staging area (SharedReadSettings.stagingWindowBytes in
 * the agent). An upload's copies read the staged file at their targets' paces (an S3 multipart upload and
 * a peer agent writing into Glance differ by tens of MiB/s): with the whole window, the faster one held
 * up to 32 MiB of chunks for the slower one, long enough for V8 to promote them and keep them until a
 * full collection (bench:aws, the staging agent's peak RSS). With 4 MiB the slower reader is detached to a
 * read of its own soon after it falls behind.
 */
export const STAGING_SHARED_WINDOW_BYTES = 4 * 1024 * 1024;

/** Where a read's bytes come from, for the metrics. */
export type SourceKind = 'cloud' | 'staging';

/** How a reader was served: the group's first read, a reader of it, or a read of its own. */
export type ReadKind = 'shared' | 'joined' | 'own' | 'detached';

/** What the shared reads report (the agent's metrics). */
export interface SourceMeter {
  /** Bytes read out of the source (the cloud or the staging area), once per read however many readers. */
  sourceBytes(from: SourceKind, count: number): void;
  /** A reader was served, and how. */
  sourceRead(kind: ReadKind): void;
}

/** An opened source: its data from `start` on (a cloud can only start at 0), and the length it announced. */
export interface OpenedSource {
  stream: Readable;
  announcedLength?: number;
  /** The offset the stream starts at: the one asked for, or 0 when the source cannot seek. */
  start: number;
}

/** Opens the source at `start` (or at 0, saying so); `signal` stops a source that is still preparing. */
export type SourceOpener = (start: number, signal: AbortSignal) => Promise<OpenedSource>;

export interface SharedReadSettings {
  /** Most bytes a group holds; 0: every read is a read of its own. */
  windowBytes: number;
  /**
   * Most bytes a group reading this agent's staging area holds (at most windowBytes; unset: windowBytes).
   * A staged file is local: a reader that falls behind costs a second read of the disk (most often of the
   * page cache), not of a cloud, so such a group need not hold much for its slowest reader.
   */
  stagingWindowBytes?: number;
  /** How long the first bytes wait for the readers of a group that did not come yet. */
  joinTimeoutMs: number;
  meter?: SourceMeter;
}

/** What a read of a group is asked for. */
export interface ShareRequest {
  /** The group's key, already bound to the source and the caller. */
  key: string;
  /** How many readers the group has. */
  readers: number;
}

export interface SharedStream {
  stream: Readable;
  announcedLength?: number;
}

/** Counts the bytes of a read of the source, and skips those before `skip` (a source that cannot seek). */
function counted(opened: OpenedSource, from: SourceKind, skip: number, meter?: SourceMeter): Readable {
  let toSkip = Math.max(0, skip - opened.start);
  const source = opened.stream;
  const out = new Readable({
    read() {
      source.resume();
    },
    destroy(err, cb) {
      source.destroy();
      cb(err);
    },
  });
  source.on('data', (chunk: Buffer) => {
    meter?.sourceBytes(from, chunk.length);
    if (toSkip > 0) {
      if (chunk.length <= toSkip) {
        toSkip -= chunk.length;
        return;
      }
      chunk = chunk.subarray(toSkip);
      toSkip = 0;
    }
    if (!out.push(chunk)) source.pause();
  });
  source.once('end', () => out.push(null));
  source.on('error', (err) => out.destroy(err));
  source.pause();
  return out;
}

/** One reader of a group: a stream of the group's chunks, or of a read of its own once detached. */
class Reader extends Readable {
  /** The sequence number of the next chunk it takes. */
  seq = 0;
  /** Bytes it was given. */
  bytes = 0;
  readonly joinedAt = Date.now();
  /** It asked for data and was not given any yet. */
  wanting = false;
  /** Its own read, once detached. */
  own: Readable | undefined;
  group: SharedRead | undefined;

  constructor() {
    super();
    // A failure before the copy listens (the source is still being opened) must not end the agent; the
    // copy sees it through its own listeners.
    this.on('error', () => undefined);
  }

  override _read(): void {
    if (this.own) {
      this.own.resume();
      return;
    }
    this.wanting = true;
    this.group?.serve(this);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.group?.leave(this);
    this.own?.destroy();
    cb(err);
  }
}

class SharedRead {
  private readonly chunks: Buffer[] = [];
  /** Sequence number of chunks[0]. */
  private firstSeq = 0;
  private held = 0;
  private readonly readers = new Set<Reader>();
  private joined = 0;
  private pinned = true;
  private ended = false;
  private failure: Error | undefined;
  private source: Readable | undefined;
  private readonly aborter = new AbortController();
  private readonly pinTimer: NodeJS.Timeout;
  private stallTimer: NodeJS.Timeout | undefined;
  readonly opened: Promise<number | undefined>;
  announcedLength: number | undefined;
  /** Readers that fell behind and were detached. */
  detached = 0;

  constructor(
    readonly key: string,
    private readonly expected: number,
    private readonly from: SourceKind,
    private readonly opener: SourceOpener,
    private readonly settings: SharedReadSettings,
    private readonly onDone: (group: SharedRead) => void,
  ) {
    this.pinTimer = setTimeout(() => this.unpin(), settings.joinTimeoutMs);
    this.pinTimer.unref();
    this.opened = opener(0, this.aborter.signal).then((opened) => {
      this.announcedLength = opened.announcedLength;
      const stream = opened.stream;
      this.source = stream;
      stream.on('data', (chunk: Buffer) => this.take(chunk));
      stream.once('end', () => {
        this.ended = true;
        this.wakeAll();
        this.finishIfIdle();
      });
      stream.on('error', (err) => this.fail(err));
      this.pull();
      if (this.readers.size === 0) stream.destroy();
      return opened.announcedLength;
    });
    this.opened.catch((err: unknown) => this.fail(err instanceof Error ? err : new Error(String(err))));
  }

  /** A new reader can start with the group: nothing has been let go of yet. */
  get joinable(): boolean {
    return this.firstSeq === 0 && !this.failure && this.readers.size > 0;
  }

  join(reader: Reader): void {
    reader.group = this;
    this.readers.add(reader);
    this.joined += 1;
    if (this.joined >= this.expected) this.unpin();
  }

  /** Stops keeping the first bytes for readers that did not come. */
  private unpin(): void {
    if (!this.pinned) return;
    this.pinned = false;
    clearTimeout(this.pinTimer);
    this.release();
    this.pull();
  }

  private get lastSeq(): number {
    return this.firstSeq + this.chunks.length;
  }

  /** A chunk read from the source: every reader that waits for one gets it at once. */
  private take(chunk: Buffer): void {
    if (this.failure) return;
    this.chunks.push(chunk);
    this.held += chunk.length;
    this.settings.meter?.sourceBytes(this.from, chunk.length);
    this.wakeAll();
    this.pull();
  }

  /** Reads on while the window has room; when it is full, a reader a window behind may be detached. */
  private pull(): void {
    const source = this.source;
    if (!source || this.ended || this.failure) return;
    // While readers are still to come, the first reader may go half a window ahead: a reader that comes
    // then starts half a window behind it, with the other half left for the jitter between targets.
    const limit = this.pinned ? this.settings.windowBytes / 2 : this.settings.windowBytes;
    // A stall ends once the slowest reader caught up half a window, not when it takes one more chunk.
    if (this.held < this.settings.windowBytes / 2) this.unstall();
    if (this.held < limit) {
      // Read only for a reader that waits at the head: a chunk read before the fastest reader wants it
      // serves nobody sooner, and the window would fill ahead of every reader (with one reader left, a
      // whole window of read-ahead stayed alive long enough to reach V8's old generation).
      if (this.headWanted()) {
        if (source.isPaused()) source.resume();
      } else source.pause();
      return;
    }
    source.pause();
    this.detachLaggards();
  }

  /** Some reader has taken every chunk read so far and asks for more. */
  private headWanted(): boolean {
    const head = this.lastSeq;
    for (const reader of this.readers) if (reader.wanting && reader.seq === head) return true;
    return false;
  }

  /**
   * The window is full while a reader waits for data at its head: when that lasts STALL_MS (the slowest
   * readers hold it, not a moment's jitter between targets), those holding the oldest chunk, a whole window
   * behind, go on with reads of their own.
   */
  private detachLaggards(): void {
    if (this.pinned || this.held < this.settings.windowBytes) return;
    const head = this.lastSeq;
    const starving = [...this.readers].some((r) => r.wanting && r.seq === head);
    if (!starving || this.stallTimer) return;
    this.stallTimer = setTimeout(() => {
      this.stallTimer = undefined;
      if (this.failure || this.ended) return;
      // A reader that has taken nothing yet (its target is still making the image) has the join time.
      const now = Date.now();
      let waiting = false;
      for (const reader of [...this.readers]) {
        if (reader.seq !== this.firstSeq) continue;
        if (reader.bytes > 0 || now - reader.joinedAt >= this.settings.joinTimeoutMs) this.detach(reader);
        else waiting = true;
      }
      this.release();
      this.pull();
      if (waiting) this.detachLaggards();
    }, STALL_MS);
    this.stallTimer.unref();
  }

  /** The window has room again: a stall that was being timed is over. */
  private unstall(): void {
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
  }

  private detach(reader: Reader): void {
    this.readers.delete(reader);
    reader.group = undefined;
    this.detached += 1;
    this.settings.meter?.sourceRead('detached');
    log.info(
      { key: this.key, offset: reader.bytes, window_bytes: this.settings.windowBytes },
      'a reader fell a window behind: it goes on with a read of its own',
    );
    const offset = reader.bytes;
    const aborter = new AbortController();
    reader.once('close', () => aborter.abort());
    this.opener(offset, aborter.signal).then(
      (opened) => {
        const own = counted(opened, this.from, offset, this.settings.meter);
        if (reader.destroyed) {
          own.destroy();
          return;
        }
        reader.own = own;
        own.on('data', (chunk: Buffer) => {
          reader.bytes += chunk.length;
          if (!reader.push(chunk)) own.pause();
        });
        own.once('end', () => reader.push(null));
        own.once('error', (err) => reader.destroy(err));
        if (!reader.wanting) own.pause();
      },
      (err: unknown) => reader.destroy(err instanceof Error ? err : new Error(String(err))),
    );
  }

  /** Gives a reader what it has not taken yet, as long as it takes more. */
  serve(reader: Reader): void {
    while (reader.wanting && reader.seq < this.lastSeq) {
      const chunk = this.chunks[reader.seq - this.firstSeq] as Buffer;
      reader.seq += 1;
      reader.bytes += chunk.length;
      if (!reader.push(chunk)) reader.wanting = false;
    }
    if (reader.wanting && this.ended && reader.seq >= this.lastSeq) {
      reader.wanting = false;
      this.readers.delete(reader);
      reader.group = undefined;
      reader.push(null);
    }
    this.release();
    this.pull();
    this.finishIfIdle();
  }

  private wakeAll(): void {
    for (const reader of [...this.readers]) if (reader.wanting) this.serve(reader);
  }

  /** Lets go of the chunks every reader took (all of them are kept while the group waits for readers). */
  private release(): void {
    if (this.pinned) return;
    let min = this.lastSeq;
    for (const reader of this.readers) min = Math.min(min, reader.seq);
    while (this.firstSeq < min) {
      const chunk = this.chunks.shift() as Buffer;
      this.held -= chunk.length;
      this.firstSeq += 1;
    }
  }

  /** A reader went away (its copy failed or was cancelled): the others go on. */
  leave(reader: Reader): void {
    if (!this.readers.delete(reader)) return;
    reader.group = undefined;
    this.release();
    this.pull();
    this.finishIfIdle();
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    for (const reader of [...this.readers]) reader.destroy(err);
    this.close();
  }

  private finishIfIdle(): void {
    if (this.readers.size > 0) return;
    if (!this.ended) this.source?.destroy();
    this.close();
  }

  private close(): void {
    clearTimeout(this.pinTimer);
    this.unstall();
    this.aborter.abort();
    this.chunks.length = 0;
    this.held = 0;
    this.onDone(this);
  }
}

export class SharedReads {
  private readonly groups = new Map<string, SharedRead>();

  constructor(private readonly settings: SharedReadSettings) {}

  /** Groups reading now (for tests and the logs). */
  get active(): number {
    return this.groups.size;
  }

  /**
   * A reader's stream of the source: from the group `share` names when it can still start with it, from
   * a new group when there is none, or a read of its own (no share, sharing off, or the group is past its
   * first bytes).
   */
  async open(
    share: ShareRequest | undefined,
    from: SourceKind,
    opener: SourceOpener,
    signal?: AbortSignal,
  ): Promise<SharedStream> {
    const meter = this.settings.meter;
    if (!share || share.readers < 2 || this.settings.windowBytes <= 0) {
      return this.own(from, opener, signal, 'own');
    }
    let group = this.groups.get(share.key);
    let kind: ReadKind = 'joined';
    if (!group || !group.joinable) {
      if (group) return this.own(from, opener, signal, 'own');
      const settings =
        from === 'staging' && this.settings.stagingWindowBytes !== undefined
          ? {
              ...this.settings,
              windowBytes: Math.min(this.settings.windowBytes, this.settings.stagingWindowBytes),
            }
          : this.settings;
      group = new SharedRead(share.key, share.readers, from, opener, settings, (g) => {
        if (this.groups.get(g.key) === g) this.groups.delete(g.key);
      });
      this.groups.set(share.key, group);
      kind = 'shared';
    }
    const reader = new Reader();
    group.join(reader);
    meter?.sourceRead(kind);
    const announcedLength = await group.opened.catch((err: unknown) => {
      reader.destroy();
      throw err;
    });
    return { stream: reader, ...(announcedLength !== undefined ? { announcedLength } : {}) };
  }

  private async own(
    from: SourceKind,
    opener: SourceOpener,
    signal: AbortSignal | undefined,
    kind: ReadKind,
  ): Promise<SharedStream> {
    this.settings.meter?.sourceRead(kind);
    const opened = await opener(0, signal ?? new AbortController().signal);
    const stream = counted(opened, from, 0, this.settings.meter);
    return {
      stream,
      ...(opened.announcedLength !== undefined ? { announcedLength: opened.announcedLength } : {}),
    };
  }
}
