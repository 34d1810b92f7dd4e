/**
 * The EC2 driver at work in an agent: the SDK clients (cached per region and keys), the import tasks
 * under way, and a session per cloud opened with the caller's keys or the host's chain.
 */
import { GimmingError } from '../../../common/errors';
import type { CloudOpener, DriverContext } from '../driver';
import { ClientCache } from './clients';
import { awsConfig } from './config';
import { type AwsKeys, parseAwsKeys } from './credentials';
import { PendingImports } from './import';
import { AwsSession } from './session';

export function openAws({ config, sessions }: DriverContext): CloudOpener {
  const own = awsConfig(config);
  const clients = new ClientCache(own);
  const pending = new PendingImports();
  return {
    idleTimeoutMs: own.request_timeout * 1000,
    async open(ctx, cloud) {
      const cloudName = cloud.name || cloud.id;
      if (!cloud.region_name) {
        throw new GimmingError('gimming.cloud.no_region', 409, `Cloud ${cloudName} names no AWS region.`);
      }
      // A project cloud's keys (sealed with the call, or its secret); none: the agent host's chain.
      const value = await sessions.credentialValue(ctx, cloud);
      const keys: AwsKeys | undefined =
        value === undefined ? undefined : parseAwsKeys(value, `of cloud ${cloudName}`);
      const bucket = cloud.options?.bucket ?? '';
      return new AwsSession(clients.get(cloud.region_name, keys, cloudName), own, pending, cloudName, bucket);
    },
  };
}
