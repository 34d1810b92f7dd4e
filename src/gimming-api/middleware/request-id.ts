/**
 * oslo.middleware's request_id: every response carries `x-openstack-request-id: req-<uuid>`; an inbound
 * one of that form is kept as the global request id so one action can be followed across services.
 */
import type Koa from 'koa';
import { isValidRequestId, newRequestId } from '../../common/context';

export interface ApiState {
  requestId: string;
  globalRequestId?: string;
}

export function requestId(): Koa.Middleware<ApiState> {
  return async (ctx, next) => {
    ctx.state.requestId = newRequestId();
    const inbound = ctx.get('x-openstack-request-id');
    if (isValidRequestId(inbound)) ctx.state.globalRequestId = inbound;
    ctx.set('x-openstack-request-id', ctx.state.requestId);
    await next();
  };
}
