/**
 * Credentials for a cloud that has its own Keystone, in the form of the `auth` section of a clouds.yaml
 * entry (the cloud's auth_url is part of the cloud, not of the credentials): an application credential,
 * or a user and password with the project to scope to. They come with a request (the
 * `X-Cloud-Credentials` header) or from a key-manager secret whose payload is this JSON object.
 */
import { GimmingError } from '../errors';
import { type AwsKey, looksLikeAwsKey, parseAwsKey } from './aws-key';
import { type GcpKey, looksLikeGcpKey, parseGcpKey } from './gcp-key';

const FIELDS = [
  'application_credential_id',
  'application_credential_name',
  'application_credential_secret',
  'username',
  'user_id',
  'password',
  'user_domain_name',
  'user_domain_id',
  'project_name',
  'project_id',
  'project_domain_name',
  'project_domain_id',
] as const;

export type CloudAuth = Partial<Record<(typeof FIELDS)[number], string>>;

const MAX_VALUE_LENGTH = 1024;

function invalid(where: string, why: string): GimmingError {
  // Never quote the value: it may be a password.
  return new GimmingError(
    'gimming.cloud.bad_credentials',
    400,
    `Invalid cloud credentials ${where}: ${why}.`,
  );
}

/** Checks one cloud's credentials (`where` says whose, for the error); never echoes a value. */
export function parseCloudAuth(value: unknown, where: string): CloudAuth {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(where, 'expected an object');
  }
  const auth: CloudAuth = {};
  for (const [key, v] of Object.entries(value)) {
    if (!(FIELDS as readonly string[]).includes(key))
      throw invalid(where, `unknown field ${key.slice(0, 64)}`);
    if (typeof v !== 'string' || v.length === 0 || v.length > MAX_VALUE_LENGTH) {
      throw invalid(where, `${key} must be a non-empty string of at most ${MAX_VALUE_LENGTH} characters`);
    }
    auth[key as keyof CloudAuth] = v;
  }
  if (auth.application_credential_secret) {
    if (
      !auth.application_credential_id &&
      !(auth.application_credential_name && (auth.user_id || auth.username))
    ) {
      throw invalid(where, 'an application credential needs its ID (or its name and the user)');
    }
  } else if (auth.password) {
    if (!auth.user_id && !auth.username) throw invalid(where, 'a password needs username or user_id');
  } else {
    throw invalid(where, 'expected application_credential_secret or password');
  }
  return auth;
}

/**
 * Credentials for several clouds, keyed by cloud name or ID: each an OpenStack `auth`, an AWS key for a
 * project's aws cloud (aws-key.ts), or a Google service-account key for a project's gcp cloud
 * (gcp-key.ts). Which one a cloud takes is its agent's driver's to check.
 */
export function parseCloudAuthMap(value: unknown): Record<string, CloudAuth | AwsKey | GcpKey> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('', 'expected an object of cloud name or ID to credentials');
  }
  const entries = Object.entries(value);
  if (entries.length === 0 || entries.length > 64) throw invalid('', 'expected 1 to 64 clouds');
  const result = Object.create(null) as Record<string, CloudAuth | AwsKey | GcpKey>;
  for (const [cloud, auth] of entries) {
    if (cloud.length === 0 || cloud.length > 255) throw invalid('', 'a cloud name is empty or too long');
    const where = `for cloud ${cloud}`;
    result[cloud] = looksLikeAwsKey(auth)
      ? parseAwsKey(auth, where)
      : looksLikeGcpKey(auth)
        ? parseGcpKey(auth, where)
        : parseCloudAuth(auth, where);
  }
  return result;
}

function domain(id: string | undefined, name: string | undefined): Record<string, string> {
  return id ? { id } : { name: name ?? 'Default' };
}

/** The body of a Keystone v3 token request with these credentials. */
export function keystoneAuthBody(auth: CloudAuth): Record<string, unknown> {
  if (auth.application_credential_secret) {
    const credential: Record<string, unknown> = { secret: auth.application_credential_secret };
    if (auth.application_credential_id) credential.id = auth.application_credential_id;
    else {
      credential.name = auth.application_credential_name;
      credential.user = auth.user_id
        ? { id: auth.user_id }
        : { name: auth.username, domain: domain(auth.user_domain_id, auth.user_domain_name) };
    }
    return {
      auth: { identity: { methods: ['application_credential'], application_credential: credential } },
    };
  }
  const user = auth.user_id
    ? { id: auth.user_id, password: auth.password }
    : {
        name: auth.username,
        password: auth.password,
        domain: domain(auth.user_domain_id, auth.user_domain_name),
      };
  const body: Record<string, unknown> = { identity: { methods: ['password'], password: { user } } };
  if (auth.project_id) body.scope = { project: { id: auth.project_id } };
  else if (auth.project_name) {
    body.scope = {
      project: { name: auth.project_name, domain: domain(auth.project_domain_id, auth.project_domain_name) },
    };
  }
  return { auth: body };
}

/** Work on a cloud with its own identity service, without credentials for it. */
export function credentialsRequired(cloudName: string): GimmingError {
  return new GimmingError(
    'gimming.cloud.credentials_required',
    400,
    `Cloud ${cloudName} has its own identity service and no credentials_ref: give its credentials with the ` +
      'request (X-Cloud-Credentials).',
  );
}
