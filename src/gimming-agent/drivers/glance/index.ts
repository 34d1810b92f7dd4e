/**
 * The OpenStack driver: images in Glance v2, reached with the caller's token and catalog, or with the
 * cloud's own Keystone for a project cloud registered with an auth_url.
 */
import type { GimmingConfig } from '../../../common/config/schema';
import { GimmingError } from '../../../common/errors';
import { ClientTls } from '../../../common/http/tls';
import type { CloudDriver, DriverCapabilities } from '../driver';
import { GlanceClient } from './client';
import { CONFIG, type GlanceConfig, glanceConfig } from './config';
import { glanceEndpoint, glanceEndpointIn } from './endpoint';
import { DiskFormatCache } from './disk-formats';
import { GLANCE_DOWNLOAD, ImportMethodCache } from './import-methods';
import { GlanceSession } from './session';

const CAPABILITIES: DriverCapabilities = {
  canExport: true,
  canImport: true,
  // Every format Glance knows; a zone's own [image_format] disk_formats may take fewer, and is read from
  // its image schema when a copy is written to it (GlanceSession.diskFormats): the agent converts then.
  diskFormats: ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop'],
  containerFormats: ['bare', 'ovf', 'ova', 'aki', 'ari', 'ami', 'docker', 'compressed'],
  // Glance computes the md5 checksum and os_hash_value (sha512 by default) as it stores the data.
  reportedHashes: ['md5', 'sha512'],
  // Glance -> Glance by glance-download where the zone's Glance advertises it: see nativeCopyNow.
  nativeCopy: [],
  sharing: 'members',
  visibilities: ['private', 'shared', 'community', 'public'],
  // Glance's own namespace: it refuses to create an image with such a property (os_glance_import_task...).
  reservedPropertyPrefixes: ['os_glance_'],
  // os_hidden (deprecated), and deactivate for obsolete and revoked.
  lifecycleStates: ['deprecated', 'obsolete', 'revoked'],
};

/** The import methods of this agent's Glances, read with the callers' tokens (import-methods.ts). */
const imports = new ImportMethodCache();

/** [glance] native_import is auto; a configuration without the group (a partial one, in tests) is. */
function nativeImportAllowed(config: GimmingConfig): boolean {
  const group = glanceConfig(config).glance as Partial<GlanceConfig['glance']> | undefined;
  return (group?.native_import ?? 'auto') === 'auto';
}

export const driver: CloudDriver = {
  name: 'openstack',
  capabilities: CAPABILITIES,
  config: CONFIG,

  imageSizeLimit(config) {
    const cap = glanceConfig(config).agent.glance_image_size_cap;
    return { bytes: cap, from: `[agent] glance_image_size_cap = ${cap}, Glance's image_size_cap` };
  },

  nativeCopyNow(config) {
    return nativeImportAllowed(config) && imports.everywhere(GLANCE_DOWNLOAD) ? ['openstack'] : [];
  },

  // glance-download writes the pulled image into the target's store like any other: image_size_cap holds.
  nativeCopyLimit(config) {
    return driver.imageSizeLimit?.(config) ?? { bytes: 0, from: '' };
  },

  nativeCopyUnavailable(config): Record<string, string> {
    if (!nativeImportAllowed(config)) return { openstack: 'their [glance] native_import is never' };
    switch (imports.advertised(GLANCE_DOWNLOAD)) {
      case 'yes':
        return {};
      case 'no':
        return {
          openstack:
            "the zone's Glance does not advertise the glance-download import method (GET /v2/info/import)",
        };
      case 'unknown':
        return {
          openstack: "they have not read yet whether the zone's Glance advertises glance-download",
        };
    }
  },

  validateConfig(config) {
    // The TLS files are read (and a certfile without keyfile refused) here, at start-up.
    try {
      new ClientTls('glance', glanceConfig(config).glance);
    } catch (err) {
      throw new Error(`driver openstack: ${(err as Error).message}`, { cause: err });
    }
  },

  start({ config, sessions }) {
    const own = glanceConfig(config);
    const iface = own.agent.glance_interface;
    const timeoutMs = own.agent.glance_timeout * 1000;
    const tls = new ClientTls('glance', own.glance);
    const formats = new DiskFormatCache();
    return {
      idleTimeoutMs: timeoutMs,
      async open(ctx, cloud) {
        if (!ctx.authToken) {
          throw new GimmingError(
            'gimming.agent.no_credentials',
            401,
            'The request carries no credentials for the cloud.',
          );
        }
        const region = cloud.region_name;
        const access = await sessions.endpointAccess(ctx, cloud, `image\n${region}\n${iface}`, (catalog) =>
          glanceEndpointIn(catalog, region, iface),
        );
        const cloudName = cloud.name || cloud.id;
        const client = new GlanceClient({
          endpoint: access?.endpoint ?? glanceEndpoint(ctx, region, iface),
          token: access?.token ?? ctx.authToken,
          // Glance logs the caller's global request id, so one action can be followed across services.
          requestId: ctx.globalId,
          timeoutMs,
          cloudName,
          ...(access ? { lookup: access.lookup, ...(access.tls ? { tls: access.tls } : {}) } : { tls }),
        });
        // A shared cloud's Glance is asked once in a while what it imports by itself (the heartbeats
        // say it); a project cloud with a Keystone of its own never copies natively.
        if (!access) imports.learn(client.endpoint, () => client.getImportMethods());
        return new GlanceSession(client, cloudName, formats, {
          imports,
          mode: own.glance.native_import,
          serviceInterface: iface,
          target: { region, ownKeystone: Boolean(access) },
        });
      },
    };
  },
};
