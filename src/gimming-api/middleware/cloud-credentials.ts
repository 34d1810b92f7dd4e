/**
 * `X-Cloud-Credentials`: credentials for clouds that have their own Keystone, or for a project's aws
 * cloud, given with a request instead of (or in place of) the key-manager secret a cloud may be
 * registered with. The value is a JSON object of cloud name or ID to clouds.yaml-style `auth` (see
 * common/cloud-credentials/auth.ts) or an AWS key (aws-key.ts), as is or base64 encoded. It is checked and sealed here, at once, and removed from the request: the rest of GIMinG only
 * ever holds the sealed blobs, which only an agent opens. A cloud named by its name is looked up here, as
 * the caller sees it, and each cloud's credentials are sealed for its ID and the caller's project: nothing
 * further down looks a cloud up by name, so a cloud of the same name elsewhere never gets them.
 */
import type Koa from 'koa';
import { parseCloudAuthMap } from '../../common/cloud-credentials/auth';
import { type CredentialSealer, SealedCredentials } from '../../common/cloud-credentials/seal';
import { GimmingError } from '../../common/errors';
import type { RequestContext } from '../../common/context';
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

/** The ID of a cloud named by name or ID, as the caller sees it; rejects when the caller sees no such cloud. */
export type CloudIdOf = (ctx: RequestContext, ref: string) => Promise<string>;

export function cloudCredentials(
  sealer: CredentialSealer,
  lifetimeS: number,
  cloudIdOf: CloudIdOf,
): Koa.Middleware<AuthState> {
  return async (ctx, next) => {
    const raw = ctx.request.headers[CLOUD_CREDENTIALS_HEADER];
    if (raw !== undefined) {
      delete ctx.request.headers[CLOUD_CREDENTIALS_HEADER];
      const value = Array.isArray(raw) ? raw.join(',') : raw;
      if (value.length > MAX_HEADER_LENGTH) throw malformed(`longer than ${MAX_HEADER_LENGTH} characters`);
      const credentials = parseCloudAuthMap(decode(value));
      const context = ctx.state.context;
      if (!context.projectId) {
        throw new GimmingError('gimming.auth.no_project', 403, 'A project-scoped token is needed.');
      }
      if (!sealer.available) sealer.seal({}, { projectId: '', cloudId: '' }, lifetimeS); // its error
      const byCloud: Record<string, string> = {};
      for (const [ref, auth] of Object.entries(credentials)) {
        const cloudId = await cloudIdOf(context, ref).catch((err: unknown) => {
          if (err instanceof GimmingError && err.status === 404) {
            throw malformed(`no cloud ${JSON.stringify(ref)} is known to this project`);
          }
          throw err;
        });
        if (Object.hasOwn(byCloud, cloudId)) throw malformed(`cloud ${JSON.stringify(ref)} is named twice`);
        byCloud[cloudId] = sealer.seal(auth, { projectId: context.projectId, cloudId }, lifetimeS);
      }
      context.cloudCredentials = SealedCredentials.of(byCloud);
    }
    await next();
  };
}
