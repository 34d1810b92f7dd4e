/**
 * GIMinG's own Keystone user ([keystone_authtoken]): a project-scoped token, fetched once and renewed a
 * minute before it expires. The API validates user tokens with it; the conductor's periodic jobs reach
 * the clouds with it (as a RequestContext carrying its roles and service catalog).
 */
import type { GimmingConfig } from '../config/schema';
import { RequestContext, newRequestId } from '../context';
import { GimmingError, unavailable } from '../errors';
import { ClientTls, tlsDetail } from '../http/tls';
import { getLogger } from '../log';
import { type IssuedToken, requestToken } from './tokens';
import { withoutVersionSuffix } from '../trim';

const log = getLogger('keystone.service_user');

type ServiceToken = IssuedToken;

export class ServiceUser {
  private current: ServiceToken | undefined;
  private pending: Promise<ServiceToken> | undefined;
  readonly authUrl: string;
  /** The TLS of every request to this Keystone ([keystone_authtoken] cafile, certfile, keyfile, insecure). */
  readonly tls: ClientTls;

  constructor(private readonly conf: GimmingConfig['keystone_authtoken']) {
    this.authUrl = withoutVersionSuffix(conf.auth_url ?? '', 'v3');
    this.tls = new ClientTls('keystone_authtoken', conf);
  }

  /** Forgets the token (Keystone refused it): the next use gets a new one. */
  invalidate(): void {
    this.current = undefined;
  }

  async token(): Promise<ServiceToken> {
    if (this.current && this.current.expiresAt - Date.now() > 60_000) return this.current;
    this.pending ??= this.fetch()
      .then((t) => (this.current = t))
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }

  /** A context to act as the service user, for work nobody asked for (periodic jobs). */
  async context(requestId: string = newRequestId()): Promise<RequestContext> {
    const t = await this.token();
    return new RequestContext({
      request_id: requestId,
      user_id: t.userId,
      user_name: this.conf.username,
      project_id: t.projectId,
      project_name: this.conf.project_name,
      roles: t.roles,
      auth_token: t.value,
      expires_at: new Date(t.expiresAt).toISOString(),
      service_catalog: t.catalog,
    });
  }

  private readonly trustTokens = new Map<string, ServiceToken>();

  /** A token of the service user scoped to a trust: it acts as the trustor, in the trust's project. */
  async trustToken(trustId: string): Promise<ServiceToken> {
    const cached = this.trustTokens.get(trustId);
    if (cached && cached.expiresAt - Date.now() > 120_000) return cached;
    const token = await this.fetch({ 'OS-TRUST:trust': { id: trustId } });
    this.trustTokens.set(trustId, token);
    return token;
  }

  /** A context acting for the user who made the trust. */
  async trustContext(trustId: string, requestId: string = newRequestId()): Promise<RequestContext> {
    const t = await this.trustToken(trustId);
    return new RequestContext({
      request_id: requestId,
      user_id: t.userId,
      project_id: t.projectId,
      roles: t.roles,
      auth_token: t.value,
      expires_at: new Date(t.expiresAt).toISOString(),
      service_catalog: t.catalog,
    });
  }

  forgetTrust(trustId: string): void {
    this.trustTokens.delete(trustId);
  }

  private async fetch(scope?: Record<string, unknown>): Promise<ServiceToken> {
    let res;
    try {
      res = await requestToken(
        this.authUrl,
        {
          auth: {
            identity: {
              methods: ['password'],
              password: {
                user: {
                  name: this.conf.username,
                  password: this.conf.password,
                  domain: { name: this.conf.user_domain_name },
                },
              },
            },
            scope: scope ?? {
              project: { name: this.conf.project_name, domain: { name: this.conf.project_domain_name } },
            },
          },
        },
        this.conf.http_connect_timeout * 1000,
        { tls: this.tls },
      );
    } catch (err) {
      throw unavailable(
        'gimming.auth.keystone_unreachable',
        `The identity service is unreachable${tlsDetail(err)}.`,
        err,
      );
    }
    if ('status' in res) {
      if (scope && res.status >= 400 && res.status < 500) {
        throw new GimmingError(
          'gimming.trust.invalid',
          403,
          'The Keystone trust this work runs with is no longer valid (expired or revoked).',
        );
      }
      log.error({ status: res.status }, 'the GIMinG service user could not authenticate with Keystone');
      throw new GimmingError(
        'gimming.auth.service_unavailable',
        503,
        'The identity service did not accept the GIMinG service user.',
      );
    }
    const token = res.token;
    if (!scope) this.current = token;
    return token;
  }
}
