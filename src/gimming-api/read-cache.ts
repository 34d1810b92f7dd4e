/**
 * The API's cache of image reads ([api] image_cache_time): the answer of a list or show, kept for a few
 * seconds and given again to the same caller asking the same thing, without a conductor round trip.
 *
 * Under 50 concurrent clients (npm run bench:load) a show or a list cost the API, the conductor, RabbitMQ
 * and MariaDB together about 3 ms of CPU; a hit costs the API alone a fraction of that.
 *
 * What keeps it correct:
 * - The key is the caller's token, the path and query as sent and the microversion: an answer is only
 *   ever given again to a request the conductor would have answered for the same identity (visibility,
 *   roles, the live metadata read with that token). Policy runs before the cache is looked at.
 * - Requests carrying cloud credentials (X-Cloud-Credentials) are never cached.
 * - Any write through this API process (every method other than GET, HEAD and OPTIONS) empties it, before
 *   and after it runs; an answer whose read began before a write ended is not kept.
 * - What changes elsewhere (a task finishing, another API process, a cloud's copy changing) is seen once
 *   the entry lapses: an answer is never older than image_cache_time, plus the conductor's own
 *   remote_cache_time for the copies' live metadata.
 * - Bounded: at most MAX_ENTRIES answers and MAX_BYTES of JSON in all; lapsed answers are dropped every
 *   image_cache_time (not only when asked for again), so the cache holds about one period's answers.
 */
import { LRUCache } from 'lru-cache';
import type Koa from 'koa';
import type { AuthState } from './middleware/auth-token';

const MAX_ENTRIES = 1000;
/**
 * 8 MiB of answers: under bench:load (about 450 requests a second, a 1 s time) the deep pages, each asked
 * once, filled a 32 MiB cache with answers never asked for again and the API's RSS grew by 75 MiB.
 */
const MAX_BYTES = 8 * 1024 * 1024;
const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

export class ReadCache {
  private readonly cache: LRUCache<string, string>;
  /** Bumped by every write, as it starts and as it ends: a read that saw it change keeps nothing. */
  private generation = 0;

  constructor(ttlSeconds: number) {
    this.cache = new LRUCache<string, string>({
      max: MAX_ENTRIES,
      maxSize: MAX_BYTES,
      sizeCalculation: (json, key) => json.length + key.length,
      ttl: ttlSeconds * 1000,
      ttlAutopurge: false,
    });
    // One timer for the whole cache (ttlAutopurge would set one per answer); it keeps no process alive.
    setInterval(() => this.cache.purgeStale(), Math.max(1000, ttlSeconds * 1000)).unref();
  }

  /** A cache for image_cache_time seconds, or none when it is 0. */
  static of(ttlSeconds: number): ReadCache | undefined {
    return ttlSeconds > 0 ? new ReadCache(ttlSeconds) : undefined;
  }

  /** Empties the cache around every write this process serves. */
  middleware(): Koa.Middleware<AuthState> {
    return async (ctx, next) => {
      if (READS.has(ctx.method)) {
        await next();
        return;
      }
      this.invalidate();
      try {
        await next();
      } finally {
        this.invalidate();
      }
    };
  }

  invalidate(): void {
    this.generation += 1;
    this.cache.clear();
  }

  get size(): number {
    return this.cache.size;
  }

  /**
   * Answers `ctx` from the cache, or with what `read` returns (the REST body), kept when the read saw
   * no write. Policy has been checked by the caller.
   */
  async answer(ctx: Koa.ParameterizedContext<AuthState>, read: () => Promise<unknown>): Promise<void> {
    const context = ctx.state.context;
    if (context.cloudCredentials || !context.authToken) {
      ctx.body = await read();
      return;
    }
    const key = `${ctx.state.apiVersion?.toString() ?? ''}\n${ctx.url}\n${context.authToken}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) {
      ctx.type = 'application/json';
      ctx.body = hit;
      return;
    }
    const generation = this.generation;
    const json = JSON.stringify(await read());
    if (generation === this.generation) this.cache.set(key, json);
    ctx.type = 'application/json';
    ctx.body = json;
  }
}

/** Answers `ctx` with what `read` returns, through `cache` when there is one ([api] image_cache_time). */
export async function answerRead(
  cache: ReadCache | undefined,
  ctx: Koa.ParameterizedContext<AuthState>,
  read: () => Promise<unknown>,
): Promise<void> {
  if (cache) await cache.answer(ctx, read);
  else ctx.body = await read();
}
