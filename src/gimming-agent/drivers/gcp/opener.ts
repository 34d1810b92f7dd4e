/**
 * The GCE driver at work in an agent: the SDK clients (cached per project and key), the imports under
 * way, and a session per cloud opened with the caller's service-account key or the host's default
 * credentials.
 */
import { GimmingError } from '../../../common/errors';
import type { GcpKey } from '../../../common/cloud-credentials/gcp-key';
import type { CloudOpener, DriverContext } from '../driver';
import { ClientCache } from './clients';
import { gcpConfig } from './config';
import { hostKey, parseGcpKeys } from './credentials';
import { PendingImports } from './import';
import { GcpSession } from './session';

export function openGcp({ config, sessions }: DriverContext): CloudOpener {
  const own = gcpConfig(config);
  const clients = new ClientCache(own);
  const pending = new PendingImports();
  return {
    idleTimeoutMs: own.request_timeout * 1000,
    async open(ctx, cloud) {
      const cloudName = cloud.name || cloud.id;
      const value = await sessions.credentialValue(ctx, cloud);
      // A project cloud's key (sealed with the call, or its secret); none: the host's own credentials.
      const key: GcpKey | undefined =
        value === undefined ? hostKey() : parseGcpKeys(value, `of cloud ${cloudName}`);
      // The cloud's project: its project option, else its key's.
      const project = cloud.options?.project || key?.project_id || '';
      if (!project) {
        throw new GimmingError(
          'gimming.cloud.no_project',
          409,
          `Cloud ${cloudName} names no GCP project (its project option).`,
        );
      }
      const bucket = cloud.options?.bucket ?? '';
      // The registration's storage location and default family (checked by the conductor then).
      const defaults = {
        ...(cloud.options?.storage_location ? { storageLocation: cloud.options.storage_location } : {}),
        ...(cloud.options?.family ? { family: cloud.options.family } : {}),
      };
      // A project's key (not the host's own) is the project's to write: its URLs are held to [project_clouds].
      const projectUrls =
        value === undefined
          ? undefined
          : { check: (url: string, what: string) => sessions.checkUrl(url, what), tls: sessions.tls };
      const made = await clients.get(project, key, cloudName, projectUrls);
      return new GcpSession(made, own, pending, cloudName, bucket, defaults);
    },
  };
}
