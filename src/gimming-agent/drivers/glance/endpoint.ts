/**
 * The Glance endpoint of a region, taken from a service catalog, as every OpenStack client does.
 */
import type { CatalogEntry, RequestContext } from '../../../common/context';
import { GimmingError } from '../../../common/errors';
import { trimTrailingSlashes } from '../../../common/trim';

/** From the user's own catalog. */
export function glanceEndpoint(ctx: RequestContext, region: string, iface: string): string {
  return glanceEndpointIn(ctx.serviceCatalog, region, iface);
}

export function glanceEndpointIn(catalog: readonly CatalogEntry[], region: string, iface: string): string {
  // The catalog may come from a project's own Keystone: its shape is not taken for granted.
  const service = catalog.find((entry) => entry?.type === 'image');
  const endpoints = Array.isArray(service?.endpoints) ? service.endpoints : [];
  const endpoint = endpoints.find(
    (e) => e?.interface === iface && (e.region === region || e.region_id === region),
  );
  if (!endpoint || typeof endpoint.url !== 'string') {
    throw new GimmingError(
      'gimming.cloud.no_endpoint',
      409,
      `The service catalog has no ${iface} image endpoint in region ${region}.`,
    );
  }
  // Catalog entries may carry the API version; the client adds /v2 itself.
  return trimTrailingSlashes(endpoint.url).replace(/\/v2(?:\.\d+)?$/, '');
}
