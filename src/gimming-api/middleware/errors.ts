/**
 * The one place errors become HTTP: every failure is answered as JSON with a stable code, the status and a
 * message; 5xx answers never show internals. Also writes one access log line per request.
 */
import { STATUS_CODES } from 'node:http';
import type Koa from 'koa';
import { RequestContext, runWithContext } from '../../common/context';
import { GimmingError, asGimmingError, describeError } from '../../common/errors';
import { getLogger } from '../../common/log';
import type { ApiState } from './request-id';

const log = getLogger('api.access');

/**
 * GimmingErrors are written for the caller, whatever their status; anything else became an opaque
 * `gimming.internal` error whose cause stays in the log.
 */
export function errorBody(err: GimmingError, requestId: string): Record<string, unknown> {
  return {
    error: {
      code: err.code,
      status: err.status,
      title: STATUS_CODES[err.status] ?? 'Error',
      message: err.message,
      request_id: requestId,
      ...(err.details ? { details: err.details } : {}),
    },
  };
}

export function errorsAndAccessLog(): Koa.Middleware<ApiState & { context?: RequestContext }> {
  return async (ctx, next) => {
    const started = Date.now();
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new GimmingError(
          'gimming.request.not_found',
          404,
          `The resource ${ctx.path} could not be found.`,
        );
      }
    } catch (err) {
      const gerr = koaHttpError(err) ?? asGimmingError(err);
      if (gerr.status >= 500) {
        log.error(
          { err: describeError(err), cause: describeError(gerr.cause), request_id: ctx.state.requestId },
          'request failed',
        );
      }
      ctx.status = gerr.status;
      ctx.body = errorBody(gerr, ctx.state.requestId);
      if (gerr.status === 401)
        ctx.set(
          'WWW-Authenticate',
          (ctx.state as { wwwAuthenticate?: string }).wwwAuthenticate ?? 'Keystone',
        );
    }
    const fields = {
      method: ctx.method,
      path: ctx.path,
      status: ctx.status,
      ms: Date.now() - started,
      request_id: ctx.state.requestId,
      global_request_id: ctx.state.globalRequestId,
    };
    const context = ctx.state.context ?? RequestContext.forService(ctx.state.requestId);
    runWithContext(context, () => log.info(fields, 'request'));
  };
}

/** Koa's own errors (from ctx.throw or its body handling) carry a status. */
function koaHttpError(err: unknown): GimmingError | undefined {
  if (err instanceof GimmingError) return undefined;
  const status = (err as { status?: unknown }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new GimmingError('gimming.request.invalid', status, (err as Error).message);
  }
  return undefined;
}
