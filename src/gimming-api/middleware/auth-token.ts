/**
 * keystonemiddleware's auth_token contract: a request without a valid X-Auth-Token gets 401 with
 * `WWW-Authenticate: Keystone uri="..."`; a valid one gets a request context built from Keystone's answer
 * (never from inbound identity headers, which could be forged).
 */
import type Koa from 'koa';
import { RequestContext, runWithContext } from '../../common/context';
import { GimmingError } from '../../common/errors';
import type { KeystoneValidator } from '../../common/keystone/validator';
import { isAdministrator } from '../policy';
import type { ApiState } from './request-id';
import type { VersionState } from './microversion';

/** What a /v1 handler finds in ctx.state: the request IDs, the microversion served, the caller. */
export interface AuthState extends ApiState, VersionState {
  context: RequestContext;
  wwwAuthenticate?: string;
}

const MAX_TOKEN_LENGTH = 8192;

export function authToken(validator: KeystoneValidator): Koa.Middleware<AuthState> {
  return async (ctx, next) => {
    ctx.state.wwwAuthenticate = `Keystone uri="${validator.wwwAuthenticateUri}"`;
    const token = ctx.get('x-auth-token');
    if (!token)
      throw new GimmingError(
        'gimming.auth.missing_token',
        401,
        'The request you have made requires authentication.',
      );
    if (token.length > MAX_TOKEN_LENGTH || !/^[\x21-\x7e]+$/.test(token)) {
      throw new GimmingError(
        'gimming.auth.invalid_token',
        401,
        'The request you have made requires authentication.',
      );
    }
    const identity = await validator.validate(token);
    const data = {
      ...identity,
      request_id: ctx.state.requestId,
      global_request_id: ctx.state.globalRequestId,
      auth_token: token,
    };
    // Administrator is what the policy says (context_is_admin), decided here once for all the work.
    ctx.state.context = new RequestContext({ ...data, is_admin: isAdministrator(new RequestContext(data)) });
    await runWithContext(ctx.state.context, next);
  };
}
