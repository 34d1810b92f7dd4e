/**
 * gimming-api's metrics: every HTTP request, by method, route template (never the raw path, whose IDs
 * would make a series per image) and status.
 */
import type Koa from 'koa';
import type { Registry } from 'prom-client';
import { Counter, Histogram } from 'prom-client';
import { DURATION_BUCKETS, createRegistry } from '../common/metrics';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** The route template a request was (or would have been) served by; undefined when none has its path. */
export type RouteOf = (method: string, path: string) => string | undefined;

export class ApiMetrics {
  readonly registry: Registry;
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly duration: Histogram<'method' | 'route' | 'status'>;

  constructor() {
    this.registry = createRegistry('api');
    this.requests = new Counter({
      name: 'gimming_api_http_requests_total',
      help:
        'HTTP requests answered by gimming-api, by method, route template (unmatched: no route has the ' +
        'path) and status.',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: 'gimming_api_http_request_duration_seconds',
      help:
        'Seconds gimming-api took to answer an HTTP request (until the handler ended: for a download, ' +
        'before the body is sent), by method, route template and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: DURATION_BUCKETS,
      registers: [this.registry],
    });
  }

  /** Koa middleware, placed outside the error handler so that it sees the status the client gets. */
  middleware(routeOf: RouteOf): Koa.Middleware {
    return async (ctx, next) => {
      const started = process.hrtime.bigint();
      let failed = false;
      try {
        await next();
      } catch (err) {
        failed = true;
        throw err;
      } finally {
        // The router stores the template it ran; a request refused before any route ran (no token, a
        // wrong method) is matched here, so that a 401 on /v1/images counts under /v1/images too.
        const matched = (ctx as unknown as { _matchedRoute?: string | RegExp })._matchedRoute;
        const route = typeof matched === 'string' ? matched : (routeOf(ctx.method, ctx.path) ?? 'unmatched');
        const labels = {
          method: METHODS.has(ctx.method) ? ctx.method : 'OTHER',
          route,
          status: String(failed ? 500 : ctx.status),
        };
        this.requests.inc(labels);
        this.duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
      }
    };
  }
}
