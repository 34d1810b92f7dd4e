/**
 * The API's cache of image reads ([api] image_cache_time): the answer of a list or show, kept for a few
 * seconds and given again to the same caller asking the same thing, without a conductor round trip.
 *
 * Under 50 concurrent clients (npm run bench:load) a show or a list cost the API, the conductor, RabbitMQ
 * and MariaDB together about 3 ms of CPU; a hit costs the API alone a fraction of that.
 *
 * What keeps it correct:
 * - The key is a hash of the caller's token, the path and query as sent and the microversion: an answer
 *   is only ever given again to a request the conductor would have answered for the same identity
 *   (visibility, roles, the live metadata read with that token). Policy runs before the cache is looked
 *   at. Requests carrying cloud credentials (X-Cloud-Credentials) are never cached.
 * - What the conductors change (through any API process, or by their own work: tasks, copies, drift, a
 *   refresh, a copy's live metadata read again and found changed) reaches every API process as an image
 *   change (src/common/image-changes.ts): the answers that showed that image (its shows; its project's
 *   lists and the all-projects lists) go at once. An answer whose read began before a change it could
 *   have shown arrived is not kept.
 * - While this process does not hear the changes (no broker, its queue lost) the cache is empty and keeps
 *   nothing: no answer is given that a change it missed could have made stale.
 * - Any write through this API process empties it too, before and after it runs.
 * - Time still bounds every answer: image_cache_time, and for an answer with live metadata of copies
 *   (read from their clouds, which tell no one when they change) half of [conductor] remote_cache_time
 *   if that is less, 0 (not kept) when that is 0. See doc/source/admin/performance.rst for the bound.
 * - Bounded: at most MAX_ENTRIES answers and MAX_BYTES of JSON in all; lapsed answers are dropped every
 *   image_cache_time (not only when asked for again), so the cache holds about one period's answers.
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type Koa from 'koa';
import type { ImageChange, ImageChangeSink } from '../common/image-changes';
import type { AuthState } from './middleware/auth-token';

const MAX_ENTRIES = 1000;
/**
 * 8 MiB of answers: under bench:load (about 450 requests a second, a 1 s time) the deep pages, each asked
 * once, filled a 32 MiB cache with answers never asked for again and the API's RSS grew by 75 MiB.
 */
const MAX_BYTES = 8 * 1024 * 1024;
const READS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** The changes remembered for the reads under way; a read older than all of them keeps nothing. */
const RECENT_CHANGES = 256;

/** What an answer shows: one image, or a page of one project's images (or of every project's). */
export type ReadScope = { image: string } | { project: string; allProjects: boolean; specOnly: boolean };

interface Entry {
  json: string;
  /** The image a show showed (with its owner), or the project a list listed. */
  image?: string;
  owner?: string;
  project?: string;
  allProjects?: boolean;
}

export interface ReadCacheOptions {
  /** [api] image_cache_time. */
  ttlSeconds: number;
  /** [conductor] remote_cache_time: how old the live metadata of a copy may be. */
  remoteCacheSeconds: number;
  /** Whether the answers are emptied by the conductors' image changes (else by time alone). */
  changes: boolean;
}

export class ReadCache implements ImageChangeSink {
  private readonly cache: LRUCache<string, Entry>;
  private readonly ttlMs: number;
  private readonly liveTtlMs: number;
  /** Whether every change is heard (always, when the cache does not listen to changes). */
  private hearing: boolean;
  /** Counts the changes (and the losses and returns of hearing them): a read compares it. */
  private seq = 0;
  private readonly recent: Array<{ seq: number; change: ImageChange }> = [];

  constructor(opts: ReadCacheOptions) {
    this.ttlMs = opts.ttlSeconds * 1000;
    // The conductor gives a copy's metadata up to remote_cache_time old, and reads it again (telling
    // every API of a difference) when it gives it in the second half of that time: kept half of it here,
    // what is shown was read from the cloud at most remote_cache_time ago, or is being read again.
    this.liveTtlMs = Math.min(this.ttlMs, (opts.remoteCacheSeconds * 1000) / 2);
    this.hearing = !opts.changes;
    this.cache = new LRUCache<string, Entry>({
      max: MAX_ENTRIES,
      maxSize: MAX_BYTES,
      sizeCalculation: (entry, key) => entry.json.length + key.length,
      ttl: this.ttlMs,
      ttlAutopurge: false,
    });
    // One timer for the whole cache (ttlAutopurge would set one per answer); it keeps no process alive.
    setInterval(() => this.cache.purgeStale(), Math.max(1000, this.ttlMs)).unref();
  }

  /** A cache for image_cache_time seconds, or none when it is 0. */
  static of(ttlSeconds: number, remoteCacheSeconds: number, changes: boolean): ReadCache | undefined {
    return ttlSeconds > 0 ? new ReadCache({ ttlSeconds, remoteCacheSeconds, changes }) : undefined;
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
    this.changed({ images: [], all: true });
  }

  /** Every change is heard from now on (the listener's queue is consumed). */
  online(): void {
    this.changed({ images: [], all: true });
    this.hearing = true;
  }

  /** Changes may be missed from now on: nothing is answered from the cache nor kept. */
  offline(): void {
    this.hearing = false;
    this.changed({ images: [], all: true });
  }

  /** Drops the answers that could have shown `change`. */
  changed(change: ImageChange): void {
    this.seq += 1;
    this.recent.push({ seq: this.seq, change });
    if (this.recent.length > RECENT_CHANGES) this.recent.shift();
    if (change.all) {
      this.cache.clear();
      return;
    }
    const gone: string[] = [];
    for (const [key, entry] of this.cache.entries()) if (affects(change, entry)) gone.push(key);
    for (const key of gone) this.cache.delete(key);
  }

  get size(): number {
    return this.cache.size;
  }

  /** Whether answers are given and kept now. */
  get serving(): boolean {
    return this.hearing;
  }

  /**
   * Answers `ctx` from the cache, or with what `read` returns (the REST body), kept when no change it
   * could have shown arrived while it was read. Policy has been checked by the caller.
   */
  async answer(
    ctx: Koa.ParameterizedContext<AuthState>,
    scope: ReadScope,
    read: () => Promise<unknown>,
  ): Promise<void> {
    const context = ctx.state.context;
    if (context.cloudCredentials || !context.authToken || !this.hearing) {
      ctx.body = await read();
      return;
    }
    // Hashed: no token is kept in clear (nor found by reading the process's memory for keys).
    const key = createHash('sha256')
      .update(`${ctx.state.apiVersion?.toString() ?? ''}\n${ctx.url}\n${context.authToken}`)
      .digest('base64');
    const hit = this.cache.get(key);
    if (hit !== undefined) {
      ctx.type = 'application/json';
      ctx.body = hit.json;
      return;
    }
    const since = this.seq;
    const body = await read();
    const json = JSON.stringify(body);
    const entry = entryOf(json, scope, body);
    const ttl = 'specOnly' in scope && scope.specOnly ? this.ttlMs : live(body) ? this.liveTtlMs : this.ttlMs;
    if (this.hearing && ttl > 0 && this.unchangedSince(since, entry)) this.cache.set(key, entry, { ttl });
    ctx.type = 'application/json';
    ctx.body = json;
  }

  /** Whether no change since `since` could have touched what `entry` shows. */
  private unchangedSince(since: number, entry: Entry): boolean {
    if (since === this.seq) return true;
    const oldest = this.recent[0];
    if (!oldest || oldest.seq > since + 1) return false; // some changes are forgotten already
    return this.recent.every(({ seq, change }) => seq <= since || !affects(change, entry));
  }
}

function entryOf(json: string, scope: ReadScope, body: unknown): Entry {
  if ('image' in scope) {
    const owner = (body as { owner?: unknown } | null)?.owner;
    return { json, image: scope.image, ...(typeof owner === 'string' ? { owner } : {}) };
  }
  return { json, project: scope.project, allProjects: scope.allProjects };
}

/** Whether a change of these images could make this answer stale. */
function affects(change: ImageChange, entry: Entry): boolean {
  if (change.all) return true;
  if (entry.image !== undefined) return change.images.some((i) => i.id === entry.image);
  // A list: any image of its project may enter, leave or change in it.
  if (entry.allProjects) return change.images.length > 0;
  return change.images.some((i) => i.owner === null || i.owner === entry.project);
}

interface LocationLike {
  image_id?: unknown;
}

/** Whether an answer shows copies in clouds (whose metadata is read live): a show's or a list's. */
function live(body: unknown): boolean {
  const b = body as { images?: unknown; locations?: unknown } | null;
  const images = Array.isArray(b?.images) ? (b.images as Array<{ locations?: unknown }>) : [b];
  return images.some(
    (image) =>
      Array.isArray(image?.locations) &&
      (image.locations as LocationLike[]).some((l) => typeof l?.image_id === 'string' && l.image_id !== ''),
  );
}

/** Answers `ctx` with what `read` returns, through `cache` when there is one ([api] image_cache_time). */
export async function answerRead(
  cache: ReadCache | undefined,
  ctx: Koa.ParameterizedContext<AuthState>,
  scope: ReadScope,
  read: () => Promise<unknown>,
): Promise<void> {
  if (cache) await cache.answer(ctx, scope, read);
  else ctx.body = await read();
}
