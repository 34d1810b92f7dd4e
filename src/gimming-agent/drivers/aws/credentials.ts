/**
 * Whose keys reach an EC2 cloud. A shared cloud (no credentials of its own) uses the standard AWS
 * credential chain of the agent host (environment, shared config and credentials files, container or
 * instance role): configured on the agent hosts of its zone, never in GIMinG. A project cloud's keys
 * come sealed with the call or from its key-manager secret (read by CloudSessions, as for any project
 * cloud): an access key, with an optional session token or a role to assume through STS.
 *
 * The keys live only in this process's memory; no message here ever quotes a value.
 */
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { type AwsKey, parseAwsKey } from '../../../common/cloud-credentials/aws-key';
import { GimmingError } from '../../../common/errors';
import { awsFailure } from './errors';

/** A project cloud's keys: GIMinG's one rule for them (common/cloud-credentials/aws-key.ts). */
export type AwsKeys = AwsKey;

/**
 * Checks a project cloud's keys (`where` says whose), as its secret holds them or as they came sealed with
 * a request (possibly under `aws`); never echoes a value.
 */
export function parseAwsKeys(value: unknown, where: string): AwsKeys {
  return parseAwsKey((value as { aws?: unknown } | null)?.aws ?? value, where);
}

export interface StsOptions {
  region: string;
  endpoint?: string;
  timeoutMs: number;
  cloudName: string;
  requestHandler: unknown;
}

/**
 * A provider of the keys a session signs with: the host's chain for a shared cloud, the project's keys
 * (or the role they assume, renewed before it expires) for a project cloud.
 */
export function credentialProvider(
  keys: AwsKeys | undefined,
  sts: StsOptions,
): AwsCredentialIdentityProvider {
  if (!keys) return defaultProvider({ timeout: sts.timeoutMs });
  const base: AwsCredentialIdentity = {
    accessKeyId: keys.access_key_id,
    secretAccessKey: keys.secret_access_key,
    ...(keys.session_token ? { sessionToken: keys.session_token } : {}),
  };
  if (!keys.role_arn) return () => Promise.resolve(base);
  const roleArn = keys.role_arn;
  let assumed: AwsCredentialIdentity | undefined;
  return async () => {
    // Renewed five minutes before it expires.
    if (assumed?.expiration && assumed.expiration.getTime() - Date.now() > 300_000) return assumed;
    const client = new STSClient({
      region: sts.region,
      credentials: base,
      ...(sts.endpoint ? { endpoint: sts.endpoint } : {}),
      requestHandler: sts.requestHandler as never,
    });
    try {
      const out = await client.send(
        new AssumeRoleCommand({
          RoleArn: roleArn,
          RoleSessionName: 'gimming-agent',
          ...(keys.external_id ? { ExternalId: keys.external_id } : {}),
        }),
      );
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey) {
        throw new GimmingError(
          'gimming.cloud.credentials_refused',
          403,
          `STS gave no keys for cloud ${sts.cloudName}.`,
        );
      }
      assumed = {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
        ...(c.Expiration ? { expiration: c.Expiration } : {}),
      };
      return assumed;
    } catch (err) {
      if (err instanceof GimmingError) throw err;
      throw awsFailure(err, `Assuming the role of cloud ${sts.cloudName}`, sts.cloudName);
    } finally {
      client.destroy();
    }
  };
}
