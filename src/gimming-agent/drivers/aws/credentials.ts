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
import { GimmingError } from '../../../common/errors';
import { awsFailure } from './errors';

/** A project cloud's keys, as the JSON object of its secret (or of the credentials given with a request). */
export interface AwsKeys {
  access_key_id: string;
  secret_access_key: string;
  session_token?: string;
  /** A role to assume with the keys (STS AssumeRole); the session then runs with the role's keys. */
  role_arn?: string;
  external_id?: string;
}

const FIELDS = ['access_key_id', 'secret_access_key', 'session_token', 'role_arn', 'external_id'] as const;
const MAX_VALUE = 4096;

function invalid(where: string, why: string): GimmingError {
  return new GimmingError('gimming.cloud.bad_credentials', 400, `Invalid AWS credentials ${where}: ${why}.`);
}

/** Checks a project cloud's keys (`where` says whose); never echoes a value. */
export function parseAwsKeys(value: unknown, where: string): AwsKeys {
  const inner = (value as { aws?: unknown } | null)?.aws ?? value;
  if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) {
    throw invalid(where, 'expected an object with access_key_id and secret_access_key');
  }
  const keys: Partial<Record<(typeof FIELDS)[number], string>> = {};
  for (const [key, v] of Object.entries(inner)) {
    if (!(FIELDS as readonly string[]).includes(key))
      throw invalid(where, `unknown field ${key.slice(0, 64)}`);
    if (typeof v !== 'string' || v.length === 0 || v.length > MAX_VALUE) {
      throw invalid(where, `${key} must be a non-empty string of at most ${MAX_VALUE} characters`);
    }
    keys[key as (typeof FIELDS)[number]] = v;
  }
  if (!keys.access_key_id || !keys.secret_access_key) {
    throw invalid(where, 'access_key_id and secret_access_key are both needed');
  }
  if (keys.role_arn && !/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/.test(keys.role_arn)) {
    throw invalid(where, 'role_arn is not the ARN of an IAM role');
  }
  if (keys.session_token && keys.role_arn) throw invalid(where, 'give session_token or role_arn, not both');
  return keys as AwsKeys;
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
