/**
 * Sessions with clouds that have their own Keystone (project clouds registered with an auth_url): the agent
 * authenticates there with the cloud's credentials and reaches the cloud with that token and catalog.
 *
 * The credentials come sealed with the call (given with the user's request) or from the cloud's key-manager
 * secret, read with the caller's token (the user's, or their trust's). They live only in this process's
 * memory. A session (the token got with them, and the checked image endpoint) is kept in memory until
 * shortly before the token expires: under a hash of the credentials when they came with the call, under a
 * hash of the secret's href and the caller's token when they came from the key manager, so the secret is
 * read once per caller token and session, not on every call, and no other caller gets the session.
 *
 * The auth_url and the image endpoint are each resolved once, checked, and connected to only at the
 * addresses checked (endpoint-filter.ts). The cache is bounded by entries and by bytes: a catalog is the
 * cloud's to make, and may be 16 MiB.
 */
import { createHash } from 'node:crypto';
import type { LookupFunction } from 'node:net';
import { LRUCache } from 'lru-cache';
import {
  type CloudAuth,
  credentialsRequired,
  keystoneAuthBody,
  parseCloudAuth,
} from '../common/cloud-credentials/auth';
import { type KeyManagerOptions, readSecretPayload } from '../common/cloud-credentials/key-manager';
import { type CredentialOpener, SealedCredentials } from '../common/cloud-credentials/seal';
import type { CatalogEntry, RequestContext } from '../common/context';
import {
  type CheckedUrl,
  type Networks,
  type Resolver,
  checkProjectCloudUrl,
} from '../common/endpoint-filter';
import { GimmingError, unavailable } from '../common/errors';
import type { CloudRef__Output } from '../common/grpc/generated/gimming/agent/v2/CloudRef';
import { type ClientTls, tlsDetail } from '../common/http/tls';
import { requestToken } from '../common/keystone/tokens';
import { getLogger } from '../common/log';

const log = getLogger('agent.cloud_sessions');

export interface CloudSession {
  token: string;
  catalog: readonly CatalogEntry[];
}

/** An endpoint held to [project_clouds], with the lookup that connects to its checked addresses. */
interface CheckedEndpoint {
  endpoint: string;
  lookup: LookupFunction;
}

interface Cached extends CloudSession {
  renewAt: number;
  /** Endpoints of this catalog already held to [project_clouds], by what the driver picked. */
  endpoints: Map<string, CheckedEndpoint>;
  /** About what the session holds in memory: the size of Keystone's answer. */
  bytes: number;
}

export interface CloudSessionLimits {
  /** Sessions kept at most. */
  maxEntries?: number;
  /** Bytes of catalogs kept at most; a session larger than this is used once and not kept. */
  maxBytes?: number;
  /** How host names are resolved (tests answer for DNS). */
  resolve?: Resolver;
}

const MAX_CACHED = 1000;
const MAX_CACHED_BYTES = 64 * 1024 * 1024;

const hash = (...parts: string[]) => createHash('sha256').update(parts.join('\n')).digest('hex');

export class CloudSessions {
  private readonly cache: LRUCache<string, Cached>;
  private readonly resolve: Resolver | undefined;

  constructor(
    private readonly opener: CredentialOpener,
    private readonly keyManager: KeyManagerOptions,
    private readonly timeoutMs: number,
    /** Where a project cloud's endpoints may be besides public addresses ([project_clouds]). */
    private readonly networks: Networks = [],
    /** TLS to a project cloud's identity service and image endpoint ([project_clouds] cafile). */
    readonly tls: ClientTls | undefined = undefined,
    limits: CloudSessionLimits = {},
  ) {
    this.cache = new LRUCache<string, Cached>({
      max: limits.maxEntries ?? MAX_CACHED,
      maxSize: limits.maxBytes ?? MAX_CACHED_BYTES,
      sizeCalculation: (session) => Math.max(1, session.bytes),
    });
    this.resolve = limits.resolve;
  }

  /**
   * Holds a URL that a project cloud's own credentials name (a service-account key's token_uri) to the
   * same rules as a project cloud's identity service: refused (400) unless public or in
   * [project_clouds] allowed_private_networks; else the URL with the lookup that connects only to the
   * addresses checked.
   */
  checkUrl(url: string, what: string): Promise<CheckedUrl> {
    return checkProjectCloudUrl(url, this.networks, what, this.resolve);
  }

  /** Bytes the cached sessions hold (about), and how many there are. */
  get cached(): { bytes: number; entries: number } {
    return { bytes: this.cache.calculatedSize, entries: this.cache.size };
  }

  /**
   * The endpoint and token for a cloud with its own Keystone; null when the cloud is reached with the
   * caller's own token and catalog. `pick` finds the endpoint in the cloud's catalog (the driver knows
   * which service it wants); `key` names what it picked (service, region, interface) for the cache.
   */
  async endpointAccess(
    ctx: RequestContext,
    cloud: CloudRef__Output,
    key: string,
    pick: (catalog: readonly CatalogEntry[]) => string,
    what = 'image endpoint',
  ): Promise<{ endpoint: string; token: string; lookup: LookupFunction; tls?: ClientTls } | null> {
    if (!cloud.auth_url) return null;
    const session = await this.sessionFor(ctx, cloud);
    let checked = session.endpoints.get(key);
    if (!checked) {
      // The endpoint comes from the cloud's own catalog: it is held to the same rules as its auth_url.
      const endpoint = pick(session.catalog);
      const { lookup } = await checkProjectCloudUrl(endpoint, this.networks, what, this.resolve);
      checked = { endpoint, lookup };
      session.endpoints.set(key, checked);
    }
    return {
      endpoint: checked.endpoint,
      token: session.token,
      lookup: checked.lookup,
      ...(this.tls ? { tls: this.tls } : {}),
    };
  }

  private async sessionFor(ctx: RequestContext, cloud: CloudRef__Output): Promise<Cached> {
    const given = this.givenCredentials(ctx, cloud);
    if (!given && !cloud.credentials_ref) throw credentialsRequired(cloud.name || cloud.id);
    const key = given
      ? hash(cloud.auth_url, JSON.stringify(given))
      : hash(cloud.auth_url, cloud.credentials_ref, ctx.authToken ?? '');
    const cached = this.cache.get(key);
    if (cached && cached.renewAt > Date.now()) return cached;
    const auth = given ?? (await this.secretCredentials(ctx, cloud));
    const identity = await checkProjectCloudUrl(
      cloud.auth_url,
      this.networks,
      'identity service',
      this.resolve,
    );
    const session = await this.authenticate(cloud, auth, identity.lookup);
    this.cache.delete(key);
    this.cache.set(key, session); // not kept (but used) when larger than the whole cache may be
    return session;
  }

  /**
   * A cloud's own credentials as the JSON value they were given in, for a driver that reads its own kind
   * (an EC2 access key): sealed with the call when they came with it, else the cloud's key-manager secret
   * read with the caller's token. Undefined when the cloud has neither (a shared cloud). The driver checks
   * the value's shape; nothing here keeps or logs it.
   */
  async credentialValue(ctx: RequestContext, cloud: CloudRef__Output): Promise<unknown> {
    const given = this.givenValue(ctx, cloud);
    if (given !== undefined) return given;
    if (!cloud.credentials_ref) return undefined;
    return this.secretValue(ctx, cloud);
  }

  /**
   * The credentials for this cloud that came sealed with the call, if any: sealed for this cloud's ID and
   * the caller's project, or they open to nothing.
   */
  private givenCredentials(ctx: RequestContext, cloud: CloudRef__Output): CloudAuth | undefined {
    const value = this.givenValue(ctx, cloud);
    return value === undefined ? undefined : parseCloudAuth(value, `for cloud ${cloud.name || cloud.id}`);
  }

  private givenValue(ctx: RequestContext, cloud: CloudRef__Output): unknown {
    const blob = SealedCredentials.parse(ctx.cloudCredentials).forCloud(cloud.id);
    if (blob === undefined) return undefined;
    const opened = this.opener.open(blob, { projectId: ctx.projectId ?? '', cloudId: cloud.id });
    if (opened === undefined) {
      throw new GimmingError(
        'gimming.cloud.credentials_expired',
        400,
        'The cloud credentials given with the request can no longer be used (expired, sealed for ' +
          'another project or cloud, or with a key this agent does not have): give them again.',
      );
    }
    return opened.value;
  }

  /** The credentials in the cloud's key-manager secret, read with the caller's token. */
  private async secretCredentials(ctx: RequestContext, cloud: CloudRef__Output): Promise<CloudAuth> {
    const parsed = await this.secretValue(ctx, cloud);
    const inner = (parsed as { auth?: unknown } | null)?.auth ?? parsed;
    return parseCloudAuth(inner, `in the credentials secret of cloud ${cloud.name || cloud.id}`);
  }

  /** The JSON value of the cloud's key-manager secret, read with the caller's token. */
  private async secretValue(ctx: RequestContext, cloud: CloudRef__Output): Promise<unknown> {
    const name = cloud.name || cloud.id;
    const payload = await readSecretPayload(ctx, cloud.credentials_ref, this.keyManager, this.timeoutMs);
    try {
      return JSON.parse(payload) as unknown;
    } catch {
      throw new GimmingError(
        'gimming.cloud.bad_credentials',
        400,
        `The credentials secret of cloud ${name} does not hold a JSON object.`,
      );
    }
  }

  private async authenticate(
    cloud: CloudRef__Output,
    auth: CloudAuth,
    lookup: LookupFunction,
  ): Promise<Cached> {
    const name = cloud.name || cloud.id;
    let res;
    try {
      res = await requestToken(cloud.auth_url, keystoneAuthBody(auth), this.timeoutMs, {
        tls: this.tls,
        lookup,
      });
    } catch (err) {
      throw unavailable(
        'gimming.cloud.identity_unreachable',
        `The identity service of cloud ${name} is unreachable${tlsDetail(err)}.`,
        err,
      );
    }
    if ('status' in res) {
      if (res.status === 401 || res.status === 403 || res.status === 404) {
        log.warn({ cloud: name, status: res.status }, 'cloud credentials refused');
        throw new GimmingError(
          'gimming.cloud.credentials_refused',
          403,
          `The identity service of cloud ${name} refused its credentials (HTTP ${res.status}).`,
        );
      }
      throw unavailable(
        'gimming.cloud.identity_error',
        `The identity service of cloud ${name} answered HTTP ${res.status}.`,
      );
    }
    const { value, expiresAt, catalog, answerBytes } = res.token;
    // Renewed two minutes early, or at half its life for short-lived tokens.
    const renewAt = Math.max(Date.now() + (expiresAt - Date.now()) / 2, expiresAt - 120_000);
    return { token: value, catalog, renewAt, endpoints: new Map(), bytes: answerBytes };
  }
}
