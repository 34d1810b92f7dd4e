/**
 * The SDK clients of one cloud (a GCP project, with its key or the host's default credentials): Compute
 * Engine's images and global operations, and Cloud Storage, at [gcp]'s endpoint overrides. Kept per
 * project and key (a hash of them) for the agent's life, bounded, so that sockets and tokens are reused.
 *
 * A project's key names its own token_uri: unless [gcp] token_uri overrides it, that URL is checked
 * against [project_clouds] (public addresses, or allowed_private_networks) when the clients are made,
 * and tokens are then fetched only from the addresses checked (no DNS rebinding).
 */
import { createHash } from 'node:crypto';
import { GlobalOperationsClient, ImagesClient } from '@google-cloud/compute';
import { Storage } from '@google-cloud/storage';
import { OAuth2Client as StorageOAuth2Client } from 'google-auth-library';
import { googleAuthLibrary } from 'google-gax';
import { LRUCache } from 'lru-cache';
import type { GcpKey } from '../../../common/cloud-credentials/gcp-key';
import type { CheckedUrl } from '../../../common/endpoint-filter';
import type { ClientTls } from '../../../common/http/tls';
import type { GcpConfig } from './config';
import { GOOGLE_TOKEN_URI, ServiceAccountTokens, type TokenEndpointAccess } from './credentials';

export interface GcpClients {
  project: string;
  images: ImagesClient;
  operations: GlobalOperationsClient;
  storage: Storage;
  /** The bearer token for requests made without the SDK (resumable upload chunks carry none). */
  tokens?: ServiceAccountTokens;
}

const MAX_CLIENTS = 64;

/**
 * How URLs a project's key names are held to [project_clouds] (CloudSessions.checkUrl), and the TLS they
 * are reached with. None for the agent host's own key, which is the operator's.
 */
export interface ProjectUrlCheck {
  check: (url: string, what: string) => Promise<CheckedUrl>;
  tls?: ClientTls | undefined;
}

/** apiEndpoint, port and protocol of an endpoint override, as google-gax's REST transport takes them. */
export function computeEndpoint(endpoint: string): { apiEndpoint: string; port?: number; protocol?: string } {
  const u = new URL(endpoint);
  const protocol = u.protocol.replace(/:$/, '');
  return {
    apiEndpoint: u.hostname,
    port: u.port ? Number(u.port) : protocol === 'http' ? 80 : 443,
    protocol,
  };
}

function withoutTrailingSlash(url: string): string {
  let end = url.length;
  while (end > 0 && url[end - 1] === '/') end -= 1;
  return url.slice(0, end);
}

export class ClientCache {
  private readonly cache = new LRUCache<string, GcpClients>({
    max: MAX_CLIENTS,
    dispose: (clients) => {
      void clients.images.close().catch(() => undefined);
      void clients.operations.close().catch(() => undefined);
    },
  });

  constructor(private readonly own: GcpConfig) {}

  /**
   * The clients for `project` with `key` (undefined: the host's application default credentials).
   * `projectUrls` holds a project's key to [project_clouds]; absent for the host's own key.
   */
  async get(
    project: string,
    key: GcpKey | undefined,
    cloudName: string,
    projectUrls?: ProjectUrlCheck,
  ): Promise<GcpClients> {
    const id = createHash('sha256')
      .update(`${project}\n${key ? JSON.stringify(key) : 'host credentials'}`)
      .digest('hex');
    const cached = this.cache.get(id);
    if (cached) return cached;
    const own = this.own;
    const timeoutMs = own.request_timeout * 1000;
    const tokenUri = own.token_uri || key?.token_uri || GOOGLE_TOKEN_URI;
    let access: TokenEndpointAccess = {};
    if (key && projectUrls && !own.token_uri && key.token_uri) {
      const checked = await projectUrls.check(
        key.token_uri,
        `token endpoint (token_uri of the service-account key of cloud ${cloudName})`,
      );
      access = { lookup: checked.lookup, ...(projectUrls.tls ? { tls: projectUrls.tls } : {}) };
      // Made meanwhile by a call for the same key: one set of clients (a second would be disposed).
      const made = this.cache.get(id);
      if (made) return made;
    }
    const tokens = key ? new ServiceAccountTokens(key, tokenUri, timeoutMs, cloudName, access) : undefined;
    // compute (google-gax, google-auth-library 10) and storage (google-auth-library 9) each take a client
    // of their own library; both refresh through the one token source.
    const refreshHandler = tokens ? () => tokens.token() : undefined;
    let computeAuth: InstanceType<typeof googleAuthLibrary.OAuth2Client> | undefined;
    let storageAuth: StorageOAuth2Client | undefined;
    if (refreshHandler) {
      computeAuth = new googleAuthLibrary.OAuth2Client();
      computeAuth.refreshHandler = refreshHandler;
      storageAuth = new StorageOAuth2Client();
      storageAuth.refreshHandler = refreshHandler;
    }
    const computeOpts = {
      ...(own.compute_endpoint ? computeEndpoint(own.compute_endpoint) : {}),
      ...(computeAuth ? { authClient: computeAuth } : {}),
      projectId: project,
      fallback: true,
    };
    const clients: GcpClients = {
      project,
      images: new ImagesClient(computeOpts),
      operations: new GlobalOperationsClient(computeOpts),
      storage: new Storage({
        projectId: project,
        timeout: timeoutMs,
        ...(own.storage_endpoint
          ? { apiEndpoint: withoutTrailingSlash(own.storage_endpoint), useAuthWithCustomEndpoint: true }
          : {}),
        ...(storageAuth ? { authClient: storageAuth } : {}),
      }),
      ...(tokens ? { tokens } : {}),
    };
    this.cache.set(id, clients);
    return clients;
  }
}
