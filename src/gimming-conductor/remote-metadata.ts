/**
 * The live metadata of copies, read from their clouds through the agents, as the user who asks, and kept
 * for a few seconds ([conductor] remote_cache_time) per user and copy. It is never written anywhere.
 *
 * What is answered is never older than remote_cache_time. Under load (npm run bench:load: 50 clients on
 * 100 images in 4 clouds) two things kept the cache from helping: every request that missed read the
 * cloud itself, so a copy shown by ten clients at once was read ten times, and every entry expired at once
 * for everyone, so hot copies went cold on a schedule. Now one read per copy and user is under way at a
 * time (later askers wait for it), and a copy asked for in the second half of its time is read again in
 * the background while the cached answer is still given.
 */
import { LRUCache } from 'lru-cache';
import type { RequestContext } from '../common/context';
import type { AgentGateway } from './agent-gateway';
import type { AgentRegistry } from './agents';
import type { CloudRow } from './db/entities';
import type { RemoteView } from './rpc-schemas';
import { remoteView } from './views';

interface Cached {
  view: RemoteView;
  /** When the cloud gave it (ms). */
  at: number;
}

export class RemoteMetadata {
  private readonly cache: LRUCache<string, Cached> | undefined;
  /** The reads under way, by cache key: one per copy and user at a time. */
  private readonly reading = new Map<string, Promise<RemoteView>>();
  private readonly ttlMs: number;
  /** The count of forget() calls so far, and at which one each copy was last forgotten (`|cloud|remote`). */
  private forgets = 0;
  private readonly forgotten: LRUCache<string, number>;

  constructor(
    private readonly agents: AgentRegistry,
    private readonly gateway: AgentGateway,
    cacheSeconds: number,
    /** Told which copy changed (the API processes' read caches listen). */
    private readonly onChange: (cloudId: string, remoteId: string) => void = () => undefined,
  ) {
    this.ttlMs = cacheSeconds * 1000;
    this.cache = cacheSeconds > 0 ? new LRUCache({ max: 10000, ttl: this.ttlMs }) : undefined;
    this.forgotten = new LRUCache({ max: 10000, ttl: Math.max(60_000, this.ttlMs * 2) });
  }

  /** Keeps what a cloud just answered for a copy (after a change), so no older answer is shown. */
  remember(ctx: RequestContext, cloud: CloudRow, remoteId: string, view: RemoteView): void {
    this.cache?.set(this.key(ctx, cloud, remoteId), { view, at: Date.now() });
    this.onChange(cloud.id, remoteId);
  }

  /** Forgets a copy's metadata for every user (it changed). */
  forget(cloud: CloudRow, remoteId: string): void {
    const suffix = `|${cloud.id}|${remoteId}`;
    this.forgotten.set(suffix, ++this.forgets);
    for (const key of [...this.reading.keys()]) if (key.endsWith(suffix)) this.reading.delete(key);
    this.onChange(cloud.id, remoteId);
    if (!this.cache) return;
    for (const key of this.cache.keys()) if (key.endsWith(suffix)) this.cache.delete(key);
  }

  private key(ctx: RequestContext, cloud: CloudRow, remoteId: string): string {
    return `${ctx.userId ?? ''}|${ctx.projectId ?? ''}|${cloud.id}|${remoteId}`;
  }

  /** `fresh`: read the cloud even when a recent answer is cached (and cache the new one). */
  async describe(ctx: RequestContext, cloud: CloudRow, remoteId: string, fresh = false): Promise<RemoteView> {
    // Per user and project: what one user may see of an image is not what another may.
    const key = this.key(ctx, cloud, remoteId);
    const cached = fresh ? undefined : this.cache?.get(key);
    if (cached) {
      // Read again ahead of the expiry, so that a copy in use is never read while someone waits.
      if (Date.now() - cached.at > this.ttlMs / 2 && !this.reading.has(key)) {
        this.read(key, ctx, cloud, remoteId).catch(() => undefined);
      }
      return cached.view;
    }
    if (fresh) return this.read(key, ctx, cloud, remoteId, true);
    return this.reading.get(key) ?? this.read(key, ctx, cloud, remoteId);
  }

  /** One read of the cloud; `own`: not shared with (nor by) the other askers, for a forced fresh read. */
  private read(
    key: string,
    ctx: RequestContext,
    cloud: CloudRow,
    remoteId: string,
    own = false,
  ): Promise<RemoteView> {
    const at = Date.now();
    const forgetsBefore = this.forgets;
    const reading = (async () => {
      try {
        const agent = await this.agents.pick(cloud.zone);
        const view = remoteView(await this.gateway.describeImage(ctx, agent.address, cloud, remoteId));
        // An answer given after a newer one was kept (remember, a fresh read) does not replace it.
        // Nor one begun before the copy changed. The entry lives out what remains of the time since the
        // read began, so no answer is given older than remote_cache_time.
        const kept = this.cache?.get(key);
        const changed = (this.forgotten.get(`|${cloud.id}|${remoteId}`) ?? 0) > forgetsBefore;
        const left = this.ttlMs - (Date.now() - at);
        if ((!kept || kept.at <= at) && !changed && left > 0)
          this.cache?.set(key, { view, at }, { ttl: left });
        // What was given before differs from the cloud now: the answers that showed it go too.
        if (kept && kept.at <= at && JSON.stringify(kept.view) !== JSON.stringify(view))
          this.onChange(cloud.id, remoteId);
        return view;
      } catch (err) {
        // What was cached is no longer what the cloud says (the copy may be gone): never answer it again.
        if (this.cache?.delete(key)) this.onChange(cloud.id, remoteId);
        throw err;
      }
    })();
    if (own) return reading;
    this.reading.set(key, reading);
    const done = () => {
      if (this.reading.get(key) === reading) this.reading.delete(key);
    };
    reading.then(done, done);
    return reading;
  }
}
