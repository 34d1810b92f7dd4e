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
 */
import { createHash } from 'node:crypto';
import {
  type CloudAuth,
  credentialsRequired,
  keystoneAuthBody,
  parseCloudAuth,
} from '../common/cloud-credentials/auth';
import { type KeyManagerOptions, readSecretPayload } from '../common/cloud-credentials/key-manager';
import { type CredentialOpener, SealedCredentials } from '../common/cloud-credentials/seal';
import type { CatalogEntry, RequestContext } from '../common/context';
import { type Networks, checkProjectCloudUrl } from '../common/endpoint-filter';
import { GimmingError, unavailable } from '../common/errors';
import type { CloudRef__Output } from '../common/grpc/generated/gimming/agent/v1/CloudRef';
import { requestToken } from '../common/keystone/tokens';
import { getLogger } from '../common/log';
import { glanceEndpointIn } from './drivers/glance/endpoint';

const log = getLogger('agent.cloud_sessions');

export interface CloudSession {
  token: string;
  catalog: readonly CatalogEntry[];
}

interface Cached extends CloudSession {
  renewAt: number;
  /** Image endpoints of this catalog already held to [project_clouds], by region and interface. */
  endpoints: Map<string, string>;
}

const MAX_CACHED = 1000;

const hash = (...parts: string[]) => createHash('sha256').update(parts.join('\n')).digest('hex');

export class CloudSessions {
  private readonly cache = new Map<string, Cached>();

  constructor(
    private readonly opener: CredentialOpener,
    private readonly keyManager: KeyManagerOptions,
    private readonly timeoutMs: number,
    /** Where a project cloud's endpoints may be besides public addresses ([project_clouds]). */
    private readonly networks: Networks = [],
  ) {}

  /**
   * The Glance endpoint and token for a cloud with its own Keystone; null when the cloud is reached with
   * the caller's own token and catalog.
   */
  async glanceAccess(
    ctx: RequestContext,
    cloud: CloudRef__Output,
    iface: string,
  ): Promise<{ endpoint: string; token: string } | null> {
    if (!cloud.auth_url) return null;
    const session = await this.sessionFor(ctx, cloud);
    const key = `${cloud.region_name}\n${iface}`;
    let endpoint = session.endpoints.get(key);
    if (!endpoint) {
      // The endpoint comes from the cloud's own catalog: it is held to the same rules as its auth_url.
      endpoint = glanceEndpointIn(session.catalog, cloud.region_name, iface);
      await checkProjectCloudUrl(endpoint, this.networks, 'image endpoint');
      session.endpoints.set(key, endpoint);
    }
    return { endpoint, token: session.token };
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
    await checkProjectCloudUrl(cloud.auth_url, this.networks, 'identity service');
    const session = await this.authenticate(cloud, auth);
    this.cache.delete(key);
    if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(key, session);
    return session;
  }

  /**
   * The credentials for this cloud that came sealed with the call, if any: sealed for this cloud's ID and
   * the caller's project, or they open to nothing.
   */
  private givenCredentials(ctx: RequestContext, cloud: CloudRef__Output): CloudAuth | undefined {
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
    return parseCloudAuth(opened.value, `for cloud ${cloud.name || cloud.id}`);
  }

  /** The credentials in the cloud's key-manager secret, read with the caller's token. */
  private async secretCredentials(ctx: RequestContext, cloud: CloudRef__Output): Promise<CloudAuth> {
    const name = cloud.name || cloud.id;
    const payload = await readSecretPayload(ctx, cloud.credentials_ref, this.keyManager, this.timeoutMs);
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch {
      throw new GimmingError(
        'gimming.cloud.bad_credentials',
        400,
        `The credentials secret of cloud ${name} does not hold a JSON object.`,
      );
    }
    const inner = (parsed as { auth?: unknown } | null)?.auth ?? parsed;
    return parseCloudAuth(inner, `in the credentials secret of cloud ${name}`);
  }

  private async authenticate(cloud: CloudRef__Output, auth: CloudAuth): Promise<Cached> {
    const name = cloud.name || cloud.id;
    let res;
    try {
      res = await requestToken(cloud.auth_url, keystoneAuthBody(auth), this.timeoutMs);
    } catch (err) {
      throw unavailable(
        'gimming.cloud.identity_unreachable',
        `The identity service of cloud ${name} is unreachable.`,
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
    const { value, expiresAt, catalog } = res.token;
    // Renewed two minutes early, or at half its life for short-lived tokens.
    const renewAt = Math.max(Date.now() + (expiresAt - Date.now()) / 2, expiresAt - 120_000);
    return { token: value, catalog, renewAt, endpoints: new Map() };
  }
}
