/**
 * The live metadata of copies, read from their clouds through the agents, as the user who asks, and kept
 * for a few seconds ([conductor] remote_cache_time) per user and copy. It is never written anywhere.
 */
import { LRUCache } from 'lru-cache';
import type { RequestContext } from '../common/context';
import type { AgentGateway } from './agent-gateway';
import type { AgentRegistry } from './agents';
import type { CloudRow } from './db/entities';
import type { RemoteView } from './rpc-schemas';
import { remoteView } from './views';

export class RemoteMetadata {
  private readonly cache: LRUCache<string, RemoteView> | undefined;

  constructor(
    private readonly agents: AgentRegistry,
    private readonly gateway: AgentGateway,
    cacheSeconds: number,
  ) {
    this.cache = cacheSeconds > 0 ? new LRUCache({ max: 10000, ttl: cacheSeconds * 1000 }) : undefined;
  }

  /** Keeps what a cloud just answered for a copy (after a change), so no older answer is shown. */
  remember(ctx: RequestContext, cloud: CloudRow, remoteId: string, view: RemoteView): void {
    this.cache?.set(this.key(ctx, cloud, remoteId), view);
  }

  /** Forgets a copy's metadata for every user (it changed). */
  forget(cloud: CloudRow, remoteId: string): void {
    if (!this.cache) return;
    const suffix = `|${cloud.id}|${remoteId}`;
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
    if (cached) return cached;
    let remote;
    try {
      const agent = await this.agents.pick(cloud.zone);
      remote = await this.gateway.describeImage(ctx, agent.address, cloud, remoteId);
    } catch (err) {
      // What was cached is no longer what the cloud says (the copy may be gone): never answer it again.
      this.cache?.delete(key);
      throw err;
    }
    const view = remoteView(remote);
    this.cache?.set(key, view);
    return view;
  }
}
