/**
 * keystonemiddleware's auth_token contract: a request without a valid X-Auth-Token gets 401 with
 * `WWW-Authenticate: Keystone uri="..."`; a valid one gets a request context built from Keystone's answer
 * (never from inbound identity headers, which could be forged).
 */
import type Koa from 'koa';
import { RequestContext, runWithContext } from '../../common/context';
import { GimmingError } from '../../common/errors';
import type { KeystoneValidator } from '../../common/keystone/validator';
import type { ApiState } from './request-id';

export interface AuthState extends ApiState {
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
    ctx.state.context = new RequestContext({
      ...identity,
      request_id: ctx.state.requestId,
      global_request_id: ctx.state.globalRequestId,
      auth_token: token,
    });
    await runWithContext(ctx.state.context, next);
  };
}
