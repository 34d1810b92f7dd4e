/**
 * Keystone trusts for submitted work (GIMinG's README: long jobs must outlive the user's token). When a
 * request queues tasks, the user delegates their roles in their project to GIMinG's service user with a
 * trust (impersonating, bounded in time); the tasks keep only its ID. Any conductor can then act for the
 * user with a trust-scoped token, also after the user's token expired or after the conductor that took the
 * request went away. The trust is deleted once no task of it is left working.
 */
import type { DataSource } from 'typeorm';
import type { RequestContext } from '../common/context';
import { describeError } from '../common/errors';
import { requestJson } from '../common/http/request';
import type { ServiceUser } from '../common/keystone/service-user';
import { getLogger } from '../common/log';
import { TaskRow } from './db/entities';

const log = getLogger('conductor.trusts');

export class Trusts {
  /** One trust per request, however many tasks it queues; a task's context already acts through one. */
  private readonly byRequest = new WeakMap<RequestContext, Promise<string | null>>();
  private readonly actingThrough = new WeakMap<RequestContext, string>();
  /** Trusts made for a request, once Keystone answered (so later tasks of it get the ID at once). */
  private readonly made = new WeakMap<RequestContext, string>();

  constructor(
    private readonly db: DataSource,
    private readonly serviceUser: ServiceUser,
    private readonly enabled: boolean,
    private readonly lifetimeS: number,
  ) {}

  /** The trust for the work of this request (made on first use); null when trusts are off or refused. */
  forRequest(ctx: RequestContext): Promise<string | null> {
    const known = this.byRequest.get(ctx);
    if (known) return known;
    if (!this.enabled || !ctx.authToken || !ctx.userId || !ctx.projectId) return Promise.resolve(null);
    let trust = this.byRequest.get(ctx);
    if (!trust) {
      // (A context made by context() below is registered with its trust: work a task queues, such as the
      // copies after an import, goes on under the same trust. Keystone would refuse a trust made with a
      // trust-scoped token anyway.)
      trust = this.create(ctx).then((id) => {
        if (id) this.made.set(ctx, id);
        return id;
      });
      this.byRequest.set(ctx, trust);
    }
    return trust;
  }

  private async create(ctx: RequestContext): Promise<string | null> {
    try {
      const trustee = await this.serviceUser.token();
      let res;
      // Keystone refuses (409) a second trust of the same trustor, trustee, project and expiry: requests
      // in the same millisecond would collide, so the expiry gets random microseconds, and a retry.
      for (let attempt = 0; attempt < 3; attempt++) {
        const micros = String(Math.floor(Math.random() * 1000)).padStart(3, '0');
        const expiresAt = new Date(Date.now() + this.lifetimeS * 1000)
          .toISOString()
          .replace('Z', `${micros}Z`);
        res = await requestJson({
          method: 'POST',
          url: `${this.serviceUser.authUrl}/v3/OS-TRUST/trusts`,
          tls: this.serviceUser.tls,
          headers: { 'X-Auth-Token': ctx.authToken as string },
          json: {
            trust: {
              trustor_user_id: ctx.userId,
              trustee_user_id: trustee.userId,
              project_id: ctx.projectId,
              roles: ctx.roles.map((name) => ({ name })),
              impersonation: true,
              expires_at: expiresAt,
            },
          },
          timeoutMs: 10000,
        });
        if (res.status !== 409) break;
      }
      if (!res || res.status !== 201) {
        log.warn(
          { status: res?.status },
          'Keystone refused a trust: the work runs with the request token only',
        );
        return null;
      }
      const id = (res.body as { trust: { id: string } }).trust.id;
      log.info({ trust_id: id }, 'trust made for submitted work');
      // The tasks will want a token of it at once: get it now, while the request goes on.
      this.serviceUser.trustToken(id).catch(() => undefined);
      return id;
    } catch (err) {
      log.warn({ reason: describeError(err) }, 'no trust: the work runs with the request token only');
      return null;
    }
  }

  /** True when a trust was asked for this request (it may still be in the making). */
  startedFor(ctx: RequestContext): boolean {
    return this.byRequest.has(ctx) && !this.actingThrough.has(ctx);
  }

  /** The trust a context already acts through (a task's), if any. */
  knownTrust(ctx: RequestContext): string | null {
    return this.actingThrough.get(ctx) ?? this.made.get(ctx) ?? null;
  }

  /** A context acting for the trust's user. */
  async context(trustId: string, requestId?: string): Promise<RequestContext> {
    const ctx = await this.serviceUser.trustContext(trustId, requestId);
    this.byRequest.set(ctx, Promise.resolve(trustId));
    this.actingThrough.set(ctx, trustId);
    return ctx;
  }

  /** Deletes the trust when no task of it is left working. Best effort: trusts also expire. */
  async releaseIfDone(trustId: string): Promise<void> {
    const working = await this.db
      .getRepository(TaskRow)
      .createQueryBuilder('t')
      .where('t.trust_id = :trust AND t.status IN (:...states)', {
        trust: trustId,
        states: ['pending', 'running', 'cancelling'],
      })
      .getCount();
    if (working > 0) return;
    try {
      // A trust-scoped token acts as the trustor, who may delete the trust.
      const token = await this.serviceUser.trustToken(trustId);
      const res = await requestJson({
        method: 'DELETE',
        url: `${this.serviceUser.authUrl}/v3/OS-TRUST/trusts/${encodeURIComponent(trustId)}`,
        tls: this.serviceUser.tls,
        headers: { 'X-Auth-Token': token.value },
        timeoutMs: 10000,
      });
      this.serviceUser.forgetTrust(trustId);
      if (res.status === 204 || res.status === 404) log.info({ trust_id: trustId }, 'trust deleted');
      else log.warn({ trust_id: trustId, status: res.status }, 'trust not deleted; it will expire');
    } catch (err) {
      this.serviceUser.forgetTrust(trustId);
      log.warn({ trust_id: trustId, reason: describeError(err) }, 'trust not deleted; it will expire');
    }
  }
}
