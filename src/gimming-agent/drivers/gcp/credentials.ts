/**
 * Whose credentials reach a GCE cloud. A shared cloud (no credentials of its own) uses the application
 * default credentials of the agent host (GOOGLE_APPLICATION_CREDENTIALS, gcloud's, the metadata server):
 * the SDKs find them themselves. A project cloud's service-account key comes sealed with the call or
 * from its key-manager secret (common/cloud-credentials/gcp-key.ts) and is exchanged here for access
 * tokens with the OAuth 2.0 JWT bearer grant, posted to [gcp] token_uri, or the key's token_uri: the
 * Node auth libraries post to Google's fixed URL whatever the key says.
 *
 * A project's key is the project's to write, so its token_uri is held to [project_clouds] like a project
 * cloud's identity service (clients.ts): checked once, and connected to only at the addresses checked.
 *
 * The key lives only in this process's memory; no message here ever quotes it.
 */
import { createSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { LookupFunction } from 'node:net';
import { type GcpKey, parseGcpKey } from '../../../common/cloud-credentials/gcp-key';
import { GimmingError } from '../../../common/errors';
import { type JsonResponse, requestJson } from '../../../common/http/request';
import type { ClientTls } from '../../../common/http/tls';
import { scrub } from './errors';

export const GOOGLE_TOKEN_URI = 'https://oauth2.googleapis.com/token';
export const SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/** Checks a project cloud's key, as its secret holds it or as it came sealed (possibly under `gcp`). */
export function parseGcpKeys(value: unknown, where: string): GcpKey {
  return parseGcpKey((value as { gcp?: unknown } | null)?.gcp ?? value, where);
}

/**
 * The host's own service-account key, when its application default credentials are one
 * (GOOGLE_APPLICATION_CREDENTIALS naming a key file): exchanged here like a project's, so that its
 * token_uri and [gcp] token_uri are honoured. Undefined for any other kind (gcloud's user credentials,
 * the metadata server), which the SDKs find themselves.
 */
export function hostKey(env: NodeJS.ProcessEnv = process.env): GcpKey | undefined {
  const file = env.GOOGLE_APPLICATION_CREDENTIALS;
  if (!file) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new GimmingError(
      'gimming.cloud.bad_credentials',
      500,
      "The agent host's GOOGLE_APPLICATION_CREDENTIALS names no readable JSON file.",
    );
  }
  if ((parsed as { type?: unknown } | null)?.type !== 'service_account') return undefined;
  return parseGcpKey(parsed, "in the agent host's GOOGLE_APPLICATION_CREDENTIALS");
}

function b64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

/** The signed JWT a key asserts itself with to `audience`. */
export function assertion(key: GcpKey, audience: string, nowSeconds: number): string {
  const header = b64url(
    JSON.stringify({ alg: 'RS256', typ: 'JWT', ...(key.private_key_id ? { kid: key.private_key_id } : {}) }),
  );
  const claims = b64url(
    JSON.stringify({
      iss: key.client_email,
      scope: SCOPE,
      aud: audience,
      iat: nowSeconds,
      exp: nowSeconds + 3600,
    }),
  );
  const signer = createSign('RSA-SHA256');
  signer.update(`${header}.${claims}`);
  return `${header}.${claims}.${signer.sign(key.private_key).toString('base64url')}`;
}

export interface AccessToken {
  access_token: string;
  /** Epoch milliseconds. */
  expiry_date: number;
}

/** How the token endpoint is reached: a checked one only at its checked addresses, with its TLS. */
export interface TokenEndpointAccess {
  lookup?: LookupFunction;
  tls?: ClientTls;
}

/** Access tokens of one service-account key, fetched once and renewed five minutes before they expire. */
export class ServiceAccountTokens {
  private current?: AccessToken;
  private pending?: Promise<AccessToken>;

  constructor(
    private readonly key: GcpKey,
    private readonly tokenUri: string,
    private readonly timeoutMs: number,
    private readonly cloudName: string,
    private readonly access: TokenEndpointAccess = {},
  ) {}

  async token(): Promise<AccessToken> {
    if (this.current && this.current.expiry_date - Date.now() > 300_000) return this.current;
    this.pending ??= this.fetch().finally(() => (this.pending = undefined));
    this.current = await this.pending;
    return this.current;
  }

  private async fetch(): Promise<AccessToken> {
    const body = new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion: assertion(this.key, this.tokenUri, Math.floor(Date.now() / 1000)),
    });
    let res: JsonResponse;
    try {
      res = await requestJson({
        method: 'POST',
        url: this.tokenUri,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: body.toString(),
        timeoutMs: this.timeoutMs,
        ...(this.access.lookup ? { lookup: this.access.lookup } : {}),
        ...(this.access.tls ? { tls: this.access.tls } : {}),
      });
    } catch (err) {
      throw new GimmingError(
        'gimming.cloud.unreachable',
        503,
        `Getting an access token for cloud ${this.cloudName} failed: the token endpoint did not answer.`,
        { retryable: true, cause: err },
      );
    }
    const text = res.text;
    let parsed: {
      access_token?: unknown;
      expires_in?: unknown;
      error?: unknown;
      error_description?: unknown;
    };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      parsed = {};
    }
    if (res.status < 200 || res.status > 299 || typeof parsed.access_token !== 'string') {
      const why = [parsed.error, parsed.error_description].filter((v) => typeof v === 'string').join(': ');
      throw new GimmingError(
        'gimming.cloud.credentials_refused',
        403,
        `The token endpoint of cloud ${this.cloudName} refused its service-account key (HTTP ${res.status})` +
          (why ? `: ${scrub(why)}` : '.'),
      );
    }
    const expiresIn = typeof parsed.expires_in === 'number' ? parsed.expires_in : 3600;
    return { access_token: parsed.access_token, expiry_date: Date.now() + expiresIn * 1000 };
  }
}
