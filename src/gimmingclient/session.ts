/**
 * A Keystone session for the GIMinG API: gets a token (password, token or application credential), finds
 * GIMinG's endpoint in the catalog (service type `image-manager`, the configured interface and region),
 * and makes requests with the token; a token Keystone has since refused is replaced once.
 */
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import {
  type JsonResponse,
  readBody,
  requestJson,
  startRequest,
  waitForResponse,
} from '../common/http/request';
import { ClientTls, TlsConfigError } from '../common/http/tls';
import { API_SERVICE_TYPE, API_VERSION_HEADER, chooseApiVersion, serverVersions } from './api-version';
import type { CloudConfig } from './cloud-config';
import { AuthError, GimmingClientError, errorFromResponse } from './errors';
import { trimTrailingSlashes, withoutVersionSuffix } from '../common/trim';

/** The service type GIMinG registers in the Keystone catalog. */
export const SERVICE_TYPE = 'image-manager';

interface CatalogEntry {
  type: string;
  endpoints: Array<{ interface: string; region?: string; region_id?: string; url: string }>;
}

interface Token {
  value: string;
  expiresAt: number;
  catalog: CatalogEntry[];
  projectId?: string;
  userId?: string;
}

export interface SessionOptions {
  timeoutMs?: number;
  userAgent?: string;
  /**
   * Credentials for clouds with their own identity service, by GIMinG cloud name or ID (clouds.yaml-style
   * `auth` without auth_url), sent with every request in X-Cloud-Credentials; GIMinG never stores them.
   */
  cloudCredentials?: Record<string, Record<string, string>>;
  /**
   * The REST microversion to use (`1.N` or `latest`); by default the highest the server and this client
   * both know. Read from the server's version document once; one neither serves fails the first call.
   */
  apiVersion?: string;
}

export class Session {
  private token: Token | undefined;
  private endpointUrl: string | undefined;
  private tlsSettings: ClientTls | undefined;
  private negotiated: Promise<string | null> | undefined;

  constructor(
    readonly cloud: CloudConfig,
    private readonly opts: SessionOptions = {},
  ) {}

  /** How Keystone's and GIMinG's certificates are verified: cacert, verify, cert and key of the cloud. */
  private get tls(): ClientTls {
    if (!this.tlsSettings) {
      try {
        this.tlsSettings = new ClientTls(
          'client',
          {
            cafile: this.cloud.cacert ?? null,
            certfile: this.cloud.cert ?? null,
            keyfile: this.cloud.key ?? null,
            insecure: this.cloud.verify === false,
          },
          { names: { cafile: '--os-cacert', certfile: '--os-cert', keyfile: '--os-key' } },
        );
      } catch (err) {
        if (err instanceof TlsConfigError) throw new GimmingClientError(err.message, 0, 'client.config');
        throw err;
      }
    }
    return this.tlsSettings;
  }

  private get authUrl(): string {
    const url = this.cloud.auth.auth_url;
    if (!url) throw new AuthError('No auth URL: set OS_AUTH_URL, or use --os-cloud with a clouds.yaml.', 0);
    return withoutVersionSuffix(url, 'v3');
  }

  private scope(): Record<string, unknown> | undefined {
    const a = this.cloud.auth;
    if (a.project_id) return { project: { id: a.project_id } };
    if (a.project_name) {
      const domain = a.project_domain_id
        ? { id: a.project_domain_id }
        : { name: a.project_domain_name ?? 'Default' };
      return { project: { name: a.project_name, domain } };
    }
    return undefined;
  }

  private identity(): Record<string, unknown> {
    const a = this.cloud.auth;
    const type = (a.auth_type ?? '').replace(/^v3/, '');
    if (type === 'applicationcredential' || a.application_credential_secret) {
      const credential: Record<string, unknown> = a.application_credential_id
        ? { id: a.application_credential_id, secret: a.application_credential_secret }
        : {
            name: a.application_credential_name,
            secret: a.application_credential_secret,
            user: a.user_id
              ? { id: a.user_id }
              : { name: a.username, domain: { name: a.user_domain_name ?? 'Default' } },
          };
      return { methods: ['application_credential'], application_credential: credential };
    }
    if (type === 'token' || (a.token && !a.password)) {
      return { methods: ['token'], token: { id: a.token } };
    }
    if (!a.password)
      throw new AuthError('No credentials: set a password, a token or an application credential.', 0);
    const user = a.user_id
      ? { id: a.user_id, password: a.password }
      : {
          name: a.username,
          password: a.password,
          domain: a.user_domain_id ? { id: a.user_domain_id } : { name: a.user_domain_name ?? 'Default' },
        };
    return { methods: ['password'], password: { user } };
  }

  private async authenticate(): Promise<Token> {
    const identity = this.identity();
    // Application credentials carry their own scope.
    const scope =
      identity.methods && (identity.methods as string[])[0] === 'application_credential'
        ? undefined
        : this.scope();
    let res: JsonResponse;
    try {
      res = await requestJson({
        method: 'POST',
        url: `${this.authUrl}/v3/auth/tokens`,
        json: { auth: { identity, ...(scope ? { scope } : {}) } },
        timeoutMs: this.opts.timeoutMs ?? 30000,
        tls: this.tls,
      });
    } catch (err) {
      throw new AuthError(`Keystone at ${this.authUrl} could not be reached: ${(err as Error).message}`, 0);
    }
    const value = res.headers['x-subject-token'];
    if (res.status !== 201 || typeof value !== 'string') {
      const reason = errorFromResponse(res.status, res.body, res.text).message;
      throw new AuthError(`Keystone refused the credentials: ${reason}`, res.status);
    }
    const t = (
      res.body as {
        token: {
          expires_at: string;
          catalog?: CatalogEntry[];
          project?: { id: string };
          user?: { id: string };
        };
      }
    ).token;
    return {
      value,
      expiresAt: Date.parse(t.expires_at),
      catalog: t.catalog ?? [],
      ...(t.project ? { projectId: t.project.id } : {}),
      ...(t.user ? { userId: t.user.id } : {}),
    };
  }

  /** The current token (fetched on first use, renewed when it is about to expire). */
  async getToken(): Promise<Token> {
    if (!this.token || this.token.expiresAt - Date.now() < 30000) this.token = await this.authenticate();
    return this.token;
  }

  /** GIMinG's endpoint: the override, or the catalog's entry for this region and interface. */
  async endpoint(): Promise<string> {
    if (this.cloud.endpoint_override) return trimTrailingSlashes(this.cloud.endpoint_override);
    if (this.endpointUrl) return this.endpointUrl;
    const { catalog } = await this.getToken();
    const iface = (this.cloud.interface ?? 'public').replace(/URL$/, '');
    const region = this.cloud.region_name;
    const service = catalog.find((e) => e.type === SERVICE_TYPE);
    const endpoint = service?.endpoints.find(
      (e) => e.interface === iface && (!region || e.region === region || e.region_id === region),
    );
    if (!endpoint) {
      throw new GimmingClientError(
        `No ${iface} ${SERVICE_TYPE} endpoint${region ? ` in region ${region}` : ''} in the service catalog; ` +
          'use --os-endpoint-override.',
        0,
        'client.no_endpoint',
      );
    }
    this.endpointUrl = withoutVersionSuffix(endpoint.url, 'v1');
    return this.endpointUrl;
  }

  /**
   * The microversion every request is sent at, negotiated on first use from the server's version
   * document (GET /v1/, no token needed); null when the server has no microversions (no header is sent).
   */
  apiVersion(): Promise<string | null> {
    if (!this.negotiated) {
      this.negotiated = this.negotiate();
      // A server that could not be reached is asked again by the next call.
      this.negotiated.catch(() => (this.negotiated = undefined));
    }
    return this.negotiated;
  }

  private async negotiate(): Promise<string | null> {
    const url = `${await this.endpoint()}/v1/`;
    let res: JsonResponse;
    try {
      res = await requestJson({
        method: 'GET',
        url,
        headers: { 'User-Agent': this.opts.userAgent ?? 'gimmingclient' },
        timeoutMs: this.opts.timeoutMs ?? 30000,
        tls: this.tls,
      });
    } catch (err) {
      throw new GimmingClientError(
        `GIMinG at ${new URL(url).origin} could not be reached: ${(err as Error).message}`,
        0,
        'client.unreachable',
      );
    }
    return chooseApiVersion(res.status === 200 ? serverVersions(res.body) : null, this.opts.apiVersion);
  }

  private async headers(
    extra: Record<string, string | number> = {},
  ): Promise<Record<string, string | number>> {
    const version = await this.apiVersion();
    return {
      ...(version ? { [API_VERSION_HEADER]: `${API_SERVICE_TYPE} ${version}` } : {}),
      'X-Auth-Token': (await this.getToken()).value,
      'User-Agent': this.opts.userAgent ?? 'gimmingclient',
      ...(this.opts.cloudCredentials
        ? {
            'X-Cloud-Credentials': Buffer.from(JSON.stringify(this.opts.cloudCredentials)).toString('base64'),
          }
        : {}),
      ...extra,
    };
  }

  /** A JSON request to the API; throws GimmingClientError on an error answer. */
  async request<T>(
    method: string,
    path: string,
    opts: {
      json?: unknown;
      contentType?: string;
      query?: Record<string, string | string[] | undefined>;
    } = {},
  ): Promise<{ body: T; status: number; requestId?: string }> {
    const url = new URL(`${await this.endpoint()}${path}`);
    for (const [k, v] of Object.entries(opts.query ?? {})) {
      if (v === undefined) continue;
      for (const one of Array.isArray(v) ? v : [v]) url.searchParams.append(k, one);
    }
    for (let attempt = 0; ; attempt++) {
      // Outside the try: a refused microversion or credentials are not "could not be reached".
      const headers = await this.headers(opts.contentType ? { 'Content-Type': opts.contentType } : {});
      let res: JsonResponse;
      try {
        res = await requestJson({
          method,
          url: url.toString(),
          headers,
          ...(opts.json !== undefined && !opts.contentType ? { json: opts.json } : {}),
          ...(opts.json !== undefined && opts.contentType ? { body: JSON.stringify(opts.json) } : {}),
          timeoutMs: this.opts.timeoutMs ?? 120000,
          tls: this.tls,
        });
      } catch (err) {
        throw new GimmingClientError(
          `GIMinG at ${url.origin} could not be reached: ${(err as Error).message}`,
          0,
          'client.unreachable',
        );
      }
      const requestId = firstHeader(res.headers['x-openstack-request-id']);
      if (res.status === 401 && attempt === 0 && !this.cloud.auth.token) {
        this.token = undefined; // expired or revoked meanwhile: authenticate again, once
        continue;
      }
      if (res.status >= 300) throw errorFromResponse(res.status, res.body, res.text, requestId);
      return { body: res.body as T, status: res.status, ...(requestId ? { requestId } : {}) };
    }
  }

  /** A HEAD request: the answer's headers (an error answer throws, with no body to say more). */
  async head(path: string): Promise<Record<string, string | string[] | undefined>> {
    const url = `${await this.endpoint()}${path}`;
    const req = startRequest({
      method: 'HEAD',
      url,
      headers: await this.headers(),
      timeoutMs: this.opts.timeoutMs ?? 120000,
      tls: this.tls,
    });
    req.end();
    let res: IncomingMessage;
    try {
      res = await waitForResponse(req);
    } catch (err) {
      throw new GimmingClientError(
        `GIMinG could not be reached: ${(err as Error).message}`,
        0,
        'client.unreachable',
      );
    }
    res.resume();
    if ((res.statusCode ?? 0) >= 300) {
      throw errorFromResponse(
        res.statusCode ?? 0,
        undefined,
        '',
        firstHeader(res.headers['x-openstack-request-id']),
      );
    }
    return res.headers;
  }

  /** Streams `data` as the body of a PUT; never holds it whole. */
  async upload(
    path: string,
    data: Readable,
    size?: number,
    extra: Record<string, string> = {},
  ): Promise<void> {
    const url = `${await this.endpoint()}${path}`;
    const headers = await this.headers({ 'Content-Type': 'application/octet-stream', ...extra });
    if (size !== undefined) headers['Content-Length'] = size;
    const req = startRequest({
      method: 'PUT',
      url,
      headers,
      timeoutMs: this.opts.timeoutMs ?? 600000,
      tls: this.tls,
    });
    const responded = waitForResponse(req);
    responded.catch(() => undefined);
    // An early answer (an error before all the data went) ends the upload.
    const early = responded.then(() => data.unpipe(req));
    void early.catch(() => undefined);
    try {
      await new Promise<void>((resolve, reject) => {
        req.once('finish', resolve);
        req.once('error', reject);
        req.once('response', () => resolve());
        data.once('error', reject);
        data.pipe(req);
      });
    } catch (err) {
      req.destroy();
      throw new GimmingClientError(`The upload failed: ${(err as Error).message}`, 0, 'client.upload_failed');
    }
    let res: IncomingMessage;
    try {
      res = await responded;
    } catch (err) {
      throw new GimmingClientError(`The upload failed: ${(err as Error).message}`, 0, 'client.upload_failed');
    }
    const text = await readBody(res).catch(() => '');
    if ((res.statusCode ?? 0) >= 300) {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      throw errorFromResponse(
        res.statusCode ?? 0,
        body,
        text,
        firstHeader(res.headers['x-openstack-request-id']),
      );
    }
  }
}

function firstHeader(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
