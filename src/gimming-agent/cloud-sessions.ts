/**
 * Sessions with clouds that have their own Keystone (project clouds registered with an auth_url): the agent
 * authenticates there with the cloud's credentials and reaches the cloud with that token and catalog.
 *
 * The credentials come sealed with the call (given with the user's request) or from the cloud's key-manager
 * secret, read with the caller's token (the user's, or their trust's). They live only in this process's
 * memory for the call; the token got with them is kept, in memory, until shortly before it expires, under a
 * hash of the credentials (so a caller with other credentials never gets it).
 */
import { createHash } from 'node:crypto';
import { type CloudAuth, keystoneAuthBody, parseCloudAuth } from '../common/cloud-credentials/auth';
import { type KeyManagerOptions, readSecretPayload } from '../common/cloud-credentials/key-manager';
import type { CredentialSeal } from '../common/cloud-credentials/seal';
import type { CatalogEntry, RequestContext } from '../common/context';
import { type Networks, checkProjectCloudUrl } from '../common/endpoint-filter';
import { GimmingError, unavailable } from '../common/errors';
import type { CloudRef__Output } from '../common/grpc/generated/gimming/agent/v1/CloudRef';
import { requestJson } from '../common/http/request';
import { getLogger } from '../common/log';

const log = getLogger('agent.cloud_sessions');

export interface CloudSession {
  token: string;
  catalog: readonly CatalogEntry[];
}

interface Cached extends CloudSession {
  renewAt: number;
}

const MAX_CACHED = 1000;

export class CloudSessions {
  private readonly cache = new Map<string, Cached>();

  constructor(
    private readonly seal: CredentialSeal,
    private readonly keyManager: KeyManagerOptions,
    private readonly timeoutMs: number,
    /** Where a project cloud's endpoints may be besides public addresses ([project_clouds]). */
    private readonly networks: Networks = [],
  ) {}

  /** Refuses an endpoint of a project cloud's own catalog that lies where project clouds may not reach. */
  checkEndpoint(url: string, what: string): Promise<void> {
    return checkProjectCloudUrl(url, this.networks, what);
  }

  /** A session with the cloud's own Keystone; null when the cloud is reached with the caller's token. */
  async sessionFor(ctx: RequestContext, cloud: CloudRef__Output): Promise<CloudSession | null> {
    if (!cloud.auth_url) return null;
    const auth = await this.credentials(ctx, cloud);
    const key = createHash('sha256')
      .update(cloud.auth_url)
      .update('\n')
      .update(JSON.stringify(auth))
      .digest('hex');
    const cached = this.cache.get(key);
    if (cached && cached.renewAt > Date.now()) return cached;
    await this.checkEndpoint(cloud.auth_url, 'identity service');
    const session = await this.authenticate(cloud, auth);
    if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(key, session);
    return session;
  }

  private async credentials(ctx: RequestContext, cloud: CloudRef__Output): Promise<CloudAuth> {
    const name = cloud.name || cloud.id;
    if (ctx.cloudCredentials) {
      const opened = this.seal.open(ctx.cloudCredentials) as Record<string, unknown> | undefined;
      if (opened === undefined) {
        throw new GimmingError(
          'gimming.cloud.credentials_expired',
          400,
          'The cloud credentials given with the request can no longer be used (expired, or sealed with a ' +
            'secret this agent does not have): give them again.',
        );
      }
      const given = Object.hasOwn(opened, cloud.id) ? opened[cloud.id] : opened[cloud.name];
      if (given !== undefined) return parseCloudAuth(given, `for cloud ${name}`);
    }
    if (cloud.credentials_ref) {
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
    throw new GimmingError(
      'gimming.cloud.credentials_required',
      400,
      `Cloud ${name} has its own identity service and no credentials_ref: give its credentials with the ` +
        'request (X-Cloud-Credentials).',
    );
  }

  private async authenticate(cloud: CloudRef__Output, auth: CloudAuth): Promise<Cached> {
    const name = cloud.name || cloud.id;
    let res;
    try {
      res = await requestJson({
        method: 'POST',
        url: `${cloud.auth_url.replace(/\/+$/, '')}/v3/auth/tokens`,
        json: keystoneAuthBody(auth),
        timeoutMs: this.timeoutMs,
      });
    } catch (err) {
      throw unavailable(
        'gimming.cloud.identity_unreachable',
        `The identity service of cloud ${name} is unreachable.`,
        err,
      );
    }
    if (res.status === 401 || res.status === 403 || res.status === 404) {
      log.warn({ cloud: name, status: res.status }, 'cloud credentials refused');
      throw new GimmingError(
        'gimming.cloud.credentials_refused',
        403,
        `The identity service of cloud ${name} refused its credentials (HTTP ${res.status}).`,
      );
    }
    const token = res.headers['x-subject-token'];
    const body = res.body as { token?: { expires_at?: string; catalog?: CatalogEntry[] } } | undefined;
    if (res.status !== 201 || typeof token !== 'string' || !body?.token) {
      throw unavailable(
        'gimming.cloud.identity_error',
        `The identity service of cloud ${name} answered HTTP ${res.status}.`,
      );
    }
    const expiresAt = Date.parse(body.token.expires_at ?? '') || Date.now() + 3600_000;
    // Renewed two minutes early, or at half its life for short-lived tokens.
    const renewAt = Math.max(Date.now() + (expiresAt - Date.now()) / 2, expiresAt - 120_000);
    return { token, catalog: body.token.catalog ?? [], renewAt };
  }
}
