/**
 * A token bucket for an image's byte stream (a copy's max_bandwidth): tokens accrue at `rate` bytes per
 * second up to `burst`; a chunk takes its length in tokens and waits while the bucket is in debt. A chunk
 * larger than the bucket (1 MiB chunks under a small cap) is let through at once and paid for after, so
 * any chunk size keeps the average rate, and the burst bounds how far ahead of the rate the stream runs.
 */
import { Transform, type Readable, type TransformCallback } from 'node:stream';

/** How much may pass at once, as time at the rate: a quarter of a second (at least 64 KiB). */
const BURST_SECONDS = 0.25;
const MIN_BURST = 64 * 1024;

export class TokenBucket {
  readonly burst: number;
  private tokens: number;
  private last: number;
  /** Bytes taken, and the time the stream was held waiting for tokens (for the copy's log line). */
  bytes = 0;
  waitedMs = 0;

  constructor(
    readonly rate: number,
    burst?: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(rate > 0)) throw new RangeError('a token bucket needs a rate above 0');
    this.burst = burst ?? Math.max(MIN_BURST, Math.floor(rate * BURST_SECONDS));
    this.tokens = this.burst;
    this.last = this.now();
  }

  /** Takes `n` tokens; returns how many milliseconds to wait before passing the bytes on (0: at once). */
  take(n: number): number {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.rate);
    this.last = t;
    this.tokens -= n;
    this.bytes += n;
    if (this.tokens >= 0) return 0;
    const wait = (-this.tokens / this.rate) * 1000;
    this.waitedMs += wait;
    return wait;
  }
}

/** A pass-through that holds each chunk back until the bucket has its tokens. */
export class ThrottleStream extends Transform {
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly bucket: TokenBucket) {
    super({ highWaterMark: 1024 * 1024 });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const wait = this.bucket.take(chunk.length);
    if (wait <= 0) return done(null, chunk);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      done(null, chunk);
    }, wait);
  }

  override _destroy(err: Error | null, done: (err: Error | null) => void): void {
    if (this.timer) clearTimeout(this.timer);
    done(err);
  }
}

/**
 * `source` held to `bytesPerS` (0: returned as it is). The source's failure becomes the throttled stream's,
 * and destroying the throttled stream destroys the source, so callers keep one stream to cancel and read.
 */
export function throttled(source: Readable, bytesPerS: number): { stream: Readable; bucket?: TokenBucket } {
  if (!(bytesPerS > 0)) return { stream: source };
  const bucket = new TokenBucket(bytesPerS);
  const out = new ThrottleStream(bucket);
  source.on('error', (err) => out.destroy(err));
  out.once('close', () => {
    if (!source.destroyed && !source.readableEnded) source.destroy();
  });
  source.pipe(out);
  return { stream: out, bucket };
}
