/**
 * The credentials of a project's aws cloud: an AWS access key, with an optional session token (temporary
 * credentials) and an optional role to assume with it. They live in the cloud's key-manager secret (whose
 * payload is this JSON object) or come with a request (`X-Cloud-Credentials`), exactly as the `auth` of a
 * project OpenStack cloud does, and are never stored by GIMinG. A shared aws cloud has none: its agents
 * use the AWS credential chain of their own hosts.
 */
import { GimmingError } from '../errors';

export interface AwsKey {
  access_key_id: string;
  secret_access_key: string;
  session_token?: string;
  /** A role to assume with the key (STS AssumeRole); the agent then works with the role's keys. */
  role_arn?: string;
  /** The external ID the role's trust policy asks for, if any. */
  external_id?: string;
}

const FIELDS = ['access_key_id', 'secret_access_key', 'session_token', 'role_arn', 'external_id'] as const;
// AKIA... (long-term) or ASIA... (temporary) keys are 20 characters today; IAM allows 16 to 128.
const ACCESS_KEY_ID_RE = /^[A-Z0-9]{16,128}$/;
const ROLE_ARN_RE = /^arn:aws[a-z-]*:iam::\d{12}:role\/[A-Za-z0-9+=,.@_/-]{1,512}$/;
const MAX_LENGTH: Record<(typeof FIELDS)[number], number> = {
  access_key_id: 128,
  secret_access_key: 1024,
  session_token: 8192,
  role_arn: 2048,
  external_id: 1224,
};

function invalid(where: string, why: string): GimmingError {
  // Never quote a value: it may be a secret key.
  return new GimmingError(
    'gimming.cloud.bad_credentials',
    400,
    `Invalid cloud credentials ${where}: ${why}.`,
  );
}

/** Whether credentials are meant as an AWS key (rather than an OpenStack `auth`). */
export function looksLikeAwsKey(value: unknown): boolean {
  return (
    typeof value === 'object' && value !== null && ('access_key_id' in value || 'secret_access_key' in value)
  );
}

/** Checks an AWS key (`where` says whose, for the error); never echoes a value. */
export function parseAwsKey(value: unknown, where: string): AwsKey {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(where, 'expected an object');
  }
  const key: Partial<AwsKey> = {};
  for (const [name, v] of Object.entries(value)) {
    if (!(FIELDS as readonly string[]).includes(name)) {
      throw invalid(where, `unknown field ${name.slice(0, 64)}`);
    }
    const max = MAX_LENGTH[name as (typeof FIELDS)[number]];
    if (typeof v !== 'string' || v.length === 0 || v.length > max) {
      throw invalid(where, `${name} must be a non-empty string of at most ${max} characters`);
    }
    key[name as keyof AwsKey] = v;
  }
  if (!key.access_key_id || !key.secret_access_key) {
    throw invalid(where, 'an AWS key needs access_key_id and secret_access_key');
  }
  if (!ACCESS_KEY_ID_RE.test(key.access_key_id)) {
    throw invalid(where, 'access_key_id is not an AWS access key ID (16 to 128 capital letters and digits)');
  }
  if (key.role_arn !== undefined && !ROLE_ARN_RE.test(key.role_arn)) {
    throw invalid(where, 'role_arn is not the ARN of an IAM role (arn:aws:iam::<account>:role/<name>)');
  }
  return key as AwsKey;
}
