/**
 * What needs no token: version discovery at / (as Glance and Keystone answer it) and /healthcheck.
 */
import type Router from '@koa/router';
import type Koa from 'koa';
import type { Healthcheck } from '../healthcheck';
import type { ApiState } from '../middleware/request-id';
import { trimTrailingSlashes } from '../../common/trim';
import { MAX_API_VERSION, MIN_API_VERSION } from '../api-versions';

export const API_VERSIONS = [
  { id: 'v1.0', status: 'CURRENT', updated: '2026-11-22T00:00:00Z', path: '/v1/' },
];

function baseUrl(ctx: Koa.Context, publicEndpoint: string | null): string {
  return trimTrailingSlashes(publicEndpoint ?? `${ctx.protocol}://${ctx.host}`);
}

function versionDoc(ctx: Koa.Context, publicEndpoint: string | null) {
  return API_VERSIONS.map((v) => ({
    id: v.id,
    status: v.status,
    updated: v.updated,
    // The microversions the API serves, as nova's version document names them.
    min_version: MIN_API_VERSION,
    version: MAX_API_VERSION,
    links: [{ rel: 'self', href: `${baseUrl(ctx, publicEndpoint)}${v.path}` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.image-manager-v1+json' }],
  }));
}

export function rootRoutes(
  router: Router<ApiState>,
  publicEndpoint: string | null,
  healthcheck: Healthcheck,
): void {
  router.get('/', (ctx) => {
    ctx.status = 300;
    ctx.body = { versions: versionDoc(ctx, publicEndpoint) };
  });
  router.get(['/v1', '/v1/'], (ctx) => {
    ctx.body = { version: versionDoc(ctx, publicEndpoint)[0] };
  });
  router.get('/healthcheck', healthcheck.handler());
}
