/**
 * OAuth 2.0 for service accounts as Google's token endpoint does it (RFC 7523 JWT bearer grant):
 * `POST /token` with `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<JWT>`. The JWT
 * must be RS256, signed by the key of a known service account (`kid` its private_key_id when given),
 * `iss` the account, `aud` the token endpoint, `iat`/`exp` within an hour and the clock skew, and
 * `scope` one or more scopes. The answer is a bearer token for an hour; Compute and Storage calls check it.
 */
import { createVerify, randomBytes } from 'node:crypto';
import type http from 'node:http';
import { GoogleApiError, sendJson } from './errors';
import type { ServiceAccount } from './service-accounts';

export const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';
/** The scopes that open each API (besides cloud-platform). */
const API_SCOPES: Record<'compute' | 'storage', string[]> = {
  compute: [
    CLOUD_PLATFORM,
    'https://www.googleapis.com/auth/compute',
    'https://www.googleapis.com/auth/compute.readonly',
  ],
  storage: [
    CLOUD_PLATFORM,
    'https://www.googleapis.com/auth/devstorage.full_control',
    'https://www.googleapis.com/auth/devstorage.read_write',
    'https://www.googleapis.com/auth/devstorage.read_only',
  ],
};
const READ_ONLY = new Set([
  'https://www.googleapis.com/auth/compute.readonly',
  'https://www.googleapis.com/auth/devstorage.read_only',
]);

export interface Grant {
  account: ServiceAccount;
  scopes: string[];
  expiresAt: number;
}

/** Google's token endpoint's audiences, besides the stand-in's own token URL. */
const GOOGLE_AUDIENCES = [
  'https://oauth2.googleapis.com/token',
  'https://www.googleapis.com/oauth2/v4/token',
];

class TokenError extends Error {
  constructor(
    readonly error: string,
    description: string,
  ) {
    super(description);
  }
}

export class Tokens {
  private readonly grants = new Map<string, Grant>();

  constructor(
    private readonly accounts: Map<string, ServiceAccount>,
    private readonly tokenUri: () => string,
    private readonly maxSkewSeconds: number,
  ) {}

  /** Verifies an assertion and hands out a token (exported for the tests of the stand-in itself). */
  exchange(
    grantType: string | null,
    assertion: string | null,
  ): { access_token: string; expires_in: number; token_type: string } {
    if (grantType !== 'urn:ietf:params:oauth:grant-type:jwt-bearer')
      throw new TokenError('unsupported_grant_type', `Invalid grant_type: ${grantType ?? ''}`);
    if (!assertion) throw new TokenError('invalid_request', 'Missing required parameter: assertion');
    const parts = assertion.split('.') as [string, string, string];
    if (parts.length !== 3)
      throw new TokenError(
        'invalid_grant',
        'Invalid JWT: Token must be a short-lived token and in a reasonable timeframe',
      );
    let header: Record<string, unknown>;
    let claims: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as Record<string, unknown>;
      claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<string, unknown>;
    } catch {
      throw new TokenError('invalid_grant', 'Invalid JWT: not base64url JSON.');
    }
    if (header.alg !== 'RS256') throw new TokenError('invalid_grant', 'Invalid JWT Signature.');
    const account = typeof claims.iss === 'string' ? this.accounts.get(claims.iss) : undefined;
    if (!account) throw new TokenError('invalid_grant', 'Invalid grant: account not found');
    if (header.kid !== undefined && header.kid !== account.keyId)
      throw new TokenError('invalid_grant', 'Invalid JWT Signature.');
    const verify = createVerify('RSA-SHA256');
    verify.update(`${parts[0]}.${parts[1]}`);
    if (!verify.verify(account.publicKey, Buffer.from(parts[2], 'base64url')))
      throw new TokenError('invalid_grant', 'Invalid JWT Signature.');
    if (claims.aud !== this.tokenUri() && !GOOGLE_AUDIENCES.includes(claims.aud as string))
      throw new TokenError('invalid_grant', 'Invalid JWT: Failed audience check.');
    const now = Math.floor(Date.now() / 1000);
    const iat = claims.iat;
    const exp = claims.exp;
    if (
      typeof iat !== 'number' ||
      typeof exp !== 'number' ||
      iat > now + this.maxSkewSeconds ||
      exp < now - this.maxSkewSeconds ||
      exp <= iat ||
      exp - iat > 3600
    )
      throw new TokenError(
        'invalid_grant',
        'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.',
      );
    if (claims.sub !== undefined && claims.sub !== account.email)
      throw new TokenError(
        'unauthorized_client',
        'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.',
      );
    const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : [];
    if (scopes.length === 0)
      throw new TokenError('invalid_scope', 'Invalid OAuth scope or ID token audience provided.');
    const token = `ya29.standin-${randomBytes(32).toString('base64url')}`;
    this.grants.set(token, { account, scopes, expiresAt: Date.now() + 3600_000 });
    return { access_token: token, expires_in: 3599, token_type: 'Bearer' };
  }

  async handle(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<void> {
    try {
      if (req.method !== 'POST') throw new TokenError('invalid_request', 'The token endpoint takes POST.');
      const form = new URLSearchParams(body.toString('utf8'));
      sendJson(res, 200, this.exchange(form.get('grant_type'), form.get('assertion')), {
        'cache-control': 'no-store',
      });
    } catch (e) {
      if (!(e instanceof TokenError)) throw e;
      sendJson(res, e.error === 'unauthorized_client' ? 401 : 400, {
        error: e.error,
        error_description: e.message,
      });
    }
    return Promise.resolve();
  }

  /**
   * The grant of a request's bearer token, checked for the API's scope (401 without a valid token, 403
   * when the token's scopes do not open the API, or only read it and `write` is asked).
   */
  authorize(req: http.IncomingMessage, api: 'compute' | 'storage', write: boolean): Grant {
    const m = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '');
    const grant = m?.[1] ? this.grants.get(m[1]) : undefined;
    if (!grant || grant.expiresAt < Date.now())
      throw new GoogleApiError(
        401,
        'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
        'required',
      );
    const usable = grant.scopes.filter((s) => API_SCOPES[api].includes(s) && (!write || !READ_ONLY.has(s)));
    if (usable.length === 0)
      throw new GoogleApiError(
        403,
        'Request had insufficient authentication scopes.',
        'insufficientPermissions',
      );
    return grant;
  }
}

/** 403 unless the grant's account may use the project. */
export function checkProject(grant: Grant, project: string, permission: string, resource: string): void {
  if (!grant.account.projects.includes(project))
    throw new GoogleApiError(403, `Required '${permission}' permission for '${resource}'`, 'forbidden');
}
