/**
 * The request context: who asked, in which project, with which roles, under which request id.
 *
 * It is built once by the API's Keystone middleware, travels with the work in the RPC envelope and in gRPC
 * metadata, and is what every log line and policy check reads. The token and service catalog travel with
 * it so that agents can reach each cloud as the user; they are never logged nor written to the database.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

export interface CatalogEndpoint {
  id?: string;
  interface: string;
  region: string;
  region_id?: string;
  url: string;
}

export interface CatalogEntry {
  type: string;
  name?: string;
  id?: string;
  endpoints: CatalogEndpoint[];
}

export interface RequestContextData {
  request_id: string;
  global_request_id?: string | undefined;
  user_id?: string | undefined;
  user_name?: string | undefined;
  project_id?: string | undefined;
  project_name?: string | undefined;
  user_domain_id?: string | undefined;
  project_domain_id?: string | undefined;
  /** `all` for a system-scoped token. */
  system_scope?: string | undefined;
  /** The domain of a domain-scoped token. */
  domain_id?: string | undefined;
  roles: string[];
  /**
   * Whether the policy's `context_is_admin` rule holds for this caller: decided once where the request
   * enters (the API), carried with the work. Absent means not an administrator.
   */
  is_admin?: boolean | undefined;
  auth_token?: string | undefined;
  expires_at?: string | undefined;
  service_catalog?: CatalogEntry[] | undefined;
  /** Credentials for clouds given with the request, sealed (see cloud-credentials/seal.ts). */
  cloud_credentials?: string | undefined;
}

export type TokenScope = 'project' | 'domain' | 'system' | 'none';

export class RequestContext {
  readonly requestId: string;
  readonly globalRequestId: string | undefined;
  readonly userId: string | undefined;
  readonly userName: string | undefined;
  readonly projectId: string | undefined;
  readonly projectName: string | undefined;
  readonly userDomainId: string | undefined;
  readonly projectDomainId: string | undefined;
  readonly systemScope: string | undefined;
  readonly domainId: string | undefined;
  readonly roles: readonly string[];
  /** The policy's answer to "is this caller an administrator?" (`context_is_admin`), never the roles'. */
  readonly isAdmin: boolean;
  readonly authToken: string | undefined;
  readonly expiresAt: string | undefined;
  readonly serviceCatalog: readonly CatalogEntry[];
  /**
   * Credentials for clouds that came with the request, sealed: only an agent opens them. Settable, as the
   * conductor gives them back to the contexts it retries the request's tasks with.
   */
  cloudCredentials: string | undefined;

  constructor(data: RequestContextData) {
    this.requestId = data.request_id;
    this.globalRequestId = data.global_request_id;
    this.userId = data.user_id;
    this.userName = data.user_name;
    this.projectId = data.project_id;
    this.projectName = data.project_name;
    this.userDomainId = data.user_domain_id;
    this.projectDomainId = data.project_domain_id;
    this.systemScope = data.system_scope;
    this.domainId = data.domain_id;
    this.roles = [...data.roles];
    this.isAdmin = data.is_admin === true;
    this.authToken = data.auth_token;
    this.expiresAt = data.expires_at;
    this.serviceCatalog = data.service_catalog ?? [];
    this.cloudCredentials = data.cloud_credentials;
  }

  /** What the token is scoped to. */
  get scope(): TokenScope {
    if (this.projectId) return 'project';
    if (this.systemScope) return 'system';
    if (this.domainId) return 'domain';
    return 'none';
  }

  /**
   * The id other services are told, as oslo.context's `global_id`: the caller's global request id when
   * it gave one, else this request's own id (what keystoneauth sends as X-OpenStack-Request-ID).
   */
  get globalId(): string {
    return this.globalRequestId ?? this.requestId;
  }

  /** A context for work the service does on its own (periodic jobs, start-up). */
  static forService(requestId: string = newRequestId()): RequestContext {
    return new RequestContext({ request_id: requestId, roles: [] });
  }

  /**
   * The wire form. `withSecrets` keeps the token, the catalog and the sealed cloud credentials: only for
   * transient messages.
   */
  toWire(withSecrets: boolean): RequestContextData {
    const data: RequestContextData = {
      request_id: this.requestId,
      global_request_id: this.globalRequestId,
      user_id: this.userId,
      user_name: this.userName,
      project_id: this.projectId,
      project_name: this.projectName,
      user_domain_id: this.userDomainId,
      project_domain_id: this.projectDomainId,
      system_scope: this.systemScope,
      domain_id: this.domainId,
      roles: [...this.roles],
      is_admin: this.isAdmin,
      expires_at: this.expiresAt,
    };
    if (withSecrets) {
      data.auth_token = this.authToken;
      data.service_catalog = [...this.serviceCatalog];
      data.cloud_credentials = this.cloudCredentials;
    }
    return data;
  }

  /** The fields every log line carries. */
  logFields(): Record<string, string | undefined> {
    return {
      request_id: this.requestId,
      global_request_id: this.globalRequestId,
      user_id: this.userId,
      project_id: this.projectId,
    };
  }
}

export function newRequestId(): string {
  return `req-${randomUUID()}`;
}

const REQUEST_ID_RE = /^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** oslo.middleware keeps an inbound request id only when it has the `req-<uuid>` form. */
export function isValidRequestId(value: unknown): value is string {
  return typeof value === 'string' && REQUEST_ID_RE.test(value);
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs `fn` with `ctx` as the current context, so that log lines made inside carry its ids. */
export function runWithContext<T>(ctx: RequestContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}
