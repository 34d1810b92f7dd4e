/**
 * Token validation against Keystone, with the contract of keystonemiddleware's auth_token: the service
 * user (from [keystone_authtoken]) validates each user token with GET /v3/auth/tokens and X-Subject-Token;
 * results are cached for a short time, keyed by a hash of the token (the token itself is never kept as a
 * key nor logged).
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { GimmingConfig } from '../config/schema';
import type { CatalogEntry, RequestContextData } from '../context';
import { GimmingError, unavailable } from '../errors';
import { requestJson } from '../http/request';
import { tlsDetail } from '../http/tls';
import { getLogger } from '../log';
import { ServiceUser } from './service-user';

const log = getLogger('keystone.tokens');

interface KeystoneToken {
  expires_at: string;
  user: { id: string; name: string; domain?: { id: string } };
  project?: { id: string; name: string; domain?: { id: string } };
  /** A domain-scoped token's domain. */
  domain?: { id: string; name?: string };
  /** A system-scoped token's system: `{ all: true }`. */
  system?: { all?: boolean };
  roles?: Array<{ id: string; name: string }>;
  catalog?: CatalogEntry[];
}

/** The identity a valid token gives, without the token itself. */
export type TokenIdentity = Omit<RequestContextData, 'request_id' | 'global_request_id' | 'auth_token'>;

type CacheEntry = { valid: true; identity: TokenIdentity } | { valid: false };

export class KeystoneValidator {
  private readonly serviceUser: ServiceUser;
  private readonly cache: LRUCache<string, CacheEntry>;
  /** Validations under way, by token hash. */
  private readonly inFlight = new Map<string, Promise<TokenIdentity>>();
  private readonly authUrl: string;

  constructor(private readonly conf: GimmingConfig['keystone_authtoken']) {
    this.serviceUser = new ServiceUser(conf);
    this.authUrl = this.serviceUser.authUrl;
    this.cache = new LRUCache<string, CacheEntry>({
      max: 10000,
      ttl: Math.max(conf.token_cache_time, 1) * 1000,
    });
  }

  /** The identity service's root URL (without /v3): where the dashboard's logins are sent. */
  get identityUrl(): string {
    return this.authUrl;
  }

  /** Drops what is cached of a token (it was just revoked). */
  forget(token: string): void {
    this.cache.delete(createHash('sha256').update(token).digest('hex'));
  }

  get wwwAuthenticateUri(): string {
    return this.conf.www_authenticate_uri ?? `${this.authUrl}/v3`;
  }

  private get timeoutMs(): number {
    return this.conf.http_connect_timeout * 1000;
  }

  private async getServiceToken(): Promise<string> {
    return (await this.serviceUser.token()).value;
  }

  /** Gets the service token ahead of the first request; a failure is logged and retried on first use. */
  async warmUp(): Promise<void> {
    try {
      await this.getServiceToken();
    } catch (err) {
      log.warn(
        { err: err instanceof Error ? err.message : String(err) },
        'could not get a service token yet',
      );
    }
  }

  /** The identity of a valid token; throws 401 for an invalid one and 503 when Keystone cannot answer. */
  async validate(token: string): Promise<TokenIdentity> {
    const key = createHash('sha256').update(token).digest('hex');
    const cached = this.cache.get(key);
    if (cached) {
      if (!cached.valid) throw invalidToken();
      if (Date.parse(cached.identity.expires_at ?? '') > Date.now()) return cached.identity;
      this.cache.delete(key);
    }
    // Requests that come together with one new token (a page's first calls) share one validation.
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const validation = this.validateWithKeystone(token, key).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, validation);
    return validation;
  }

  private async validateWithKeystone(token: string, key: string): Promise<TokenIdentity> {
    let res;
    for (let attempt = 0; ; attempt++) {
      const serviceToken = await this.getServiceToken().catch((err: unknown) => {
        throw err instanceof GimmingError
          ? err
          : unavailable('gimming.auth.keystone_unreachable', 'The identity service is unreachable.', err);
      });
      try {
        res = await requestJson({
          method: 'GET',
          url: `${this.authUrl}/v3/auth/tokens`,
          headers: { 'X-Auth-Token': serviceToken, 'X-Subject-Token': token },
          timeoutMs: this.timeoutMs,
          tls: this.serviceUser.tls,
        });
      } catch (err) {
        throw unavailable(
          'gimming.auth.keystone_unreachable',
          `The identity service is unreachable${tlsDetail(err)}.`,
          err,
        );
      }
      if (res.status === 401 && attempt === 0) {
        this.serviceUser.invalidate(); // our own token expired or was revoked: get a new one, once
        continue;
      }
      break;
    }
    if (res.status === 404 || res.status === 401) {
      this.cache.set(key, { valid: false }, { ttl: 5000 });
      throw invalidToken();
    }
    if (res.status !== 200) {
      log.error({ status: res.status }, 'unexpected answer from Keystone while validating a token');
      throw unavailable('gimming.auth.keystone_error', 'The identity service could not validate the token.');
    }
    const body = res.body as { token: KeystoneToken };
    const t = body.token;
    const identity: TokenIdentity = {
      user_id: t.user.id,
      user_name: t.user.name,
      user_domain_id: t.user.domain?.id,
      project_id: t.project?.id,
      project_name: t.project?.name,
      project_domain_id: t.project?.domain?.id,
      system_scope: t.system?.all === true ? 'all' : undefined,
      domain_id: t.project ? undefined : t.domain?.id,
      roles: (t.roles ?? []).map((r) => r.name),
      expires_at: t.expires_at,
      service_catalog: t.catalog ?? [],
    };
    const ttl = Math.min(this.conf.token_cache_time * 1000, Date.parse(t.expires_at) - Date.now());
    if (ttl > 0) this.cache.set(key, { valid: true, identity }, { ttl });
    return identity;
  }
}

function invalidToken(): GimmingError {
  return new GimmingError(
    'gimming.auth.invalid_token',
    401,
    'The request you have made requires authentication.',
  );
}
