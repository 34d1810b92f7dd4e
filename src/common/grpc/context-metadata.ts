/**
 * The request context in gRPC metadata, under the header names keystonemiddleware gives the same facts.
 */
import * as grpc from '@grpc/grpc-js';
import { type CatalogEntry, RequestContext, newRequestId } from '../context';

/** Sealed per-request cloud credentials (only the agent can open them). */
export const CLOUD_CREDENTIALS_KEY = 'x-gimming-cloud-credentials';

export function contextToMetadata(ctx: RequestContext): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set('x-openstack-request-id', ctx.requestId);
  if (ctx.globalRequestId) md.set('x-global-request-id', ctx.globalRequestId);
  if (ctx.userId) md.set('x-user-id', ctx.userId);
  if (ctx.projectId) md.set('x-project-id', ctx.projectId);
  if (ctx.roles.length > 0) md.set('x-roles', ctx.roles.join(','));
  if (ctx.authToken) md.set('x-auth-token', ctx.authToken);
  if (ctx.serviceCatalog.length > 0) md.set('x-service-catalog', JSON.stringify(ctx.serviceCatalog));
  if (ctx.cloudCredentials) md.set(CLOUD_CREDENTIALS_KEY, ctx.cloudCredentials);
  return md;
}

function first(md: grpc.Metadata, key: string): string | undefined {
  const value = md.get(key)[0];
  return typeof value === 'string' ? value : undefined;
}

export function contextFromMetadata(md: grpc.Metadata): RequestContext {
  let catalog: CatalogEntry[] = [];
  const rawCatalog = first(md, 'x-service-catalog');
  if (rawCatalog) {
    try {
      const parsed = JSON.parse(rawCatalog) as unknown;
      if (Array.isArray(parsed)) catalog = parsed as CatalogEntry[];
    } catch {
      catalog = [];
    }
  }
  return new RequestContext({
    request_id: first(md, 'x-openstack-request-id') ?? newRequestId(),
    global_request_id: first(md, 'x-global-request-id'),
    user_id: first(md, 'x-user-id'),
    project_id: first(md, 'x-project-id'),
    roles: (first(md, 'x-roles') ?? '').split(',').filter((r) => r !== ''),
    auth_token: first(md, 'x-auth-token'),
    service_catalog: catalog,
    cloud_credentials: first(md, CLOUD_CREDENTIALS_KEY),
  });
}
