/**
 * `X-Cloud-Credentials`: credentials for clouds that have their own Keystone, given with a request instead
 * of (or in place of) the key-manager secret a cloud may be registered with. The value is a JSON object of
 * cloud name or ID to clouds.yaml-style `auth` (see common/cloud-credentials/auth.ts), as is or base64
 * encoded. It is checked and sealed here, at once, and removed from the request: the rest of GIMinG only
 * ever holds the sealed blob, which only an agent opens.
 */
import type Koa from 'koa';
import { parseCloudAuthMap } from '../../common/cloud-credentials/auth';
import type { CredentialSeal } from '../../common/cloud-credentials/seal';
import { GimmingError } from '../../common/errors';
import type { AuthState } from './auth-token';

export const CLOUD_CREDENTIALS_HEADER = 'x-cloud-credentials';
const MAX_HEADER_LENGTH = 16384;

function malformed(why: string): GimmingError {
  return new GimmingError(
    'gimming.cloud.bad_credentials',
    400,
    `Invalid X-Cloud-Credentials header: ${why}.`,
  );
}

function decode(raw: string): unknown {
  const text = raw.trimStart().startsWith('{') ? raw : Buffer.from(raw.trim(), 'base64').toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw malformed('expected a JSON object, as is or base64 encoded');
  }
}

export function cloudCredentials(seal: CredentialSeal, lifetimeS: number): Koa.Middleware<AuthState> {
  return async (ctx, next) => {
    const raw = ctx.request.headers[CLOUD_CREDENTIALS_HEADER];
    if (raw !== undefined) {
      delete ctx.request.headers[CLOUD_CREDENTIALS_HEADER];
      const value = Array.isArray(raw) ? raw.join(',') : raw;
      if (value.length > MAX_HEADER_LENGTH) throw malformed(`longer than ${MAX_HEADER_LENGTH} characters`);
      const credentials = parseCloudAuthMap(decode(value));
      ctx.state.context.cloudCredentials = seal.seal(credentials, lifetimeS);
    }
    await next();
  };
}
